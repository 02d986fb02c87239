import { z } from "zod";
import { LOGPROBS_CONFIDENCE, logprobsUnsupported } from "../llm/logprobs.ts";
import { didYouMeanSuffix } from "../util/did-you-mean.ts";
import { monitorsSchema } from "./monitors.ts";
import { operatingKeys } from "./operating.ts";
import { variantsSchema } from "./variants.ts";

/**
 * The suite file's schema (DESIGN.md §4.1). Unknown keys are errors, so a typo names its line
 * instead of being silently ignored; the `gate` block is owned by the gate and validated there.
 * Every key has a `.describe()`: `assay schema` (json-schema.ts) and docs/reference/suite.md are
 * generated from them, and a test fails on a key without one.
 */

const positiveInt = z.number().int().positive();

const PROVIDERS = ["openai", "anthropic"];

/** An evaluator's time limit per output (issue 8); unset means the evaluator's default. */
const evaluatorTimeoutMs = positiveInt.max(2 ** 31 - 1).optional();

const callPolicy = {
  concurrency: positiveInt
    .optional()
    .describe("cases this target runs at once (default: the suite's concurrency)"),
  timeoutMs: positiveInt
    .optional()
    .describe("time limit per call to this target, in ms (default: the suite's timeoutMs)"),
  retries: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      "retries of a failed call (429, 5xx, timeouts, resets) for this target (default: the suite's retries)",
    ),
  rateLimit: z
    .strictObject({
      perSecond: z.number().positive().describe("calls started per second, at most"),
      group: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits, '.', '_', ':' and '-'")
        .optional()
        .describe(
          "targets naming the same group share one budget (one API account, say); default the target's id",
        ),
    })
    .optional()
    .describe(
      "paces calls to this target, retries included; a 429 pauses every caller for its Retry-After. " +
        "With `assay run --queue` the budget is shared by every worker on every machine (kept in Redis)",
    ),
};

/** What an http or exec target may return (issue 8): on the target, or (http) inside `http:`. */
const responseLimits = {
  followRedirects: z
    .enum(["none", "same-origin", "cross-origin"])
    .optional()
    .describe(
      "http targets: which redirects to follow (at most 5 hops). `same-origin` (default) follows " +
        "redirects within the request's scheme, host and port and refuses others as client-error; " +
        "`cross-origin` follows them too, without Authorization, Cookie, Proxy-Authorization and any " +
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the suite file's own ${VAR} syntax
        "header holding a ${VAR} or named like a secret; `none` makes every redirect a client-error.",
    ),
  maxResponseBytes: positiveInt
    .optional()
    .describe(
      "http and exec targets: the largest response body (exec: stdout) accepted, in bytes; default " +
        "16777216 (16 MiB). A larger one is cut off as it streams in and recorded as the error " +
        "class response-too-large, which is not retried.",
    ),
  encoding: z
    .enum(["utf-8", "latin1", "binary-base64"])
    .optional()
    .describe(
      "http and exec targets: how the response bytes become the output. `utf-8` (default): bytes " +
        "that are not valid UTF-8 are the error malformed-response; `latin1`: one character per " +
        "byte; `binary-base64`: the output is the base64 of the bytes (no `output` JSONPath).",
    ),
};

const httpSpec = z.strictObject({
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the suite file's own ${VAR} syntax
  url: z.string().min(1).describe("the endpoint; may reference environment variables as ${NAME}"),
  method: z.enum(["GET", "POST", "PUT", "PATCH"]).optional().describe("the HTTP method (default POST)"),
  headers: z
    .record(z.string(), z.string())
    .optional()
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the suite file's own ${VAR} syntax
    .describe("request headers; values may reference environment variables (`Bearer ${API_TOKEN}`)"),
  body: z
    .unknown()
    .optional()
    .describe(
      "the request body: JSON whose string leaves are Liquid templates over input, case, epoch and " +
        'env (`{ text: "{{ input }}" }`); default: the case payload {id, input, tags, epoch}, never expected',
    ),
  output: z
    .string()
    .optional()
    .describe(
      "a JSONPath (`$.result`, `$.choices[0].text`) to the output in a JSON response; default: the body text",
    ),
  ...responseLimits,
});

