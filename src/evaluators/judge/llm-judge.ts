import { redactUrl } from "../../faults/secrets.ts";
import { type ChatClientSpec, createChatClient, type LlmRuntime } from "../../llm/client.ts";
import type { ChatClient } from "../../llm/types.ts";
import { makeEvaluator, unscored } from "../base.ts";
import {
  type EvaluationInput,
  type Evaluator,
  EvaluatorConfigError,
  type EvaluatorCreateContext,
  type EvaluatorFactory,
  type Score,
} from "../types.ts";
import { aggregateSamples, type ItemResult, judgeScore } from "./aggregate.ts";
import { JUDGE_CALL_DEFAULTS, JudgeAccount, type JudgeCallPolicy, mapLimit } from "./call.ts";
import { judgeSample } from "./llm-judge-call.ts";
import { JUDGE_OPTIONS, type JudgeSettings, KIND, readJudgeOptions } from "./llm-judge-options.ts";
import { judgedItems, LLM_JUDGE_TEMPLATE } from "./llm-judge-prompt.ts";
import { sha256, shortHash } from "./prompt.ts";
import type { Rubric } from "./rubric.ts";

// The parts live in sibling modules (options, prompt, call, aggregate); these names have always
// been exported from here.
export { normaliseScore, verdictSchema } from "./llm-judge-call.ts";
export { type JudgeScale, type JudgeTarget, scaleLabel, scaleLevels } from "./llm-judge-options.ts";
export { LLM_JUDGE_TEMPLATE } from "./llm-judge-prompt.ts";

/**
 * `llm-judge`: a language model grades the output against a rubric.
 *
 * Options (`with:`):
 * - `model` (required): `openai:<model>` or `anthropic:<model>`; `baseUrl` for any
 *   OpenAI-compatible server; `apiKeyEnv` names the variable holding the key.
 * - `rubric` (required): a Markdown file relative to the suite's directory, or the name of a
 *   built-in rubric (`grounding`, `factuality`, … — see `rubrics/`). Every level of the scale needs
 *   an anchor line in it (`5: …`, `- 4 — …`, `pass: …`).
 * - `scale`: `[min, max]` (integers, at most 10 apart) or `"binary"` (pass/fail). Default: the run
 *   of levels the rubric anchors (1–5 for the built-in rubrics; levels 0–10 are looked for), else
 *   `binary` when it anchors pass/fail.
 * - `threshold`: the pass mark in the scale's units (binary: a fraction of passing samples), kept
 *   in `details.pass`; default 4 on [1, 5] (0.75 of the range on any numeric scale), 1 for binary.
 *   The suite dimension's own `threshold` is separate and is what the scorecard uses.
 * - `samples` (default 1): K independent judge calls; the score is their mean, the spread is in
 *   `details.spread`. `temperature` (default 0), `maxTokens`, `timeoutMs` (per call, default 120 s).
 * - `reference: true`: show the judge the expected answer (`with.expected`, else the case's);
 *   `field` narrows it to a dotted path, so one case's `expected` can hold a different reference
 *   for each judge (`field: approved` for tone examples, `field: outcome` for a refusal judge).
 * - `context`: a dotted path to the source passage: `input.<path>`, `expected.<path>`, or a bare
 *   path looked up in the input first, then in the expected value.
 * - `target`: what is judged for multi-turn outputs: `final` (default; the answer), `turns` (each
 *   assistant turn of `output.trace.messages`, with the conversation before it; score = mean), or
 *   `session` (the whole transcript with tool calls and results).
 * - `cache` (default true): cache judge responses.
 *
 * Scores are normalised to [0, 1]: (s − min)/(max − min); pass = 1, fail = 0. A reply that cannot
 * be read, a refusal, a truncated reply, a score outside the scale or a failed call (after two
 * retries for retryable failures) leaves the sample unscored with the reason — never 0. With K
 * samples the unscored ones are left out of the mean (they are repeated measurements of one
 * thing); with `target: turns` one unscored turn leaves the case unscored (turns are different
 * things, and dropping one would change what is measured).
 *
 * The version is a hash of the kind, model, parameters (temperature, maxTokens, samples, scale,
 * threshold, reference, context, target), the prompt template and the rubric text: changing a
 * word of the rubric makes a new evaluator version. `baseUrl`, `apiKeyEnv`, `cache` and
 * `timeoutMs` do not change it.
 */

/** Injectable parts of the judge's call policy (tests shorten the backoff). */
export type JudgeDeps = Pick<JudgeCallPolicy, "sleep" | "random" | "backoffBaseMs" | "backoffMaxMs">;

const CALLS_IN_FLIGHT = 8;

export const llmJudgeEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: LLM_JUDGE_TEMPLATE.version,
  description:
    "a language model grades the output against a rubric (scale or pass/fail), hardened against injection",
  options: JUDGE_OPTIONS,
  create(options, ctx) {
    return createLlmJudge(options, ctx);
  },
};

/**
 * The version hash of an llm-judge: kind, model, parameters, the template and the rubric text.
 * Exported so reports and calibration can name a judge without building it.
 */
