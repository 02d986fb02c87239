import { scored, unscored } from "../base.ts";
import type { Score } from "../types.ts";
import type { JudgeAccount } from "./call.ts";
import type { SampleResult } from "./llm-judge-call.ts";
import { type JudgeSettings, scaleLabel } from "./llm-judge-options.ts";
import { excerpt } from "./parse.ts";

/**
 * How an llm-judge combines its samples into a score: K samples of one item are repeated
 * measurements, so the unscored ones are left out of the mean; turns are different things, so one
 * unscored turn leaves the case unscored.
 */

/** The samples of one judged item (the answer, the session, or one turn) and their combined score. */
export interface ItemResult {
  turn?: number;
  score: number | null;
  reason?: string;
  /** when unscored: the `details.unscored` code (the first unscored sample's) */
  code?: string;
  samples: SampleResult[];
}

/** The score of a case from its judged items, with the samples and the judge's usage in the details. */
export function judgeScore(
  items: ItemResult[],
  account: JudgeAccount,
  settings: JudgeSettings,
  promptHash: string,
): Score {
  const judge = {
    model: settings.model,
    ...(account.servedModels.size > 0 ? { servedModel: [...account.servedModels].join(", ") } : {}),
    usage: account.usage,
    costUsd: account.costKnown || account.costUsd > 0 ? account.costUsd : null,
    promptHash,
    calls: account.calls,
    cachedCalls: account.cachedCalls,
    cachedCostUsd: account.cachedCostUsd,
    attempts: account.attempts,
  };
  const base = {
    scale: settings.scale.kind === "binary" ? "binary" : [settings.scale.min, settings.scale.max],
    target: settings.target,
    threshold: settings.threshold,
  };
  if (settings.target !== "turns") {
    const item = items[0];
    const details = { ...base, ...sampleDetails(item.samples), judge };
    if (item.score === null) {
      return unscored(item.reason ?? "judge gave no verdict", {
        ...details,
        unscored: item.code ?? "judge-no-verdict",
      });
    }
    const pass = item.score >= settings.threshold - 1e-9;
    return scored(item.score, itemReason(item, settings), { ...details, pass });
  }
  const turns = items.map((it) => ({
    turn: it.turn,
    score: it.score,
    ...(it.reason !== undefined ? { reason: it.reason } : {}),
    ...sampleDetails(it.samples),
  }));
  const details = { ...base, turns, judge };
  const bad = items.find((it) => it.score === null);
  if (bad) {
    const n = items.filter((it) => it.score === null).length;
    return unscored(`${n} of ${items.length} turns unscored; turn ${bad.turn}: ${bad.reason}`, {
      ...details,
      unscored: bad.code ?? "judge-no-verdict",
    });
  }
  const scores = items.map((it) => it.score as number);
  const m = mean(scores);
  const pass = m >= settings.threshold - 1e-9;
  return scored(m, `mean ${fmt(m)} over ${items.length} assistant turns (${scores.map(fmt).join(", ")})`, {
    ...details,
    spread: spread(scores),
    pass,
  });
}

function itemReason(item: ItemResult, settings: JudgeSettings): string {
  const ok = item.samples.filter((s) => s.score !== null);
  const failed = item.samples.length - ok.length;
  const unit = settings.scale.kind === "binary" ? "" : ` on ${scaleLabel(settings.scale)}`;
  let text: string;
  if (ok.length === 1) {
    text = `${String(ok[0].raw)}${unit}${ok[0].reasoning ? `: ${excerpt(ok[0].reasoning, 200)}` : ""}`;
  } else {
    text = `mean ${fmt(item.score as number)} over ${ok.length} samples (${ok.map((s) => String(s.raw)).join(", ")}${unit})`;
  }
  if (failed > 0) {
    const first = item.samples.find((s) => s.score === null);
    text += `; ${failed} of ${item.samples.length} samples unscored (${first?.reason})`;
  }
  return text;
}

export function aggregateSamples(samples: SampleResult[]): {
  score: number | null;
  reason?: string;
  code?: string;
  samples: SampleResult[];
} {
  const ok = samples.filter((s) => s.score !== null).map((s) => s.score as number);
  if (ok.length === 0) {
    const reasons = [...new Set(samples.map((s) => s.reason ?? "no verdict"))];
    const code = samples.find((s) => s.code !== undefined)?.code;
    return { score: null, reason: reasons.join("; "), ...(code !== undefined ? { code } : {}), samples };
  }
  return { score: mean(ok), samples };
}

function sampleDetails(samples: SampleResult[]): Record<string, unknown> {
  const ok = samples.filter((s) => s.score !== null);
  return {
    samples: samples.map((s) => {
      const out: Record<string, unknown> = { sample: s.sample, score: s.score };
      if (s.raw !== undefined) out.raw = s.raw;
      if (s.reasoning !== undefined) out.reasoning = s.reasoning;
      if (s.source !== undefined) out.source = s.source;
      if (s.reason !== undefined) out.reason = s.reason;
      if (s.error !== undefined) out.error = s.error;
      return out;
    }),
    rawScores: ok.map((s) => s.raw),
    reasoning: ok.map((s) => s.reasoning ?? ""),
    unscoredSamples: samples.length - ok.length,
    spread: spread(ok.map((s) => s.score as number)),
  };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1; null below two values), minimum and maximum. */
function spread(xs: readonly number[]): {
  n: number;
  stdev: number | null;
  min: number | null;
  max: number | null;
} {
  if (xs.length === 0) return { n: 0, stdev: null, min: null, max: null };
  const m = mean(xs);
  const stdev = xs.length >= 2 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : null;
  return { n: xs.length, stdev, min: Math.min(...xs), max: Math.max(...xs) };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3).replace(/0+$/, "");
}
