import { z } from "zod";

/**
 * The suite file's schema (DESIGN.md §4.1). Unknown keys are errors, so a typo names its line
 * instead of being silently ignored; the `gate` block is owned by the gate and validated there.
 */

const positiveInt = z.number().int().positive();

/** An evaluator's time limit per output (issue 8); unset means the evaluator's default. */
const evaluatorTimeoutMs = positiveInt.max(2 ** 31 - 1).optional();

const callPolicy = {
  concurrency: positiveInt.optional(),
  timeoutMs: positiveInt.optional(),
  retries: z.number().int().min(0).optional(),
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
  url: z.string().min(1),
  method: z.enum(["GET", "POST", "PUT", "PATCH"]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  output: z.string().optional(),
  ...responseLimits,
});

const chatMessageTemplate = z.strictObject({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});

const llmOptions = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
  topP: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
  responseFormat: z
    .union([
      z.strictObject({ type: z.literal("text") }),
      z.strictObject({ type: z.literal("json_object") }),
      z.strictObject({
        type: z.literal("json_schema"),
        name: z.string(),
        schema: z.record(z.string(), z.unknown()),
        strict: z.boolean().optional(),
      }),
    ])
    .optional(),
});

const toolDefinition = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()),
});

/** LLM target settings (provider targets only). */
const llmTargetFields = {
  baseUrl: z.string().optional(),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")
    .optional(),
  messages: z.array(chatMessageTemplate).min(1).optional(),
  options: llmOptions.optional(),
  stream: z.boolean().optional(),
  cache: z.boolean().optional(),
  tools: z.union([z.string(), z.array(toolDefinition)]).optional(),
  toolsModule: z.string().optional(),
  maxSteps: z.number().int().positive().optional(),
  toolFaults: z
    .array(
      z.strictObject({
        tool: z.string().min(1),
        fault: z.enum(["empty", "malformed", "auth", "timeout"]),
        rate: z.number().min(0).max(1).default(1),
      }),
    )
    .optional(),
  user: z
    .strictObject({
      provider: z.string(),
      baseUrl: z.string().optional(),
      apiKeyEnv: z.string().optional(),
      persona: z.string(),
      goal: z.string(),
      maxTurns: z.number().int().positive().default(6),
      stop: z.string().optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      concurrency: z.number().int().positive().optional(),
      rpm: z.number().positive().optional(),
      tpm: z.number().positive().optional(),
    })
    .optional(),
  price: z
    .strictObject({
      input: z.number().min(0),
      output: z.number().min(0),
      cachedInput: z.number().min(0).optional(),
    })
    .optional(),
};

export const targetSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "ids use letters, digits, '.', '_' and '-'"),
    description: z.string().optional(),
    exec: z.array(z.string().min(1)).min(1).optional(),
    module: z.string().min(1).optional(),
    export: z.string().optional(),
    http: httpSpec.optional(),
    replay: z.union([z.string().min(1), z.strictObject({ run: z.string().min(1) })]).optional(),
    provider: z.string().optional(),
    prompt: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
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
    if (t.provider && !/^(openai|anthropic):.+$/.test(t.provider)) {
      ctx.addIssue({
        code: "custom",
        path: ["provider"],
        message: "expected openai:<model> or anthropic:<model>",
      });
    }
  });

export const dimensionSchema = z.strictObject({
  evaluator: z.string().min(1),
  with: z.record(z.string(), z.unknown()).optional(),
  weight: z.number().min(0).default(1),
  /** a case passes the dimension when its score is at least this */
  threshold: z.number().min(0).max(1).default(0.5),
  /** how a case's epochs combine: mean, majority, max (pass@k) or all (pass^k) */
  reduce: z.enum(["mean", "majority", "max", "all"]).optional(),
  description: z.string().optional(),
  evaluatorTimeoutMs: evaluatorTimeoutMs.describe(
    "this dimension's time limit per output, in ms; overrides the suite's evaluatorTimeoutMs",
  ),
});

export const suiteSchema = z.strictObject({
  $schema: z.string().optional(),
  suite: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "suite names use letters, digits, '.', '_' and '-'"),
  description: z.string().optional(),
  dataset: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  targets: z.array(targetSchema).min(1),
  concurrency: positiveInt.default(8),
  timeoutMs: positiveInt.default(30_000),
  retries: z.number().int().min(0).default(2),
  epochs: positiveInt.default(1),
  evaluatorTimeoutMs: evaluatorTimeoutMs.describe(
    "how long an evaluator may take to score one output, in ms (default 10000; llm-judge " +
      "dimensions default to their own call timeouts and retries). One that takes longer leaves the " +
      "score unscored (evaluator-timeout) and the run goes on. Override per dimension.",
  ),
  dimensions: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]+$/), dimensionSchema)
    .refine((d) => Object.keys(d).length > 0, {
      message: "at least one dimension is needed",
    }),
  gate: z.record(z.string(), z.unknown()).optional(),
});

export type SuiteInput = z.input<typeof suiteSchema>;
export type SuiteConfig = z.output<typeof suiteSchema>;
export type TargetSpec = z.output<typeof targetSchema>;
export type DimensionSpec = z.output<typeof dimensionSchema>;

/** What `assay.config.ts` default-exports; typed for completion in editors. */
export function defineSuite(suite: SuiteInput): SuiteInput {
  return suite;
}

/** JSON Schema for editor completion (`assay schema`). */
export function suiteJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(suiteSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}
