import { basename, extname } from "node:path";
import { z } from "zod";

/**
 * `variants:` (issue 13): prompts × models × sampling parameters, expanded at load time into
 * ordinary provider targets, so `assay run` runs them unchanged and `assay compare` over their runs
 * can average each factor over the others (main effects). Each generated target records its levels
 * in `factors`, which the run keeps in its target configuration.
 */

const TARGET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A model level: `openai:<model>`, or that with its own server, key and price. */
const modelLevel = z.union([
  z.string().min(1),
  z.strictObject({
    provider: z.string().min(1).describe("`openai:<model>` or `anthropic:<model>`"),
    label: z
      .string()
      .regex(TARGET_ID, "labels use letters, digits, '.', '_' and '-'")
      .optional()
      .describe("the level's name in ids and reports (default: the provider string)"),
    baseUrl: z.string().optional().describe("an OpenAI- or Anthropic-compatible server for this model"),
    apiKeyEnv: z.string().optional().describe("the environment variable holding this model's API key"),
    price: z
      .strictObject({
        input: z.number().min(0).describe("USD per million input tokens"),
        output: z.number().min(0).describe("USD per million output tokens"),
        cachedInput: z.number().min(0).optional().describe("USD per million cached input tokens"),
      })
      .optional()
      .describe("the model's price, for models the bundled price table does not know"),
  }),
]);

const levels = <T extends z.ZodType>(item: T) => z.array(item).min(1);

/** Sampling parameters that may be factors; each goes into the generated target's `options`. */
export const PARAMETER_FACTORS = ["temperature", "topP", "maxTokens", "seed"] as const;
type ParameterFactor = (typeof PARAMETER_FACTORS)[number];

export const variantBlockSchema = z.strictObject({
  id: z
    .string()
    .regex(TARGET_ID, "ids use letters, digits, '.', '_' and '-'")
    .describe(
      "the prefix of the generated target ids: `ID.prompt-a.model-openai-gpt-4o.temperature-0` " +
        "(factors with one level are left out of the id)",
    ),
  description: z.string().optional().describe("what this matrix compares, for people"),
  prompt: levels(z.string().min(1))
    .optional()
    .describe("factor: prompt template files (level names are the file names without extension)"),
  model: levels(modelLevel)
    .optional()
    .describe("factor: models, `openai:<model>` or {provider, label, baseUrl, apiKeyEnv, price}"),
  temperature: levels(z.number().min(0).max(2)).optional().describe("factor: sampling temperatures"),
  topP: levels(z.number().min(0).max(1)).optional().describe("factor: nucleus sampling values"),
  maxTokens: levels(z.number().int().positive()).optional().describe("factor: output token limits"),
  seed: levels(z.number().int()).optional().describe("factor: sampling seeds"),
  target: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      "settings every generated target shares: any provider-target key (baseUrl, messages, options, " +
        "timeoutMs, …) except id, provider and prompt when those are factors",
    ),
});

export const variantsSchema = z
  .union([variantBlockSchema, z.array(variantBlockSchema).min(1)])
  .describe(
    "prompt × model × parameter matrices expanded into provider targets (one per combination), " +
      "each recording its levels in `factors`; `assay compare` over their runs reports main effects",
  );

export type VariantBlock = z.output<typeof variantBlockSchema>;
export type FactorValue = string | number;

/** One generated target and where it came from, for pointing errors back at the variants block. */
export interface GeneratedTarget {
  target: Record<string, unknown>;
  /** path of its block in the suite file: ["variants"] or ["variants", i] */
  blockPath: Array<string | number>;
  /** keys that came from the block's shared `target` settings */
  sharedKeys: string[];
  /** the block's factor names */
  factors: string[];
}

export class VariantError extends Error {
  constructor(
    message: string,
    readonly path: Array<string | number>,
  ) {
    super(message);
  }
}

interface Level {
  /** the value recorded in `factors` and shown in reports */
  value: FactorValue;
  /** the level's part of the target id */
  slug: string;
  /** what the level sets on the target */
  apply(target: Record<string, unknown>): void;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "") || "x";
}

function factorLevels(block: VariantBlock): Array<{ factor: string; levels: Level[] }> {
  const factors: Array<{ factor: string; levels: Level[] }> = [];
  if (block.prompt) {
    factors.push({
      factor: "prompt",
      levels: block.prompt.map((file) => ({
        value: file,
        slug: slug(basename(file, extname(file))),
        apply: (t) => {
          t.prompt = file;
        },
      })),
    });
  }
  if (block.model) {
    factors.push({
      factor: "model",
      levels: block.model.map((m) => {
        const spec = typeof m === "string" ? { provider: m } : m;
        const name = spec.label ?? spec.provider;
        return {
          value: name,
          slug: slug(name),
          apply: (t) => {
            t.provider = spec.provider;
            if (spec.baseUrl !== undefined) t.baseUrl = spec.baseUrl;
            if (spec.apiKeyEnv !== undefined) t.apiKeyEnv = spec.apiKeyEnv;
            if (spec.price !== undefined) t.price = spec.price;
          },
        };
      }),
    });
  }
  for (const key of PARAMETER_FACTORS) {
    const values = block[key as ParameterFactor];
    if (!values) continue;
    factors.push({
      factor: key,
      levels: values.map((v) => ({
        value: v,
        slug: slug(String(v)),
        apply: (t) => {
          t.options = { ...(t.options as Record<string, unknown> | undefined), [key]: v };
        },
      })),
    });
  }
  return factors;
}

