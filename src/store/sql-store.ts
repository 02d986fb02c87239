import { type CompiledQuery, type ExpressionBuilder, type Kysely, type Selectable, sql } from "kysely";
import type { Case } from "../core/case.ts";
import { listResultsOf, readResultColumns } from "./columns.ts";
import { SqlProductionStore } from "./production.ts";
import {
  caseToRow,
  LEASE_COLUMNS,
  labelToRow,
  leaseToRow,
  outputToRow,
  rowToCase,
  rowToLabel,
  rowToLease,
  rowToOutput,
  rowToRun,
  rowToScore,
  rowToScoreSet,
  rowToShard,
  runPatchToRow,
  runToRow,
  scoreSetToRow,
  scoreToRow,
} from "./rows.ts";
import { casesOfRun, currentScoreSet } from "./run-queries.ts";
import type { Database, ProbesTable } from "./schema.ts";
import {
  type CalibrationRecord,
  type LabelFilter,
  type LabelRecord,
  type ProbeFilter,
  type ProbeRecord,
  type ResultColumns,
  type ResultPage,
  type ReviewQueue,
  type RunFilter,
  type RunLease,
  type RunPatch,
  type RunRecord,
  resultKey,
  type ScoreSet,
  type ShardRef,
  type ShardStatus,
  type Store,
  type StoredCase,
  type StoredOutput,
  type StoredScore,
} from "./types.ts";

function rowToProbe(r: Selectable<ProbesTable>): ProbeRecord {
  return {
    id: r.id,
    suite: r.suite,
    target: r.target,
    createdAt: r.created_at,
    report: JSON.parse(r.report) as Record<string, unknown>,
  };
}

