import type { Kysely } from "kysely";
import type { Case } from "../dataset/case.ts";
import {
  caseToRow,
  outputToRow,
  rowToCase,
  rowToOutput,
  rowToRun,
  rowToScore,
  runPatchToRow,
  runToRow,
  scoreToRow,
} from "./rows.ts";
import type { Database } from "./schema.ts";
import {
  type RunFilter,
  type RunPatch,
  type RunRecord,
  resultKey,
  type Store,
  type StoredCase,
  type StoredOutput,
  type StoredScore,
} from "./types.ts";

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 400;

function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * The Store over any Kysely dialect. Backends (sqlite/, later postgres/) supply the connection and
 * migrations; every query lives here once.
 */
export class SqlStore implements Store {
  constructor(
    readonly kind: string,
    protected readonly db: Kysely<Database>,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async createRun(run: RunRecord): Promise<void> {
    await this.db.insertInto("runs").values(runToRow(run)).execute();
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    // Set only the patched columns: a read-modify-write of the whole row would let two concurrent
    // patches (status from one caller, tags from another) overwrite each other.
    const set = runPatchToRow(patch);
    const updated =
      Object.keys(set).length === 0
        ? (await this.getRun(id)) !== undefined
        : Number(
            (await this.db.updateTable("runs").set(set).where("id", "=", id).executeTakeFirst())
              .numUpdatedRows,
          ) > 0;
    if (!updated) throw new Error(`no run ${id}`);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = await this.db.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? rowToRun(row) : undefined;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    let q = this.db.selectFrom("runs").selectAll();
    if (filter.suite) q = q.where("suite", "=", filter.suite);
    if (filter.target) q = q.where("target", "=", filter.target);
    if (filter.status) q = q.where("status", "=", filter.status);
    const rows = await q.orderBy("started_at", "desc").orderBy("id", "desc").execute();
    let runs = rows.map(rowToRun);
    // Tags are a small JSON list; filtering them here keeps the query portable.
    if (filter.tag) runs = runs.filter((r) => r.tags.includes(filter.tag as string));
    return filter.limit ? runs.slice(0, filter.limit) : runs;
  }

  async deleteRun(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("scores").where("run_id", "=", id).execute();
      await trx.deleteFrom("outputs").where("run_id", "=", id).execute();
      await trx.deleteFrom("runs").where("id", "=", id).execute();
    });
  }

  async putCases(datasetVersion: string, cases: Array<{ case: Case; ordinal: number }>): Promise<void> {
    if (cases.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(cases)) {
        await trx
          .insertInto("cases")
          .values(part.map((c) => caseToRow(datasetVersion, c.case, c.ordinal)))
          .onConflict((oc) => oc.columns(["dataset_version", "case_id"]).doNothing())
          .execute();
      }
    });
  }

  async listCases(datasetVersion: string): Promise<StoredCase[]> {
    const rows = await this.db
      .selectFrom("cases")
      .selectAll()
      .where("dataset_version", "=", datasetVersion)
      .orderBy("ordinal")
      .execute();
    return rows.map(rowToCase);
  }

  async writeResults(batch: { outputs: StoredOutput[]; scores: StoredScore[] }): Promise<void> {
    if (batch.outputs.length === 0 && batch.scores.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(batch.outputs)) {
        await trx.insertInto("outputs").values(part.map(outputToRow)).execute();
      }
      for (const part of chunks(batch.scores)) {
        await trx.insertInto("scores").values(part.map(scoreToRow)).execute();
      }
    });
  }

  async storedResultKeys(runId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom("outputs")
      .select(["case_id", "epoch"])
      .where("run_id", "=", runId)
      .execute();
    return new Set(rows.map((r) => resultKey(r.case_id, Number(r.epoch))));
  }

  async listOutputs(runId: string): Promise<StoredOutput[]> {
    const rows = await this.db
      .selectFrom("outputs")
      .selectAll()
      .where("run_id", "=", runId)
      .orderBy("case_id")
      .orderBy("epoch")
      .execute();
    return rows.map(rowToOutput);
  }

  async listScores(runId: string): Promise<StoredScore[]> {
    const rows = await this.db
      .selectFrom("scores")
      .selectAll()
      .where("run_id", "=", runId)
      .orderBy("case_id")
      .orderBy("epoch")
      .orderBy("dimension")
      .execute();
    return rows.map(rowToScore);
  }

  async replaceScores(runId: string, scores: StoredScore[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("scores").where("run_id", "=", runId).execute();
      for (const part of chunks(scores)) {
        await trx.insertInto("scores").values(part.map(scoreToRow)).execute();
      }
    });
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.onClose();
  }
}
