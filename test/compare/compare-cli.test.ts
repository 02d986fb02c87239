import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess } from "../support/cli.ts";
import { discordantPair, ids, makeRun, type SyntheticCase } from "../support/synthetic-runs.ts";
import { tempDir } from "../support/temp.ts";

/** `assay compare` as a CI script meets it: exit codes, the JSON contract, messages. */

const MCNEMAR_2_VS_9 = 0.0654296875;

describe("assay compare", () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const cli = (...args: string[]) => runCliInProcess(["--db", db, "compare", ...args], { cwd: tmp.dir });
  const readJson = (name: string) => JSON.parse(readFileSync(tmp.path(name), "utf8"));

  const mk = (id: string, pass: boolean, input?: string): SyntheticCase => ({
    id,
    input,
    scores: { correct: pass ? 1 : 0 },
  });
  const shared = ids("s", 30);

  beforeAll(async () => {
    tmp = tempDir("assay-compare-cli-");
    db = tmp.path("assay.db");
    const store = openSqliteStore(db);
    try {
      const pair = discordantPair({ n: 100, passToFail: 2, failToPass: 9, bothPass: 60 });
      await makeRun(store, { id: "mc-base", datasetVersion: "dv-mc", target: "v1", cases: pair.base });
      await makeRun(store, { id: "mc-cand", datasetVersion: "dv-mc", target: "v2", cases: pair.candidate });

      const drop = discordantPair({ n: 200, passToFail: 40, failToPass: 0, bothPass: 120, prefix: "d" });
      await makeRun(store, { id: "drop-base", datasetVersion: "dv-drop", cases: drop.base });
      await makeRun(store, { id: "drop-cand", datasetVersion: "dv-drop", cases: drop.candidate });

      // same dataset version, different case sets (e.g. an interrupted run)
      await makeRun(store, {
        id: "um-base",
        datasetVersion: "dv-um",
        cases: [...shared.map((id) => mk(id, true)), mk("b-only-1", true), mk("b-only-2", true)],
      });
      await makeRun(store, {
        id: "um-cand",
        datasetVersion: "dv-um",
        cases: [mk("c-only-1", true), ...shared.map((id) => mk(id, true))],
      });

      // two dataset versions: s-003 and s-010 reworded, one case dropped, one added
      await makeRun(store, {
        id: "v-old",
        datasetVersion: "dv-old111",
        cases: [...shared.map((id) => mk(id, true)), mk("retired", true)],
      });
      await makeRun(store, {
        id: "v-new",
        datasetVersion: "dv-new222",
        cases: [
          ...shared.map((id) =>
            mk(id, id !== "s-003", id === "s-003" || id === "s-010" ? `${id}!` : undefined),
          ),
          mk("added", false),
        ],
      });
    } finally {
      await store.close();
    }
  });
  afterAll(() => tmp.remove());

  it("writes the exact McNemar p to --json and exits 0 when nothing regressed", async () => {
    const res = await cli("mc-base", "mc-cand", "--json", tmp.path("mc.json"), "--md", tmp.path("mc.md"));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/mcnemar-exact/);
    const cmp = readJson("mc.json");
    expect(cmp).toMatchObject({ base: "mc-base", candidate: "mc-cand", pairs: 100, cases: 100 });
    const d = cmp.dimensions.correct;
    expect(d.test).toBe("mcnemar-exact");
    expect(Math.abs(d.p - MCNEMAR_2_VS_9)).toBeLessThan(1e-9);
    expect(["no-change", "underpowered"]).toContain(d.verdict);
    for (const key of ["base", "candidate", "delta", "ci", "test", "p", "pAdjusted", "verdict"])
      expect(d).toHaveProperty(key);
    expect(cmp.flips).toHaveLength(11);
    expect(cmp.flips.filter((f: { direction: string }) => f.direction === "pass→fail")).toHaveLength(2);
    expect(cmp.unmatched).toEqual({ base: [], candidate: [] });
    const md = readFileSync(tmp.path("mc.md"), "utf8");
    expect(md).toMatch(/\| correct \|/);
    expect(md).toContain("mcnemar-exact");

    const rev = await cli("mc-cand", "mc-base", "--json", tmp.path("mc-rev.json"));
    expect(rev.code, rev.stderr).toBe(0);
    const r = readJson("mc-rev.json").dimensions.correct;
    expect(r.p).toBe(d.p);
    expect(r.delta).toBeCloseTo(-d.delta, 12);
  });

  it("exits 1 when a dimension regressed significantly", async () => {
    const res = await cli("drop-base", "drop-cand", "--json", tmp.path("drop.json"));
    expect(res.code, res.stderr).toBe(1);
    const cmp = readJson("drop.json");
    expect(cmp.dimensions.correct.verdict).toBe("regressed");
    expect(cmp.dimensions.correct.delta).toBeCloseTo(-0.2, 12);
    expect(res.stdout).toMatch(/40 pass→fail, 0 fail→pass/);
  });

  it("console and Markdown lead with what regressed, in points, with a small p in scientific notation", async () => {
    const res = await cli("drop-base", "drop-cand", "--md", tmp.path("drop.md"));
    expect(res.code, res.stderr).toBe(1);
    const lines = res.stdout.split("\n");
    const regressedAt = lines.findIndex((l) => l.startsWith("regressed: 2 of 2 dimensions"));
    expect(regressedAt).toBe(3);
    expect(regressedAt).toBeLessThan(lines.indexOf("dimensions"));
    // base 80.0 → candidate 60.0 points, Δ −20.0; exact McNemar p = 2^-39 ≈ 1.8e-12
    const first = lines[regressedAt + 2].trim().split(/\s{2,}/);
    expect(first.slice(0, 4)).toEqual(["correct", "80.0", "60.0", "-20.0"]);
    expect(first).toContain("1.8e-12");
    expect(res.stdout).not.toMatch(/0\.0000/);

    const md = readFileSync(tmp.path("drop.md"), "utf8");
    expect(md.indexOf("### Regressed (")).toBeGreaterThan(0);
    expect(md.indexOf("### Regressed (")).toBeLessThan(md.indexOf("### Dimensions"));
    expect(md).toMatch(/^\| correct \| 80\.0 \| 60\.0 \| -20\.0 \| .* \| 1\.8e-12 \|/m);

    const none = await cli("mc-base", "mc-cand");
    expect(none.stdout.split("\n")[3]).toMatch(
      /^nothing regressed: no dimension or slice dropped significantly/,
    );
  });

  it("lists unmatched ids on both sides and pairs only the shared cases", async () => {
    const res = await cli("um-base", "um-cand", "--json", tmp.path("um.json"));
    expect(res.code, res.stderr).toBe(0);
    const cmp = readJson("um.json");
    expect(cmp.unmatched.base.sort()).toEqual(["b-only-1", "b-only-2"]);
    expect(cmp.unmatched.candidate).toEqual(["c-only-1"]);
    expect(cmp.cases).toBe(30);
    expect(cmp.dimensions.correct.n).toBe(30);
    expect(res.stdout).toMatch(/unmatched: 2 only in base, 1 only in candidate/);
  });

  it("refuses different dataset versions with exit 2 naming both, unless --intersect", async () => {
    const res = await cli("v-old", "v-new", "--json", tmp.path("v.json"));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("dv-old111");
    expect(res.stderr).toContain("dv-new222");
    expect(res.stderr).toMatch(/--intersect/);

    const ok = await cli("v-old", "v-new", "--intersect", "--json", tmp.path("v.json"));
    expect(ok.code, ok.stderr).toBe(0);
    const cmp = readJson("v.json");
    expect(cmp.changed.sort()).toEqual(["s-003", "s-010"]);
    expect(cmp.unmatched).toEqual({ base: ["retired"], candidate: ["added"] });
    expect(cmp.cases).toBe(28);
    // s-003 fails in the new run but its content changed: not a flip
    expect(cmp.flips).toEqual([]);
    expect(ok.stdout).toMatch(/2 changed between dataset versions/);
  });

  it("usage errors exit 2", async () => {
    expect((await cli("mc-base")).code).toBe(2);
    const missing = await cli("mc-base", "no-such-run");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such-run/);
  });
});
