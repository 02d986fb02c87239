import { loadRunRows } from "../../compare/load.ts";
import { keyVariable, missingCredentials, missingCredentialsMessage } from "../../engine/credentials.ts";
import { judgePairwise, loadPairwiseRubric } from "../../evaluators/judge/pairwise.ts";
import { createChatClient, createLlmRuntime } from "../../llm/client.ts";
import { table } from "../../report/format.ts";
import { resolveRun } from "../../store/resolve.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, writeJson } from "../io.ts";
import { type CacheFlags, cacheFileFor, cacheModeOf } from "./llm-flags.ts";

export interface PairwiseCommandOptions extends GlobalOptions, CacheFlags {
  model: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  rubric?: string;
  json?: string;
  reference?: boolean;
}

/**
 * `assay pairwise A B --model M`: an LLM judge compares two runs' outputs on every shared case,
 * in both orders; a win counts only when both orders agree.
 */
export async function pairwiseCommand(
  refA: string,
  refB: string,
  opts: PairwiseCommandOptions,
): Promise<number> {
  const store = await openCliStore(opts);
  try {
    const [runA, runB] = [await resolveRun(store, refA), await resolveRun(store, refB)];
    if (runA.datasetVersion !== runB.datasetVersion) {
      throw new CliError(`runs ${runA.id} and ${runB.id} are over different dataset versions`, EXIT.usage);
    }
    const [a, b] = [await loadRunRows(store, runA), await loadRunRows(store, runB)];
    const textOf = (rows: typeof a) =>
      new Map(rows.outputs.filter((o) => !o.error && o.epoch === 1).map((o) => [o.caseId, o.text]));
    const aText = textOf(a);
    const bText = textOf(b);
    const cases = a.cases
      .filter((c) => aText.has(c.id) && bText.has(c.id))
      .map((c) => ({
        id: c.id,
        input: c.input,
        ...(opts.reference && c.expected !== undefined ? { reference: c.expected } : {}),
        a: aText.get(c.id) as string,
        b: bText.get(c.id) as string,
      }));
    const rubric = await loadPairwiseRubric(opts.rubric ?? "pairwise", process.cwd());
    const cacheMode = cacheModeOf(opts);
    // the judge's key before any call, as `assay run` checks (--cache-only calls nothing)
    const variable = keyVariable(opts.model, opts.apiKeyEnv);
    const need = variable ? [{ variable, who: "the pairwise judge", provider: opts.model, path: [] }] : [];
    const missing = cacheMode === "only" ? [] : missingCredentials(need, process.env);
    if (missing.length > 0) throw new CliError(missingCredentialsMessage(missing), EXIT.usage);
    const runtime = createLlmRuntime({
      cacheMode,
      cacheFile: cacheFileFor(opts),
      env: process.env,
    });
    const client = createChatClient(
      { provider: opts.model, baseUrl: opts.baseUrl, apiKeyEnv: opts.apiKeyEnv, cache: true },
      runtime,
    );
    const result = await judgePairwise({ client, rubric: rubric.text, cases });
    await client.close?.();
    const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);
    process.stdout.write(
      `${table(
        [
          [runA.target, String(result.winsA), pct(result.winRateA)],
          [runB.target, String(result.winsB), pct(result.winRateB)],
          ["tie", String(result.ties), pct(result.tieRate)],
        ],
        ["", "wins", "rate"],
      )}\n` +
        `preference for ${runA.target}: ${pct(result.preferenceA)} ${result.ci ? `[${pct(result.ci[0])}, ${pct(result.ci[1])}]` : ""} (Wilson 95%, decisive cases)\n` +
        `position consistency: ${pct(result.positionConsistency)} · ${result.n} judged, ${result.unscored} unscored · judge ${result.evaluator}\n`,
    );
    if (opts.json) writeJson(opts.json, { a: runA.id, b: runB.id, ...result });
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
