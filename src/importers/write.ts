import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { stringify } from "yaml";
import { loadSuite } from "../config/load.ts";
import type { ImportedSuite, ImportKind, ImportNote } from "./types.ts";

/** The import report: what came in, and every feature left out with file:line. */
export function importReport(kind: ImportKind, imported: ImportedSuite): string {
  const lines = [
    `# Import report (${kind})`,
    "",
    `Read: ${imported.sources.map((s) => `\`${s}\``).join(", ")}`,
    "",
    `Imported: ${imported.counts.cases} case(s), ${imported.counts.targets} target(s), ${imported.counts.dimensions} dimension(s).`,
    "",
  ];
  if (imported.notes.length === 0) {
    lines.push("Everything in the source was translated.");
  } else {
    lines.push(`## Not translated (${imported.notes.length})`, "");
    lines.push("| where | feature | why |", "|---|---|---|");
    for (const n of imported.notes) lines.push(`| ${where(n)} | ${cell(n.feature)} | ${cell(n.reason)} |`);
  }
  return `${lines.join("\n")}\n`;
}

function where(n: ImportNote): string {
  return `\`${n.file}${n.line !== undefined ? `:${n.line}` : ""}\``;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/**
 * Writes the suite, its files and IMPORT-REPORT.md into `outDir`, then loads the suite back
 * with assay's own loader, so an import that would not run fails here, naming the field.
 */
export async function writeImport(
  kind: ImportKind,
  imported: ImportedSuite,
  outDir: string,
): Promise<string> {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(imported.files)) {
    const target = resolve(dir, path);
    if (relative(dir, target).startsWith("..")) throw new Error(`import wrote outside --out: ${path}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  const header = `# Imported by \`assay import ${kind}\`; see IMPORT-REPORT.md for what was not translated.\n`;
  const suiteFile = join(dir, "assay.yaml");
  writeFileSync(suiteFile, header + stringify(imported.suite, { lineWidth: 0 }));
  writeFileSync(join(dir, "IMPORT-REPORT.md"), importReport(kind, imported));
  await loadSuite(suiteFile);
  return suiteFile;
}
