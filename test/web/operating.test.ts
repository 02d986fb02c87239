import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRows } from "../../src/compare/compare.ts";
import { buildLeaderboard } from "../../src/compare/leaderboard.ts";
import type { ProbeReport, ProbeStep } from "../../src/probe/types.ts";
import type { ScorecardResponse } from "../../src/server/api-types.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import type { Store } from "../../src/store/types.ts";
import { ids, makeRun, syntheticRows } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";
import { ensureWebBuilt, webSession } from "./support/web.ts";

/**
 * Issue 13 in the web app, in real Chromium against a real server and SQLite store: stored probe
 * reports and their chart, the variant matrix and main effects of a leaderboard, and the run
 * page's confidence calibration, cost at volume, score bands and suite-size advice.
 */

const tmp = tempDir("assay-web-operating-");
let store: Store;
const web = webSession({ width: 1500, height: 1000 });

const IMG = `<img src=x onerror="window.__pwned=1">`;

async function writeRows(rows: RunRows): Promise<void> {
  await store.createRun(rows.run);
  await store.putCases(
    rows.run.datasetVersion,
    rows.cases.map((c) => ({
      case: { id: c.id, input: c.input, expected: c.expected, tags: c.tags },
      ordinal: c.ordinal,
    })),
  );
  await store.writeResults({ outputs: rows.outputs, scores: rows.scores });
}

const text = async (p: Page, testId: string) => ((await p.getByTestId(testId).textContent()) ?? "").trim();

// --- probes ---

function step(concurrency: number, over: Partial<ProbeStep> = {}): ProbeStep {
  return {
    concurrency,
    requests: 40,
    ok: 40,
    unfinished: 0,
    errorRate: 0,
    throughput: concurrency * 10,
    requestRate: concurrency * 10,
    elapsedMs: 4000,
    latencyMs: { p50: 90, p95: 100 + concurrency, p99: 130 + concurrency },
    errors: { byClass: {}, byStatus: {} },
    headers: { "x-ratelimit-limit-requests": "16" },
    stoppedBy: "max-requests",
    ...over,
  };
}

const KNEE_REASON =
  "the knee is the last step before the first where the error rate exceeds 0.01 or the p95 latency exceeds 3× the first step's (and by ≥ 250 ms): concurrency 32 had error rate 37.5%";

const PROBE: ProbeReport = {
  target: "api",
  mode: "concurrency",
  options: {
    mode: "concurrency",
    steps: [1, 2, 4, 8, 16, 32, 64],
    durationMs: 5000,
    maxRequests: 280,
    maxErrorRate: 0.01,
    latencyFactor: 3,
    latencyFloorMs: 250,
    timeoutMs: 5000,
    stopErrorRate: 0.9,
  },
  requests: 280,
  steps: [
    step(1),
    step(2),
    step(4),
    step(8),
    step(16),
    step(32, {
      ok: 25,
      errorRate: 0.375,
      throughput: 160,
      errors: { byClass: { "rate-limited": 15 }, byStatus: { "429": 15 } },
      headers: { "retry-after": "1", "x-ratelimit-remaining-requests": "0" },
    }),
    step(64, {
      ok: 12,
      errorRate: 0.7,
      throughput: 96,
      latencyMs: { p50: 300, p95: 900, p99: 1200 },
      errors: { byClass: { "rate-limited": 25, "server-error": 3 }, byStatus: { "429": 25, "503": 3 } },
      headers: { "retry-after": "2", "x-ratelimit-remaining-requests": "0" },
    }),
  ],
  knee: {
    concurrency: 16,
    firstFailing: { concurrency: 32, errorRate: 0.375, p95Ms: 132 },
    reason: KNEE_REASON,
  },
  headers: {
    "x-ratelimit-limit-requests": "16",
    "retry-after": "2",
    "x-ratelimit-remaining-requests": "0",
    "x-ratelimit-reset-requests": IMG,
  },
  recommendation: {
    concurrency: 16,
    throughput: 160,
    errorRate: 0,
    retries: 2,
    reason: "best throughput among the steps with error rate ≤ 0.01; 429s carried Retry-After",
  },
};

