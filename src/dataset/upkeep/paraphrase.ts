import { callJudge } from "../../evaluators/judge/call.ts";
import type { ChatClient } from "../../llm/types.ts";
import type { Paraphraser } from "./perturb.ts";

/**
 * Paraphrases by an LLM, for `assay dataset perturb --kinds paraphrase`. One call per text, with
 * the judges' call policy (retries of rate limits and server errors with backoff, a time limit),
 * at temperature 0 and through the response cache, so a second run over the same dataset asks
 * nothing again. The answer is data: it is trimmed and written into the dataset, never run.
 */

export const PARAPHRASE_INSTRUCTIONS = [
  "Rewrite the user's text so that it means exactly the same thing but is worded differently.",
  "Keep every name, number, date, quantity, code and quoted string as it is.",
  "Keep the language, the person and the tone. Do not answer, explain, add or leave out anything.",
  "Reply with the rewritten text only.",
].join("\n");

export interface ParaphraseOptions {
  /** sent to providers that support it */
  seed?: number;
  /** per call, ms (default the judges' 120 000) */
  timeoutMs?: number;
  /** retries of retryable failures (default 2) */
  retries?: number;
}

export function llmParaphraser(client: ChatClient, opts: ParaphraseOptions = {}): Paraphraser {
  return async (text) => {
    const result = await callJudge(
      client,
      {
        messages: [
          { role: "system", content: PARAPHRASE_INSTRUCTIONS },
          { role: "user", content: text },
        ],
        temperature: 0,
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      },
      0,
      { retries: opts.retries, timeoutMs: opts.timeoutMs },
    );
    if (!result.ok) throw new Error(`${result.error.class}: ${result.error.message}`);
    return cleanParaphrase(text, result.response.message.content);
  };
}

/**
 * The model's answer as a paraphrase: trimmed, one pair of wrapping quotes removed (models often
 * quote their rewrite). Refused when empty or far longer than the text (an answer, not a rewrite).
 */
export function cleanParaphrase(original: string, answer: string): string {
  let text = answer.trim();
  const quoted = /^(["'“‘])([\s\S]*)(["'”’])$/.exec(text);
  if (quoted && !/^["'“‘]/.test(original.trim())) text = quoted[2].trim();
  if (text === "") throw new Error("the model returned an empty paraphrase");
  if (text.length > original.length * 3 + 200) {
    throw new Error(`the paraphrase is ${text.length} characters for a text of ${original.length}`);
  }
  return text;
}