const chatMessageTemplate = z.strictObject({
  role: z.enum(["system", "user", "assistant"]).describe("who says it"),
  content: z
    .string()
    .describe("a Liquid template over input, case and epoch (`{{ input }}`, `{{ case.tags.category }}`)"),
});

const llmOptions = z.strictObject({
  temperature: z.number().min(0).max(2).optional().describe("sampling temperature"),
  maxTokens: z.number().int().positive().optional().describe("the most tokens the model may generate"),
  topP: z.number().min(0).max(1).optional().describe("nucleus sampling: the probability mass sampled from"),
  seed: z.number().int().optional().describe("a sampling seed, for providers that support one"),
  stop: z.array(z.string()).optional().describe("sequences that end generation"),
  responseFormat: z
    .union([
      z.strictObject({ type: z.literal("text").describe("plain text") }),
      z.strictObject({ type: z.literal("json_object").describe("any JSON object") }),
      z.strictObject({
        type: z.literal("json_schema").describe("JSON valid against `schema`"),
        name: z.string().describe("the schema's name, as the provider requires"),
        schema: z.record(z.string(), z.unknown()).describe("the JSON Schema the reply must match"),
        strict: z.boolean().optional().describe("ask the provider to enforce the schema exactly"),
      }),
    ])
    .optional()
    .describe("the reply's format: text, a JSON object, or JSON matching a schema"),
});

const toolDefinition = z.strictObject({
  name: z.string().min(1).describe("the tool's name, as the model calls it"),
  description: z.string().optional().describe("what the tool does, for the model"),
  parameters: z.record(z.string(), z.unknown()).describe("JSON Schema of the tool's arguments"),
});

/** LLM target settings (provider targets only). */
const llmTargetFields = {
  baseUrl: z
    .string()
    .optional()
    .describe("provider targets: an OpenAI- or Anthropic-compatible server (a local model, a proxy)"),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")
    .optional()
    .describe(
      "provider targets: the environment variable holding the API key (default OPENAI_API_KEY or ANTHROPIC_API_KEY)",
    ),
  messages: z
    .array(chatMessageTemplate)
    .min(1)
    .optional()
    .describe("provider targets: message templates per role; `prompt` adds a user message after them"),
  options: llmOptions
    .optional()
    .describe("provider targets: sampling and format options sent with every call"),
  stream: z.boolean().optional().describe("provider targets: stream the reply (records time to first token)"),
  cache: z
    .boolean()
    .optional()
    .describe(
      "provider targets: use the response cache (default false; `--no-cache` turns it off for a run)",
    ),
  tools: z
    .union([z.string(), z.array(toolDefinition)])
    .optional()
    .describe("provider targets: the tools the model may call: definitions, or a JSON/YAML file of them"),
  toolsModule: z
    .string()
    .optional()
    .describe(
      "provider targets: a JS/TS module whose default export maps tool names to implementations; " +
        "assay runs the tool loop",
    ),
  maxSteps: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("provider targets with tools: model calls per user turn (default 10)"),
  toolFaults: z
    .array(
      z.strictObject({
        tool: z.string().min(1).describe("the tool whose results are replaced"),
        fault: z
          .enum(["empty", "malformed", "auth", "timeout"])
          .describe("the injected fault: an empty result, truncated JSON, a 401 error, or a timeout"),
        rate: z
          .number()
          .min(0)
          .max(1)
          .default(1)
          .describe("share of the tool's calls that fail, chosen deterministically per case (default 1)"),
      }),
    )
    .optional()
    .describe("provider targets with a toolsModule: faults injected into tool results, to test recovery"),
  user: z
    .strictObject({
      provider: z.string().describe("the model playing the user, `openai:<model>` or `anthropic:<model>`"),
      baseUrl: z.string().optional().describe("a compatible server for the simulated user"),
      apiKeyEnv: z.string().optional().describe("the environment variable holding its API key"),
      persona: z.string().describe("who the simulated user is"),
      goal: z.string().describe("what the simulated user wants to get done"),
      maxTurns: z
        .number()
        .int()
        .positive()
        .default(6)
        .describe("user turns in the session, the opening message included (default 6)"),
      stop: z.string().optional().describe("what the simulated user says when it is done"),
    })
    .optional()
    .describe("provider targets: a simulated user (an LLM) for multi-turn sessions"),
  limits: z
    .strictObject({
      concurrency: z.number().int().positive().optional().describe("calls in flight at once"),
      rpm: z.number().positive().optional().describe("requests per minute"),
      tpm: z.number().positive().optional().describe("tokens per minute"),
    })
    .optional()
    .describe("provider targets: client-side rate limits on this target's calls"),
  price: z
    .strictObject({
      input: z.number().min(0).describe("USD per million input tokens"),
      output: z.number().min(0).describe("USD per million output tokens"),
      cachedInput: z.number().min(0).optional().describe("USD per million cached input tokens"),
    })
    .optional()
    .describe("provider targets: the model's price, for models the bundled price table does not know"),
  factors: z
    .record(z.string(), z.union([z.string(), z.number()]))
    .optional()
    .describe(
      "provider targets: the variant levels this target stands for (`{prompt, model, temperature}`; set " +
        "by `variants:`), kept in the run's target configuration for main effects in `assay compare`",
    ),
};