const RATE_PROBE: ProbeReport = {
  ...PROBE,
  target: "model",
  mode: "rate",
  requests: 30,
  steps: [step(2, { rate: 5, requests: 15 }), step(3, { rate: 10, requests: 15 })],
  knee: { concurrency: null, rate: null, reason: "no step went past the limits" },
  headers: {},
  recommendation: { concurrency: 3, rate: 10, retries: 2, reason: "best throughput" },
};

// --- variants: a 2 × 2 × 2 matrix with known effects ---

const PROMPTS = ["a", "b"];
const MODELS = ["x", "y"];
const TEMPS = [0, 0.7];
const N_CASES = 12;
const clamp = (v: number) => Math.max(0, Math.min(1, v));
const noise = (i: number, k: number) => (((i * k) % 11) - 5) / 100;

function variantScores(i: number, p: string, m: string, t: number) {
  return {
    acc: clamp(
      0.55 +
        (p === "b" ? 0.1 + 0.02 * ((i % 3) - 1) : 0) +
        (m === "y" ? 0.05 : 0) -
        (t ? 0.03 : 0) +
        noise(i, 37),
    ),
    style: clamp(
      0.6 - (p === "b" ? 0.04 : 0) + (m === "y" ? 0.08 + 0.01 * (i % 2) : 0) + (t ? 0.01 : 0) + noise(i, 13),
    ),
  };
}
const variantId = (p: string, m: string, t: number) => `var-${p}-${m}-${t}`;
/** a run's aggregate mean, straight from the scores: dims weigh 1 each */
function runAggregate(p: string, m: string, t: number): number {
  let sum = 0;
  for (let i = 0; i < N_CASES; i++) {
    const s = variantScores(i, p, m, t);
    sum += (s.acc + s.style) / 2;
  }
  return sum / N_CASES;
}
const variantRows: RunRows[] = [];

// --- the run page: confidence, cost, bands, suite size ---

const N_OPS = 20;
// 0.031, 0.078, …, 0.924: no value on a bin edge
const confidenceOf = (i: number) => Number((0.031 + 0.047 * i).toFixed(3));
const correctOf = (i: number) => confidenceOf(i) > 0.45 || i % 4 === 0;
const costOf = (i: number) => 0.001 + 0.00011 * i;

beforeAll(async () => {
  const built = ensureWebBuilt();
  store = openSqliteStore(tmp.path("assay.db"));

  await store.saveProbe({
    id: "probe-older-model",
    suite: "svc",
    target: "model",
    createdAt: "2026-01-01T10:00:00.000Z",
    report: RATE_PROBE as unknown as Record<string, unknown>,
  });
  await store.saveProbe({
    id: "probe-newer-api",
    suite: "svc",
    target: "api",
    createdAt: "2026-01-02T10:00:00.000Z",
    report: PROBE as unknown as Record<string, unknown>,
  });

  for (const p of PROMPTS)
    for (const m of MODELS)
      for (const t of TEMPS) {
        const rows = syntheticRows({
          id: variantId(p, m, t),
          suite: "variants",
          target: `${p}-${m}-${t}`,
          datasetVersion: "dv-variants",
          dimensions: { acc: { threshold: 0.5 }, style: { threshold: 0.5 } },
          cases: ids("v", N_CASES).map((id, i) => ({ id, scores: variantScores(i, p, m, t) })),
        });
        rows.run.targetConfig = { factors: { prompt: p, model: m, temperature: t } };
        variantRows.push(rows);
        await writeRows(rows);
      }

  // The suite file the run records: its operating settings reach the web app's scorecard.
  mkdirSync(tmp.path("ops"));
  tmp.write("ops/cases.jsonl", jsonl(ids("o", N_OPS).map((id) => ({ id, input: id }))));
  tmp.write("ops/target.mjs", "export default async (input) => input;\n");
  tmp.write(
    "ops/assay.yaml",
    [
      "suite: ops",
      "dataset: cases.jsonl",
      "targets:",
      "  - id: tasker",
      "    module: target.mjs",
      '    confidence: "$.confidence"',
      "dimensions:",
      "  action: { evaluator: equals }",
      "escalation: { targetAccuracy: 0.9 }",
      "volume: { perMonth: 1000000 }",
      "minEffect: 0.05",
      "bands:",
      "  - { label: ship it, min: 0.9 }",
      "  - { label: needs work, min: 0.5 }",
      "  - { label: stop, min: 0 }",
    ].join("\n"),
  );
  const ops = syntheticRows({
    id: "ops-run",
    suite: "ops",
    target: "tasker",
    datasetVersion: "dv-ops",
    cases: ids("o", N_OPS).map((id, i) => ({
      id,
      scores: { action: correctOf(i) ? 1 : 0 },
      costUsd: costOf(i),
    })),
  });
  ops.run.lineage.suiteFile = tmp.path("ops/assay.yaml");
  ops.outputs.forEach((o, i) => {
    o.confidence = confidenceOf(i);
    o.usage = { inputTokens: 400, outputTokens: 20, cachedTokens: 100 };
  });
  await writeRows(ops);
  await makeRun(store, {
    id: "plain-run",
    suite: "plain",
    target: "t",
    cases: ids("p", 5).map((id, i) => ({ id, scores: { ok: i < 4 ? 1 : 0 } })),
  });

  await built;
  await web.start(store);
}, 120_000);

