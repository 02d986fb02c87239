import { z } from "zod";
import type { Price } from "../../llm/types.ts";
import { optionNames } from "../option-schema.ts";
import { describe as describeValue, OptionReader } from "../options.ts";
import { isValidPath } from "../path.ts";
import { EvaluatorConfigError } from "../types.ts";
import { anchoredLevels, checkAnchors, loadRubric, type Rubric } from "./rubric.ts";

/**
 * The `with:` options of an llm-judge, read and checked. Every problem is an EvaluatorConfigError
 * naming the option, raised while the suite loads and before any call.
 */

export const KIND = "llm-judge";

export type JudgeScale = { kind: "numeric"; min: number; max: number } | { kind: "binary" };
export type JudgeTarget = "final" | "turns" | "session";

const MAX_SCALE_SPAN = 10;
const MAX_SAMPLES = 50;

/** The `with:` options of an llm-judge (see llm-judge.ts for what each does in detail). */
export const JUDGE_OPTIONS = z.strictObject({
  model: z
    .string()
    .min(1)
    .describe('the judge, "<provider>:<model>": `openai:gpt-4o-mini`, `anthropic:claude-…`'),
  baseUrl: z
    .string()
    .min(1)
    .optional()
    .describe("an OpenAI-compatible server for the judge (a local model, a proxy)"),
  apiKeyEnv: z
    .string()
    .min(1)
    .optional()
    .describe("the environment variable holding the judge's API key (default: the provider's usual one)"),
  rubric: z
    .string()
    .min(1)
    .describe(
      "a Markdown rubric relative to the suite's folder, or a built-in one (grounding, factuality, " +
        "relevance, tone, refusal, …); every level of the scale needs an anchor line in it (`5: …`, `pass: …`)",
    ),
  scale: z
    .union([z.tuple([z.number().int(), z.number().int()]), z.literal("binary")])
    .optional()
    .describe(
      '`[min, max]` (integers, at most 10 apart) or "binary" (pass/fail); default: the run of levels ' +
        "the rubric anchors, else binary when it anchors pass/fail",
    ),
  threshold: z
    .union([z.number(), z.literal("pass")])
    .optional()
    .describe(
      "the judge's pass mark, in the scale's units (binary: the share of passing samples), kept in " +
        "details.pass; default 4 on 1–5 (0.75 of the range), 1 for binary. The dimension's own " +
        "`threshold` is what the scorecard uses",
    ),
  samples: z
    .number()
    .int()
    .min(1)
    .max(MAX_SAMPLES)
    .default(1)
    .describe("independent judge calls per output; the score is their mean, the spread is in details.spread"),
  reference: z
    .boolean()
    .default(false)
    .describe("show the judge the case's expected answer (`field` narrows it)"),
  field: z
    .string()
    .min(1)
    .optional()
    .describe(
      "a dotted path narrowing the reference answer to one field of the expected value (needs reference: true)",
    ),
  context: z
    .string()
    .min(1)
    .optional()
    .describe(
      "a dotted path to the source passage the judge checks against: `input.<path>`, " +
        "`expected.<path>`, or a bare path looked up in the input, then in the expected value",
    ),
  target: z
    .enum(["final", "turns", "session"])
    .default("final")
    .describe(
      "what is judged: `final` (the answer), `turns` (each assistant turn with the conversation " +
        "before it; score = mean), or `session` (the whole transcript with tool calls and results)",
    ),
  temperature: z.number().min(0).max(2).default(0).describe("the judge's sampling temperature"),
  maxTokens: z.number().int().min(1).optional().describe("the most tokens the judge may reply with"),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("the time limit per judge call, in ms (default 120000); failed calls are retried twice"),
  cache: z.boolean().default(true).describe("cache judge responses (false: call the judge every time)"),
  price: z
    // ≥ 0 is checked by readPrice, whose message names the price field
    .strictObject({
      input: z.number().describe("USD per million input tokens (≥ 0)"),
      output: z.number().describe("USD per million output tokens (≥ 0)"),
      cachedInput: z.number().optional().describe("USD per million cached input tokens (≥ 0)"),
    })
    .optional()
    .describe(
      "the judge model's price, for models the bundled price table does not know, so judge cost is reported",
    ),
});

/** The levels that need an anchor in the rubric. */
export function scaleLevels(scale: JudgeScale): string[] {
  if (scale.kind === "binary") return ["pass", "fail"];
  const out: string[] = [];
  for (let v = scale.min; v <= scale.max; v++) out.push(String(v));
  return out;
}

export function scaleLabel(scale: JudgeScale): string {
  return scale.kind === "binary" ? "pass/fail" : `${scale.min}–${scale.max}`;
}

export interface JudgeSettings {
  model: string;
  scale: JudgeScale;
  threshold: number;
  samples: number;
  reference: boolean;
  /** dotted path into the expected value that is the reference */
  field?: string;
  context?: string;
  target: JudgeTarget;
  temperature: number;
  maxTokens?: number;
}

function readScale(r: OptionReader, rubric: Rubric): JudgeScale {
  if (!r.has("scale")) {
    const numeric = anchoredLevels(
      rubric.text,
      Array.from({ length: MAX_SCALE_SPAN + 1 }, (_, i) => String(i)),
    ).map(Number);
    const min = Math.min(...numeric);
    const max = Math.max(...numeric);
    if (numeric.length >= 2 && max - min + 1 === numeric.length) return { kind: "numeric", min, max };
    if (anchoredLevels(rubric.text, ["pass", "fail"]).length === 2) return { kind: "binary" };
    throw new EvaluatorConfigError(
      `${KIND}: "scale" is required: rubric file ${rubric.file} anchors neither a run of levels such as 1–5 nor pass/fail`,
      "scale",
    );
  }
  const v = r.raw.scale;
  if (v === "binary") return { kind: "binary" };
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === "number" && Number.isInteger(x))) {
    r.fail("scale", `must be [min, max] (two integers) or "binary", got ${describeValue(v)}`);
  }
  const [min, max] = v as [number, number];
  if (min >= max) r.fail("scale", `must have min < max, got [${min}, ${max}]`);
  if (max - min > MAX_SCALE_SPAN) {
    r.fail(
      "scale",
      `spans at most ${MAX_SCALE_SPAN} points (every level needs an anchor), got [${min}, ${max}]`,
    );
  }
  return { kind: "numeric", min, max };
}

