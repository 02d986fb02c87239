import { z } from "zod";
import { UNSCORED } from "../core/unscored.ts";
import { deepEqual, makeEvaluator, mapStrings, outputJson, scored, show, unscored } from "./base.ts";
import { expectedWhere, readExpectedSource, resolveExpected, sourceConfig } from "./expected.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import type { SafeRegex } from "./safe-regex.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `equals`: 1 when the output equals the expected value, else 0.
 *
 * A string expected value is compared with the output text (or with the output's JSON when that
 * is a string, e.g. `"complete"` in quotes), after the configured normalisation: `trim` (default
 * on), `caseInsensitive`, `collapseWhitespace`, `stripPunctuation` (Unicode punctuation). Both
 * sides are NFC-normalised. Any other expected value (object, list, number, boolean, null) is
 * compared with the output parsed as JSON, deeply, key order ignored, with the same
 * normalisation applied to every string inside.
 */

const KIND = "equals";
const VERSION = "1";

const OPTIONS = z.strictObject({
  expected: z
    .unknown()
    .optional()
    .describe(
      "the value the output must equal, for every case (default: the case's expected value). A string " +
        "is compared with the output text; any other value with the output parsed as JSON",
    ),
  field: z
    .string()
    .optional()
    .describe(
      "a dotted path (e.g. `answer.text`) into the case's expected value that holds the value to " +
        "compare with; not with `expected`",
    ),
  trim: z.boolean().default(true).describe("ignore whitespace around the text (and every string in JSON)"),
  caseInsensitive: z.boolean().default(false).describe("compare ignoring case (Unicode)"),
  collapseWhitespace: z.boolean().default(false).describe("treat every run of whitespace as one space"),
  stripPunctuation: z.boolean().default(false).describe("remove Unicode punctuation before comparing"),
  ignore: z
    .array(z.string())
    .optional()
    .describe(
      "regular expressions (JavaScript syntax, linear-time engine) whose every match is removed from both " +
        "texts, in order, before the other normalisation (lm-eval's `regexes_to_ignore`)",
    ),
  extract: z
    .strictObject({
      pattern: z.string().describe("the regular expression (JavaScript syntax, linear-time engine)"),
      flags: z.string().default("").describe("its flags: any of i m s u"),
      select: z.number().int().default(0).describe("which match: 0 the first, 1 the second, -1 the last, …"),
    })
    .optional()
    .describe(
      "compare only part of the output: the selected match of `pattern` (its capture group; with several, " +
        "the first non-empty one; with none, the whole match), trimmed; an output without one scores 0 " +
        "(lm-eval's regex filter)",
    ),
  negate: z
    .boolean()
    .default(false)
    .describe("score 1 when the output does not equal the expected value, 0 when it does"),
});

export interface TextNormalization {
  trim: boolean;
  caseInsensitive: boolean;
  collapseWhitespace: boolean;
  stripPunctuation: boolean;
}

export function normalizeText(s: string, o: TextNormalization, ignore: readonly SafeRegex[] = []): string {
  let t = s.normalize("NFC");
  for (const re of ignore) t = re.removeAll(t);
  if (o.stripPunctuation) t = t.replace(/\p{P}+/gu, "");
  if (o.caseInsensitive) t = t.toLowerCase();
  if (o.collapseWhitespace) t = t.replace(/\s+/gu, " ");
  if (o.trim) t = t.trim();
  return t;
}

