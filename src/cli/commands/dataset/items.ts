import { itemsReport } from "../../../dataset/upkeep/items.ts";
import { itemMatrix } from "../../../dataset/upkeep/matrix.ts";
import { table } from "../../../report/format.ts";
import { CliError, EXIT } from "../../exit.ts";
import { type GlobalOptions, openCliStore, storeLocationOf, suiteFileFor } from "../../io.ts";
import { emitJson, idList, type JsonOption, num, printer, runsRows } from "./shared.ts";

export interface ItemsCommandOptions extends GlobalOptions {
  runs: string[];
  dimension?: string;
  json?: JsonOption;
  suite?: string;
}

const SHOWN = 10;

/**
 * `assay dataset items --runs R1 R2 …`: classical test theory over stored runs of several
 * targets — each case's difficulty and item–rest point-biserial, KR-20 / Cronbach's α,
 * α-if-deleted, and the cases nobody or everybody passes.
 */
export async function datasetItemsCommand(opts: ItemsCommandOptions): Promise<number> {
  if (opts.runs.length < 2) {
    throw new CliError(
      "items needs at least two runs (--runs R1 R2 …): statistics over one run say nothing",
      EXIT.usage,
    );
  }
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    const m = itemMatrix(await runsRows(store, opts.runs), opts.dimension);
    const report = itemsReport(m);
    const print = printer(opts.json);
    print(
      `${report.n} runs × ${report.nItems} cases (${report.dimension ?? "every dimension"}): ` +
        `KR-20 ${num(report.kr20)}, Cronbach's α ${num(report.alpha)}`,
    );
    if (report.excluded.length > 0) {
      print(
        `left out ${report.excluded.length}: ${idList(
          report.excluded.map((e) => `${e.id} (${e.reason})`),
          5,
        )}`,
      );
    }
    print(
      table(
        report.runs.map((r) => [r.target, r.id, num(r.passRate), num(r.score)]),
        ["target", "run", "pass rate", "score"],
      ),
    );
    const weakest = report.items
      .filter((i) => i.pointBiserial !== null)
      .sort((a, b) => (a.pointBiserial as number) - (b.pointBiserial as number))
      .slice(0, SHOWN);
    if (weakest.length > 0) {
      print("least discriminating cases (item–rest correlation; α without the case):");
      print(
        table(
          weakest.map((i) => [i.id, num(i.difficulty, 2), num(i.pointBiserial), num(i.alphaIfDeleted)]),
          ["case", "difficulty", "point-biserial", "α if deleted"],
        ),
      );
    }
    print(
      `nobody passes ${report.nobodyPasses.length}${report.nobodyPasses.length ? `: ${idList(report.nobodyPasses)}` : ""}`,
    );
    print(
      `everybody passes ${report.everybodyPasses.length}${report.everybodyPasses.length ? `: ${idList(report.everybodyPasses)}` : ""}`,
    );
    emitJson(opts.json, { ...report, store: storeLocationOf(store) });
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