export function llmJudgeVersion(settings: JudgeSettings, rubricRaw: string): string {
  return shortHash({
    kind: KIND,
    model: settings.model,
    params: {
      temperature: settings.temperature,
      maxTokens: settings.maxTokens ?? null,
      samples: settings.samples,
      scale: settings.scale,
      threshold: settings.threshold,
      reference: settings.reference,
      // only when set, so the versions of judges without it are unchanged
      ...(settings.field !== undefined ? { field: settings.field } : {}),
      context: settings.context ?? null,
      target: settings.target,
    },
    template: LLM_JUDGE_TEMPLATE,
    rubric: rubricRaw,
  });
}

/** Builds an llm-judge evaluator; `deps` replaces parts of the retry policy (tests). */
export async function createLlmJudge(
  options: Record<string, unknown>,
  ctx: EvaluatorCreateContext,
  deps: JudgeDeps = {},
): Promise<Evaluator> {
  const { settings, rubricRef, rubric, baseUrl, apiKeyEnv, timeoutMs, cache, price } = await readJudgeOptions(
    options,
    ctx.baseDir,
  );
  const model = settings.model;

  const spec: ChatClientSpec = { provider: model, cache };
  if (baseUrl !== undefined) spec.baseUrl = baseUrl;
  if (apiKeyEnv !== undefined) spec.apiKeyEnv = apiKeyEnv;
  if (price !== undefined) spec.price = price;
  const runtime: LlmRuntime = ctx.llm ?? { cacheMode: "default", env: process.env };
  let client: ChatClient;
  try {
    client = (ctx.clientFactory ?? createChatClient)(spec, runtime);
  } catch (err) {
    if (err instanceof EvaluatorConfigError) throw err;
    throw new EvaluatorConfigError(
      `${KIND}: cannot create the judge client for "${model}": ${(err as Error)?.message ?? String(err)}`,
      "model",
    );
  }

  const version = llmJudgeVersion(settings, rubric.raw);
  const promptHash = shortHash({ template: LLM_JUDGE_TEMPLATE, rubric: rubric.text });
  const scaleConfig = settings.scale.kind === "binary" ? "binary" : [settings.scale.min, settings.scale.max];
  const config: Record<string, unknown> = {
    model,
    baseUrl: baseUrl !== undefined ? redactUrl(baseUrl) : undefined,
    apiKeyEnv,
    rubric: rubricRef,
    rubricHash: sha256(rubric.raw).slice(0, 12),
    promptHash,
    template: LLM_JUDGE_TEMPLATE.version,
    scale: scaleConfig,
    threshold: settings.threshold,
    samples: settings.samples,
    reference: settings.reference,
    field: settings.field,
    context: settings.context,
    target: settings.target,
    temperature: settings.temperature,
    maxTokens: settings.maxTokens,
    cache,
  };
  const policy: JudgeCallPolicy = { ...deps, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  const judge = new LlmJudge(client, rubric, settings, promptHash, policy);
  // The version already hashes what decides a verdict (model, parameters, template, rubric text);
  // where the judge is served from (baseUrl, key variable, cache) does not change the evaluator.
  const evaluator = makeEvaluator(KIND, version, config, (input) => judge.evaluate(input), {});
  return Object.freeze({ ...evaluator, defaultTimeoutMs: judgeTimeBound(policy, settings.samples) });
}

/**
 * How long one evaluation may take when the suite sets no `evaluatorTimeoutMs`: every call is
 * bounded by the call policy (attempts × the per-call timeout, plus the waits between attempts),
 * and the samples run CALLS_IN_FLIGHT at a time. With `target: turns` each turn is judged in the
 * same way, so long conversations may need `evaluatorTimeoutMs` set on the dimension.
 */
export function judgeTimeBound(policy: JudgeCallPolicy, samples: number): number {
  const d = JUDGE_CALL_DEFAULTS;
  const attempts = (policy.retries ?? d.retries) + 1;
  const perSample =
    attempts * (policy.timeoutMs ?? d.timeoutMs) + (attempts - 1) * (policy.backoffMaxMs ?? d.backoffMaxMs);
  return perSample * Math.ceil(samples / CALLS_IN_FLIGHT);
}

/** Judges one output: each item × sample, at most CALLS_IN_FLIGHT calls at once, then the score. */
class LlmJudge {
  constructor(
    private readonly client: ChatClient,
    private readonly rubric: Rubric,
    private readonly s: JudgeSettings,
    private readonly promptHash: string,
    private readonly policy: JudgeCallPolicy,
  ) {}

  async evaluate(input: EvaluationInput): Promise<Score> {
    const err = input.output.error;
    if (err) {
      return unscored(`no output to judge (target error ${err.class}: ${err.message})`, {
        unscored: "target-error",
      });
    }
    const prepared = judgedItems(input, this.s, this.rubric);
    if (!prepared.ok) return unscored(prepared.reason, { unscored: prepared.code });
    const account = new JudgeAccount();
    const jobs = prepared.items.flatMap((_item, i) =>
      Array.from({ length: this.s.samples }, (_, sample) => ({ item: i, sample })),
    );
    const results = await mapLimit(jobs, CALLS_IN_FLIGHT, (job) =>
      judgeSample(this.client, this.s, this.policy, prepared.items[job.item].messages, job.sample, account),
    );
    const items: ItemResult[] = prepared.items.map((item, i) => {
      const samples = results.filter((_, j) => jobs[j].item === i);
      return { ...(item.turn !== undefined ? { turn: item.turn } : {}), ...aggregateSamples(samples) };
    });
    return judgeScore(items, account, this.s, this.promptHash);
  }
}
