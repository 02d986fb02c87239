import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";

/** The run's current score set, as a subquery (no round trip); 1 for scores of no stored run. */
export function currentScoreSet(runId: string) {
  return sql<number>`coalesce((select score_set from runs where id = ${runId}), 1)`;
}

/** The cases of a dataset version that have at least one output in the run. */
export function casesOfRun(db: Kysely<Database>, runId: string, datasetVersion: string) {
  return db
    .selectFrom("cases")
    .where("dataset_version", "=", datasetVersion)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("outputs")
          .select("outputs.epoch")
          .where("outputs.run_id", "=", runId)
          .whereRef("outputs.case_id", "=", "cases.case_id"),
      ),
    );
}
