import { z } from "zod";
import { gateSchema } from "../compare/gate-config.ts";
import { builtinEvaluators } from "../evaluators/registry.ts";
import type { EvaluatorFactory } from "../evaluators/types.ts";
import { suiteSchema } from "./schema.ts";

/**
 * The suite file's JSON Schema for editors (`assay schema`): every key described, enums where the
 * values are fixed, the `gate:` keys, and each evaluator's `with:` options, chosen by the
 * dimension's `evaluator` (an if/then per kind, which editors follow for completion and hover).
 * It loads every evaluator, so it lives apart from schema.ts, which commands load on start-up.
 */

type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
};

function toJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
}

/** The `with:` schema of one evaluator kind, headed by what the kind is. */
export function evaluatorOptionsJsonSchema(factory: EvaluatorFactory): JsonSchema {
  return {
    ...toJsonSchema(factory.options),
    description: `${factory.kind}@${factory.version} options: ${factory.description}`,
  };
}

export function suiteJsonSchema(
  evaluators: Iterable<EvaluatorFactory> = builtinEvaluators.values(),
): Record<string, unknown> {
  const kinds = [...evaluators].sort((a, b) => a.kind.localeCompare(b.kind));
  const { $schema, ...suite } = z.toJSONSchema(suiteSchema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  const props = suite.properties as Record<string, JsonSchema>;
  props.gate = { ...toJsonSchema(gateSchema), description: props.gate.description };
  const dimension = props.dimensions.additionalProperties as JsonSchema;
  const dimProps = dimension.properties as Record<string, JsonSchema>;
  dimProps.evaluator = { ...dimProps.evaluator, enum: kinds.map((f) => f.kind) };
  dimension.allOf = kinds.map((f) => ({
    if: { properties: { evaluator: { const: f.kind } }, required: ["evaluator"] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
    then: { properties: { with: evaluatorOptionsJsonSchema(f) } },
  }));
  // `targets` or `variants:` (which the loader expands into targets, issue 13), or both
  suite.required = (suite.required as string[]).filter((k) => k !== "targets");
  suite.anyOf = [{ required: ["targets"] }, { required: ["variants"] }];
  return { $schema, title: "assay suite file (assay.yaml)", ...suite };
}
