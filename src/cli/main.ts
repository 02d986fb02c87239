import { Command, InvalidArgumentError } from "commander";
import { suiteJsonSchema } from "../config/schema.ts";
import { toolVersion } from "../engine/lineage.ts";
import { exportCommand } from "./commands/export.ts";
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
