import { GATE_FIELDS } from "../../src/compare/gate-fields.ts";
import { COMPARISON_FIELDS } from "../../src/compare/types.ts";
import { type FieldDoc, fieldRows } from "../../src/core/field-docs.ts";
import { SCORECARD_FIELDS } from "../../src/scorecard/types.ts";
import { code, generatedBanner, table } from "./markdown.ts";

/** docs/reference/json.md: the `--json` shapes, from the field tables beside their types. */
export function jsonPage(): string {
  return [
    generatedBanner("the field tables in src/scorecard/types.ts and src/compare/types.ts"),
    "",
    "# JSON output reference",
    "",
    "What `--json` writes, field by field. Field names are stable; new fields may be added. The",
    "JSON is valid even when a run had errors.",
    "Commands that open a store add `store`, the store they read or wrote.",
    "",
    "## Scorecard",
    "",
    "`assay run --json FILE` and `assay show RUN --json FILE`. A run over several targets writes",
    "the first target's scorecard with every target's in `scorecards`. A shard of a run that",
    "several processes write together on PostgreSQL (`--shard I/N --run-id ID`) writes the whole",
    "run's scorecard as it stands (`run.status` stays `running` until the last shard finishes) plus",
    "`shard`: `{index, count, status, statusReason, planned, done, skipped, errors, waitingFor}`.",
    "",
    fieldTable(SCORECARD_FIELDS),
    "",
    "## Comparison",
    "",
    "`assay compare BASE CANDIDATE --json FILE`. Deltas are in score points on a 0..1 scale.",
    "",
    fieldTable(COMPARISON_FIELDS),
    "",
    "## Gate",
    "",
    "`assay gate --json FILE`: the verdict, every rule, and the comparison it rests on.",
    "",
    fieldTable(GATE_FIELDS),
    "",
  ].join("\n");
}

function fieldTable(fields: Readonly<Record<string, FieldDoc>>): string {
  return table(
    ["field", "type", "meaning"],
    fieldRows(fields).map((r) => [code(r.path), r.type, r.doc]),
  );
}
