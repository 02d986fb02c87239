import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfidenceReport, CostProjection, SampleSizeAdvice } from "../../src/scorecard/operating.ts";
import type { Scorecard } from "../../src/scorecard/types.ts";
import { runCli } from "../support/cli.ts";
import { startServer, type TestServer } from "../support/http-server.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/** A scorecard with every operating section present (the suite below sets them all). */
type Card = Scorecard & {
  confidence: ConfidenceReport & { escalation: NonNullable<ConfidenceReport["escalation"]> };
  cost: Scorecard["cost"] & { projection: CostProjection };
  sampleSize: SampleSizeAdvice;
};

/**
 * Issue 13 on every scorecard surface: a target's confidence (http: read from the response body;
 * module: from the output's JSON), calibration and the escalation threshold, cost at volume,
 * score bands and suite-size advice, in `run --json`, the terminal, `show` and `export --format md`.
 */

// 20 cases: confidence 0.05, 0.10, …, 1.00; wrong at every fourth case up to 0.80, right otherwise.
const CASES = Array.from({ length: 20 }, (_, i) => {
  const conf = Number(((i + 1) * 0.05).toFixed(2));
  return {
    id: `c${String(i).padStart(2, "0")}`,
    input: { conf, right: i % 4 !== 0 || conf > 0.8, cost: 0.001 * (1 + (i % 3)) },
    expected: { action: "go" },
  };
});
const CONF = CASES.map((c) => c.input.conf);
const RIGHT = CASES.map((c) => c.input.right);

// Brute force, independent of src/stats: the smallest threshold whose answered cases reach 0.9.
function bruteEscalation(target: number) {
  for (const t of [...new Set(CONF)].sort((a, b) => a - b)) {
    const kept = CONF.map((p, i) => (p >= t ? i : -1)).filter((i) => i >= 0);
    const accuracy = kept.filter((i) => RIGHT[i]).length / kept.length;
    if (accuracy >= target) return { threshold: t, coverage: kept.length / CONF.length, accuracy };
  }
  return null;
}

const MODULE_TARGET = `export default async function (input) {
  return {
    output: { action: input.right ? "go" : "stop", confidence: input.conf },
    usage: { inputTokens: 100, outputTokens: 10, cachedTokens: 25 },
    costUsd: input.cost,
  };
}
`;

function suite(url: string): string {
  return [
    "suite: operating",
    "dataset: cases.jsonl",
    "targets:",
    "  - id: svc",
    `    http: { url: "${url}/answer", output: "$.answer" }`,
    '    confidence: "$.meta.confidence"',
    "  - id: mod",
    "    module: target.mjs",
    '    confidence: "$.confidence"',
    "dimensions:",
    "  action: { evaluator: json-field, with: { field: action } }",
    "escalation: { targetAccuracy: 0.9 }",
    "volume: { perMonth: 1000000 }",
    "minEffect: 0.03",
  ].join("\n");
}

