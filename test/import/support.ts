import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One row of IMPORT-REPORT.md's "Not translated" table. */
export interface ReportRow {
  where: string;
  feature: string;
  why: string;
}

/** The import report of an out dir: its text and its table rows. */
export function report(out: string): { text: string; rows: ReportRow[] } {
  const text = readFileSync(join(out, "IMPORT-REPORT.md"), "utf8");
  const rows = text
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => {
      const [where, feature, why] = l
        .slice(2, -2)
        .split(" | ")
        .map((c) => c.trim());
      return { where: where.replaceAll("`", ""), feature, why };
    });
  return { text, rows };
}
