import { evaluatorOptionsJsonSchema } from "../../src/config/json-schema.ts";
import { builtinEvaluators } from "../../src/evaluators/registry.ts";
import type { EvaluatorFactory } from "../../src/evaluators/types.ts";
import { code, generatedBanner, table } from "./markdown.ts";
import { type JsonSchema, schemaRows, showDefault } from "./schema-rows.ts";

/**
 * docs/reference/evaluators.md: every built-in evaluator's kind, version, description and `with:`
 * options, from the factories' option schemas; then the hand-written section on custom evaluators
 * and module targets, which regeneration keeps as it is.
 */

export const KEPT_START =
  "<!-- kept: written by hand; `npm run docs` keeps everything from here to the end marker -->";
export const KEPT_END = "<!-- /kept -->";

/** The hand-written section of the current page, markers included. */
export function keptSection(current: string): string {
  const start = current.indexOf(KEPT_START);
  const end = current.indexOf(KEPT_END);
  if (start < 0 || end < start) {
    throw new Error(
      `docs/reference/evaluators.md: the hand-written section (${KEPT_START} … ${KEPT_END}) is missing`,
    );
  }
  return current.slice(start, end + KEPT_END.length);
}

export function evaluatorsPage(current: string): string {
  const kinds = [...builtinEvaluators.values()].sort((a, b) => a.kind.localeCompare(b.kind));
  return [
    generatedBanner("each evaluator's option schema (src/evaluators/*.ts)"),
    "",
    "# Evaluator reference",
    "",
    "A dimension names its evaluator and gives its options under `with:`:",
    "",
    "```yaml",
    "dimensions:",
    "  action: { evaluator: json-field, with: { field: action }, weight: 0.3 }",
    "```",
    "",
    "Every evaluator returns a score in [0, 1] with a reason, or *unscored* with why (never",
    "counted as 0). Its id, `kind@version#hash`, pins the version and the settings, so two",
    "scorings compare only when they were made the same way. Unknown options are errors with the",
    'option you probably meant (`json-field: unknown option "feild" (did you mean "field"?)`).',
    "",
    table(
      ["kind", "version", "what it scores"],
      kinds.map((f) => [`[${f.kind}](#${f.kind})`, f.version, f.description]),
    ),
    "",
    kinds.map(kindSection).join("\n\n"),
    "",
    keptSection(current),
    "",
  ].join("\n");
}

function kindSection(f: EvaluatorFactory): string {
  const rows = schemaRows(evaluatorOptionsJsonSchema(f) as JsonSchema);
  const options =
    rows.length === 0
      ? "No options."
      : table(
          ["option", "type", "required", "default", "description"],
          rows.map((r) => [code(r.path), r.type, r.required ? "yes" : "", showDefault(r), r.description]),
        );
  return [`## ${f.kind}`, "", `Version ${f.version}: ${f.description}.`, "", options].join("\n");
}