export const targetSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "ids use letters, digits, '.', '_' and '-'")
      .describe("the target's name in runs, baselines and --target (letters, digits, '.', '_', '-'; unique)"),
    description: z.string().optional().describe("what this target is, for people"),
    exec: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        "kind exec: a command as argv, run without a shell in the suite's folder; the case JSON on " +
          "stdin, the output on stdout",
      ),
    module: z
      .string()
      .min(1)
      .optional()
      .describe(
        "kind module: a .ts/.mts/.js/.mjs file whose export is called in process as `fn(input, ctx)` " +
          "(ModuleTargetFunction)",
      ),
    export: z.string().optional().describe("module targets: the export to call (default `default`)"),
    http: httpSpec.optional().describe("kind http: a service called once per case"),
    replay: z
      .union([
        z.string().min(1),
        z.strictObject({ run: z.string().min(1).describe("a stored run id, prefix or tag") }),
      ])
      .optional()
      .describe(
        'kind replay: recorded outputs, a JSONL file of {"id", "output"} lines or { run: RUN } for a ' +
          "stored run; nothing is generated",
      ),
    provider: z.string().optional().describe("kind provider (LLM): `openai:<model>` or `anthropic:<model>`"),
    prompt: z
      .string()
      .optional()
      .describe(
        "provider targets: a Liquid template file whose rendering is the user message " +
          "(`{{ input }}`, `{{ case.tags.category }}`)",
      ),
    env: z
      .record(z.string(), z.string())
      .optional()
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the suite file's own ${VAR} syntax
      .describe("exec targets: extra environment variables; values may reference others as ${NAME}"),
    confidence: z
      .string()
      .optional()
      .describe(
        "JSONPath (`$.confidence`) of how sure the target is of its answer, a number in [0, 1]: in " +
          "the response body for http targets, in the output's JSON for the others. The scorecard " +
          "then reports calibration (ECE, MCE, Brier, reliability bins) and the selective curve. " +
          "`logprobs` on an OpenAI provider target: the answer's geometric-mean token probability, " +
          "exp(mean token logprob) (Anthropic returns none: a load error)",
      ),
    ...responseLimits,
    ...llmTargetFields,
    ...callPolicy,
  })
  .superRefine((t, ctx) => {
    const kinds = (["exec", "module", "http", "replay", "provider"] as const).filter(
      (k) => t[k] !== undefined,
    );
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          kinds.length === 0
            ? "a target needs one of exec, module, http, replay or provider"
            : `a target has exactly one kind, found ${kinds.join(" and ")}`,
      });
    }
    if (!t.provider) {
      for (const key of Object.keys(llmTargetFields) as Array<keyof typeof llmTargetFields>) {
        if (t[key] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `"${key}" applies to provider (LLM) targets only`,
          });
        }
      }
    }
    for (const key of Object.keys(responseLimits) as Array<keyof typeof responseLimits>) {
      const allowed =
        key === "followRedirects" ? t.http !== undefined : t.http !== undefined || t.exec !== undefined;
      if (t[key] !== undefined && !allowed) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `"${key}" applies to ${key === "followRedirects" ? "http" : "http and exec"} targets only`,
        });
      }
      if (t[key] !== undefined && t.http?.[key] !== undefined && t[key] !== t.http[key]) {
        ctx.addIssue({
          code: "custom",
          path: ["http", key],
          message: `"${key}" is set on the target and in http with different values`,
        });
      }
    }
    if (t.confidence === LOGPROBS_CONFIDENCE) {
      const why = !t.provider
        ? '"confidence: logprobs" applies to provider (LLM) targets only; use a JSONPath ("$.confidence")'
        : /^(openai|anthropic):.+$/.test(t.provider)
          ? logprobsUnsupported(t.provider)
          : undefined; // an unknown provider is reported below
      if (why) ctx.addIssue({ code: "custom", path: ["confidence"], message: why });
    }
    if (t.provider && !/^(openai|anthropic):.+$/.test(t.provider)) {
      const prefix = t.provider.split(":")[0];
      ctx.addIssue({
        code: "custom",
        path: ["provider"],
        message: `expected openai:<model> or anthropic:<model>${didYouMeanSuffix(prefix, PROVIDERS)}`,
      });
    }
  });

