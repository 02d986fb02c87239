import type { z } from "zod";
import type { Case } from "../core/case.ts";
import type { Output } from "../core/output.ts";
import type { ChatClientSpec, LlmRuntime } from "../llm/client.ts";
import type { ChatClient } from "../llm/types.ts";

/**
 * A score in [0, 1] with a reason, or unscored (score null) with why.
 * Unscored is never silently counted as 0.
 */
export interface Score {
  score: number | null;
  reason: string;
  /** evaluator-specific facts (precision/recall, per-field results, BLEU sufficient statistics…) */
  details?: Record<string, unknown>;
}

export interface EvaluationInput {
  case: Case;
  output: Output;
  /** what to compare against: `with.expected` if given, else the case's `expected` (or a field of it) */
  expected: unknown;
}

/** A versioned scoring component. `id` is `kind@version`; `config` is its pinned configuration. */
export interface Evaluator {
  readonly kind: string;
  readonly version: string;
  readonly id: string;
  readonly config: Record<string, unknown>;
  /**
   * The time limit per output this evaluator needs when the suite sets none, in ms: an evaluator
   * that calls a model bounds each call itself and needs longer than the engine's default.
   */
  readonly defaultTimeoutMs?: number;
  evaluate(input: EvaluationInput): Score | Promise<Score>;
}

export interface EvaluatorCreateContext {
  /** directory of the suite file: relative paths in `with:` resolve against it */
  baseDir: string;
  /** for evaluators that call a model (llm-judge): response cache, cache mode, environment for API keys */
  llm?: LlmRuntime;
  /** builds the chat clients those evaluators use (default: createChatClient); tests inject fakes */
  clientFactory?: (spec: ChatClientSpec, runtime: LlmRuntime) => ChatClient;
}

export interface EvaluatorFactory {
  readonly kind: string;
  readonly version: string;
  readonly description: string;
  /**
   * The `with:` options, declared once: a zod object schema with `.describe()` on every key (and
   * enums where the values are fixed). createEvaluator checks names, types and ranges against it
   * before `create`; `assay schema` and docs/reference/evaluators.md are generated from it.
   */
  readonly options: z.ZodType;
  /** Validates `with:` and builds the evaluator. Throws EvaluatorConfigError on bad options. */
  create(options: Record<string, unknown>, ctx: EvaluatorCreateContext): Evaluator | Promise<Evaluator>;
}

/** Bad evaluator options; `field` is the path within `with:` (e.g. "fields.0"). */
export class EvaluatorConfigError extends Error {
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    this.name = "EvaluatorConfigError";
    this.field = field;
  }
}
