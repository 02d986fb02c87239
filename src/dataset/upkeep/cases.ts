import { statSync } from "node:fs";
import { basename } from "node:path";
import { loadSuite, SUITE_FILE_NAMES } from "../../config/load.ts";
import type { Case } from "../../core/case.ts";
import { readDataset, resolveDatasetFiles } from "../dataset.ts";

/**
 * Cases as whole lists, for the upkeep commands (diff, coverage, reduce, perturb): they compare,
 * count and rewrite a dataset, so unlike a run they need it all at once. Datasets that are kept
 * by hand are small enough for that.
 */

/** Reads every case of the files (any format the suite takes); stops at the first bad record. */
export async function readCases(files: string[]): Promise<Case[]> {
  const cases: Case[] = [];
  for await (const { case: c } of readDataset(files)) cases.push(c);
  return cases;
}

/**
 * The dataset files an existing path names: a suite folder or suite file (by its name) stands for
 * its dataset, any other file is a dataset file itself.
 */
export async function datasetFilesOf(path: string): Promise<string[]> {
  if (!statSync(path).isDirectory() && !SUITE_FILE_NAMES.includes(basename(path))) return [path];
  const suite = await loadSuite(path);
  return resolveDatasetFiles(suite.config.dataset, suite.baseDir);
}

/** A case as a dataset file holds it: only its own fields (a stored case also carries its version and ordinal). */
export function plainCase(c: Case): Case {
  const out: Case = { id: c.id, input: c.input, tags: { ...c.tags } };
  if (c.expected !== undefined) out.expected = c.expected;
  if (c.cluster !== undefined) out.cluster = c.cluster;
  return out;
}

/**
 * JSON Lines, one case a line, keys in the order people write them. `metadata` (kept by the
 * dataset readers' grammar, not by the store) may carry provenance for people to read.
 */
export function casesToJsonl(cases: Array<Case & { metadata?: Record<string, unknown> }>): string {
  return cases
    .map((c) => {
      const line: Record<string, unknown> = { id: c.id, input: c.input };
      if (c.expected !== undefined) line.expected = c.expected;
      line.tags = c.tags;
      if (c.cluster !== undefined) line.cluster = c.cluster;
      if (c.metadata !== undefined) line.metadata = c.metadata;
      return `${JSON.stringify(line)}\n`;
    })
    .join("");
}
