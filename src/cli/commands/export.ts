import { exportCsv, exportJsonl, exportJunit } from "../../report/export.ts";
import { scorecardMarkdown } from "../../report/markdown.ts";
import { loadScorecard } from "../../scorecard/load.ts";
import { resolveRun } from "../../store/resolve.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, suiteFileFor, writeOutput } from "../io.ts";
import { operatingOptions } from "../operating-options.ts";

const FORMATS = ["csv", "jsonl", "junit", "md", "json"] as const;

/** `assay export RUN --format csv|jsonl|junit|md|json [--out FILE]` */
export async function exportCommand(
  ref: string,
  opts: GlobalOptions & { format: string; out?: string; suite?: string },
): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new CliError(`--format must be one of ${FORMATS.join(", ")} (got "${opts.format}")`, EXIT.usage);
  }
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    const run = await resolveRun(store, ref);
    let text: string;
    if (opts.format === "md" || opts.format === "json") {
      const card = await loadScorecard(store, run, await operatingOptions(run, opts.suite, undefined));
      text = opts.format === "md" ? scorecardMarkdown(card) : `${JSON.stringify(card, null, 2)}\n`;
    } else {
      const [cases, outputs, scores] = await Promise.all([
        store.listCases(run.datasetVersion),
        store.listOutputs(run.id),
        store.listScores(run.id, run.scoreSet),
      ]);
      const input = { run, cases, outputs, scores };
      text =
        opts.format === "csv"
          ? exportCsv(input)
          : opts.format === "jsonl"
            ? exportJsonl(input)
            : exportJunit(input);
    }
    if (opts.out) writeOutput(opts.out, text);
    else process.stdout.write(text);
    return 0;
  } finally {
    await store.close();
  }
}