/** The threshold as a normalised score. */
function readThreshold(r: OptionReader, scale: JudgeScale): number {
  if (scale.kind === "binary") {
    if (!r.has("threshold")) return 1;
    const t = r.raw.threshold;
    if (t === "pass") return 1;
    const n = r.number("threshold", { min: 0, max: 1 }) as number;
    return n;
  }
  if (!r.has("threshold")) return 0.75;
  const t = r.number("threshold", { min: scale.min, max: scale.max }) as number;
  return (t - scale.min) / (scale.max - scale.min);
}

function readModel(r: OptionReader): string {
  const model = r.nonEmptyString("model");
  if (model === undefined) r.fail("model", 'is required (e.g. "openai:gpt-4o-mini" or "anthropic:claude-…")');
  if (!/^[A-Za-z][\w.-]*:\S.*$/.test(model)) {
    r.fail("model", `must be "<provider>:<model>" such as "openai:gpt-4o-mini", got ${describeValue(model)}`);
  }
  return model;
}

function readReferenceField(r: OptionReader): string | undefined {
  const field = r.nonEmptyString("field");
  if (field === undefined) return undefined;
  if (!isValidPath(field)) r.fail("field", `is not a dotted path: ${JSON.stringify(field)}`);
  if (r.raw.reference !== true) r.fail("field", "narrows the reference answer: it needs reference: true");
  return field;
}

function readContextPath(r: OptionReader): string | undefined {
  const context = r.nonEmptyString("context");
  if (context !== undefined && !isValidPath(context)) {
    r.fail("context", `is not a dotted path: ${JSON.stringify(context)}`);
  }
  if (context === "input" || context === "expected") {
    r.fail("context", `must name a field, such as "${context}.passage"`);
  }
  return context;
}

/**
 * `price: {input, output, cachedInput?}` in USD per million tokens, for judge models the bundled
 * table does not know (local models, new releases); judge cost is then reported, not 0.
 */
function readPrice(raw: unknown, fail: (msg: string) => never): Price | undefined {
  if (raw === undefined) return undefined;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    fail("must be {input, output} in USD per million tokens");
  const p = raw as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!["input", "output", "cachedInput"].includes(key))
      fail(`unknown field "${key}" (input, output, cachedInput)`);
  }
  const num = (key: string) => {
    const v = p[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) fail(`${key} must be a number ≥ 0`);
    return v as number;
  };
  const input = num("input");
  const output = num("output");
  if (input === undefined || output === undefined) fail("needs both input and output");
  const price: Price = { input: input as number, output: output as number };
  const cachedInput = num("cachedInput");
  if (cachedInput !== undefined) price.cachedInput = cachedInput;
  return price;
}

/** The options of one llm-judge, checked, with its rubric loaded. */
export interface JudgeOptions {
  settings: JudgeSettings;
  rubricRef: string;
  rubric: Rubric;
  baseUrl?: string;
  apiKeyEnv?: string;
  /** per judge call, ms */
  timeoutMs?: number;
  cache: boolean;
  price?: Price;
}

/** Reads `with:` in a fixed order, so the first problem reported is the same as it always was. */
export async function readJudgeOptions(
  options: Record<string, unknown>,
  baseDir: string,
): Promise<JudgeOptions> {
  const r: OptionReader = new OptionReader(KIND, options, optionNames(JUDGE_OPTIONS));
  const model = readModel(r);
  const baseUrl = r.nonEmptyString("baseUrl");
  if (baseUrl !== undefined && !URL.canParse(baseUrl))
    r.fail("baseUrl", `is not a URL: ${describeValue(baseUrl)}`);
  const apiKeyEnv = r.nonEmptyString("apiKeyEnv");
  if (apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv)) {
    r.fail("apiKeyEnv", `must be an environment variable name, got ${describeValue(apiKeyEnv)}`);
  }
  const rubricRef = r.nonEmptyString("rubric");
  if (rubricRef === undefined)
    r.fail("rubric", "is required (a Markdown file, or a built-in name such as grounding)");
  const settings: JudgeSettings = {
    model,
    scale: { kind: "binary" },
    threshold: 1,
    samples: r.number("samples", { min: 1, max: MAX_SAMPLES, integer: true }) ?? 1,
    reference: r.boolean("reference", false),
    field: readReferenceField(r),
    context: readContextPath(r),
    target: r.oneOf("target", ["final", "turns", "session"] as const, "final"),
    temperature: r.number("temperature", { min: 0, max: 2 }) ?? 0,
    maxTokens: r.number("maxTokens", { min: 1, integer: true }),
  };
  const timeoutMs = r.number("timeoutMs", { min: 1, integer: true });
  const cache = r.boolean("cache", true);
  const price = readPrice(r.raw.price, (msg) => r.fail("price", msg));
  const rubric = await loadRubric(rubricRef, baseDir);
  settings.scale = readScale(r, rubric);
  checkAnchors(rubric, scaleLevels(settings.scale));
  settings.threshold = readThreshold(r, settings.scale);
  return { settings, rubricRef, rubric, baseUrl, apiKeyEnv, timeoutMs, cache, price };
}