describe("operating characteristics on the scorecard", () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: TestServer;
  let svcCard: Card;
  let modCard: Card;
  let stdout: string;

  beforeAll(async () => {
    server = await startServer((_req, res, body) => {
      const { input } = JSON.parse(body) as { input: { conf: number; right: boolean } };
      res.setHeader("content-type", "application/json");
      // the confidence sits beside the output, not inside it
      res.end(
        JSON.stringify({ answer: { action: input.right ? "go" : "stop" }, meta: { confidence: input.conf } }),
      );
    });
    tmp = tempDir();
    tmp.write("cases.jsonl", jsonl(CASES));
    tmp.write("target.mjs", MODULE_TARGET);
    tmp.write("assay.yaml", suite(server.url));
    const res = await runCli(["run", tmp.dir, "--json", tmp.path("card.json")]);
    expect(res.code, res.stderr).toBe(0);
    stdout = res.stdout;
    const json = JSON.parse(readFileSync(tmp.path("card.json"), "utf8"));
    const cards = json.scorecards as Card[];
    svcCard = cards.find((c) => c.run.target === "svc") as Card;
    modCard = cards.find((c) => c.run.target === "mod") as Card;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    tmp?.remove();
  });

  it("reads the confidence from an http response body and from a module's output", () => {
    for (const card of [svcCard, modCard]) {
      const c = card.confidence;
      expect(c.n).toBe(20);
      expect(c.bins).toHaveLength(10);
      // confidences 0.05…1.00 in steps of 0.05: two per (lo, hi] bin
      expect(c.bins.map((b) => b.n)).toEqual(Array(10).fill(2));
      const brier = CONF.reduce((s, p, i) => s + (p - (RIGHT[i] ? 1 : 0)) ** 2, 0) / 20;
      expect(c.brier).toBeCloseTo(brier, 12);
      expect([typeof c.ece, typeof c.mce]).toEqual(["number", "number"]);
      expect(c.selective[0]).toMatchObject({ threshold: 0.05, coverage: 1 });
      expect(c.selective[0].accuracy).toBeCloseTo(RIGHT.filter(Boolean).length / 20, 12);
    }
  });

  it("finds the smallest escalation threshold that reaches the target accuracy", () => {
    const expected = bruteEscalation(0.9);
    expect(expected).not.toBeNull();
    const e = svcCard.confidence.escalation;
    expect(e.threshold).toBe(expected?.threshold);
    if (e.threshold === null || e.ci === null || e.accuracy === null)
      throw new Error("no escalation threshold");
    expect(e.coverage).toBeCloseTo(expected?.coverage as number, 12);
    expect(e.escalated).toBeCloseTo(1 - (expected?.coverage as number), 12);
    expect(e.accuracy).toBeCloseTo(expected?.accuracy as number, 12);
    expect(e.ci[0]).toBeLessThanOrEqual(e.accuracy);
    expect(e.ci[1]).toBeGreaterThanOrEqual(e.accuracy);
    expect(modCard.confidence.escalation.threshold).toBe(expected?.threshold);
  });

  it("projects the cost per case and per month with a t interval from the per-case spread", () => {
    const costs = CASES.map((c) => c.input.cost);
    const mean = costs.reduce((a, b) => a + b, 0) / costs.length;
    const sd = Math.sqrt(costs.reduce((s, x) => s + (x - mean) ** 2, 0) / (costs.length - 1));
    const t = 2.093024054408263; // t_{0.975, 19} (scipy.stats.t.ppf)
    const half = (t * sd) / Math.sqrt(costs.length);
    const p = modCard.cost.projection;
    expect(p.perMonth).toBe(1_000_000);
    expect(p.n).toBe(20);
    expect(p.perCase.mean).toBeCloseTo(mean, 12);
    expect(p.monthly.mean).toBeCloseTo(mean * 1e6, 6);
    if (p.monthly.ci === null) throw new Error("no interval");
    expect(p.monthly.ci[0]).toBeCloseTo((mean - half) * 1e6, 4);
    expect(p.monthly.ci[1]).toBeCloseTo((mean + half) * 1e6, 4);
    expect(p.cachedInputShare).toBeCloseTo(0.25, 12);
    expect(p.note).toMatch(/25\.0% of input tokens/);
    // an http target records no cost: nothing to project, and it says so
    expect(svcCard.cost.projection.perCase.mean).toBeNull();
    expect(svcCard.cost.projection.note).toMatch(/no call recorded a cost/);
  });

  it("labels each dimension and the aggregate with a band, and advises on suite size", () => {
    const share = RIGHT.filter(Boolean).length / 20; // 0.8: targeted work
    expect(modCard.aggregate.mean).toBeCloseTo(share, 12);
    expect(modCard.aggregate.band).toBe("targeted work");
    expect(modCard.dimensions.action.band).toBe("targeted work");
    expect(modCard.bands.map((b) => b.label)).toEqual(["ready", "targeted work", "gaps", "investigate"]);
    const s = modCard.sampleSize;
    expect(s).toMatchObject({ minEffect: 0.03, cases: 20, power: 0.8, alpha: 0.05 });
    // sd of a 0/1 aggregate at 0.8 over 20 cases; n ≈ (1.96 + 0.8416)² · 2 · sd² / 0.03², a little more for t
    const sd2 = (share * (1 - share) * 20) / 19;
    const normal = ((1.959964 + 0.841621) ** 2 * 2 * sd2) / 0.03 ** 2;
    expect(s.needed).toBeGreaterThanOrEqual(Math.ceil(normal));
    expect(s.needed).toBeLessThan(Math.ceil(normal) + 5);
  });

  it("prints the same figures in the terminal", () => {
    const e = svcCard.confidence.escalation;
    expect(stdout).toContain(`escalate below ${e.threshold?.toFixed(2)}`);
    expect(stdout).toContain(`ECE ${svcCard.confidence.ece.toFixed(3)}`);
    expect(stdout).toMatch(/1,000,000 cases a month/);
    expect(stdout).toMatch(/needs ≈ \d+ paired cases at 80% power/);
    expect(stdout).toMatch(/aggregate .*targeted work/);
  });

  it("show and export --format md read the suite's settings; --volume overrides the volume", async () => {
    const show = await runCli(
      ["show", modCard.run.id, "--suite", tmp.dir, "--volume", "2000", "--json", tmp.path("show.json")],
      { cwd: tmp.dir },
    );
    expect(show.code, show.stderr).toBe(0);
    const shown = JSON.parse(readFileSync(tmp.path("show.json"), "utf8"));
    expect(shown.cost.projection.perMonth).toBe(2000);
    expect(shown.cost.projection.monthly.mean).toBeCloseTo(
      (modCard.cost.projection.perCase.mean ?? 0) * 2000,
      9,
    );
    expect(shown.confidence).toEqual(modCard.confidence);
    expect(show.stdout).toMatch(/2,000 cases a month/);

    const md = await runCli(["export", modCard.run.id, "--format", "md", "--suite", tmp.dir], {
      cwd: tmp.dir,
    });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain("### Confidence calibration");
    expect(md.stdout).toContain(`escalate below ${modCard.confidence.escalation.threshold?.toFixed(2)}`);
    expect(md.stdout).toMatch(/\*\*Cost at volume:\*\* 1,000,000 cases a month/);
    expect(md.stdout).toMatch(/\| \*\*aggregate\*\* .*\*\*targeted work\*\* \|/);
    expect(md.stdout).toMatch(/needs ≈ \d+ paired cases/);
    // ten reliability rows
    expect(md.stdout.match(/^\| \d\.\d\d–\d\.\d\d \|/gm)).toHaveLength(10);
  }, 60_000);
});
