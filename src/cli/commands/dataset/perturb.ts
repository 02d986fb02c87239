import { extname } from "node:path";
import { casesToJsonl } from "../../../dataset/upkeep/cases.ts";
import { llmParaphraser } from "../../../dataset/upkeep/paraphrase.ts";
import { type Paraphraser, parseKinds, perturbCases } from "../../../dataset/upkeep/perturb.ts";
import { keyVariable, missingCredentials, missingCredentialsMessage } from "../../../engine/credentials.ts";
import { createChatClient, createLlmRuntime } from "../../../llm/client.ts";
import { table } from "../../../report/format.ts";
import { CliError, EXIT } from "../../exit.ts";
import { writeOutput } from "../../io.ts";
import { type CacheFlags, cacheFileFor, cacheModeOf } from "../llm-flags.ts";
import { casesFrom, emitJson, type JsonOption, optionalSuite, printer } from "./shared.ts";

export interface PerturbCommandOptions extends CacheFlags {
  kinds: string;
  out: string;
  seed?: number;
  dataset?: string[];
  model?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  /** commander turns `--no-originals` into originals: false */
  originals?: boolean;
  concurrency?: number;
  json?: JsonOption;
}

/** The seed when none is given: fixed, so the same command writes the same file. */
export const DEFAULT_PERTURB_SEED = 1;

/**
 * `assay dataset perturb [SUITE] --kinds typo,case,whitespace,paraphrase --out FILE`: writes the
 * dataset again with perturbed copies of every case (see dataset/upkeep/perturb.ts). Exit 3 when
 * paraphrases were asked for and every one failed.
 */
export async function datasetPerturbCommand(
  suiteArg: string | undefined,
  opts: PerturbCommandOptions,
): Promise<number> {
  const kinds = parseKinds(opts.kinds);
  if (![".jsonl", ".ndjson"].includes(extname(opts.out).toLowerCase())) {
    throw new CliError(
      `--out ${opts.out}: the perturbed dataset is written as JSON Lines (.jsonl)`,
      EXIT.usage,
    );
  }
  const seed = opts.seed ?? DEFAULT_PERTURB_SEED;
  const suite = await optionalSuite(suiteArg);
  const { cases } = await casesFrom(opts.dataset, suite);
  let paraphrase: Paraphraser | undefined;
  let close = async () => {};
  if (kinds.includes("paraphrase")) {
    if (!opts.model) throw new CliError("--kinds paraphrase needs --model provider:name", EXIT.usage);
    const model = opts.model;
    const cacheMode = cacheModeOf(opts);
    const variable = keyVariable(opts.model, opts.apiKeyEnv);
    const need = variable
      ? [{ variable, who: "the paraphrasing model", provider: model, baseUrl: opts.baseUrl, path: [] }]
      : [];
    const missing = cacheMode === "only" ? [] : missingCredentials(need, process.env);
    if (missing.length > 0) throw new CliError(missingCredentialsMessage(missing), EXIT.usage);
    const runtime = createLlmRuntime({
      cacheMode,
      cacheFile: cacheFileFor(opts, suite?.file),
      env: process.env,
    });
    let client: ReturnType<typeof createChatClient>;
    try {
      client = createChatClient(
        { provider: model, baseUrl: opts.baseUrl, apiKeyEnv: opts.apiKeyEnv, cache: true },
        runtime,
      );
    } catch (err) {
      runtime.close();
      throw new CliError(`--model: ${(err as Error).message}`, EXIT.usage);
    }
    paraphrase = llmParaphraser(client, { seed });
    close = async () => {
      await client.close?.();
      runtime.close();
    };
  }
  let result: Awaited<ReturnType<typeof perturbCases>>;
  try {
    result = await perturbCases(cases, {
      kinds,
      seed,
      paraphrase,
      originals: opts.originals,
      concurrency: opts.concurrency,
    });
  } finally {
    await close();
  }
  writeOutput(opts.out, casesToJsonl(result.cases));
  const print = printer(opts.json);
  print(
    `${result.cases.length} cases → ${opts.out} (${result.originals} originals, seed ${seed}${
      kinds.includes("paraphrase") ? `, paraphrases by ${opts.model}` : ""
    })`,
  );
  print(
    table(
      kinds.map((k) => {
        const c = result.counts[k] ?? { written: 0, unchanged: 0, failed: 0 };
        return [k, String(c.written), String(c.unchanged), String(c.failed)];
      }),
      ["kind", "written", "unchanged", "failed"],
    ),
  );
  for (const f of result.failures.slice(0, 20)) {
    process.stderr.write(`warning: ${f.kind} of case ${f.id} failed: ${f.message}\n`);
  }
  emitJson(opts.json, {
    out: opts.out,
    seed,
    kinds,
    cases: result.cases.length,
    originals: result.originals,
    counts: result.counts,
    failures: result.failures,
  });
  const para = result.counts.paraphrase;
  return para && para.written === 0 && para.failed > 0 ? EXIT.incomplete : EXIT.ok;
}