afterAll(async () => {
  await store?.close();
  tmp.remove();
});

describe("probes in the web app", () => {
  it("the Probes page lists stored probes newest first, reached from the navigation", async () => {
    const p = await web.open("/");
    await p.locator("nav.top").getByRole("link", { name: "Probes" }).click();
    await p.waitForURL(/\/probes$/);
    const rows = p.getByTestId("probes-table").locator("tbody tr");
    await rows.first().waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-probe")))).toEqual([
      "probe-newer-api",
      "probe-older-model",
    ]);
    const newer = p.locator('tr[data-probe="probe-newer-api"]');
    expect(await newer.getByTestId("probe-knee").textContent()).toBe("16");
    expect(await newer.getByTestId("probe-recommended").textContent()).toBe("16");
    expect(await newer.textContent()).toContain("1, 2, 4, 8, 16, 32, 64");
    const older = p.locator('tr[data-probe="probe-older-model"]');
    expect(await older.getByTestId("probe-knee").textContent()).toBe("none");
    expect(await older.getByTestId("probe-recommended").textContent()).toBe("10");
    expect(await older.textContent()).toContain("rate/s 5, 10");
  });

  it("a probe's page charts throughput and p95 by concurrency with the knee and its rule, errors per step, headers, the recommendation", async () => {
    const p = await web.open("/probes");
    await p.getByRole("link", { name: "probe-newer-api" }).click();
    await p.waitForURL(/\/probes\/probe-newer-api$/);
    const chart = p.getByTestId("probe-chart");
    await chart.waitFor();

    // one throughput point and one p95 point per step, at the steps' concurrencies
    const steps = (series: string) =>
      chart
        .locator(`[data-series="${series}"]`)
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-step"))));
    expect(await steps("throughput")).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(await steps("p95")).toEqual([1, 2, 4, 8, 16, 32, 64]);
    // higher throughput is drawn higher (smaller y)
    const cy = (s: number) =>
      chart.locator(`[data-series="throughput"][data-step="${s}"]`).getAttribute("cy").then(Number);
    expect(await cy(16)).toBeLessThan(await cy(1));
    expect(await cy(32)).toBe(await cy(16));
    expect(await chart.getByTestId("probe-knee-marker").getAttribute("data-step")).toBe("16");
    expect(await chart.getByTestId("probe-knee-marker").textContent()).toBe("knee 16");
    expect(await chart.locator("rect.past-knee").count()).toBe(1);

    expect(await text(p, "knee-rule")).toBe(`knee: 16 in flight. ${KNEE_REASON}`);
    expect(await text(p, "knee-value")).toBe("16");
    expect(await text(p, "recommended-value")).toBe("16");
    expect(await text(p, "recommendation")).toBe(
      "concurrency 16, retries 2: best throughput among the steps with error rate ≤ 0.01; 429s carried Retry-After",
    );

    const row = (s: number) => p.getByTestId("probe-steps").locator(`tr[data-step="${s}"]`);
    expect(await row(16).getByTestId("step-statuses").textContent()).toBe("—");
    expect(await row(32).getByTestId("step-classes").textContent()).toBe("rate-limited 15");
    expect(await row(32).getByTestId("step-statuses").textContent()).toBe("429 ×15");
    expect(await row(64).getByTestId("step-classes").textContent()).toBe("rate-limited 25, server-error 3");
    expect(await row(64).getByTestId("step-statuses").textContent()).toBe("429 ×25, 503 ×3");
    expect(await row(32).getAttribute("class")).toBe("past-knee");
    expect(await row(16).getAttribute("class")).toBeNull();

    const header = (name: string) =>
      p.getByTestId("probe-headers").locator(`tr[data-header="${name}"] td`).allTextContents();
    // each header's last value, and the steps that saw it
    expect(await header("retry-after")).toEqual(["retry-after", "2", "32, 64"]);
    expect(await header("x-ratelimit-limit-requests")).toEqual([
      "x-ratelimit-limit-requests",
      "16",
      "1, 2, 4, 8, 16",
    ]);
    // a header value is the API's text: shown as characters, never as markup
    expect((await header("x-ratelimit-reset-requests"))[1]).toBe(IMG);
    expect(await p.locator("main img").count()).toBe(0);
    expect(await p.evaluate("window.__pwned")).toBeUndefined();
  });

  it("an unknown probe says so", async () => {
    const p = await web.open("/probes/probe-nope");
    await p.getByRole("alert").waitFor();
    expect(await p.getByRole("alert").textContent()).toContain('no probe "probe-nope"');
  });
});