export const dimensionSchema = z.strictObject({
  evaluator: z
    .string()
    .min(1)
    .describe("the evaluator kind that scores this dimension (docs/reference/evaluators.md)"),
  with: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("the evaluator's options; each kind's are listed in docs/reference/evaluators.md"),
  weight: z
    .number()
    .min(0)
    .default(1)
    .describe("the dimension's weight in the aggregate (weighted mean); 0 reports it without counting it"),
  /** a case passes the dimension when its score is at least this */
  threshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe("a case passes the dimension when its score is at least this (pass rates use it)"),
  /** how a case's epochs combine: mean, majority, max (pass@k) or all (pass^k) */
  reduce: z
    .enum(["mean", "majority", "max", "all"])
    .optional()
    .describe(
      "how a case's epochs combine: `mean` (default) of scores, `majority` vote, `max` (pass@k) or `all` (pass^k)",
    ),
  description: z.string().optional().describe("what the dimension measures, for people"),
  evaluatorTimeoutMs: evaluatorTimeoutMs.describe(
    "this dimension's time limit per output, in ms; overrides the suite's evaluatorTimeoutMs",
  ),
});

/**
 * The dataset's target mix (issue 12): tag key → {value: share}, the shape the issue sketches
 * (`coverage: {level: {simple: 0.4, …}}`), with one reserved key, `tolerance`. Kept flat rather
 * than under a `targets:` key so the file reads like the mix it asks for.
 */
const coverageShares = z
  .record(z.string(), z.number().min(0).max(1).describe("the share of all cases with this tag value"))
  .refine((shares) => Object.values(shares).reduce((a, b) => a + b, 0) <= 1 + 1e-9, {
    message: "the shares of one tag key add up to more than 1",
  })
  .describe("tag value → the share of all cases it should have");

