#!/usr/bin/env node
// LLMBar (Natural set) judge calibration: converts the real judge verdicts and human gold labels
// in test/fixtures/llmbar (or ASSAY_LLMBAR_DIR) into assay's pairwise label and judgment files,
// runs `assay calibrate --scale pairwise` for each vanilla judge (GPT-4, ChatGPT, LLaMA2), and
// checks the result against the authors' own figures in natural.<judge>-vanilla.statistics.json:
// correct_False, correct_True, correct_both, equal (and correct_average).
//
//   node examples/llmbar-calibration/convert.mjs [OUT_DIR]
//
// OUT_DIR (default: ASSAY_LLMBAR_OUT, else a fresh temporary folder) receives:
//   cases.jsonl                    the 100 pairs as assay cases (input; outputs a and b in expected)
//   labels.jsonl                   human gold preference per case: {"id", "labeller", "value": "a"|"b"}
//   <judge>.judgments.jsonl        two verdicts per case: {"id", "value", "swapped"}; `value` is in the
//                                  original numbering (a = output_1), `swapped` = output_2 shown first
//   <judge>.calibration.json       the `assay calibrate --json` report
//   summary.json                   assay's figures beside the authors', per judge
// Exits 0 when every figure matches the authors' exactly, 1 otherwise.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/assay.js", import.meta.url));
const dataDir = resolve(process.env.ASSAY_LLMBAR_DIR ?? join(here, "../../test/fixtures/llmbar"));
const outDir = resolve(
  process.argv[2] ?? process.env.ASSAY_LLMBAR_OUT ?? mkdtempSync(join(tmpdir(), "assay-llmbar-")),
);
const JUDGES = ["gpt-4", "chatgpt", "llama2"];

function fail(message) {
  process.stderr.write(`llmbar-calibration: ${message}\n`);
  process.exit(2);
}

function readJson(file) {
  if (!existsSync(file))
    fail(`${file} not found (set ASSAY_LLMBAR_DIR to the folder holding the LLMBar files)`);
  return JSON.parse(readFileSync(file, "utf8"));
}

const jsonl = (records) => records.map((r) => `${JSON.stringify(r)}\n`).join("");
const idOf = (i) => `natural-${String(i + 1).padStart(3, "0")}`;
const preference = (n) => (String(n) === "1" ? "a" : String(n) === "2" ? "b" : "");

/** "95 / 100 = 95.0%" → { agree: 95, n: 100 } */
function parseFraction(text, field, file) {
  const m = /^\s*(\d+)\s*\/\s*(\d+)/.exec(String(text));
  if (!m) fail(`${file}: ${field} is not "k / n = …%" (got ${JSON.stringify(text)})`);
  return { agree: Number(m[1]), n: Number(m[2]) };
}

// 1. convert
const datasetFile = join(dataDir, "natural.dataset.json");
const dataset = readJson(datasetFile);
if (!Array.isArray(dataset)) fail(`${datasetFile}: expected a list of items`);
mkdirSync(outDir, { recursive: true });
const cases = dataset.map((item, i) => ({
  id: idOf(i),
  input: item.input,
  expected: { a: item.output_1, b: item.output_2 },
  tags: { source: "llmbar-natural" },
}));
const labels = dataset.map((item, i) => {
  const value = preference(item.label);
  if (!value) fail(`${datasetFile}: item ${i + 1} has label ${JSON.stringify(item.label)} (expected 1 or 2)`);
  return { id: idOf(i), labeller: "llmbar-gold", value };
});
writeFileSync(join(outDir, "cases.jsonl"), jsonl(cases));
const labelsFile = join(outDir, "labels.jsonl");
writeFileSync(labelsFile, jsonl(labels));