export const equalsEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when the output equals the expected value (text after normalisation, or JSON deeply)",
  options: OPTIONS,
  async create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const source = readExpectedSource(r);
    const norm: TextNormalization = {
      trim: r.boolean("trim", true),
      caseInsensitive: r.boolean("caseInsensitive", false),
      collapseWhitespace: r.boolean("collapseWhitespace", false),
      stripPunctuation: r.boolean("stripPunctuation", false),
    };
    // the linear-time regex engine (re2js, ~280 kB) loads only when a pattern is configured
    const regex = r.has("ignore") || r.has("extract") ? await import("./safe-regex.ts") : undefined;
    const ignore = readIgnore(r, regex);
    const extract = readExtract(r, regex);
    const negate = r.boolean("negate", false);
    // new options enter the config only when set, so existing suites keep their evaluator ids
    const config: Record<string, unknown> = { ...sourceConfig(source), ...norm };
    if (ignore.length > 0) config.ignore = ignore.map((re) => re.source);
    if (extract)
      config.extract = { pattern: extract.re.source, flags: extract.re.flags, select: extract.select };
    if (negate) config.negate = true;
    const verdict = (equal: boolean, reason: string, details?: Record<string, unknown>) =>
      negate
        ? scored(equal ? 0 : 1, equal ? `${reason}, but must not` : `${reason}, as required`, details)
        : scored(equal ? 1 : 0, reason, details);
    return makeEvaluator(KIND, VERSION, config, (input) => {
      const expected = resolveExpected(input, source);
      if (expected === undefined) return unscored(expectedWhere(source), { unscored: UNSCORED.noExpected });
      let text = input.output.text;
      let details: Record<string, unknown> | undefined;
      if (extract) {
        const part = extractPart(extract, text);
        if (part === undefined) {
          return verdict(
            false,
            `output has no match of /${extract.re.source}/ to compare with ${show(expected)}`,
          );
        }
        text = part;
        details = { extracted: part };
      }
      if (typeof expected === "string") {
        const want = normalizeText(expected, norm, ignore);
        const candidates = [text];
        if (!extract && typeof input.output.json === "string") candidates.push(input.output.json);
        if (candidates.some((c) => normalizeText(c, norm, ignore) === want))
          return verdict(true, `output equals ${show(expected)}`, details);
        return verdict(false, `expected ${show(expected)}, got ${show(text)}`, details);
      }
      const parsed = extract ? parseJson(text) : outputJson(input.output);
      if (!parsed.ok) return verdict(false, `expected the JSON value ${show(expected)}, output is not JSON`);
      const fold = (v: unknown) => mapStrings(v, (s) => normalizeText(s, norm, ignore));
      if (deepEqual(fold(expected), fold(parsed.value)))
        return verdict(true, `output equals ${show(expected)}`, details);
      return verdict(false, `expected ${show(expected)}, got ${show(parsed.value)}`, details);
    });
  },
};

type RegexModule = typeof import("./safe-regex.ts");

function readIgnore(r: OptionReader, regex: RegexModule | undefined): SafeRegex[] {
  if (!r.has("ignore")) return [];
  const list = r.raw.ignore;
  if (!Array.isArray(list)) r.fail("ignore", "must be a list of regular expressions");
  return list.map((p: unknown, i: number) => {
    if (typeof p !== "string") return r.fail(`ignore.${i}`, `must be a string, got ${show(p)}`);
    return compileOption(r, regex as RegexModule, `ignore.${i}`, p, "");
  });
}

interface Extract {
  re: SafeRegex;
  select: number;
}

function readExtract(r: OptionReader, regex: RegexModule | undefined): Extract | undefined {
  if (!r.has("extract")) return undefined;
  const raw = r.raw.extract;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return r.fail("extract", "must be { pattern, flags?, select? }");
  }
  const e = raw as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!["pattern", "flags", "select"].includes(key))
      r.fail(`extract.${key}`, "is not an option of extract");
  }
  if (typeof e.pattern !== "string") return r.fail("extract.pattern", "is required (a regular expression)");
  const flags = e.flags ?? "";
  if (typeof flags !== "string" || /[gy]/.test(flags)) {
    return r.fail("extract.flags", "must be a string of flags among i m s u");
  }
  const select = e.select ?? 0;
  if (typeof select !== "number" || !Number.isInteger(select)) {
    return r.fail(
      "extract.select",
      `must be an integer (0 the first match, -1 the last), got ${show(select)}`,
    );
  }
  return { re: compileOption(r, regex as RegexModule, "extract.pattern", e.pattern, flags), select };
}

function compileOption(
  r: OptionReader,
  regex: RegexModule,
  path: string,
  pattern: string,
  flags: string,
): SafeRegex {
  try {
    return regex.compileSafeRegex(pattern, flags);
  } catch (err) {
    if (err instanceof regex.UnsafePatternError)
      r.fail(err.part === "flags" ? path.replace(/pattern$/, "flags") : path, err.message);
    throw err;
  }
}

/** The selected match's first non-empty group (or the whole match), trimmed; undefined without one. */
export function extractPart(e: Extract, text: string): string | undefined {
  const matches = e.re.findAll(text);
  const m = matches[e.select < 0 ? matches.length + e.select : e.select];
  if (!m) return undefined;
  // as Python's re.findall: no group → the match, one group → that group, several → the first non-empty
  if (m.groups.length === 0) return m.match.trim();
  if (m.groups.length === 1) return (m.groups[0] ?? "").trim();
  return m.groups.find((g) => g !== undefined && g !== "")?.trim();
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
