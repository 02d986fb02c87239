import { Command, InvalidArgumentError } from "commander";
import { suiteJsonSchema } from "../config/schema.ts";
import { toolVersion } from "../engine/lineage.ts";
import { baselineSetCommand } from "./commands/baseline.ts";
import { compareCommand } from "./commands/compare.ts";
import { exportCommand } from "./commands/export.ts";
import { gateCommand } from "./commands/gate.ts";
import { rescoreCommand } from "./commands/rescore.ts";
import { runCommand } from "./commands/run.ts";
import { runsCommand, showCommand } from "./commands/show.ts";
import { EXIT, exitCodeFor } from "./exit.ts";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The CLI: a thin shell over the library. Each action returns an exit code. */
export function buildProgram(): Command {
  const program = new Command("assay")
    .description("task-specific evaluation of LLM applications and agents")
    .version(toolVersion())
    .option("--db <path>", "store location (default: ASSAY_DB, else .assay/assay.db beside the suite)")
    .showHelpAfterError()
    .exitOverride();

  const global = () => program.opts<{ db?: string }>();
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      process.exitCode = await fn(...args);
    };

  program
    .command("run")
    .description("run targets, score, store, print the scorecard")
    .argument("[suite]", "suite file or folder (default: ./assay.yaml)")
    .option("-t, --target <id>", "run only this target (repeatable)", collect)
    .option("--json <file>", "write the scorecard as JSON")
    .option("--resume", "continue the latest unfinished run of the same suite, target and dataset version")
    .option("--epochs <k>", "repeat each case k times", positiveInt)
    .option("--concurrency <n>", "override the suite's concurrency", positiveInt)
    .option("--shard <i/n>", "run only shard i of n")
    .option("--skip-invalid", "skip malformed dataset records and report how many")
    .option("-q, --quiet", "no progress output")
    .action(
      act((suite: string | undefined, opts: Record<string, unknown>) =>
        runCommand(suite, { ...global(), ...opts }),
      ),
    );

  program
    .command("rescore")
    .description("score a run's stored outputs again with the suite's current evaluators")
    .argument("<run>", "run id, prefix, tag or latest")
    .option("--suite <file>", "suite whose evaluators to use (default: the run's suite file)")
    .option("--json <file>", "write the new scorecard as JSON")
    .action(
      act((run: string, opts: Record<string, unknown>) => rescoreCommand(run, { ...global(), ...opts })),
    );

  program
    .command("runs")
    .description("list stored runs, newest first")
    .option("--suite <name>", "only this suite")
    .option("--target <id>", "only this target")
    .option("--limit <n>", "at most n runs", positiveInt)
    .option("--json", "print JSON")
    .action(act((opts: Record<string, unknown>) => runsCommand({ ...global(), ...opts })));

  program
    .command("show")
    .description("print a stored run's scorecard")
    .argument("<run>", "run id, prefix, tag or latest")
    .option("--json <file>", "write the scorecard as JSON")
    .action(act((run: string, opts: Record<string, unknown>) => showCommand(run, { ...global(), ...opts })));

  program
    .command("compare")
    .description("paired comparison of two runs (exit 1 when a dimension or slice regressed)")
    .argument("<runs...>", "BASE CANDIDATE: run ids, prefixes, tags, latest or latest:TARGET")
    .option("--json <file>", "write the comparison as JSON")
    .option("--md <file>", "write the comparison as Markdown")
    .option("--intersect", "compare runs over different dataset versions on the cases they share")
    .option("--alpha <a>", "significance level (default 0.05)", Number)
    .option("--resamples <n>", "bootstrap resamples (default 10000)", positiveInt)
    .option("--seed <n>", "bootstrap seed", Number)
    .action(
      act((runs: string[], opts: Record<string, unknown>) => compareCommand(runs, { ...global(), ...opts })),
    );

  program
    .command("gate")
    .description("apply the suite's gate policy: exit 0 pass (warnings allowed), 1 fail, 2 config error")
    .argument("[suite]", "suite file or folder (default: ./assay.yaml)")
    .option("--run <run>", "candidate run (default: the newest completed run not of the baseline target)")
    .option("--baseline <run>", "baseline run, tag or target id (default: gate.baseline)")
    .option("--junit <file>", "write JUnit XML, one test per rule")
    .option("--md <file>", "write Markdown for a pull-request comment")
    .option("--json <file>", "write the gate result and comparison as JSON")
    .action(
      act((suite: string | undefined, opts: Record<string, unknown>) =>
        gateCommand(suite, { ...global(), ...opts }),
      ),
    );

  program
    .command("baseline")
    .description("manage baselines")
    .command("set")
    .description("tag a run as the baseline (the tag moves from any other run of the suite)")
    .argument("<run>", "run id, prefix, tag or latest")
    .option("--tag <tag>", "baseline tag (default: baseline)")
    .action(act((run: string, opts: { tag?: string }) => baselineSetCommand(run, { ...global(), ...opts })));

  program
    .command("export")
    .description("export a run as csv, jsonl, junit, md or json")
    .argument("<run>", "run id, prefix, tag or latest")
    .requiredOption("--format <format>", "csv | jsonl | junit | md | json")
    .option("-o, --out <file>", "write to a file instead of stdout")
    .action(
      act((run: string, opts: { format: string; out?: string }) =>
        exportCommand(run, { ...global(), ...opts }),
      ),
    );

  program
    .command("schema")
    .description("print the suite file's JSON Schema (for editor completion)")
    .action(
      act(async () => {
        process.stdout.write(`${JSON.stringify(suiteJsonSchema(), null, 2)}\n`);
        return EXIT.ok;
      }),
    );

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === "string" && e.code.startsWith("commander.")) {
      // help and version exit 0; every other parse problem is a usage error
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`assay: ${e.message ?? String(err)}\n`);
    if (process.env.ASSAY_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitCodeFor(err);
  }
}