export const coverageSchema = z
  .object({
    tolerance: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.05)
      .describe(
        "how far a value's share may be from its target, in share points (0.05 = 5 points), before " +
          "`assay dataset coverage` flags it",
      ),
  })
  .catchall(coverageShares)
  .describe(
    "the dataset's target mix, checked by `assay dataset coverage` (exit 1 when a share is off by " +
      "more than `tolerance`) and reported by `assay dataset reduce`: tag key → {value: share of all " +
      "cases}, e.g. `level: {simple: 0.4, moderate: 0.3, complex: 0.2, adversarial: 0.1}`. When one " +
      "key's shares add up to 1, values not listed are expected at 0 and flagged when present.",
  );

export const suiteSchema = z.strictObject({
  $schema: z
    .string()
    .optional()
    .describe("the JSON Schema this file follows (for editors; `assay schema` prints it)"),
  suite: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "suite names use letters, digits, '.', '_' and '-'")
    .describe("the suite's name; runs, baselines and the store are kept per suite"),
  description: z.string().optional().describe("what the suite evaluates, for people"),
  dataset: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .describe(
      "the cases: a file or a list of files (.jsonl, .json, .yaml, .csv) relative to the suite's folder; " +
        "each case has id, input, optional expected, tags and cluster",
    ),
  targets: z
    .array(targetSchema)
    .min(1)
    .describe(
      "the systems under test; each has an id and exactly one kind: exec, module, http, replay or provider " +
        "(optional when `variants:` generates them)",
    ),
  concurrency: positiveInt.default(8).describe("cases run at once per target"),
  timeoutMs: positiveInt.default(30_000).describe("time limit per call to a target, in ms"),
  retries: z
    .number()
    .int()
    .min(0)
    .default(2)
    .describe("retries of a failed call (429 with Retry-After, 5xx, timeouts, resets), with backoff"),
  epochs: positiveInt
    .default(1)
    .describe("how many times each case runs; repeats give per-case variance and flag flaky cases"),
  evaluatorTimeoutMs: evaluatorTimeoutMs.describe(
    "how long an evaluator may take to score one output, in ms (default 10000; llm-judge " +
      "dimensions default to their own call timeouts and retries). One that takes longer leaves the " +
      "score unscored (evaluator-timeout) and the run goes on. Override per dimension.",
  ),
  dimensions: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]+$/), dimensionSchema)
    .refine((d) => Object.keys(d).length > 0, {
      message: "at least one dimension is needed",
    })
    .describe(
      "the rubric: dimension name → {evaluator, with, weight, threshold}; the weighted mean of the " +
        "dimensions is the aggregate",
    ),
  gate: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("the policy `assay gate` applies: baseline, floors, maxRegression, … (validated by the gate)"),
  coverage: coverageSchema.optional(),
  variants: variantsSchema.optional(),
  monitors: monitorsSchema.optional(),
  ...operatingKeys,
});

export type SuiteInput = z.input<typeof suiteSchema>;
export type SuiteConfig = z.output<typeof suiteSchema>;
export type TargetSpec = z.output<typeof targetSchema>;
export type DimensionSpec = z.output<typeof dimensionSchema>;

/**
 * A suite as written: with `targets`, or with `variants:` that generate them (then `targets` may be
 * left out: the loader expands the variants into targets before validating, issue 13).
 */
export type SuiteDefinition =
  | SuiteInput
  | (Omit<SuiteInput, "targets" | "variants"> & {
      targets?: SuiteInput["targets"];
      variants: NonNullable<SuiteInput["variants"]>;
    });

/** What `assay.config.ts` default-exports; typed for completion in editors. */
export function defineSuite(suite: SuiteDefinition): SuiteDefinition {
  return suite;
}

// The full JSON Schema for editors (`assay schema`), with every evaluator's options and the gate's
// keys, is suiteJsonSchema in json-schema.ts: it loads the evaluators, which this module must not
// (every command that finds a suite imports it, and start-up time counts).
