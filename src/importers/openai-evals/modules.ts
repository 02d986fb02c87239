/**
 * Custom evaluators the registry importer writes beside the suite, for the two evals classes no
 * built-in evaluator reproduces: FuzzyMatch (either normalised text contains the other) and
 * JsonMatch (the answer's JSON equals an ideal's, component by component, a missing value never
 * matching). They are assay's code, written out as files the user can read and edit — nothing
 * from the source is executed. Each takes `options.field`, the path of the ideal answers in the
 * case's expected value (a string or a list of them).
 */

const SHARED = `function pick(value, path) {
  let v = value;
  for (const key of String(path ?? "").split(".").filter(Boolean)) {
    if (v === null || typeof v !== "object") return undefined;
    v = v[key];
  }
  return v;
}

function idealsOf(input, options) {
  const ideal = options?.field ? pick(input.expected, options.field) : input.expected;
  if (ideal === undefined || ideal === null) return undefined;
  return Array.isArray(ideal) ? ideal.map(String) : [String(ideal)];
}
`;

export const FUZZY_MATCH_MODULE = `// Written by \`assay import openai-evals\`: evals' FuzzyMatch accuracy (evals.elsuite.basic.fuzzy_match),
// 1 when the answer and an ideal answer, normalised (lowercase, no punctuation, no articles, single
// spaces), are equal or one contains the other; an empty one matches only an empty one.
${SHARED}
const PUNCTUATION = /[!"#$%&'()*+,\\-./:;<=>?@[\\\\\\]^_\`{|}~]/g;

export function normalize(s) {
  return s
    .toLowerCase()
    .replace(PUNCTUATION, "")
    .replace(/\\b(a|an|the)\\b/g, " ")
    .split(/\\s+/)
    .filter(Boolean)
    .join(" ");
}

export function fuzzyMatch(a, b) {
  const x = normalize(a);
  const y = normalize(b);
  if (x === "" || y === "") return x === y;
  return x.includes(y) || y.includes(x);
}

export default function fuzzyMatchAccuracy(input, options) {
  const ideals = idealsOf(input, options);
  if (!ideals) return { score: null, reason: "no ideal answer for this case" };
  const matched = ideals.filter((ideal) => fuzzyMatch(input.output.text, ideal));
  return matched.length > 0
    ? { score: 1, reason: \`matches \${JSON.stringify(matched[0])}\`, details: { matched } }
    : { score: 0, reason: \`matches none of \${ideals.map((i) => JSON.stringify(i)).join(", ")}\` };
}
`;

export const JSON_MATCH_MODULE = `// Written by \`assay import openai-evals\`: evals' JsonMatch accuracy (evals.elsuite.basic.json_match),
// 1 when the answer parses as JSON equal to an ideal answer's JSON: objects key by key (a key
// missing or null on either side never matches), lists item by item with the same length.
${SHARED}
export function jsonMatch(sampled, correct) {
  if (sampled === null || sampled === undefined || correct === null || correct === undefined) return false;
  if (typeof sampled === "object" && !Array.isArray(sampled)) {
    if (typeof correct !== "object" || Array.isArray(correct)) return false;
    const keys = new Set([...Object.keys(sampled), ...Object.keys(correct)]);
    return [...keys].every((k) => jsonMatch(sampled[k], correct[k]));
  }
  if (Array.isArray(sampled)) {
    if (!Array.isArray(correct) || sampled.length !== correct.length) return false;
    return sampled.every((s, i) => jsonMatch(s, correct[i]));
  }
  // Python compares True == 1 and 1 == 1.0 alike
  const scalar = (v) => (typeof v === "boolean" ? Number(v) : v);
  return scalar(sampled) === scalar(correct);
}

export default function jsonMatchAccuracy(input, options) {
  const ideals = idealsOf(input, options);
  if (!ideals) return { score: null, reason: "no ideal answer for this case" };
  let sampled;
  try {
    sampled = JSON.parse(input.output.text);
  } catch {
    return { score: 0, reason: "the answer is not JSON" };
  }
  const parsed = [];
  for (const ideal of ideals) {
    try {
      parsed.push(JSON.parse(ideal));
    } catch {
      return { score: null, reason: \`an ideal answer is not JSON: \${JSON.stringify(ideal)}\` };
    }
  }
  return parsed.some((c) => jsonMatch(sampled, c))
    ? { score: 1, reason: "the answer's JSON equals an ideal answer's" }
    : { score: 0, reason: "the answer's JSON equals no ideal answer's" };
}
`;
