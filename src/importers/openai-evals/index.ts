import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ImportedSuite, Importer, ImportOptions } from "../types.ts";
import { ImportError } from "../types.ts";
import { findEval, importHosted } from "./hosted.ts";
import { importRegistry, isRegistry } from "./registry.ts";
import { readSourceDoc, type SourceDoc, shower } from "./source.ts";

/**
 * `assay import openai-evals SOURCE`: either kind of OpenAI eval definition.
 * - The hosted Evals API's export (hosted.ts): a JSON or YAML file holding the eval object
 *   (`data_source_config`, `testing_criteria`), with its runs in the same file or beside it, or a
 *   folder of such files and the items' JSONL.
 * - The open-source registry (registry.ts): a YAML file of `evals/registry/evals/`.
 * Nothing from the source is executed: Python graders and eval classes are reported.
 */
export const importOpenAiEvals: Importer = async (
  source: string,
  opts: ImportOptions,
): Promise<ImportedSuite> => {
  const show = shower(opts.cwd);
  const abs = resolve(opts.cwd, source);
  if (!existsSync(abs)) throw new ImportError("no such file or folder", show(abs));
  if (statSync(abs).isDirectory()) return importFolder(abs, opts, show);
  const doc = readSourceDoc(abs, show(abs));
  if (findEval(doc.value)) return importHosted(doc, opts, show, []);
  if (isRegistry(doc.value)) return importRegistry(doc, opts, show);
  throw new ImportError(
    "neither an OpenAI eval (an object with testing_criteria) nor an evals registry YAML (entries with a class)",
    doc.shown,
  );
};

function importFolder(dir: string, opts: ImportOptions, show: (abs: string) => string): ImportedSuite {
  const docs: SourceDoc[] = readdirSync(dir)
    .filter((f) => /\.(json|ya?ml)$/i.test(f))
    .sort()
    .map((f) => readSourceDoc(join(dir, f), show(join(dir, f))));
  const evals = docs.filter((d) => findEval(d.value));
  if (evals.length === 1)
    return importHosted(
      evals[0],
      opts,
      show,
      docs.filter((d) => d !== evals[0]),
    );
  if (evals.length > 1) {
    throw new ImportError(
      `several evals here (${evals.map((e) => e.shown).join(", ")}): import one file at a time`,
      show(dir),
    );
  }
  const registries = docs.filter((d) => isRegistry(d.value));
  if (registries.length === 1) return importRegistry(registries[0], opts, show);
  throw new ImportError(
    registries.length > 1
      ? `several registry files here (${registries.map((r) => r.shown).join(", ")}): import one at a time`
      : "no OpenAI eval or evals registry YAML in this folder",
    show(dir),
  );
}
