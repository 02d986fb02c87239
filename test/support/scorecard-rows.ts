import type { ErrorClass } from "../../src/core/output.ts";
import type { RunRecord, Store, StoredOutput, StoredScore } from "../../src/store/types.ts";

/**
 * A run written straight into a store with everything a scorecard reads: epochs, an unscored
 * dimension with reasons, a majority-reduced dimension, clusters, two tag keys, errors of two
 * classes, tokens, costs, response-cache hits, confidences, an LLM judge's cost details, field
 * confusions, and cases that have no result (missing). Rows are written in batches, so a run of
 * any size is made without holding it in memory. Deterministic for a seed.
 */
export async function writeScorecardRun(
  store: Store,
  opts: { n: number; epochs?: number; seed?: number; id?: string; rich?: boolean },
): Promise<RunRecord> {
  const epochs = opts.epochs ?? 1;
  const rich = opts.rich ?? true;
  let state = (opts.seed ?? 11) >>> 0;
  const rand = () => {
    // mulberry32: fast and good enough for test data
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const id = opts.id ?? `sc-${opts.n}-${epochs}-${opts.seed ?? 11}`;
  const datasetVersion = `dv-${id}`;
  const at = "2026-01-01T00:00:00.000Z";
  const dimensions: RunRecord["dimensions"] = {
    action: { evaluator: "json-field@1#a", kind: "json-field", weight: 2, threshold: 1 },
    quality: { evaluator: "llm-judge@1#q", kind: "llm-judge", weight: 1, threshold: 0.7 },
    ...(rich
      ? { vote: { evaluator: "equals@1#v", kind: "equals", weight: 1, threshold: 1, reduce: "majority" } }
      : {}),
  };
  const run: RunRecord = {
    id,
    suite: "scorecard",
    target: "t",
    targetKind: "http",
    datasetVersion,
    status: "completed",
    startedAt: at,
    finishedAt: at,
    epochs,
    caseCount: opts.n,
    lineage: {
      suiteHash: "0".repeat(64),
      datasetVersion,
      datasetFiles: ["cases.jsonl"],
      targetConfigHash: "0".repeat(16),
      evaluators: Object.fromEntries(Object.entries(dimensions).map(([k, d]) => [k, d.evaluator])),
      toolVersion: "0.1.0",
      nodeVersion: process.version,
    },
    targetConfig: {},
    dimensions,
    tags: [],
  };
  await store.createRun(run);
  const actions = ["create", "update", "delete", "archive"];
  const errorClasses: ErrorClass[] = ["timeout", "server-error"];
  let cases: Array<{
    case: { id: string; input: string; tags: Record<string, string>; cluster?: string };
    ordinal: number;
  }> = [];
  let outputs: StoredOutput[] = [];
  let scores: StoredScore[] = [];
  const flush = async () => {
    await store.putCases(datasetVersion, cases);
    await store.writeResults({ outputs, scores });
    cases = [];
    outputs = [];
    scores = [];
  };
  for (let i = 0; i < opts.n; i++) {
    const caseId = `c${String(i).padStart(7, "0")}`;
    const tags: Record<string, string> = { lang: ["en", "de", "fr"][i % 3] };
    if (rich && i % 4 !== 0) tags.level = ["easy", "hard"][i % 2];
    const c: (typeof cases)[number]["case"] = { id: caseId, input: `input ${i}`, tags };
    if (rich && i % 5 === 0) c.cluster = `doc-${Math.floor(i / 10)}`;
    cases.push({ case: c, ordinal: i });
    // every 97th case has no result at all: a missing case
    if (rich && i % 97 === 96) continue;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const error = rich && rand() < 0.03 ? errorClasses[i % 2] : undefined;
      const o: StoredOutput = {
        runId: id,
        caseId,
        epoch,
        text: `output ${i}`,
        latencyMs: Math.round(5 + rand() * 200 + (i % 7) * 3),
        attempts: 1,
        createdAt: at,
      };
      if (error) o.error = { class: error, message: `${error} on ${caseId}` };
      if (rich && !error) {
        o.usage = {
          inputTokens: 100 + (i % 13),
          outputTokens: 20 + (i % 5),
          cachedTokens: i % 3 === 0 ? 50 : 0,
        };
        o.costUsd = 0.001 + rand() * 0.002;
        if (i % 11 === 0) o.cached = true;
        if (i % 2 === 0) o.confidence = Math.round(rand() * 100) / 100;
      }
      outputs.push(o);
      if (error) continue;
      const expected = actions[i % 4];
      const actual = rand() < 0.8 ? expected : actions[(i + 1) % 4];
      const ok = expected === actual;
      scores.push({
        runId: id,
        caseId,
        epoch,
        dimension: "action",
        evaluator: dimensions.action.evaluator,
        score: ok ? 1 : 0,
        passed: ok,
        reason: ok ? "match" : `expected ${expected}, got ${actual}`,
        details: { field: "action", expected, actual },
      });
      const unscored = rich && rand() < 0.05;
      const q = Math.round(rand() * 1000) / 1000;
      scores.push({
        runId: id,
        caseId,
        epoch,
        dimension: "quality",
        evaluator: dimensions.quality.evaluator,
        score: unscored ? null : q,
        passed: unscored ? null : q >= 0.7,
        reason: unscored ? (i % 2 ? "judge answer unparseable" : "no expected answer") : "judged",
        details: {
          ...(unscored && i % 2 === 0 ? { unscored: "no-expected" } : {}),
          judge: {
            calls: 1,
            cachedCalls: i % 9 === 0 ? 1 : 0,
            costUsd: 0.0005,
            ...(i % 9 === 0 ? { cachedCostUsd: 0.0005 } : {}),
            usage: { inputTokens: 300, outputTokens: 40 },
          },
        },
      });
      if (rich) {
        const v = rand() < 0.6;
        scores.push({
          runId: id,
          caseId,
          epoch,
          dimension: "vote",
          evaluator: "equals@1#v",
          score: v ? 1 : 0,
          passed: v,
          reason: v ? "equal" : "different",
        });
      }
    }
    if (cases.length >= 1000) await flush();
  }
  await flush();
  return run;
}
