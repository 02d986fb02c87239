import type { Command } from "commander";
import { positiveInt, share } from "./parsers.ts";

/**
 * The production loop's commands (issue 11): ingest, monitor, shadow, records. Registered apart
 * from main.ts's run/compare/gate family; each loads its module only when it runs.
 */
export function addProductionCommands(
  program: Command,
  act: <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>,
  global: () => { db?: string },
): void {
  program
    .command("ingest")
    .description(
      "store production records (JSON Lines {id, time, input, output, metadata?, trace?, model?, usage?, latencyMs?}); duplicate ids are skipped and counted",
    )
    .argument("<file>", "a .jsonl file of records")
    .option("--monitor <name>", "the records belong to this monitor only (it must be in the suite)")
    .option("--suite <suite>", "suite file or folder (default: ./assay.yaml): its store, and its monitors")
    .option("--json", "print the counts as JSON")
    .option("-q, --quiet", "no progress output")
    .action(
      act(async (file: string, opts: Record<string, unknown>) =>
        (await import("./commands/ingest.ts")).ingestCommand(file, { ...global(), ...opts }),
      ),
    );

  program
    .command("monitor")
    .description(
      "score new production records with a monitor's dimensions, then report windows, drift (CUSUM, KS, chi-square) and alerts; --once for cron",
    )
    .argument("<name>", "a monitor of the suite's monitors:")
    .option("--suite <suite>", "suite file or folder (default: ./assay.yaml)")
    .option("--once", "one pass, then exit (for cron); without it, a pass every --interval until stopped")
    .option("--interval <time>", "time between passes in the loop: 30s, 5m, 1h (default 60s)")
    .option("--fail-on-alert", "exit 1 when an alert is open after the pass")
    .option("--json <file>", "write the pass's report as JSON")
    .option("--concurrency <n>", "records scored at once (default: the suite's concurrency)", positiveInt)
    .option("--no-cache", "neither read nor write the LLM response cache (judges)")
    .option("-q, --quiet", "no progress output")
    .action(
      act(async (name: string, opts: Record<string, unknown>) =>
        (await import("./commands/monitor.ts")).monitorCommand(name, { ...global(), ...opts }),
      ),
    );

  program
    .command("shadow")
    .description(
      "send recorded production inputs to a candidate target (never to users), score both with the monitor's dimensions and compare them as `assay compare` does",
    )
    .requiredOption("--monitor <name>", "the monitor whose records are replayed")
    .requiredOption("--candidate <target>", "the target id that answers them")
    .option("--sample <share>", "share of the monitor's records sent (default 1)", share)
    .option("--limit <n>", "the newest this many sampled records (default 500)", positiveInt)
    .option("--suite <suite>", "suite file or folder (default: ./assay.yaml)")
    .option("--json <file>", "write the comparison (compare's JSON, plus `shadow`)")
    .option("--md <file>", "write the comparison as Markdown")
    .option("--concurrency <n>", "calls to the candidate at once", positiveInt)
    .option("--no-cache", "neither read nor write the LLM response cache")
    .action(
      act(async (opts: Record<string, unknown>) =>
        (await import("./commands/shadow.ts")).shadowCommand({
          ...global(),
          ...(opts as { monitor: string; candidate: string }),
        }),
      ),
    );

  const records = program
    .command("records")
    .description("production records and their review queue: list, review, flag, confirm, dismiss, promote");
  const common = (c: Command) =>
    c
      .option("--suite <suite>", "suite file or folder whose store to use (default: ./assay.yaml)")
      .option("--json", "print JSON");
  common(records.command("list").description("the newest records"))
    .option("--monitor <name>", "only records this monitor sees")
    .option("--limit <n>", "how many (default 20)", positiveInt)
    .action(
      act(async (opts: Record<string, unknown>) =>
        (await import("./commands/records.ts")).recordsListCommand({ ...global(), ...opts }),
      ),
    );
  common(records.command("review").description("the review queue (default: pending)"))
    .option("--monitor <name>", "one monitor's queue")
    .option("--status <status>", "pending, confirmed, dismissed or promoted")
    .action(
      act(async (opts: Record<string, unknown>) =>
        (await import("./commands/records.ts")).recordsReviewCommand({ ...global(), ...opts }),
      ),
    );
  common(records.command("flag").description("queue a record for review (a person found it)"))
    .argument("<id>", "record id")
    .requiredOption("--monitor <name>", "the monitor whose queue")
    .option("--note <text>", "why")
    .option("--by <name>", "who")
    .action(
      act(async (id: string, opts: Record<string, unknown>) =>
        (await import("./commands/records.ts")).recordsFlagCommand(id, { ...global(), ...opts }),
      ),
    );
  for (const [name, decision] of [
    ["confirm", "confirmed"],
    ["dismiss", "dismissed"],
  ] as const) {
    common(records.command(name).description(`${name} queued records (a person decided)`))
      .argument("<ids...>", "record ids")
      .requiredOption("--monitor <name>", "the monitor whose queue")
      .requiredOption("--by <name>", "who decided")
      .action(
        act(async (ids: string[], opts: Record<string, unknown>) =>
          (await import("./commands/records.ts")).recordsDecideCommand(ids, decision, {
            ...global(),
            ...opts,
          }),
        ),
      );
  }
  common(
    records
      .command("promote")
      .description(
        "append the confirmed records to a regression dataset (JSONL) with provenance; near-duplicates are refused and reported",
      ),
  )
    .requiredOption("--monitor <name>", "the monitor whose confirmed records")
    .requiredOption("--to <file>", "dataset file to append to (.jsonl)")
    .option(
      "--similarity <share>",
      "refuse inputs at least this similar to a case already there (default 0.9)",
      share,
    )
    .option("--by <name>", "who promotes them")
    .action(
      act(async (opts: Record<string, unknown>) =>
        (await import("./commands/records.ts")).recordsPromoteCommand({
          ...global(),
          ...(opts as { to: string }),
        }),
      ),
    );
}