const rows = [];
let allMatch = true;
for (const judge of JUDGES) {
  const resultFile = join(dataDir, `natural.${judge}-vanilla.result.json`);
  const statsFile = join(dataDir, `natural.${judge}-vanilla.statistics.json`);
  const results = readJson(resultFile);
  const authors = readJson(statsFile);
  if (!Array.isArray(results) || results.length !== dataset.length) {
    fail(`${resultFile}: expected ${dataset.length} items in the dataset's order`);
  }
  const judgments = [];
  results.forEach((r, i) => {
    if (r.input !== dataset[i].input || String(r.label) !== String(dataset[i].label)) {
      fail(`${resultFile}: item ${i + 1} is not the dataset's item ${i + 1}`);
    }
    const res = r.results?.[0];
    for (const [key, swapped] of [
      ["swap = False", false],
      ["swap = True", true],
    ]) {
      const winner = res?.[key]?.winner;
      // an order the judge gave no usable verdict for is blank (unscored), never a guess
      judgments.push({ id: idOf(i), value: preference(winner), swapped });
    }
  });
  const judgmentsFile = join(outDir, `${judge}.judgments.jsonl`);
  writeFileSync(judgmentsFile, jsonl(judgments));

  // 2. calibrate with the CLI, as a user would
  const reportFile = join(outDir, `${judge}.calibration.json`);
  const args = [
    bin,
    "calibrate",
    "--predictions",
    judgmentsFile,
    "--labels",
    labelsFile,
    "--scale",
    "pairwise",
    // LLMBar's evaluate.py counts a verdict it could not parse as wrong, over all 100 items
    "--null-verdict",
    "wrong",
    "--json",
    reportFile,
  ];
  const res = spawnSync(process.execPath, args, { cwd: outDir, encoding: "utf8" });
  if (res.status !== 0) fail(`assay calibrate for ${judge} exited ${res.status}:\n${res.stderr}`);
  process.stdout.write(`\n── ${judge} (vanilla) ${"─".repeat(60)}\n${res.stdout}`);
  const report = JSON.parse(readFileSync(reportFile, "utf8"));
  const p = report.pairwise;

  // 3. compare with the authors' figures
  const figures = {
    correct_False: {
      assay: { agree: p.original.agree, n: p.original.n },
      authors: parseFraction(authors.correct_False, "correct_False", statsFile),
    },
    correct_True: {
      assay: { agree: p.swapped.agree, n: p.swapped.n },
      authors: parseFraction(authors.correct_True, "correct_True", statsFile),
    },
    correct_both: {
      assay: { agree: p.both.agree, n: p.both.n },
      authors: parseFraction(authors.correct_both, "correct_both", statsFile),
    },
    equal: {
      assay: { agree: p.positionConsistency.agree, n: p.positionConsistency.n },
      authors: parseFraction(authors.equal, "equal", statsFile),
    },
  };
  const average = `${(p.average * 100).toFixed(1)}%`;
  let match = average === String(authors.correct_average).trim();
  for (const f of Object.values(figures)) {
    f.match = f.assay.agree === f.authors.agree && f.assay.n === f.authors.n;
    match &&= f.match;
  }
  allMatch &&= match;
  rows.push({
    judge,
    figures,
    correct_average: { assay: average, authors: authors.correct_average },
    cohenKappa: report.cohenKappa,
    positionBias: p.positionBias,
    match,
  });
}

writeFileSync(
  join(outDir, "summary.json"),
  `${JSON.stringify({ dataDir, outDir, judges: rows, match: allMatch }, null, 2)}\n`,
);
const cell = (f) => `${f.assay.agree}/${f.assay.n}${f.match ? "" : ` ≠ ${f.authors.agree}/${f.authors.n}`}`;
const header = ["judge", "correct_False", "correct_True", "correct_both", "equal", "average", "authors"];
const table = rows.map((r) => [
  r.judge,
  cell(r.figures.correct_False),
  cell(r.figures.correct_True),
  cell(r.figures.correct_both),
  cell(r.figures.equal),
  r.correct_average.assay,
  r.match ? "match" : "MISMATCH",
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
process.stdout.write(
  `\n${"═".repeat(78)}\nLLMBar Natural: assay's pairwise calibration vs the authors' statistics\n${"═".repeat(78)}\n`,
);
process.stdout.write(`${line(header)}\n${table.map(line).join("\n")}\n`);
process.stdout.write(
  `\ncorrect_False = agreement with output_1 shown first, correct_True = output_2 shown first,\n` +
    `correct_both = correct in both orders, equal = position consistency.\nfiles in ${outDir}\n`,
);
process.exit(allMatch ? 0 : 1);
