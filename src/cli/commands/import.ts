import { resolve } from "node:path";
import { ImportError, type Importer, type ImportKind } from "../../importers/types.ts";
import { writeImport } from "../../importers/write.ts";
import { CliError, EXIT } from "../exit.ts";

export interface ImportCommandOptions {
  out: string;
  data?: string[];
  model?: string;
}

const IMPORTERS: Record<ImportKind, () => Promise<Importer>> = {
  promptfoo: async () => (await import("../../importers/promptfoo/index.ts")).importPromptfoo,
  "openai-evals": async () => (await import("../../importers/openai-evals/index.ts")).importOpenAiEvals,
  "lm-eval": async () => (await import("../../importers/lm-eval/index.ts")).importLmEval,
};

function parseData(pairs: string[] = []): Record<string, string> {
  const data: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || eq === pair.length - 1) {
      throw new CliError(`--data takes SPLIT=FILE (got "${pair}")`, EXIT.usage);
    }
    data[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return data;
}

/**
 * `assay import KIND SOURCE --out DIR`: writes DIR/assay.yaml and DIR/IMPORT-REPORT.md. Exit 0
 * when something was imported (the report lists what was not), 2 when nothing could be.
 */
export async function importCommand(
  kind: string,
  source: string,
  opts: ImportCommandOptions,
): Promise<number> {
  const load = IMPORTERS[kind as ImportKind];
  if (!load) {
    throw new CliError(`unknown import kind "${kind}": promptfoo, openai-evals or lm-eval`, EXIT.usage);
  }
  const importer = await load();
  let imported: Awaited<ReturnType<Importer>>;
  try {
    imported = await importer(source, {
      data: parseData(opts.data),
      model: opts.model,
      cwd: process.cwd(),
      outDir: resolve(opts.out),
    });
  } catch (err) {
    if (err instanceof ImportError) throw new CliError(`assay import ${kind}: ${err.message}`, EXIT.usage);
    throw err;
  }
  const file = await writeImport(kind as ImportKind, imported, opts.out);
  const c = imported.counts;
  process.stdout.write(
    `imported ${c.cases} case(s), ${c.targets} target(s), ${c.dimensions} dimension(s) into ${file}\n` +
      (imported.notes.length > 0
        ? `${imported.notes.length} feature(s) not translated: see ${opts.out}/IMPORT-REPORT.md\n`
        : "everything was translated\n"),
  );
  return EXIT.ok;
}
