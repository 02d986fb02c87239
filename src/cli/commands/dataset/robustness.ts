import { loadRunRows } from "../../../compare/load.ts";
import { InputError } from "../../../config/errors.ts";
import { PERTURBATION_TAG } from "../../../dataset/upkeep/perturb.ts";
import { type RobustnessMeasure, robustnessReport } from "../../../dataset/upkeep/robustness.ts";
import { fmtCi, fmtP, table } from "../../../report/format.ts";
import { caseResults } from "../../../scorecard/case-results.ts";
import { resolveRun } from "../../../store/resolve.ts";
import { EXIT } from "../../exit.ts";
import { type GlobalOptions, openCliStore, storeLocationOf, suiteFileFor } from "../../io.ts";
import { emitJson, type JsonOption, num, printer } from "./shared.ts";

export interface RobustnessCommandOptions extends GlobalOptions {
  run: string;
  /** a run over the original cases, when the perturbed file left them out */
  base?: string;
  json?: JsonOption;
  suite?: string;
}

/**
 * `assay dataset robustness --run R`: the score drop per perturbation kind in a run over a
 * dataset written by `assay dataset perturb`, each copy paired with its original (in the same run,
 * or in `--base`), with intervals.
 */
export async function datasetRobustnessCommand(opts: RobustnessCommandOptions): Promise<number> {
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    const run = await resolveRun(store, opts.run);
    const rows = await loadRunRows(store, run);
    const perturbed = caseResults(run, rows.cases, rows.outputs, rows.scores);
    let originals = perturbed;
    let base = null;
    if (opts.base) {
      base = await resolveRun(store, opts.base);
      const baseRows = await loadRunRows(store, base);
      originals = caseResults(base, baseRows.cases, baseRows.outputs, baseRows.scores);
    }
    const report = robustnessReport(perturbed, originals, Object.keys(run.dimensions));
    if (Object.keys(report.kinds).length === 0) {
      throw new InputError(
        `run ${run.id} has no perturbed case paired with its original (cases tagged ${PERTURBATION_TAG}=KIND ` +
          "by `assay dataset perturb`; when the originals were left out of the file, name their run with --base)",
      );
    }
    const print = printer(opts.json);
    const row = (label: string, m: RobustnessMeasure) => [
      label,
      String(m.n),
      num(m.original),
      num(m.perturbed),
      num(m.drop),
      fmtCi(m.ci),
      fmtP(m.p),
    ];
    print(`robustness of ${run.target} (run ${run.id}${base ? `, originals from run ${base.id}` : ""})`);
    print(
      table(
        Object.entries(report.kinds).map(([kind, k]) => row(kind, k.aggregate)),
        ["kind", "pairs", "original", "perturbed", "drop", `${report.confidence * 100}% CI`, "p"],
      ),
    );
    for (const [kind, k] of Object.entries(report.kinds)) {
      print(`${kind}, by dimension:`);
      print(
        table(
          Object.entries(k.dimensions).map(([d, m]) => [
            ...row(d, m),
            `${m.passToFail ?? 0} pass→fail, ${m.failToPass ?? 0} fail→pass`,
          ]),
          ["dimension", "pairs", "original", "perturbed", "drop", "CI", "p", "flips"],
        ),
      );
    }
    if (report.unpaired.length > 0)
      print(`${report.unpaired.length} perturbed case(s) without a scored original`);
    emitJson(opts.json, {
      run: run.id,
      target: run.target,
      base: base?.id ?? null,
      ...report,
      store: storeLocationOf(store),
    });
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
