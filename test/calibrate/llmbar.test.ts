import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/temp.ts";

/**
 * The LLMBar example (examples/llmbar-calibration) must reproduce the authors' own agreement and
 * consistency figures for every vanilla judge, exactly. The figures are read from the
 * `*.statistics.json` files, not copied here.
 */

const SCRIPT = fileURLToPath(new URL("../../examples/llmbar-calibration/convert.mjs", import.meta.url));
const DATA_DIR =
  process.env.ASSAY_LLMBAR_DIR ?? fileURLToPath(new URL("../fixtures/llmbar/", import.meta.url));
const JUDGES = ["gpt-4", "chatgpt", "llama2"];

interface Share {
  agree: number;
  n: number;
  rate: number;
}
interface Report {
  n: number;
  nullVerdict: string;
  pairwise: { original: Share; swapped: Share; both: Share; positionConsistency: Share; average: number };
}

/** "95 / 100 = 95.0%" → [95, 100] */
function fraction(text: unknown): [number, number] {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*=\s*([\d.]+)%\s*$/.exec(String(text));
  if (!m) throw new Error(`not a "k / n = p%" figure: ${JSON.stringify(text)}`);
  expect(((Number(m[1]) / Number(m[2])) * 100).toFixed(1)).toBe(m[3]);
  return [Number(m[1]), Number(m[2])];
}

describe("LLMBar Natural: pairwise calibration reproduces the authors' figures", { timeout: 120_000 }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let result: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    tmp = tempDir("assay-llmbar-");
    result = spawnSync(process.execPath, [SCRIPT, tmp.dir], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
  }, 120_000);
  afterAll(() => tmp.remove());

  it("has the data and the statistics files of every judge", () => {
    expect(existsSync(join(DATA_DIR, "natural.dataset.json"))).toBe(true);
    const stats = readdirSync(DATA_DIR).filter((f) => f.endsWith("-vanilla.statistics.json"));
    expect(stats.sort()).toEqual(JUDGES.map((j) => `natural.${j}-vanilla.statistics.json`).sort());
  });

  it("runs the example and exits 0 (every figure matched)", () => {
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/LLMBar Natural: assay's pairwise calibration vs the authors' statistics/);
  });

  it("wrote assay's label and judgment files", () => {
    const labels = readFileSync(join(tmp.dir, "labels.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(labels).toHaveLength(100);
    expect(labels[0]).toMatchObject({ id: "natural-001", labeller: "llmbar-gold" });
    expect(new Set(labels.map((l) => l.value))).toEqual(new Set(["a", "b"]));
    const judgments = readFileSync(join(tmp.dir, "gpt-4.judgments.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(judgments).toHaveLength(200);
    expect(judgments.filter((j) => j.swapped)).toHaveLength(100);
  });

  for (const judge of JUDGES) {
    it(`${judge}: correct_False, correct_True, correct_both, equal and correct_average match exactly`, () => {
      const authors = JSON.parse(
        readFileSync(join(DATA_DIR, `natural.${judge}-vanilla.statistics.json`), "utf8"),
      ) as Record<string, unknown>;
      const report = JSON.parse(readFileSync(join(tmp.dir, `${judge}.calibration.json`), "utf8")) as Report;
      const p = report.pairwise;
      const figures: Array<[string, Share]> = [
        ["correct_False", p.original],
        ["correct_True", p.swapped],
        ["correct_both", p.both],
        ["equal", p.positionConsistency],
      ];
      for (const [field, share] of figures) {
        expect([share.agree, share.n], `${judge} ${field}`).toEqual(fraction(authors[field]));
      }
      expect(`${(p.average * 100).toFixed(1)}%`).toBe(authors.correct_average);
      expect(report.n).toBe(fraction(authors.correct_False)[1]);
      // the authors count an unparseable verdict as wrong; the example says so explicitly
      expect(report.nullVerdict).toBe("wrong");
    });
  }
});