describe("the variant matrix on the compare page", () => {
  const allRuns = () => variantRows.map((r) => r.run.id).join(",");

  it("picking three or more runs on the runs page opens their leaderboard", async () => {
    const p = await web.open("/?suite=variants");
    const picks = [variantId("a", "x", 0), variantId("b", "x", 0), variantId("b", "y", 0.7)];
    for (const id of picks) await p.getByLabel(`pick ${id} to compare`).check();
    expect(await p.getByTestId("compare-picked").isDisabled()).toBe(true);
    await p.getByTestId("leaderboard-picked").click();
    await p.waitForURL(/\/compare\?runs=/);
    const rows = p.getByTestId("leaderboard").locator("tbody tr");
    await rows.first().waitFor();
    expect((await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-run")))).sort()).toEqual(
      [...picks].sort(),
    );
  });

  it("shows the leaderboard, a prompt × model matrix averaged over temperature, and the main effects", async () => {
    const p = await web.open(`/compare?runs=${allRuns()}`);
    const matrix = p.getByTestId("variant-matrix");
    await matrix.waitFor();
    expect(await p.getByTestId("leaderboard").locator("tbody tr").count()).toBe(8);

    // default: rows = the first factor, columns = the second, cell = the aggregate
    expect(await p.getByTestId("matrix-rows").inputValue()).toBe("prompt");
    expect(await p.getByTestId("matrix-cols").inputValue()).toBe("model");
    for (const pr of PROMPTS)
      for (const m of MODELS) {
        const expected = TEMPS.reduce((s, t) => s + runAggregate(pr, m, t), 0) / TEMPS.length;
        const cell = matrix.locator(`td[data-cell="${pr}|${m}"]`);
        expect(Number(await cell.getAttribute("data-mean"))).toBeCloseTo(expected, 10);
        expect(await cell.textContent()).toBe(`${expected.toFixed(3)}2 comb.`);
      }

    // temperature as rows, no columns, on one dimension: averaged over prompt × model
    await p.getByTestId("matrix-rows").selectOption("temperature");
    await p.getByTestId("matrix-cols").selectOption("");
    await p.getByTestId("matrix-measure").selectOption("style");
    for (const t of TEMPS) {
      let sum = 0;
      for (const pr of PROMPTS)
        for (const m of MODELS) {
          let s = 0;
          for (let i = 0; i < N_CASES; i++) s += variantScores(i, pr, m, t).style;
          sum += s / N_CASES;
        }
      const cell = matrix.locator(`td[data-cell="${t}|"]`);
      expect(Number(await cell.getAttribute("data-mean"))).toBeCloseTo(sum / 4, 10);
      expect(await cell.textContent()).toBe(`${(sum / 4).toFixed(3)}4 comb.`);
    }

    // main effects: b − a per case averaged over the other factors' combinations, then over cases
    const board = buildLeaderboard(variantRows);
    const effects = p.getByTestId("main-effects");
    const promptRow = effects.locator('tr[data-effect="prompt:a->b"]');
    let sum = 0;
    for (let i = 0; i < N_CASES; i++) {
      let d = 0;
      for (const m of MODELS)
        for (const t of TEMPS) {
          const b = variantScores(i, "b", m, t);
          const a = variantScores(i, "a", m, t);
          d += (b.acc + b.style) / 2 - (a.acc + a.style) / 2;
        }
      sum += d / 4;
    }
    const cells = await promptRow.locator("td").allTextContents();
    const delta = sum / N_CASES;
    expect(cells.slice(0, 3)).toEqual([
      "prompt",
      "b vs a",
      `${delta >= 0 ? "+" : ""}${(delta * 100).toFixed(1)}`,
    ]);
    const effect = board.mainEffects?.find((e) => e.factor === "prompt");
    expect(effect?.delta).toBeCloseTo(delta, 12);
    expect(cells[4]).toBe(String(N_CASES));
    expect(cells[5]).toBe("4");
    expect(cells[7]).toBe(
      (effect?.pAdjusted ?? 0) < 1e-4 ? effect?.pAdjusted?.toExponential(1) : effect?.pAdjusted?.toFixed(4),
    );
    expect(await effects.locator("tbody tr").count()).toBe(3);
    expect(await effects.locator('tr[data-effect="model:x->y"]').count()).toBe(1);
    expect(await effects.locator('tr[data-effect="temperature:0->0.7"]').count()).toBe(1);
  });

  it("runs over different dataset versions get the reason; one varying factor gives a one-column matrix", async () => {
    const p = await web.open("/compare?runs=plain-run,ops-run");
    await p.getByRole("alert").or(p.getByTestId("leaderboard")).first().waitFor();
    // different dataset versions: the API says why, as `assay compare` does
    expect(await p.getByRole("alert").textContent()).toContain("different dataset versions");
    const q = await web.open(`/compare?runs=${variantId("a", "x", 0)},${variantId("a", "x", 0.7)}`);
    await q.getByTestId("leaderboard").waitFor();
    // one factor varies: the matrix has one row per level and no columns
    expect(await q.getByTestId("variant-matrix").locator("tbody tr").count()).toBe(2);
  });
});

describe("the run page's operating characteristics", () => {
  /** ECE, MCE, Brier and the escalation threshold computed here from the vectors, binned as sklearn's calibration_curve */
  function expected() {
    const p = Array.from({ length: N_OPS }, (_, i) => confidenceOf(i));
    const y: number[] = Array.from({ length: N_OPS }, (_, i) => (correctOf(i) ? 1 : 0));
    const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, acc: 0 }));
    p.forEach((c, i) => {
      const b = bins[Math.min(9, Math.max(0, Math.ceil(c * 10) - 1))];
      b.n++;
      b.conf += c;
      b.acc += y[i];
    });
    const gaps = bins
      .filter((b) => b.n > 0)
      .map((b) => ({ n: b.n, gap: Math.abs(b.acc / b.n - b.conf / b.n) }));
    const ece = gaps.reduce((s, g) => s + (g.n / N_OPS) * g.gap, 0);
    const mce = Math.max(...gaps.map((g) => g.gap));
    const brier = p.reduce((s, c, i) => s + (c - y[i]) ** 2, 0) / N_OPS;
    // the smallest threshold whose answered results reach 90%
    let threshold: number | null = null;
    for (const t of [...p].sort((a, b) => a - b)) {
      const answered = p.map((c, i) => [c, y[i]]).filter(([c]) => c >= t);
      if (answered.reduce((s, [, v]) => s + v, 0) / answered.length >= 0.9) {
        threshold = t;
        break;
      }
    }
    return { bins, ece, mce, brier, threshold, accuracy: y.reduce((a, b) => a + b, 0) / N_OPS };
  }

  it("shows the reliability diagram with counts, ECE, MCE, Brier, the selective curve and the escalation threshold", async () => {
    const want = expected();
    const p = await web.open("/runs/ops-run");
    await p.getByTestId("reliability-diagram").waitFor();
    expect(await text(p, "ece")).toBe(want.ece.toFixed(3));
    expect(await text(p, "mce")).toBe(want.mce.toFixed(3));
    expect(await text(p, "brier")).toBe(want.brier.toFixed(3));
    const counts = await p
      .getByTestId("reliability-bin")
      .evaluateAll((gs) => gs.map((g) => Number(g.getAttribute("data-n"))));
    expect(counts).toEqual(want.bins.map((b) => b.n));
    expect(await p.getByTestId("reliability-diagram").locator("text.bin-count").allTextContents()).toEqual(
      want.bins.map((b) => String(b.n)),
    );
    expect(await p.getByTestId("reliability-table").locator("tbody tr").count()).toBe(10);
    await p.getByTestId("selective-curve").locator("path.series-selective").waitFor();
    expect(await p.getByTestId("escalation-point").count()).toBe(1);
    expect(want.threshold).not.toBeNull();
    expect(await text(p, "escalation")).toMatch(
      new RegExp(
        `^escalate below ${want.threshold?.toFixed(2)}: \\d+\\.\\d% of cases go to a person, accuracy on the rest`,
      ),
    );
  });

  it("shows cost at volume with its interval and the cached-token note", async () => {
    const p = await web.open("/runs/ops-run");
    const table = p.getByTestId("cost-projection");
    await table.waitFor();
    const meanCost = Array.from({ length: N_OPS }, (_, i) => costOf(i)).reduce((a, b) => a + b, 0) / N_OPS;
    const perMonth = await table.locator('tr[data-row="per-month"] td').allTextContents();
    expect(perMonth[1]).toBe(`$${(meanCost * 1_000_000).toFixed(2)}`);
    expect(perMonth[2]).toMatch(/^\[\$\d+\.\d\d, \$\d+\.\d\d\]$/);
    const perCase = await table.locator('tr[data-row="per-case"] td').allTextContents();
    expect(perCase[1]).toBe(`$${meanCost.toPrecision(2)}`);
    expect(await text(p, "cost-note")).toContain(
      "25.0% of input tokens were served from the provider's prompt cache",
    );
  });

  it("labels each dimension and the aggregate with the suite's bands, and gives the suite-size advice", async () => {
    const want = expected();
    const p = await web.open("/runs/ops-run");
    await p.getByTestId("aggregate-band").waitFor();
    const label = want.accuracy >= 0.9 ? "ship it" : want.accuracy >= 0.5 ? "needs work" : "stop";
    expect(await text(p, "aggregate-band")).toBe(label);
    expect(await text(p, "band-action")).toBe(label);
    const card = (await (
      await fetch(`${web.origin}/api/runs/ops-run/scorecard`)
    ).json()) as ScorecardResponse;
    const needed = card.scorecard.sampleSize?.needed;
    expect(needed).toBeGreaterThan(0);
    expect(await text(p, "suite-size-advice")).toBe(
      `to detect a change of 0.050 in the aggregate: needs ≈ ${needed?.toLocaleString("en-US")} paired cases at 80% power (this suite has ${N_OPS}; its MDE is ${card.scorecard.sampleSize?.mde?.toFixed(3)})`,
    );
  });

  it("a run without confidence, cost or suite settings shows none of those sections, only default bands", async () => {
    const p = await web.open("/runs/plain-run");
    await p.getByTestId("aggregate-band").waitFor();
    expect(await text(p, "aggregate-band")).toBe("targeted work");
    expect(await text(p, "band-ok")).toBe("targeted work");
    expect(await p.getByTestId("reliability-diagram").count()).toBe(0);
    expect(await p.getByTestId("cost-projection").count()).toBe(0);
    expect(await p.getByTestId("suite-size-advice").count()).toBe(0);
    expect(await p.getByTestId("escalation").count()).toBe(0);
    expect(await p.locator("#confidence").count()).toBe(0);
  });
});