/** A select that can be run through Kysely or compiled to SQL for a driver's own cursor. */
export interface Compilable<O> {
  compile(): CompiledQuery<O>;
  execute(): Promise<O[]>;
}

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
  ) {
    this.production = new SqlProductionStore(db);
  }

  readonly production: SqlProductionStore;

  /** The run and its first score set (the run's own scoring), together. */
  async createRun(run: RunRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto("runs").values(runToRow(run)).execute();
      await trx
        .insertInto("score_sets")
        .values(
          scoreSetToRow({
            runId: run.id,
            id: run.scoreSet ?? 1,
            status: "completed",
            dimensions: run.dimensions,
            createdAt: run.startedAt,
          }),
        )
        .onConflict((oc) => oc.columns(["run_id", "id"]).doNothing())
        .execute();
    });
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
      await trx.deleteFrom("score_sets").where("run_id", "=", id).execute();
      await trx.deleteFrom("outputs").where("run_id", "=", id).execute();
      await trx.deleteFrom("labels").where("run_id", "=", id).execute();
      await trx.deleteFrom("run_shards").where("run_id", "=", id).execute();
      await trx.deleteFrom("scorecards").where("run_id", "=", id).execute();
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

  /**
   * One transaction: a batch is stored whole or not at all, and a key already stored (or twice in
   * the batch) fails it. Over a network the commit can succeed while its answer is lost, so a
   * batch whose every key is already stored, each once, counts as that retry and succeeds unchanged.
   */
  async writeResults(batch: { outputs: StoredOutput[]; scores: StoredScore[] }): Promise<void> {
    if (batch.outputs.length === 0 && batch.scores.length === 0) return;
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const part of chunks(batch.outputs)) {
          await trx.insertInto("outputs").values(part.map(outputToRow)).execute();
        }
        for (const part of chunks(batch.scores)) {
          await trx.insertInto("scores").values(part.map(scoreToRow)).execute();
        }
        // A kept scorecard no longer describes a run that gained rows (a resume, a merge).
        const runIds = new Set<string>();
        for (const o of batch.outputs) runIds.add(o.runId);
        for (const sc of batch.scores) runIds.add(sc.runId);
        await trx
          .deleteFrom("scorecards")
          .where("run_id", "in", [...runIds])
          .execute();
      });
    } catch (err) {
      if (!(await this.isStoredBatch(batch).catch(() => false))) throw err;
    }
  }

  /** Every output and score key of the batch is stored, and none appears twice in the batch. */
  private async isStoredBatch(batch: { outputs: StoredOutput[]; scores: StoredScore[] }): Promise<boolean> {
    const outputKey = (runId: string, caseId: string, epoch: number) =>
      JSON.stringify([runId, caseId, epoch]);
    const scoreKey = (runId: string, set: number, caseId: string, epoch: number, dimension: string) =>
      JSON.stringify([runId, set, caseId, epoch, dimension]);
    const wanted = {
      outputs: batch.outputs.map((o) => outputKey(o.runId, o.caseId, o.epoch)),
      scores: batch.scores.map((s) => scoreKey(s.runId, s.scoreSet ?? 1, s.caseId, s.epoch, s.dimension)),
    };
    if (
      new Set(wanted.outputs).size !== wanted.outputs.length ||
      new Set(wanted.scores).size !== wanted.scores.length
    ) {
      return false;
    }
    const runIds = [...new Set([...batch.outputs, ...batch.scores].map((r) => r.runId))];
    const stored = new Set<string>();
    for (const part of chunks(runIds)) {
      const outputs = await this.db
        .selectFrom("outputs")
        .select(["run_id", "case_id", "epoch"])
        .where("run_id", "in", part)
        .execute();
      for (const r of outputs) stored.add(outputKey(r.run_id, r.case_id, Number(r.epoch)));
      const scores = await this.db
        .selectFrom("scores")
        .select(["run_id", "score_set", "case_id", "epoch", "dimension"])
        .where("run_id", "in", part)
        .execute();
      for (const r of scores) {
        stored.add(scoreKey(r.run_id, Number(r.score_set), r.case_id, Number(r.epoch), r.dimension));
      }
    }
    return [...wanted.outputs, ...wanted.scores].every((k) => stored.has(k));
  }

  async storedResultKeys(runId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom("outputs")
      .select(["case_id", "epoch"])
      .where("run_id", "=", runId)
      .execute();
    return new Set(rows.map((r) => resultKey(r.case_id, Number(r.epoch))));
  }

  async scoredResultKeys(runId: string, scoreSet: number): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom("scores")
      .select(["case_id", "epoch"])
      .distinct()
      .where("run_id", "=", runId)
      .where("score_set", "=", scoreSet)
      .execute();
    return new Set(rows.map((r) => resultKey(r.case_id, Number(r.epoch))));
  }

  async countOutputs(runId: string): Promise<number> {
    const row = await this.db
      .selectFrom("outputs")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("run_id", "=", runId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async hasOutput(runId: string, caseId: string, epoch: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("outputs")
      .select("epoch")
      .where("run_id", "=", runId)
      .where("case_id", "=", caseId)
      .where("epoch", "=", epoch)
      .executeTakeFirst();
    return row !== undefined;
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

  async listScores(runId: string, scoreSet?: number): Promise<StoredScore[]> {
    const rows = await this.db
      .selectFrom("scores")
      .selectAll()
      .where("run_id", "=", runId)
      .where("score_set", "=", scoreSet ?? currentScoreSet(runId))
      .orderBy("case_id")
      .orderBy("epoch")
      .orderBy("dimension")
      .execute();
    return rows.map(rowToScore);
  }

  async pageResults(
    runId: string,
    datasetVersion: string,
    page: { offset: number; limit: number },
    scoreSet?: number,
  ): Promise<ResultPage> {
    const ofRun = casesOfRun(this.db, runId, datasetVersion);
    const [counted, caseRows] = await Promise.all([
      ofRun.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow(),
      page.limit > 0
        ? ofRun.selectAll().orderBy("ordinal").limit(page.limit).offset(Math.max(0, page.offset)).execute()
        : Promise.resolve([]),
    ]);
    const cases = caseRows.map(rowToCase);
    return { total: Number(counted.n), cases, ...(await this.resultsOf(runId, cases, scoreSet)) };
  }

  /** The outputs (case, epoch order) and scores of the given cases in one run. */
  private resultsOf(
    runId: string,
    cases: StoredCase[],
    scoreSet?: number,
  ): Promise<{ outputs: StoredOutput[]; scores: StoredScore[] }> {
    return listResultsOf(
      this.db,
      runId,
      cases.map((c) => c.id),
      scoreSet,
    );
  }

  async readCasePage(
    runId: string,
    datasetVersion: string,
    page: { afterOrdinal: number; limit: number },
    scoreSet?: number,
  ): Promise<{ cases: StoredCase[]; outputs: StoredOutput[]; scores: StoredScore[] }> {
    const rows = await this.db
      .selectFrom("cases")
      .selectAll()
      .where("dataset_version", "=", datasetVersion)
      .where("ordinal", ">", page.afterOrdinal)
      .orderBy("ordinal")
      .limit(page.limit)
      .execute();
    const cases = rows.map(rowToCase);
    return { cases, ...(await this.resultsOf(runId, cases, scoreSet)) };
  }

  async latencyAt(runId: string, ranks: number[]): Promise<number[]> {
    if (ranks.length === 0) return [];
    const wanted = [...new Set(ranks)];
    // One sort in the database for every rank (a window function, not a query per rank): exact
    // order statistics without reading the latencies into memory.
    const rows = await sql<{ r: number | string; latency_ms: number | string }>`
      SELECT r, latency_ms FROM (
        SELECT latency_ms, ROW_NUMBER() OVER (ORDER BY latency_ms) - 1 AS r
        FROM outputs WHERE run_id = ${runId} AND error_class IS NULL
      ) ranked WHERE r IN (${sql.join(wanted)})`.execute(this.db);
    const at = new Map(rows.rows.map((row) => [Number(row.r), Number(row.latency_ms)]));
    return ranks.map((rank) => at.get(rank) ?? Number.NaN);
  }

  async latencyBins(runId: string, lo: number, width: number): Promise<Map<number, number>> {
    // floor((latency − lo) / width), the same division JavaScript does; values are ≥ lo, so
    // SQLite's truncating CAST is a floor there (PostgreSQL's CAST rounds: FLOOR first)
    const ratio = sql`(latency_ms - ${lo}) / ${width}`;
    const bin =
      this.kind === "postgres"
        ? sql<number>`CAST(FLOOR(${ratio}) AS INTEGER)`
        : sql<number>`CAST(${ratio} AS INTEGER)`;
    const rows = await sql<{ bin: number | string; n: number | string }>`
      SELECT ${bin} AS bin, COUNT(*) AS n FROM outputs
      WHERE run_id = ${runId} AND error_class IS NULL GROUP BY 1`.execute(this.db);
    return new Map(rows.rows.map((r) => [Number(r.bin), Number(r.n)]));
  }

  async getScorecard(runId: string, scoreSet: number, optionsHash: string): Promise<unknown | undefined> {
    const row = await this.db
      .selectFrom("scorecards")
      .select("data")
      .where("run_id", "=", runId)
      .where("score_set", "=", scoreSet)
      .where("options_hash", "=", optionsHash)
      .executeTakeFirst();
    return row === undefined ? undefined : JSON.parse(row.data);
  }

  async putScorecard(runId: string, scoreSet: number, optionsHash: string, card: unknown): Promise<void> {
    await this.db
      .insertInto("scorecards")
      .values({
        run_id: runId,
        score_set: scoreSet,
        options_hash: optionsHash,
        data: JSON.stringify(card),
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) =>
        oc.columns(["run_id", "score_set", "options_hash"]).doUpdateSet({ data: JSON.stringify(card) }),
      )
      .execute();
  }

  /** the run's current score set, as a subquery (no round trip); 1 for scores of no stored run */
  async listScoreSets(runId: string): Promise<ScoreSet[]> {
    const rows = await this.db
      .selectFrom("score_sets")
      .selectAll()
      .where("run_id", "=", runId)
      .orderBy("id")
      .execute();
    return rows.map(rowToScoreSet);
  }

  async createScoreSet(set: ScoreSet): Promise<void> {
    await this.db.insertInto("score_sets").values(scoreSetToRow(set)).execute();
  }

  async completeScoreSet(runId: string, id: number, finishedAt: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const set = await trx
        .selectFrom("score_sets")
        .selectAll()
        .where("run_id", "=", runId)
        .where("id", "=", id)
        .executeTakeFirst();
      if (!set) throw new Error(`run ${runId} has no score set ${id}`);
      await trx
        .updateTable("score_sets")
        .set({ status: "completed", finished_at: finishedAt })
        .where("run_id", "=", runId)
        .where("id", "=", id)
        .execute();
      const run = await trx
        .selectFrom("runs")
        .select("lineage")
        .where("id", "=", runId)
        .executeTakeFirstOrThrow();
      const dimensions = JSON.parse(set.dimensions) as Record<string, { evaluator: string }>;
      const lineage = JSON.parse(run.lineage) as RunRecord["lineage"];
      lineage.evaluators = Object.fromEntries(Object.entries(dimensions).map(([d, r]) => [d, r.evaluator]));
      await trx
        .updateTable("runs")
        .set({ score_set: id, dimensions: set.dimensions, lineage: JSON.stringify(lineage) })
        .where("id", "=", runId)
        .execute();
    });
  }

  async getLease(runId: string, shard?: ShardRef): Promise<RunLease | undefined> {
    const row = shard
      ? await this.db
          .selectFrom("run_shards")
          .select(LEASE_COLUMNS)
          .where("run_id", "=", runId)
          .where("shard_index", "=", shard.index)
          .executeTakeFirst()
      : await this.db.selectFrom("runs").select(LEASE_COLUMNS).where("id", "=", runId).executeTakeFirst();
    return row ? rowToLease(row) : undefined;
  }

  async claimLease(
    runId: string,
    lease: RunLease,
    expectedToken: string | null,
    shard?: ShardRef,
  ): Promise<boolean> {
    const holderIs = (eb: ExpressionBuilder<Database, "runs" | "run_shards">) =>
      expectedToken === null ? eb("lease_token", "is", null) : eb("lease_token", "=", expectedToken);
    if (!shard) {
      const res = await this.db
        .updateTable("runs")
        .set(leaseToRow(lease))
        .where("id", "=", runId)
        .where(holderIs)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    }
    // A shard's row appears with its first claim; creating it is idempotent, so of two processes
    // racing for a new shard both create-or-find it and the compare-and-swap picks one.
    await this.db
      .insertInto("run_shards")
      .values({
        run_id: runId,
        shard_index: shard.index,
        shard_count: shard.count,
        status: "running",
        status_reason: null,
        planned: null,
        ...leaseToRow(null),
        updated_at: lease.heartbeatAt,
      })
      .onConflict((oc) => oc.columns(["run_id", "shard_index"]).doNothing())
      .execute();
    const res = await this.db
      .updateTable("run_shards")
      .set(leaseToRow(lease))
      .where("run_id", "=", runId)
      .where("shard_index", "=", shard.index)
      .where(holderIs)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async renewLease(
    runId: string,
    token: string,
    heartbeatAt: string,
    expiresAt: string,
    shard?: ShardRef,
  ): Promise<boolean> {
    const set = { lease_heartbeat_at: heartbeatAt, lease_expires_at: expiresAt };
    const res = shard
      ? await this.db
          .updateTable("run_shards")
          .set(set)
          .where("run_id", "=", runId)
          .where("shard_index", "=", shard.index)
          .where("lease_token", "=", token)
          .executeTakeFirst()
      : await this.db
          .updateTable("runs")
          .set(set)
          .where("id", "=", runId)
          .where("lease_token", "=", token)
          .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async releaseLease(runId: string, token: string, shard?: ShardRef): Promise<void> {
    if (shard) {
      await this.db
        .updateTable("run_shards")
        .set(leaseToRow(null))
        .where("run_id", "=", runId)
        .where("shard_index", "=", shard.index)
        .where("lease_token", "=", token)
        .execute();
      return;
    }
    await this.db
      .updateTable("runs")
      .set(leaseToRow(null))
      .where("id", "=", runId)
      .where("lease_token", "=", token)
      .execute();
  }

  async putShardStatus(shard: ShardStatus): Promise<void> {
    const fields = {
      shard_count: shard.count,
      status: shard.status,
      status_reason: shard.statusReason ?? null,
      planned: shard.planned ?? null,
      updated_at: shard.updatedAt,
    };
    await this.db
      .insertInto("run_shards")
      .values({ run_id: shard.runId, shard_index: shard.index, ...fields, ...leaseToRow(null) })
      .onConflict((oc) => oc.columns(["run_id", "shard_index"]).doUpdateSet(fields))
      .execute();
  }

  async listShards(runId: string): Promise<ShardStatus[]> {
    const rows = await this.db
      .selectFrom("run_shards")
      .selectAll()
      .where("run_id", "=", runId)
      .orderBy("shard_index")
      .execute();
    return rows.map(rowToShard);
  }

  async addLabels(labels: LabelRecord[]): Promise<void> {
    if (labels.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(labels))
        await trx.insertInto("labels").values(part.map(labelToRow)).execute();
    });
  }

  async listLabels(filter: LabelFilter = {}): Promise<LabelRecord[]> {
    let q = this.db.selectFrom("labels").selectAll();
    if (filter.runId) q = q.where("run_id", "=", filter.runId);
    if (filter.dimension) q = q.where("dimension", "=", filter.dimension);
    if (filter.labeller) q = q.where("labeller", "=", filter.labeller);
    if (filter.queueId) q = q.where("queue_id", "=", filter.queueId);
    const labels = (await q.orderBy("created_at").orderBy("id").execute()).map(rowToLabel);
    if (filter.history) return labels;
    const superseded = new Set(
      labels.map((l) => l.supersedes).filter((id): id is string => id !== undefined),
    );
    return labels.filter((l) => !superseded.has(l.id));
  }

  async createQueue(queue: ReviewQueue): Promise<void> {
    await this.db
      .insertInto("review_queues")
      .values({ id: queue.id, run_id: queue.runId, data: JSON.stringify(queue), created_at: queue.createdAt })
      .execute();
  }

  async getQueue(id: string): Promise<ReviewQueue | undefined> {
    const row = await this.db.selectFrom("review_queues").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? (JSON.parse(row.data) as ReviewQueue) : undefined;
  }

  async listQueues(): Promise<ReviewQueue[]> {
    const rows = await this.db
      .selectFrom("review_queues")
      .selectAll()
      .orderBy("created_at", "desc")
      .execute();
    return rows.map((r) => JSON.parse(r.data) as ReviewQueue);
  }

  async putCalibration(record: CalibrationRecord): Promise<void> {
    await this.db
      .insertInto("calibrations")
      .values({
        id: record.id,
        evaluator: record.evaluator,
        dimension: record.dimension,
        run_id: record.runId ?? null,
        label_set_hash: record.labelSetHash,
        n: record.n,
        metrics: JSON.stringify(record.metrics),
        created_at: record.createdAt,
      })
      .execute();
  }

  async listCalibrations(
    filter: { evaluator?: string; dimension?: string } = {},
  ): Promise<CalibrationRecord[]> {
    let q = this.db.selectFrom("calibrations").selectAll();
    if (filter.evaluator) q = q.where("evaluator", "=", filter.evaluator);
    if (filter.dimension) q = q.where("dimension", "=", filter.dimension);
    const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").execute();
    return rows.map((r) => {
      const rec: CalibrationRecord = {
        id: r.id,
        evaluator: r.evaluator,
        dimension: r.dimension,
        labelSetHash: r.label_set_hash,
        n: Number(r.n),
        metrics: JSON.parse(r.metrics),
        createdAt: r.created_at,
      };
      if (r.run_id !== null) rec.runId = r.run_id;
      return rec;
    });
  }

  async saveProbe(record: ProbeRecord): Promise<void> {
    await this.db
      .insertInto("probes")
      .values({
        id: record.id,
        suite: record.suite,
        target: record.target,
        created_at: record.createdAt,
        report: JSON.stringify(record.report),
      })
      .execute();
  }

  async listProbes(filter: ProbeFilter = {}): Promise<ProbeRecord[]> {
    let q = this.db.selectFrom("probes").selectAll();
    if (filter.suite) q = q.where("suite", "=", filter.suite);
    if (filter.target) q = q.where("target", "=", filter.target);
    q = q.orderBy("created_at", "desc").orderBy("id", "desc");
    if (filter.limit) q = q.limit(filter.limit);
    return (await q.execute()).map(rowToProbe);
  }

  async getProbe(id: string): Promise<ProbeRecord | undefined> {
    const r = await this.db.selectFrom("probes").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? rowToProbe(r) : undefined;
  }

  async readResultColumns(runId: string, datasetVersion: string, scoreSet?: number): Promise<ResultColumns> {
    return readResultColumns(this.db, (q, each) => this.eachRow(q, each), runId, datasetVersion, scoreSet);
  }

  /** Each row of a select, in order; a backend that can stream overrides this (sqlite-store.ts). */
  protected async eachRow<O>(query: Compilable<O>, each: (row: O) => void): Promise<void> {
    for (const row of await query.execute()) each(row);
  }

  async listResultsOf(
    runId: string,
    caseIds: readonly string[],
    scoreSet?: number,
  ): Promise<{ outputs: StoredOutput[]; scores: StoredScore[] }> {
    return listResultsOf(this.db, runId, caseIds, scoreSet);
  }

  /** The schema versions this database has applied (`assay db info`). */
  async appliedMigrations(): Promise<Array<{ version: number; appliedAt: string }>> {
    const { rows } = await sql<{ version: number | string; applied_at: string }>`
      select version, applied_at from schema_migrations order by version`.execute(this.db);
    return rows.map((r) => ({ version: Number(r.version), appliedAt: r.applied_at }));
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.onClose();
  }
}
