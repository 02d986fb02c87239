import { z } from "zod";
import { makeEvaluator, scored, show } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import type { SafeRegex } from "./safe-regex.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `regex`: 1 when the output text matches `pattern` (JavaScript syntax, with `flags`), else 0.
 * `expected: false` inverts it: the output must not match. The pattern is compiled once, when the
 * suite is loaded; a pattern that does not compile is a configuration error. Matching runs in
 * linear time (safe-regex.ts), so backreferences and lookahead are configuration errors too.
 */

const KIND = "regex";
// 2: patterns run on a linear-time engine (RE2 syntax) instead of JavaScript's backtracking one
const VERSION = "2";

const OPTIONS = z.strictObject({
  pattern: z
    .string()
    .describe(
      "the regular expression, in JavaScript syntax; it runs on a linear-time engine, so " +
        "backreferences and lookaround are configuration errors",
    ),
  flags: z.string().default("").describe("regular expression flags: any of d g i m s u y (not v)"),
  expected: z.boolean().default(true).describe("true: the output must match; false: it must not"),
});

export const regexEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when the output matches a regular expression (or, with expected: false, does not)",
  options: OPTIONS,
  async create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const pattern = r.string("pattern");
    if (pattern === undefined) r.fail("pattern", "is required");
    const flags = r.string("flags", "") as string;
    // the linear-time engine (re2js, ~280 kB) loads only for suites that match patterns
    const { compileSafeRegex, UnsafePatternError } = await import("./safe-regex.ts");
    let re: SafeRegex;
    try {
      re = compileSafeRegex(pattern, flags);
    } catch (err) {
      if (err instanceof UnsafePatternError) r.fail(err.part, err.message);
      throw err;
    }
    const mustMatch = r.boolean("expected", true);
    return makeEvaluator(KIND, VERSION, { pattern, flags, expected: mustMatch }, (input) => {
      const m = re.exec(input.output.text);
      const details = m ? { match: m.match, index: m.index } : undefined;
      if (mustMatch) {
        return m
          ? scored(1, `output matches /${pattern}/${flags} (${show(m.match, 40)})`, details)
          : scored(0, `output does not match /${pattern}/${flags}`);
      }
      return m
        ? scored(0, `output matches /${pattern}/${flags} (${show(m.match, 40)}) but must not`, details)
        : scored(1, `output does not match /${pattern}/${flags}, as required`);
    });
  },
};
