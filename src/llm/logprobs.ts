import type { TokenLogprobs } from "./types.ts";

/**
 * Token log-probabilities as a confidence (`confidence: logprobs` on a provider target, issue 13).
 *
 * The confidence of an answer is the GEOMETRIC MEAN of its tokens' probabilities,
 * exp(mean token logprob), not their product exp(Σ logprob), the joint probability of the exact
 * token sequence. The joint probability falls with every token: a 200-token answer the model is
 * sure of token by token still gets a value near 0, so it would measure the answer's length rather
 * than how sure the model is, and answers of different lengths could not share one escalation
 * threshold. The geometric mean (the inverse of the answer's perplexity) stays in [0, 1], does not
 * depend on length, and equals the joint probability for a one-token answer (a label, a yes/no).
 * It is still a token-level figure: how predictable the text was to the model, not a verdict on
 * its correctness, which is why the scorecard calibrates it against correctness.
 */

/** `confidence: logprobs` on a provider target. */
export const LOGPROBS_CONFIDENCE = "logprobs";

/** Providers whose chat API returns token log-probabilities (Anthropic's Messages API has none). */
export const LOGPROB_PROVIDERS: ReadonlySet<string> = new Set(["openai"]);

/** Why a provider (`anthropic:claude-…`) cannot give `confidence: logprobs`; undefined when it can. */
export function logprobsUnsupported(provider: string): string | undefined {
  const name = provider.split(":")[0];
  if (LOGPROB_PROVIDERS.has(name)) return undefined;
  return (
    `${name} does not return token log-probabilities, so "confidence: logprobs" cannot work for ` +
    `"${provider}"; use an openai: model, or a JSONPath ("$.confidence") to a confidence the answer states`
  );
}

// This module is loaded with the suite schema: it imports nothing at run time.
const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Adds up content-token log-probabilities, from a whole completion or chunk by chunk. */
export class LogprobAccumulator {
  private sum = 0;
  private count = 0;
  /** a token without a finite log-probability was seen: the summary would be biased, so there is none */
  private broken = false;

  /**
   * Adds `choices[0].logprobs.content` of a completion or a stream chunk: a list of
   * `{token, logprob, bytes, top_logprobs}`. Null or absent adds nothing.
   */
  addContent(content: unknown): void {
    if (content === null || content === undefined) return;
    if (!Array.isArray(content)) {
      this.broken = true;
      return;
    }
    for (const t of content) {
      const lp = isRecord(t) ? t.logprob : undefined;
      if (typeof lp !== "number" || !Number.isFinite(lp) || lp > 0) {
        this.broken = true;
        continue;
      }
      this.sum += lp;
      this.count++;
    }
  }

  /** The summary, or undefined when no token had a log-probability (or one was malformed). */
  result(): TokenLogprobs | undefined {
    if (this.broken || this.count === 0) return undefined;
    return { tokens: this.count, meanLogprob: this.sum / this.count };
  }
}

/** The content-token log-probabilities of an OpenAI `choices[i].logprobs` value, summarised. */
export function summarizeLogprobs(logprobs: unknown): TokenLogprobs | undefined {
  if (!isRecord(logprobs)) return undefined;
  const acc = new LogprobAccumulator();
  acc.addContent(logprobs.content);
  return acc.result();
}

/** exp(mean token logprob): the geometric-mean token probability, in [0, 1]; undefined without tokens. */
export function logprobConfidence(l: TokenLogprobs | undefined): number | undefined {
  if (!l || l.tokens < 1 || !Number.isFinite(l.meanLogprob)) return undefined;
  const p = Math.exp(Math.min(0, l.meanLogprob));
  return Number.isFinite(p) ? p : undefined;
}
