import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSuite } from "../../src/config/load.ts";
import { runSuite } from "../../src/engine/run-suite.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/types.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * Every in-flight call (and every backoff wait) listens for the run's cancellation. At
 * concurrency 11 and up that used to be > 10 listeners on one AbortSignal, and Node printed a
 * MaxListenersExceededWarning. The target here holds all 50 first calls at once (a barrier, no
 * timing) and fails them with a retryable error, so 50 calls and then 50 backoff waits overlap.
 */
const CONCURRENCY = 50;

describe("no MaxListenersExceededWarning at any concurrency", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => {
    warnings.push(w);
  };

  beforeEach(() => {
    tmp = tempDir("assay-listeners-");
    store = openSqliteStore(tmp.path("assay.db"));
    tmp.write(
      "cases.jsonl",
      jsonl(
        Array.from({ length: CONCURRENCY }, (_, i) => ({
          id: `c${i}`,
          input: `item ${i}`,
          expected: { ok: true },
        })),
      ),
    );
    tmp.write(
      "target.mjs",
      `let waiting = 0;
let release;
const allIn = new Promise((resolve) => { release = resolve; });
const seen = new Set();
export default async function (input, ctx) {
  if (seen.has(ctx.case.id)) return { ok: true };
  seen.add(ctx.case.id);
  // the first call of every case waits until all ${CONCURRENCY} are in flight together
  if (++waiting === ${CONCURRENCY}) release();
  await allIn;
  // a retryable failure, duck-typed as TargetFailure (what a module target may throw)
  const err = new Error("server busy");
  err.name = "TargetFailure";
  err.errorClass = "server-error";
  throw err;
}
`,
    );
    tmp.write(
      "assay.yaml",
      [
        "suite: listeners",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: t",
        "    module: target.mjs",
        "retries: 2",
        "dimensions:",
        "  ok: { evaluator: json-field, with: { field: ok } }",
      ].join("\n"),
    );
    warnings.length = 0;
    process.on("warning", onWarning);
  });

  afterEach(async () => {
    process.off("warning", onWarning);
    await store.close();
    tmp.remove();
  });

  it(`runs ${CONCURRENCY} calls and ${CONCURRENCY} retry waits at once without the warning`, async () => {
    const suite = await loadSuite(tmp.path("assay.yaml"));
    const controller = new AbortController();
    const result = await runSuite(suite, {
      store,
      concurrency: CONCURRENCY,
      backoffBaseMs: 1,
      signal: controller.signal,
    });
    // every case needed its retry: the calls and the waits did overlap
    const outputs = await store.listOutputs(result.runs[0].run.id);
    expect(outputs).toHaveLength(CONCURRENCY);
    expect(outputs.map((o) => [o.attempts, o.error?.class ?? null])).toEqual(outputs.map(() => [2, null]));
    // warnings are emitted on a later tick
    await new Promise((resolve) => setImmediate(resolve));
    const listenerWarnings = warnings.filter((w) => w.name === "MaxListenersExceededWarning");
    expect(listenerWarnings.map((w) => w.message)).toEqual([]);
  });
});
