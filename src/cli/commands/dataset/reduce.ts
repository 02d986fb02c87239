import { extname, resolve } from "node:path";
import { casesToJsonl, plainCase } from "../../../dataset/upkeep/cases.ts";
import { coverageTargetsOf } from "../../../dataset/upkeep/coverage.ts";
import { itemMatrix } from "../../../dataset/upkeep/matrix.ts";
import { reduceDataset } from "../../../dataset/upkeep/reduce.ts";
import { fmtPct, table } from "../../../report/format.ts";
import { CliError, EXIT } from "../../exit.ts";
import { type GlobalOptions, openCliStore, storeLocationOf, writeOutput } from "../../io.ts";
import { emitJson, type JsonOption, num, optionalSuite, printer, runsRows } from "./shared.ts";

export interface ReduceCommandOptions extends GlobalOptions {
  runs: string[];
  keep: number;
  out: string;
  dimension?: string;
  /** comma-separated tag keys */
  stratifyBy?: string;
  json?: JsonOption;
  suite?: string;
}

/**
 * `assay dataset reduce --runs … --keep F --out FILE`: a smaller dataset that keeps the targets'
 * ranking, stratified by tags (the suite's `coverage:` keys, else every tag key, or
 * --stratify-by), with Kendall's τ, the score RMSE and the minimum detectable effect it costs.
 */
export async function datasetReduceCommand(opts: ReduceCommandOptions): Promise<number> {
  if (opts.runs.length < 2) {
    throw new CliError(
      "reduce needs runs of at least two targets (--runs R1 R2 …) to keep a ranking",
      EXIT.usage,
    );
  }
  if (![".jsonl", ".ndjson"].includes(extname(opts.out).toLowerCase())) {
    throw new CliError(
      `--out ${opts.out}: the reduced dataset is written as JSON Lines (.jsonl)`,
      EXIT.usage,
    );
  }
  const suite = await optionalSuite(opts.suite);
  const store = await openCliStore(opts, suite?.file, { mustExist: true });
  try {
    const m = itemMatrix(await runsRows(store, opts.runs), opts.dimension);
    const strata = opts.stratifyBy
      ?.split(",")
      .map((k) => k.trim())
      .filter(Boolean);
    const { kept, report } = reduceDataset(m, {
      keep: opts.keep,
      strata,
      targets: coverageTargetsOf(suite?.config.coverage),
    });
    writeOutput(opts.out, casesToJsonl(kept.map(plainCase)));
    const print = printer(opts.json);
    print(`kept ${report.kept} of ${report.total} cases → ${opts.out}`);
    print(
      table(
        report.leaderboard.map((r) => [r.target, r.run, num(r.full), num(r.reduced)]),
        ["target", "run", "full", "reduced"],
      ),
    );
    print(`Kendall's τ (full vs reduced ranking) ${num(report.kendallTau)}, score RMSE ${num(report.rmse)}`);
    print(
      `minimum detectable effect (α ${report.mde.alpha}, power ${report.mde.power}): ` +
        `${num(report.mde.full)} with ${report.total} cases, ${num(report.mde.reduced)} with ${report.kept}`,
    );
    print(
      `stratified by ${report.strata.keys.join(", ") || "nothing (no tags)"}: tag shares move by ${fmtPct(report.coverage.maxShift)} at most`,
    );
    if (report.coverage.flagged && report.coverage.flagged.length > 0) {
      print(
        `off the suite's target mix: ${report.coverage.flagged
          .map((c) => `${c.key}=${c.value} ${fmtPct(c.actual)} (target ${fmtPct(c.target)})`)
          .join(", ")}`,
      );
    }
    emitJson(opts.json, {
      ...report,
      out: resolve(opts.out),
      runs: m.runs.map((r) => r.id),
      store: storeLocationOf(store),
    });
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
