import { initSuite } from "../../init/init.ts";

/** `assay init [DIR] [--template basic|llm|agent] [--force]`: scaffold a suite and a CI workflow. */
export async function initCommand(
  dir: string | undefined,
  opts: { template?: string; force?: boolean },
): Promise<number> {
  const result = initSuite(dir, opts);
  for (const f of result.written) process.stdout.write(`wrote ${f}\n`);
  for (const f of result.appended) process.stdout.write(`added .assay/ to ${f}\n`);
  const where = dir && dir !== "." ? ` ${dir}` : "";
  const template = opts.template ?? "basic";
  process.stdout.write(
    `\nnext:\n  npx assay run${where}     # run the suite, print the scorecard\n  npx assay gate${where}    # apply the gate, as CI will\n` +
      (template === "basic" ? "" : "  (set the provider's API key first, e.g. OPENAI_API_KEY)\n"),
  );
  return 0;
}
