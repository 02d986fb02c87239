import { levenshtein } from "../metrics/text/levenshtein.ts";

/** How far a typo may be from the name it was meant to be (insertions, deletions, substitutions). */
const MAX_DISTANCE = 2;

/**
 * The candidate `name` was probably meant to be: the nearest within edit distance 2, compared
 * case-insensitively (ties go to the earlier candidate), or undefined when none is that near. A
 * candidate that would replace every character of a short name is no suggestion ("ab" is not a
 * typo of "n").
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const want = name.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const { distance, lengthA, lengthB } = levenshtein(want, candidate.toLowerCase());
    if (distance > MAX_DISTANCE || distance >= Math.max(lengthA, lengthB)) continue;
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best?.candidate;
}

/** ` (did you mean "X"?)` for an unknown name, or "" when no candidate is near it. */
export function didYouMeanSuffix(name: string, candidates: Iterable<string>): string {
  const near = didYouMean(name, candidates);
  return near === undefined ? "" : ` (did you mean "${near}"?)`;
}
