#!/usr/bin/env node
// The task-api demo: runs the regex baseline (rules-v1) and the rule-based v2 on the same
// 292-case dataset, prints both scorecards, shows where v2 is worse, applies the suite's gate
// (v2 fails it on the slice it regressed), and compares two repeats of one target (no change).
// Everything is offline and stored in examples/task-api/.assay/assay.db. Exits 0.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/assay.js", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "assay-demo-"));

function assay(args) {
  process.stdout.write(`\n$ assay ${args.join(" ")}\n`);
  const res = spawnSync(process.execPath, [bin, ...args], {
    cwd: here,
    stdio: ["ignore", "inherit", "inherit"],
  });
  return res.status;
}

function section(title) {
  process.stdout.write(`\n${"═".repeat(78)}\n${title}\n${"═".repeat(78)}\n`);
}

function mustSucceed(code, what) {
  if (code !== 0) {
    process.stderr.write(`${what} exited ${code}\n`);
    process.exit(code ?? 1);
  }
}

try {
  section("1. run the baseline and v2, score, store, print both scorecards");
  mustSucceed(assay(["run", ".", "--json", join(out, "cards.json")]), "assay run");
  const file = JSON.parse(readFileSync(join(out, "cards.json"), "utf8"));
  const cards = file.scorecards ?? [file];
  const base = cards.find((c) => c.run.target === "rules-v1");
  const cand = cards.find((c) => c.run.target === "rules-v2");

  section("2. where v2 differs from the baseline (aggregate per slice)");
  const rows = [];
  for (const [slice, entry] of Object.entries(cand.slices)) {
    const b = base.slices[slice]?.aggregate?.mean;
    const c = entry.aggregate?.mean;
    if (typeof b === "number" && typeof c === "number")
      rows.push({ slice, b, c, d: c - b, n: entry.aggregate.n });
  }
  rows.sort((x, y) => x.d - y.d);
  const pct = (v) => `${(v * 100).toFixed(1)}`.padStart(6);
  process.stdout.write(
    `${"slice".padEnd(34)}${"v1".padStart(6)}${"v2".padStart(6)}${"Δ pts".padStart(8)}${"n".padStart(6)}\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `${r.slice.padEnd(34)}${pct(r.b)}${pct(r.c)}${pct(r.d).padStart(8)}${String(r.n).padStart(6)}\n`,
    );
  }
  const overall = cand.aggregate.mean - base.aggregate.mean;
  const worst = rows[0];
  process.stdout.write(
    `\nv2 vs v1 overall: ${overall >= 0 ? "+" : ""}${(overall * 100).toFixed(1)} points of aggregate score.\n` +
      `v2 is worse on ${worst.slice}: ${(worst.d * 100).toFixed(1)} points over ${worst.n} cases.\n`,
  );

  section("3. the deployment gate: v2 (candidate) against rules-v1 (gate.baseline)");
  const gateCode = assay(["gate", ".", "--run", cand.run.id, "--md", join(out, "gate.md")]);
  process.stdout.write(
    `\nIn CI, \`assay gate\` would exit ${gateCode} here (${gateCode === 1 ? "FAIL: v2 may not ship" : gateCode === 0 ? "PASS" : "error"}).\n`,
  );

  section("4. noise check: two repeats of the same target must show no change");
  mustSucceed(
    assay(["run", ".", "--target", "rules-v2", "--quiet", "--json", join(out, "repeat.json")]),
    "assay run",
  );
  const repeat = JSON.parse(readFileSync(join(out, "repeat.json"), "utf8"));
  const cmpCode = assay(["compare", cand.run.id, repeat.run.id, "--json", join(out, "repeat-cmp.json")]);
  const cmp = JSON.parse(readFileSync(join(out, "repeat-cmp.json"), "utf8"));
  const verdicts = new Set(Object.values(cmp.dimensions).map((d) => d.verdict));
  process.stdout.write(
    `\nrepeat comparison verdicts: ${[...verdicts].join(", ")} (assay compare exit ${cmpCode}).\n` +
      "The demo itself exits 0; the gate's exit code above is what CI would act on.\n",
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
