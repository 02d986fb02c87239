import { z } from "zod";

/**
 * The suite file's schema (DESIGN.md §4.1). Unknown keys are errors, so a typo names its line
 * instead of being silently ignored; the `gate` block is owned by the gate and validated there.
 */

const positiveInt = z.number().int().positive();

const callPolicy = {
  concurrency: positiveInt.optional(),
  timeoutMs: positiveInt.optional(),
  retries: z.number().int().min(0).optional(),
};

const httpSpec = z.strictObject({
  url: z.string().min(1),
  method: z.enum(["GET", "POST", "PUT", "PATCH"]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  output: z.string().optional(),
});

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