/** Every combination of the factors' levels, the first factor varying slowest. */
function combinations<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((prefix) => list.map((x) => [...prefix, x])), [[]]);
}

/** Expands one block into provider targets: one per combination of its factors' levels. */
export function expandBlock(block: VariantBlock, blockPath: Array<string | number>): GeneratedTarget[] {
  const factors = factorLevels(block);
  const shared = block.target ?? {};
  for (const key of ["id", "factors"]) {
    if (key in shared)
      throw new VariantError(`"${key}" is set by the variants block`, [...blockPath, "target", key]);
  }
  for (const f of factors) {
    // The shared settings must not also set what a factor varies: one of the two would be ignored.
    const setBy: Array<string | number> | null =
      f.factor === "model"
        ? "provider" in shared
          ? ["provider"]
          : null
        : f.factor === "prompt"
          ? "prompt" in shared
            ? ["prompt"]
            : null
          : (shared.options as Record<string, unknown> | undefined)?.[f.factor] !== undefined
            ? ["options", f.factor]
            : null;
    if (setBy) {
      throw new VariantError(
        `"${setBy.join(".")}" is varied by the ${f.factor} factor; leave it out of target`,
        [...blockPath, "target", ...setBy],
      );
    }
    // Two levels with one id part would generate two targets with one id.
    const seen = new Map<string, FactorValue>();
    f.levels.forEach((l, i) => {
      const other = seen.get(l.slug);
      if (other !== undefined) {
        throw new VariantError(
          `levels ${JSON.stringify(other)} and ${JSON.stringify(l.value)} of ${f.factor} give one id part ` +
            `"${l.slug}"${f.factor === "model" ? " (give one a label)" : ""}`,
          [...blockPath, f.factor, i],
        );
      }
      seen.set(l.slug, l.value);
    });
  }
  if (!("provider" in shared) && !factors.some((f) => f.factor === "model")) {
    throw new VariantError("a variants block needs `model:` levels (or target.provider)", blockPath);
  }
  const sharedKeys = Object.keys(shared);
  return combinations(
    factors.map((f) => f.levels.map((level) => ({ factor: f.factor, level, n: f.levels.length }))),
  ).map((combo) => {
    const target: Record<string, unknown> = structuredClone(shared);
    const idParts = [block.id];
    const recorded: Record<string, FactorValue> = {};
    for (const { factor, level, n } of combo) {
      level.apply(target);
      recorded[factor] = level.value;
      if (n > 1) idParts.push(`${factor}-${level.slug}`);
    }
    const description = Object.entries(recorded)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    return {
      target: {
        id: idParts.join("."),
        description: `${block.description ?? `variant of ${block.id}`}: ${description}`,
        ...target,
        factors: recorded,
      },
      blockPath,
      sharedKeys,
      factors: factors.map((f) => f.factor),
    };
  });
}

/**
 * The suite's raw `variants` value (validated) as targets to append to `targets`. A single block
 * or a list of blocks.
 */
export function expandVariants(variants: VariantBlock | VariantBlock[]): GeneratedTarget[] {
  if (!Array.isArray(variants)) return expandBlock(variants, ["variants"]);
  return variants.flatMap((b, i) => expandBlock(b, ["variants", i]));
}

/** Where an issue in a generated target belongs in the suite file: the key of its variants block. */
export function variantIssuePath(
  g: GeneratedTarget,
  rest: ReadonlyArray<PropertyKey>,
): Array<string | number> {
  const key = rest[0];
  if (typeof key !== "string") return g.blockPath;
  if (
    key === "options" &&
    (PARAMETER_FACTORS as readonly unknown[]).includes(rest[1]) &&
    g.factors.includes(rest[1] as string)
  )
    return [...g.blockPath, rest[1] as string];
  if (g.sharedKeys.includes(key)) return [...g.blockPath, "target", ...(rest as Array<string | number>)];
  if (key === "prompt") return [...g.blockPath, "prompt"];
  if (["provider", "baseUrl", "apiKeyEnv", "price"].includes(key)) return [...g.blockPath, "model"];
  return g.blockPath;
}
