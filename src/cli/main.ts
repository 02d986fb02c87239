import { Command } from "commander";
import { toolVersion } from "../util/version.ts";
import type { calibrateCommand } from "./commands/calibrate.ts";
import type { labelsExportCommand, labelsImportCommand } from "./commands/labels.ts";
import type { promoteCommand } from "./commands/promote.ts";
import type { reviewCreateCommand } from "./commands/review.ts";
import { EXIT, exitCodeFor } from "./exit.ts";
import {
  collect,
  finiteNumber,
  nonNegative,
  portNumber,
  positiveInt,
  share,
  wholeNumber,
} from "./parsers.ts";
import { addProductionCommands } from "./production-commands.ts";

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
    .option(
      "--shard <i/n>",
      "run only shard i of n: the cases whose id hashes to i-1 modulo n (stable across machines)",
    )
    .option(
      "--run-id <id>",
      "the new run's id; shards of one run share it: on a postgres:// --db they write that one run together, on SQLite files `assay merge` joins them",
    )
    .option("--skip-invalid", "skip malformed dataset records and report how many")
    .option(
      "--queue <url>",
      "redis://HOST:PORT: enqueue the cases for `assay worker`s (any number, any machine) instead of calling targets here; needs a --db they share",
    )
    .option(
      "--queue-name <name>",
      "the queue's name, when several teams or suites share one Redis (default assay)",
    )
    .option("-q, --quiet", "no progress output")
    .option("--no-cache", "neither read nor write the LLM response cache")
    .option(
      "--cache-only",
      "answer every LLM call from the cache; a miss is an error (reproducible CI re-runs)",
    )
    .option("--refresh-cache", "call again what the cache would answer, and overwrite its entries")
    .option(
      "--volume <n>",
      "project the cost at N cases a month (overrides the suite's volume.perMonth)",
      positiveInt,
    )
    .action(
      act(async (suite: string | undefined, opts: Record<string, unknown>) =>
        (await import("./commands/run.ts")).runCommand(suite, { ...global(), ...opts }),
      ),
    );

  program
    .command("worker")
    .description(
      "take queued cases (from `assay run --queue`), call the target, score, write to the shared store; SIGTERM finishes the jobs in flight",
    )
    .requiredOption("--queue <url>", "redis://HOST:PORT, the coordinator's queue")
    .option("--queue-name <name>", "the queue's name (default assay)")
    .option("--concurrency <n>", "jobs in flight at once (default 10)", positiveInt)
    .option("--once", "exit when the queue has nothing left to do")
    .option(
      "--stall-ms <ms>",
      "a job whose worker stops renewing its lock for this long is given to another worker (default 30000)",
      positiveInt,
    )
    .option("-q, --quiet", "no progress lines")
    .option("--no-cache", "neither read nor write the LLM response cache")
    .option("--cache-only", "answer every LLM call from the cache; a miss is an error")
    .option("--refresh-cache", "call again what the cache would answer, and overwrite its entries")
    .action(
      act(async (opts: Record<string, unknown>) =>
        (await import("./commands/worker.ts")).workerCommand({ ...global(), ...opts } as never),
      ),
    );

  program
    .command("import")
    .description(
      "turn a promptfoo config, OpenAI Evals definitions or an lm-eval task into a runnable suite, with IMPORT-REPORT.md listing what was not translated",
    )
    .argument("<kind>", "promptfoo, openai-evals or lm-eval")
    .argument("<source>", "the config file (or folder) to import")
    .requiredOption("--out <dir>", "where to write assay.yaml, its datasets and IMPORT-REPORT.md")
    .option(
      "--data <split=file>",
      "the rows of a dataset that lives on a hub (no network): `--data test=gsm8k-test.jsonl` (repeatable)",
      collect,
    )
    .option("--model <provider:name>", "the target for a source that names no model (lm-eval tasks)")
    .action(
      act(async (kind: string, source: string, opts: Record<string, unknown>) =>
        (await import("./commands/import.ts")).importCommand(kind, source, opts as never),
      ),
    );

  const dataset = program
    .command("dataset")
    .description(
      "dataset upkeep: versions, diff, coverage, item statistics, reduction, perturbation, robustness",
    );
  const jsonHelp = "write JSON to this file (a bare --json prints it instead of the tables)";
  dataset
    .command("versions")
    .description("the dataset versions the store's runs used: cases, runs, targets, first and last run")
    .argument("[suite]", "suite file or folder (default: the suite here; none: every suite in the store)")
    .option("--json [file]", jsonHelp)
    .action(
      act(async (suite: string | undefined, opts: Record<string, unknown>) =>
        (await import("./commands/dataset/versions.ts")).datasetVersionsCommand(suite, {
          ...global(),
          ...opts,
        }),
      ),
    );
  dataset
    .command("diff")
    .description("cases added, removed and changed from A to B (exit 0 whatever differs)")
    .argument("<a>", "a dataset file, a suite file or folder, a stored dataset version (or prefix), or a run")
    .argument("<b>", "the same kinds of reference")
    .option("--json [file]", jsonHelp)
    .option(
      "--suite <suite>",
      "suite file or folder whose store holds stored versions (default: the suite here)",
    )
    .action(
      act(async (a: string, b: string, opts: Record<string, unknown>) =>
        (await import("./commands/dataset/diff.ts")).datasetDiffCommand(a, b, { ...global(), ...opts }),
      ),
    );
  dataset
    .command("coverage")
    .description(
      "cases per tag value and per pair of tag keys, against the suite's `coverage:` mix (exit 1 when a share is off by more than its tolerance)",
    )
    .argument("[suite]", "suite file or folder (default: the suite here)")
    .option("--dataset <file>", "check this dataset file instead of the suite's (repeatable)", collect)
    .option("--json [file]", jsonHelp)
    .action(
      act(async (suite: string | undefined, opts: Record<string, unknown>) =>
        (await import("./commands/dataset/coverage.ts")).datasetCoverageCommand(suite, opts),
      ),
    );
  dataset
    .command("items")
    .description(
      "classical test theory over stored runs of several targets: difficulty, item–rest point-biserial, KR-20 / Cronbach's α, α-if-deleted, cases nobody or everybody passes",
    )
    .requiredOption("--runs <runs...>", "two or more runs: ids, prefixes, tags, latest:TARGET")
    .option(
      "--dimension <name>",
      "pass/fail on this dimension (default: a case passes when it passes every dimension)",
    )
    .option("--json [file]", jsonHelp)
    .option("--suite <suite>", "suite file or folder whose store holds the runs (default: the suite here)")
    .action(
      act(async (opts: Record<string, unknown>) =>
        (await import("./commands/dataset/items.ts")).datasetItemsCommand({ ...global(), ...opts } as never),
      ),
    );
  dataset
    .command("reduce")
    .description(
      "write a smaller dataset that keeps the targets' ranking: stratified by tags, most discriminating cases first; reports Kendall's τ, score RMSE, the minimum detectable effect and coverage before and after",
    )
    .requiredOption("--runs <runs...>", "runs of two or more targets over the dataset")
    .requiredOption(
      "--keep <f>",
      "share of the cases to keep (0 < f ≤ 1), or a number of cases above 1",
      finiteNumber,
    )
    .requiredOption("--out <file>", "the reduced dataset (.jsonl)")
    .option(
      "--dimension <name>",
      "rank and score on this dimension (default: every dimension, the aggregate score)",
    )
    .option(
      "--stratify-by <keys>",
      "comma-separated tag keys whose combinations are the strata (default: the suite's coverage keys, else every tag key)",
    )
    .option("--json [file]", "write the report as JSON to this file (a bare --json prints it instead)")
    .option(
      "--suite <suite>",
      "suite file or folder: its store and its coverage mix (default: the suite here)",
    )
    .action(
      act(async (opts: Record<string, unknown>) =>
        (await import("./commands/dataset/reduce.ts")).datasetReduceCommand({
          ...global(),
          ...opts,
        } as never),
      ),
    );
  dataset
    .command("perturb")
    .description(
      "write the dataset with perturbed copies of each case (id~KIND, tag perturbation=KIND) beside the originals (perturbation=none), for `assay dataset robustness`",
    )
    .argument("[suite]", "suite file or folder whose dataset to perturb (default: the suite here)")
    .requiredOption("--kinds <kinds>", "comma-separated: typo, case, whitespace, paraphrase")
    .requiredOption("--out <file>", "the perturbed dataset (.jsonl)")
    .option(
      "--seed <n>",
      "seed of typo, case and whitespace (default 1: the same command writes the same file)",
      wholeNumber,
    )
    .option("--dataset <file>", "perturb this dataset file instead of the suite's (repeatable)", collect)
    .option("--model <provider:name>", "the LLM that paraphrases, e.g. openai:gpt-4o-mini")
    .option("--base-url <url>", "an OpenAI-compatible server for the model (default: OPENAI_BASE_URL)")
    .option("--api-key-env <name>", "environment variable holding the model's API key")
    .option("--concurrency <n>", "paraphrases in flight at once (default 4)", positiveInt)
    .option("--no-originals", "leave the originals out (then pass their run to robustness --base)")
    .option("--no-cache", "neither read nor write the LLM response cache")
    .option("--cache-only", "answer every paraphrase from the cache; a miss is an error")
    .option("--json [file]", jsonHelp)
    .action(
      act(async (suite: string | undefined, opts: Record<string, unknown>) =>
        (await import("./commands/dataset/perturb.ts")).datasetPerturbCommand(suite, {
          ...global(),
          ...opts,
        } as never),
      ),
    );
  dataset
    .command("robustness")
    .description(
      "score drop per perturbation kind in a run over a perturbed dataset, each copy paired with its original, with intervals",
    )
    .requiredOption("--run <run>", "the run over the perturbed dataset")
    .option("--base <run>", "a run over the original cases, when the perturbed file left them out")
    .option("--json [file]", jsonHelp)
    .option("--suite <suite>", "suite file or folder whose store holds the runs (default: the suite here)")
    .action(
      act(async (opts: Record<string, unknown>) =>
        (await import("./commands/dataset/robustness.ts")).datasetRobustnessCommand({
          ...global(),
          ...opts,
        } as never),
      ),
    );

  program
    .command("rescore")
    .description(
      "score a run's stored outputs again with the suite's current evaluators, into a new score set (the old one stays readable as RUN@N)",
    )
    .argument("<run>", "run id, prefix, tag or latest")
    .option("--suite <file>", "suite whose evaluators to use (default: the run's suite file)")
    .option("--concurrency <n>", "outputs scored at once (default: the suite's concurrency)", positiveInt)
    .option("--no-cache", "neither read nor write the LLM response cache")
    .option("--cache-only", "answer every LLM call from the cache; a miss is an error")
    .option("--refresh-cache", "call the judges again and overwrite their cache entries")
    .option("--json <file>", "write the new scorecard as JSON")
    .action(
      act(async (run: string, opts: Record<string, unknown>) =>
        (await import("./commands/rescore.ts")).rescoreCommand(run, { ...global(), ...opts }),
      ),
    );

  program
    .command("runs")
    .description("list stored runs, newest first")
    .argument("[suite]", "suite file or folder whose store to read (default: the suite here)")
    .option("--suite <name>", "only this suite")
    .option("--target <id>", "only this target")
    .option("--limit <n>", "at most n runs", positiveInt)
    .option("--json", "print JSON")
    .action(
      act(async (suite: string | undefined, opts: Record<string, unknown>) =>
        (await import("./commands/runs.ts")).runsCommand(suite, { ...global(), ...opts }),
      ),
    );

  program
    .command("show")
    .description("print a stored run's scorecard")
    .argument("<run>", "run id, prefix, tag or latest; RUN@N for score set N")
    .option("--score-sets", "list the run's score sets (RUN@1 is the run's own scoring; rescore adds more)")
    .option("--json <file>", "write the scorecard as JSON")
    .option("--suite <suite>", "suite file or folder whose store holds the run (default: the suite here)")
    .option(
      "--volume <n>",
      "project the cost at N cases a month (default: the suite's volume.perMonth when the run's suite is at hand)",
      positiveInt,
    )
    .action(
      act(async (run: string, opts: Record<string, unknown>) =>
        (await import("./commands/show.ts")).showCommand(run, { ...global(), ...opts }),
      ),
    );

  program
    .command("compare")
    .description("paired comparison of two runs (exit 1 when a dimension or slice regressed)")
    .argument("<runs...>", "BASE CANDIDATE: run ids, prefixes, tags, latest or latest:TARGET")
    .option("--json <file>", "write the comparison as JSON")
    .option("--md <file>", "write the comparison as Markdown")
    .option("--intersect", "compare runs over different dataset versions on the cases they share")
    .option(
      "--allow-evaluator-change",
      "compare dimensions scored by different evaluators or settings (refused otherwise; the rows are marked)",
    )
    .option("--alpha <a>", "significance level (default 0.05)", Number)
    .option("--resamples <n>", "bootstrap resamples (default 10000)", positiveInt)
    .option("--seed <n>", "bootstrap seed", Number)
    .option(
      "--volume <n>",
      "leaderboards: project each run's cost at N cases a month (default: the suite's volume.perMonth)",
      positiveInt,
    )
    .option("--suite <suite>", "suite file or folder whose store holds the runs (default: the suite here)")
    .action(
      act(async (runs: string[], opts: Record<string, unknown>) =>
        (await import("./commands/compare.ts")).compareCommand(runs, { ...global(), ...opts }),
      ),
    );

  program
    .command("gate")
    .description("apply the suite's gate policy: exit 0 pass (warnings allowed), 1 fail, 2 config error")
    .argument("[suite]", "suite file or folder (default: ./assay.yaml)")
    .option("--run <run>", "candidate run (default: the newest completed run not of the baseline target)")
    .option("--baseline <run>", "baseline run, tag or target id (default: gate.baseline)")
    .option(
      "--allow-evaluator-change",
      "compare dimensions scored by different evaluators or settings (refused otherwise; the rows are marked)",
    )
    .option("--junit <file>", "write JUnit XML, one test per rule")
    .option("--md <file>", "write Markdown for a pull-request comment")
    .option("--json <file>", "write the gate result and comparison as JSON")
    .option("-v, --verbose", "list every rule (not only the failing ones), then the comparison")
    .action(
      act(async (suite: string | undefined, opts: Record<string, unknown>) =>
        (await import("./commands/gate.ts")).gateCommand(suite, { ...global(), ...opts }),
      ),
    );

  const baseline = program.command("baseline").description("manage baselines");
  baseline
    .command("set")
    .description("tag a run as the baseline (the tag moves from any other run of the suite)")
    .argument("<run>", "run id, prefix, tag or latest")
    .option("--tag <tag>", "baseline tag (default: baseline)")
    .action(
      act(async (run: string, opts: { tag?: string }) =>
        (await import("./commands/baseline.ts")).baselineSetCommand(run, { ...global(), ...opts }),
      ),
    );
  baseline
    .command("export")
    .description(
      "write a completed run to a self-contained JSONL file (record and lineage, score sets, cases, outputs, scores), e.g. for a CI runner",
    )
    .argument("<run>", "run id, prefix, tag, latest or latest:TARGET")
    .requiredOption("--out <file>", "the file to write")
    .option("--suite <suite>", "suite file or folder whose store holds the run (default: the one here)")
    .action(
      act(async (run: string, opts: { out: string; suite?: string }) =>
        (await import("./commands/baseline.ts")).baselineExportCommand(run, { ...global(), ...opts }),
      ),
    );
  baseline
    .command("import")
    .description(
      "load a file written by `baseline export` into the suite's store (importing it again changes nothing)",
    )
    .argument("<file>", "the baseline file")
    .option("--tag <tag>", "move this tag onto the imported run (as `baseline set --tag`)")
    .option("--suite <suite>", "suite file or folder the baseline is for (default: the one here)")
    .option("--force", "import a baseline of another suite")
    .action(
      act(async (file: string, opts: { tag?: string; suite?: string; force?: boolean }) =>
        (await import("./commands/baseline.ts")).baselineImportCommand(file, { ...global(), ...opts }),
      ),
    );

  program
    .command("pairwise")
    .description("an LLM judge compares two runs' outputs case by case, in both orders (a win needs both)")
    .argument("<a>", "run A: id, prefix, tag or latest:TARGET")
    .argument("<b>", "run B")
    .requiredOption("--model <provider:model>", "the judge, e.g. openai:gpt-4o-mini")
    .option("--base-url <url>", "an OpenAI-compatible server for the judge")
    .option("--api-key-env <name>", "environment variable holding the judge's API key")
    .option("--rubric <file|name>", "pairwise rubric (default: the built-in pairwise rubric)")
    .option("--reference", "show the judge the case's expected answer")
    .option("--json <file>", "write win rates, interval, position consistency and every item")
    .option("--no-cache", "neither read nor write the LLM response cache")
    .option("--cache-only", "answer every judge call from the cache")
    .action(
      act(async (a: string, b: string, opts: Record<string, unknown>) =>
        (await import("./commands/pairwise.ts")).pairwiseCommand(a, b, {
          ...global(),
          ...(opts as { model: string }),
        }),
      ),
    );

  program
    .command("export")
    .description("export a run as csv, jsonl, junit, md or json")
    .argument("<run>", "run id, prefix, tag or latest")
    .requiredOption("--format <format>", "csv | jsonl | junit | md | json")
    .option("-o, --out <file>", "write to a file instead of stdout")
    .option("--suite <suite>", "suite file or folder whose store holds the run (default: the suite here)")
    .action(
      act(async (run: string, opts: { format: string; out?: string; suite?: string }) =>
        (await import("./commands/export.ts")).exportCommand(run, { ...global(), ...opts }),
      ),
    );

  program
    .command("view")
    .description("the web app: runs, scorecards, cases, comparisons, review queues (127.0.0.1 by default)")
    .argument("[suite]", "suite file or folder whose store to open (default: the suite here)")
    .option("--port <port>", "port (default 7411; 0 picks a free one)", portNumber)
    .option("--host <host>", "address to listen on (default 127.0.0.1; any other needs --token)")
    .option("--token <token>", "require this token on every request (default: ASSAY_TOKEN)")
    .action(
      act(async (suite: string | undefined, opts: Record<string, unknown>) =>
        (await import("./commands/view.ts")).viewCommand(suite, { ...global(), ...opts }),
      ),
    );

  program
    .command("serve")
    .description(
      "the web app and API for a team over a shared store (--db), taking runs from `assay push`; --token-file and --host are required",
    )
    .option("--token-file <file>", "file holding the token every request must carry (required)")
    .option("--host <host>", "address to listen on (required): 127.0.0.1 behind a reverse proxy, or 0.0.0.0")
    .option("--port <port>", "port (default 7411; 0 picks a free one)", portNumber)
    .option("--max-upload-mb <mb>", "largest pushed run taken, in MB (default 512)", positiveInt)
    .action(
      act(async (opts: Record<string, unknown>) =>
        (await import("./commands/serve.ts")).serveCommand({ ...global(), ...opts }),
      ),
    );

  program
    .command("push")
    .description(
      "upload a completed run (outputs, scores, every score set, lineage, origin) to `assay serve`",
    )
    .argument("<run>", "run id, prefix, tag or latest")
    .requiredOption("--to <url>", "the team server, e.g. https://assay.example.com")
    .option("--token-file <file>", "file holding the server's token (default: ASSAY_TOKEN)")
    .option("--suite <suite>", "suite file or folder whose store holds the run (default: the suite here)")
    .option("--json", "print what was pushed as JSON")
    .action(
      act(async (run: string, opts: { to: string; tokenFile?: string; suite?: string; json?: boolean }) =>
        (await import("./commands/push.ts")).pushCommand(run, { ...global(), ...opts }),
      ),
    );

  const labels = program.command("labels").description("human labels: import and export");
  labels
    .command("import")
    .description(
      "import labels (CSV/JSONL: id,labeller,value[,dimension,run,epoch,comment]); re-labelling keeps history",
    )
    .argument("<file>", "labels file (.csv, .jsonl or .json)")
    .requiredOption("--run <run>", "run whose outputs were labelled (id, prefix, tag or latest)")
    .option("--dimension <name>", "dimension, for records without a dimension column")
    .option("--labeller <name>", "labeller, for records without a labeller column")
    .option("--kind <kind>", "binary | ordinal | nominal | pairwise (default: from the dimension)")
    .option("--other-run <run>", "pairwise: the run whose output was compared (b)")
    .option("--scale <scale>", "check values against a scale (1-5, nominal:a,b,c, …)")
    .action(
      act(async (file: string, opts: Parameters<typeof labelsImportCommand>[1]) =>
        (await import("./commands/labels.ts")).labelsImportCommand(file, { ...global(), ...opts }),
      ),
    );
  labels
    .command("export")
    .description("export a run's labels as CSV or JSONL (current labels, or every version with --history)")
    .requiredOption("--run <run>", "run id, prefix, tag or latest")
    .option("--format <format>", "csv | jsonl (default csv)")
    .option("--history", "include superseded labels")
    .option("--dimension <name>", "only this dimension")
    .option("--labeller <name>", "only this labeller")
    .option("-o, --out <file>", "write to a file instead of stdout")
    .option("--suite <suite>", "suite file or folder whose store holds the run (default: the suite here)")
    .action(
      act(async (opts: Parameters<typeof labelsExportCommand>[0]) =>
        (await import("./commands/labels.ts")).labelsExportCommand({ ...global(), ...opts }),
      ),
    );

  program
    .command("calibrate")
    .description(
      "agreement between an evaluator and human labels: --run RUN --dimension D (stored; records the calibration for the gate), or --predictions FILE --labels FILE --scale S",
    )
    .option("--run <run>", "run whose evaluator scores and labels to compare")
    .option("--dimension <name>", "dimension (with --run)")
    .option("--labeller <name>", "only this labeller's labels (with --run)")
    .option("--predictions <file>", "judge ratings: CSV/JSONL with id,value[,score][,swapped]")
    .option("--labels <file>", "human ratings: CSV/JSONL with id,value[,labeller]")
    .option(
      "--scale <scale>",
      "binary | nominal | nominal:a,b | pairwise | 1-5 | 0-10 | ordinal:a,b,c | interval:1-5",
    )
    .option("--json <file>", "write the calibration report as JSON")
    .option("--seed <n>", "bootstrap seed", finiteNumber)
    .option("--resamples <n>", "bootstrap resamples (default 1000; 0 = no intervals)", wholeNumber)
    .option("--threshold-by <what>", "threshold search maximises agreement (default) or kappa")
    .option("--no-store", "do not store the calibration record (with --run)")
    .option(
      "--min-labels <n>",
      "label pairs needed before a calibration is stored for the gate (default 30; fewer: reported as insufficient, not stored)",
      positiveInt,
    )
    .option(
      "--null-verdict <how>",
      "pairwise: a judge's refusal (blank verdict) counts as unscored (default), wrong (LLMBar's convention) or tie",
    )
    .action(
      act(async (opts: Parameters<typeof calibrateCommand>[0]) =>
        (await import("./commands/calibrate.ts")).calibrateCommand({ ...global(), ...opts }),
      ),
    );

  const review = program.command("review").description("review queues for human labelling in the web app");
  review
    .command("create")
    .description("create a seeded (optionally stratified, pairwise, overlapping) review queue")
    .requiredOption("--run <run>", "run whose outputs to review")
    .requiredOption("--dimension <name>", "dimension to label")
    .option("--sample <n>", "at most n outputs (default: all)", positiveInt)
    .option("--stratify-by <tag>", "sample every value of this tag key")
    .option("--pairwise <run>", "compare with this run's outputs (order randomised per item)")
    .option("--labellers <names>", "comma-separated labellers to assign items to")
    .option(
      "--overlap <share>",
      "share of items given to two labellers (default 0.2 with ≥ 2 labellers)",
      share,
    )
    .option("--seed <seed>", "sampling seed (default: random, printed)")
    .option("--kind <kind>", "binary | ordinal | nominal (default: from the dimension)")
    .option("--scale <scale>", "the rating scale shown to labellers (1-5, nominal:a,b,c, …)")
    .option("--json <file>", "write the queue as JSON")
    .action(
      act(async (opts: Parameters<typeof reviewCreateCommand>[0]) =>
        (await import("./commands/review.ts")).reviewCreateCommand({ ...global(), ...opts }),
      ),
    );
  review
    .command("list")
    .description("list review queues and their progress")
    .option("--json", "print JSON")
    .action(
      act(async (opts: { json?: boolean }) =>
        (await import("./commands/review.ts")).reviewListCommand({ ...global(), ...opts }),
      ),
    );

  program
    .command("promote")
    .description(
      "append a run's case to a regression dataset (JSONL), tagged source=failure, with provenance",
    )
    .argument("<run>", "run id, prefix, tag or latest")
    .argument("[case]", "case id (or --flagged)")
    .requiredOption("--to <file>", "dataset file to append to (.jsonl)")
    .option(
      "--flagged",
      "promote every output flagged as a failure in the web app's review, with the flags as provenance",
    )
    .option("--label <text>", "why it is promoted (kept in metadata.promotedFrom.label)")
    .option("--epoch <k>", "which epoch's output (default: the first)", wholeNumber)
    .option("--id <id>", "id of the new case (default: the case id)")
    .option("--expected <json>", "a corrected expected value (JSON)")
    .action(
      act(async (run: string, caseId: string | undefined, opts: Parameters<typeof promoteCommand>[2]) =>
        (await import("./commands/promote.ts")).promoteCommand(run, caseId, { ...global(), ...opts }),
      ),
    );

  const cache = program
    .command("cache")
    .description("the LLM response cache beside the store (ASSAY_CACHE overrides where it is)");
  cache
    .command("stats")
    .description("entries, size, and per provider and model: count, oldest, newest")
    .option("--json", "print JSON")
    .action(
      act(async (opts: { json?: boolean }) =>
        (await import("./commands/cache.ts")).cacheStatsCommand({ ...global(), ...opts }),
      ),
    );
  cache
    .command("clear")
    .description("delete cached responses (all, or those matching every option given)")
    .option("--older-than <days>", "only entries stored more than this many days ago", nonNegative)
    .option("--model <model>", "only this model: provider:model or the bare model name")
    .action(
      act(async (opts: { olderThan?: number; model?: string }) =>
        (await import("./commands/cache.ts")).cacheClearCommand({ ...global(), ...opts }),
      ),
    );

  const db = program
    .command("db")
    .description("the store's schema and contents (SQLite file or postgres:// URL)");
  db.command("migrate")
    .description("apply the missing schema migrations (opening any store does this too)")
    .action(act(async () => (await import("./commands/db.ts")).dbMigrateCommand(global())));
  db.command("info")
    .description("backend, location (password masked), applied migrations, runs by status")
    .option("--json", "print JSON")
    .action(
      act(async (opts: { json?: boolean }) =>
        (await import("./commands/db.ts")).dbInfoCommand({ ...global(), ...opts }),
      ),
    );

  program
    .command("merge")
    .description("join stores of shards (`assay run --shard I/N --run-id ID` on several machines) into one")
    .argument("<files...>", "the shard store files")
    .requiredOption("--into <file>", "the store to merge into (created when missing)")
    .option("--json", "print what was merged as JSON")
    .action(
      act(async (files: string[], opts: { into: string; json?: boolean }) =>
        (await import("./commands/merge.ts")).mergeCommand(files, { ...global(), ...opts }),
      ),
    );

  program
    .command("init")
    .description(
      "scaffold a suite (assay.yaml, a small dataset, a target stub or provider stanza) and a CI workflow",
    )
    .argument("[dir]", "folder to write into (default: the current folder)")
    .option(
      "--template <name>",
      "basic (a JS target, runs offline), llm (a provider and an LLM judge) or agent (tools)",
      "basic",
    )
    .option("--force", "overwrite files that exist (a .gitignore is always merged into, never replaced)")
    .action(
      act(async (dir: string | undefined, opts: { template?: string; force?: boolean }) =>
        (await import("./commands/init.ts")).initCommand(dir, opts),
      ),
    );

  program
    .command("probe")
    .description(
      "load ramp against one target: throughput, latency, errors and rate-limit headers per step, the knee, a recommended concurrency (no retries, no cache); the report is saved to the store for `assay view`",
    )
    .argument("<target>", "the id of a target in the suite")
    .option("--suite <dir>", "suite file or folder (default: ./assay.yaml); its dataset's cases are cycled")
    .option(
      "--steps <list>",
      "concurrencies to hold in turn, e.g. 1,2,4,8 or 1,2,4,…,128 (default 1,2,4,…,128; with --rate, calls per second)",
    )
    .option("--duration <time>", "how long each step lasts at most: 20s, 500ms, 2m (default 20s)")
    .option(
      "--max-requests <n>",
      "calls in the whole probe at most, shared out among the steps (default 2000)",
      positiveInt,
    )
    .option(
      "--rate",
      "steps are request rates (calls started per second, open loop) instead of concurrencies",
    )
    .option("--max-error-rate <share>", "a step above this error rate is past the knee (default 0.01)", share)
    .option(
      "--latency-factor <x>",
      "a step whose p95 latency exceeds x times the first step's is past the knee (default 3)",
      finiteNumber,
    )
    .option(
      "--latency-floor <time>",
      "...and exceeds it by at least this much, so jitter on a fast service is no knee (default 250ms)",
    )
    .option(
      "--stop-error-rate <share>",
      "stop ramping after a step with this error rate or more (default 0.9)",
      share,
    )
    .option("--timeout <time>", "time limit per call (default: the target's timeoutMs, at most --duration)")
    .option("--json <file>", "write the report as JSON")
    .option("-q, --quiet", "no per-step progress on stderr")
    .action(
      act(async (target: string, opts: Record<string, unknown>) =>
        (await import("./commands/probe.ts")).probeCommand(target, { ...global(), ...opts }),
      ),
    );

  program
    .command("schema")
    .description("print the suite file's JSON Schema (for editor completion)")
    .action(
      act(async () => {
        const { suiteJsonSchema } = await import("../config/json-schema.ts");
        process.stdout.write(`${JSON.stringify(suiteJsonSchema(), null, 2)}\n`);
        return EXIT.ok;
      }),
    );

  addProductionCommands(program, act, global);

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
