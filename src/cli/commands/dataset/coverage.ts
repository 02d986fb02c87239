import { coverageTargetsOf, datasetCoverage } from "../../../dataset/upkeep/coverage.ts";
import { fmtPct, table } from "../../../report/format.ts";
import { EXIT } from "../../exit.ts";
import { casesFrom, emitJson, idList, type JsonOption, optionalSuite, printer } from "./shared.ts";

export interface CoverageCommandOptions {
  /** check these dataset files instead of the suite's (against the suite's target mix) */
  dataset?: string[];
  json?: JsonOption;
}

/**
 * `assay dataset coverage [SUITE]`: cases per tag value and per pair of tag keys (with the empty
 * cells), against the suite's `coverage:` mix. Exit 1 when a share is off its target by more
 * than the tolerance, so CI can hold a golden set to its mix; 0 otherwise (or with no mix set).
 */
export async function datasetCoverageCommand(
  suiteArg: string | undefined,
  opts: CoverageCommandOptions,
): Promise<number> {
  const suite = await optionalSuite(suiteArg);
  const { cases, files } = await casesFrom(opts.dataset, suite);
  const targets = coverageTargetsOf(suite?.config.coverage);
  const report = datasetCoverage(cases, targets);
  const print = printer(opts.json);
  const checks = new Map((report.targets?.checks ?? []).map((c) => [`${c.key}=${c.value}`, c]));
  const rows: string[][] = [];
  for (const [key, entry] of Object.entries(report.keys)) {
    for (const [value, v] of Object.entries(entry.values)) {
      const check = checks.get(`${key}=${value}`);
      checks.delete(`${key}=${value}`);
      rows.push([
        `${key}=${value}`,
        String(v.count),
        fmtPct(v.share),
        check ? fmtPct(check.target) : "",
        check?.flagged ? "off target" : "",
      ]);
    }
    if (entry.missing > 0)
      rows.push([`${key} (missing)`, String(entry.missing), fmtPct(entry.missing / report.cases), "", ""]);
  }
  // targets for values no case has
  for (const [name, check] of checks) {
    rows.push([name, "0", fmtPct(0), fmtPct(check.target), check.flagged ? "off target" : ""]);
  }
  print(`${report.cases} cases in ${files.length === 1 ? files[0] : `${files.length} files`}`);
  print(table(rows, ["tag", "cases", "share", "target", "check"]));
  for (const cross of report.crossed) {
    const cells = Object.keys(cross.cells).length + cross.empty.length;
    print(
      `${cross.keys.join(" × ")}: ${cells} cells, ${cross.empty.length} empty${
        cross.empty.length ? `: ${idList(cross.empty, 6)}` : ""
      }`,
    );
  }
  if (report.targets) {
    print(
      report.flagged.length === 0
        ? `every share is within ${fmtPct(report.targets.tolerance)} of its target`
        : `${report.flagged.length} share(s) off target by more than ${fmtPct(report.targets.tolerance)}`,
    );
  }
  emitJson(opts.json, { ...report, files });
  return report.flagged.length > 0 ? EXIT.gateFailed : EXIT.ok;
}
