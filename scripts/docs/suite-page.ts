import { suiteJsonSchema } from "../../src/config/json-schema.ts";
import { code, generatedBanner, table } from "./markdown.ts";
import { type JsonSchema, type SchemaRow, schemaRows, showDefault } from "./schema-rows.ts";

/** docs/reference/suite.md: every key of the suite file, from the suite's zod schema. */
export function suitePage(): string {
  const schema = suiteJsonSchema() as JsonSchema;
  const rows = schemaRows(schema, "", (path) => (path === "dimensions" ? "{name}" : "{key}"));
  const top = rows.filter((r) => !/[.[]/.test(r.path));
  const nested = (key: string) =>
    rows.filter((r) => r.path.startsWith(`${key}.`) || r.path.startsWith(`${key}[]`));
  const sections = top
    .filter((r) => nested(r.path).length > 0)
    .map((r) => [`## ${code(r.path)}`, "", r.description, "", keyTable(nested(r.path))].join("\n"));
  return [
    generatedBanner("src/config/schema.ts and src/compare/gate-config.ts"),
    "",
    "# Suite file reference",
    "",
    "A suite is one file, `assay.yaml` (or `assay.config.ts` default-exporting `defineSuite({...})`).",
    "Unknown keys are errors that name their line and column, with the key you probably meant",
    '(`unknown field "dimension" (did you mean "dimensions"?)`). `npx assay schema > assay.schema.json`',
    "gives editors the same information as JSON Schema: put `# yaml-language-server: $schema=assay.schema.json`",
    "at the top of the file for completion and hover. Each evaluator's `with:` options are in",
    "[evaluators.md](evaluators.md).",
    "",
    "## Top level",
    "",
    keyTable(top),
    "",
    sections.join("\n\n"),
    "",
  ].join("\n");
}

function keyTable(rows: SchemaRow[]): string {
  return table(
    ["key", "type", "required", "default", "description"],
    rows.map((r) => [code(r.path), r.type, r.required ? "yes" : "", showDefault(r), r.description]),
  );
}
