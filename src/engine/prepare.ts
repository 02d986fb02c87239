import type { LoadedSuite } from "../config/load.ts";
import type { TargetSpec } from "../config/schema.ts";
import { createEvaluator } from "../evaluators/registry.ts";
import { EvaluatorConfigError } from "../evaluators/types.ts";
import type { LlmRuntime } from "../llm/client.ts";
import type { DimensionRecord, Store } from "../store/types.ts";
import { createTarget } from "../targets/index.ts";
import type { Target, TargetResponse } from "../targets/types.ts";
import { DEFAULT_EVALUATOR_TIMEOUT_MS, type ScoringDimension } from "./scoring.ts";

/**
 * Builds the live evaluators of a suite. A bad option is reported against the suite file's line
 * (`assay.yaml:14:7 dimensions.format.with.schema: …`), before any target is called. Each gets
 * its time limit: the dimension's `evaluatorTimeoutMs`, else the suite's, else the evaluator's own
 * default (an llm-judge's follows from its call timeouts), else DEFAULT_EVALUATOR_TIMEOUT_MS.
 */
export async function buildDimensions(suite: LoadedSuite, llm?: LlmRuntime): Promise<ScoringDimension[]> {
  const dims: ScoringDimension[] = [];
  for (const [name, spec] of Object.entries(suite.config.dimensions)) {
    try {
      const evaluator = await createEvaluator(spec.evaluator, spec.with ?? {}, {
        baseDir: suite.baseDir,
        ...(llm ? { llm } : {}),
      });
      const record: DimensionRecord = {
        evaluator: evaluator.id,
        kind: spec.evaluator,
        weight: spec.weight,
        threshold: spec.threshold,
      };
      if (spec.reduce) record.reduce = spec.reduce;
      const timeoutMs =
        spec.evaluatorTimeoutMs ??
        suite.config.evaluatorTimeoutMs ??
        evaluator.defaultTimeoutMs ??
        DEFAULT_EVALUATOR_TIMEOUT_MS;
      record.evaluatorTimeoutMs = timeoutMs;
      dims.push({ name, record: spec.with ? { ...record, with: spec.with } : record, evaluator, timeoutMs });
    } catch (err) {
      if (err instanceof EvaluatorConfigError) {
        const path = err.field
          ? ["dimensions", name, "with", ...err.field.split(".")]
          : ["dimensions", name, err.message.startsWith("unknown evaluator") ? "evaluator" : "with"];
        throw suite.errorAt(path, err.message);
      }
      throw err;
    }
  }
  return dims;
}

/** Picks the targets to run (all, or those named) and builds them. */
export async function buildTargets(
  suite: LoadedSuite,
  only: string[] | undefined,
  store: Store,
  llm?: LlmRuntime,
): Promise<Target[]> {
  const specs = suite.config.targets;
  if (only && only.length > 0) {
    for (const id of only) {
      if (!specs.some((t) => t.id === id)) {
        throw suite.errorAt(["targets"], `no target "${id}" (targets: ${specs.map((t) => t.id).join(", ")})`);
      }
    }
  }
  const chosen = specs.filter((t) => !only || only.length === 0 || only.includes(t.id));
  const targets: Target[] = [];
  for (const spec of chosen) {
    const index = specs.indexOf(spec);
    try {
      const target = await createTarget(spec, {
        baseDir: suite.baseDir,
        loadRun: replayLoader(spec, store),
        ...(llm ? { llm } : {}),
      });
      // Load modules and replay files and check env references now, so bad config exits 2 up front.
      await target.prepare?.();
      targets.push(target);
    } catch (err) {
      const e = err as Error & { field?: string };
      throw suite.errorAt(["targets", index, ...(e.field ? e.field.split(".") : [])], e.message);
    }
  }
  return targets;
}

function replayLoader(
  spec: TargetSpec,
  store: Store,
): (() => Promise<Map<string, TargetResponse>>) | undefined {
  if (!spec.replay || typeof spec.replay === "string") return undefined;
  const runRef = spec.replay.run;
  return async () => {
    const run = await store.getRun(runRef);
    if (!run) throw new Error(`replay: no stored run "${runRef}"`);
    const map = new Map<string, TargetResponse>();
    for (const o of await store.listOutputs(run.id)) {
      if (o.error || map.has(o.caseId)) continue;
      map.set(o.caseId, { output: o.json ?? o.text, trace: o.trace, usage: o.usage, costUsd: o.costUsd });
    }
    return map;
  };
}
