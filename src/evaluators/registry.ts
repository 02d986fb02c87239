import { didYouMeanSuffix } from "../util/did-you-mean.ts";
import { bleuEvaluator } from "./bleu.ts";
import { containsEvaluator } from "./contains.ts";
import { costEvaluator } from "./cost.ts";
import { customEvaluator } from "./custom.ts";
import { equalsEvaluator } from "./equals.ts";
import { jsonFieldEvaluator } from "./json-field.ts";
import { jsonFieldsEvaluator } from "./json-fields.ts";
import { jsonSchemaEvaluator } from "./json-schema.ts";
import { jsonValidEvaluator } from "./json-valid.ts";
import { llmJudgeEvaluator } from "./judge/llm-judge.ts";
import { latencyEvaluator } from "./latency.ts";
import { lengthEvaluator } from "./length.ts";
import { levenshteinEvaluator } from "./levenshtein.ts";
import { checkOptions } from "./option-schema.ts";
import { regexEvaluator } from "./regex.ts";
import { rougeLEvaluator } from "./rouge-l.ts";
import { rougeNEvaluator } from "./rouge-n.ts";
import { tokenF1Evaluator } from "./token-f1.ts";
import { toolCallsEvaluator } from "./tool-calls.ts";
import { toolErrorAckEvaluator } from "./tool-error-ack.ts";
import { toolLoopsEvaluator } from "./tool-loops.ts";
import { traceStepsEvaluator } from "./trace-steps.ts";
import {
  type Evaluator,
  EvaluatorConfigError,
  type EvaluatorCreateContext,
  type EvaluatorFactory,
} from "./types.ts";

/** Every built-in evaluator kind, by kind. */
export const builtinEvaluators: Map<string, EvaluatorFactory> = new Map(
  [
    equalsEvaluator,
    containsEvaluator,
    regexEvaluator,
    jsonValidEvaluator,
    jsonSchemaEvaluator,
    jsonFieldEvaluator,
    jsonFieldsEvaluator,
    tokenF1Evaluator,
    levenshteinEvaluator,
    rougeLEvaluator,
    rougeNEvaluator,
    bleuEvaluator,
    lengthEvaluator,
    latencyEvaluator,
    costEvaluator,
    toolCallsEvaluator,
    traceStepsEvaluator,
    toolLoopsEvaluator,
    toolErrorAckEvaluator,
    customEvaluator,
    llmJudgeEvaluator,
  ].map((f) => [f.kind, f]),
);

/**
 * Builds an evaluator of `kind` from its `with:` options. An unknown kind, or bad options, throw
 * EvaluatorConfigError (for an unknown kind the message starts with "unknown evaluator", suggests
 * a near kind and lists the known ones). Options are checked against the kind's option schema
 * (names, types, ranges) first, then by the evaluator itself (files, patterns, combinations).
 */
export async function createEvaluator(
  kind: string,
  options: Record<string, unknown>,
  ctx: EvaluatorCreateContext,
  registry: ReadonlyMap<string, EvaluatorFactory> = builtinEvaluators,
): Promise<Evaluator> {
  const factory = registry.get(kind);
  if (!factory) {
    const known = [...registry.keys()].sort();
    throw new EvaluatorConfigError(
      `unknown evaluator "${kind}"${didYouMeanSuffix(kind, known)} (known: ${known.join(", ")})`,
    );
  }
  const raw = options ?? {};
  checkOptions(kind, factory.options, raw);
  return factory.create(raw, ctx);
}
