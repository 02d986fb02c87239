import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { toolVersion } from "../engine/lineage.ts";
import type { RunRecord, Store } from "../store/types.ts";
import { BASELINE_FORMAT, BASELINE_VERSION, type BaselineHeader } from "./format.ts";

export interface BaselineExport {
  header: BaselineHeader;
  /** the record lines after the header, each one JSON object */
  records: Array<Record<string, unknown>>;
}

/** Why a run cannot become a baseline file. */
export class BaselineExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BaselineExportError";
  }
}

/**
 * Everything the gate needs about one run, from the store: the run record (lineage included), its
 * completed score sets, its dataset version's cases, its outputs and every completed set's scores.
 * Only a completed run makes a baseline: an unfinished one would be gated against missing cases.
 */
export async function collectBaseline(store: Store, runId: string): Promise<BaselineExport> {
  // Read the run afresh: a record resolved as RUN@N shows set N's dimensions, not the current ones.
  const run = await store.getRun(runId);
  if (!run) throw new BaselineExportError(`no run ${runId} in the store`);
  if (run.status !== "completed") {
    throw new BaselineExportError(
      `run ${run.id} is ${run.status}: only a completed run can be a baseline (finish it with \`assay run --resume\`)`,
    );
  }
  const sets = (await store.listScoreSets(run.id)).filter((s) => s.status === "completed");
  const [cases, outputs] = await Promise.all([
    store.listCases(run.datasetVersion),
    store.listOutputs(run.id),
  ]);
  const records: Array<Record<string, unknown>> = [];
  for (const { datasetVersion: _v, ...c } of cases) records.push({ case: c });
  for (const { runId: _r, ...o } of outputs) records.push({ output: o });
  let scoreCount = 0;
  for (const set of sets) {
    for (const { runId: _r, scoreSet: _s, ...s } of await store.listScores(run.id, set.id)) {
      records.push({ score: { ...s, scoreSet: set.id } });
      scoreCount++;
    }
  }
  const header: BaselineHeader = {
    format: BASELINE_FORMAT,
    version: BASELINE_VERSION,
    exportedAt: new Date().toISOString(),
    toolVersion: toolVersion(),
    run: runForExport(run),
    scoreSets: sets.map(({ runId: _r, ...s }) => ({ ...s, status: "completed" as const })),
    counts: { cases: cases.length, outputs: outputs.length, scores: scoreCount },
  };
  return { header, records };
}

function runForExport(run: RunRecord): BaselineHeader["run"] {
  return { ...run, status: "completed", scoreSet: run.scoreSet ?? 1 };
}

/** The file's text, line by line: the header, then the records. */
export function* baselineLines(data: BaselineExport): Generator<string> {
  yield `${JSON.stringify(data.header)}\n`;
  for (const record of data.records) yield `${JSON.stringify(record)}\n`;
}

/**
 * Writes the baseline file next to its final name and renames it into place, so a file at `path`
 * is always whole (an interrupted export leaves no half file behind that could be imported).
 */
export function writeBaselineFile(path: string, data: BaselineExport): void {
  const partial = `${path}.partial`;
  const fd = openSync(partial, "w");
  try {
    for (const line of baselineLines(data)) writeSync(fd, line);
  } catch (err) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(partial, path);
}
