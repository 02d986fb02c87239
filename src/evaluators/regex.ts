import { makeEvaluator, scored, show } from "./base.ts";
import { OptionReader } from "./options.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `regex`: 1 when the output text matches `pattern` (JavaScript syntax, with `flags`), else 0.
 * `expected: false` inverts it: the output must not match. The pattern is compiled once, when the
 * suite is loaded; a pattern that does not compile is a configuration error.
 */

const KIND = "regex";
const VERSION = "1";

export const regexEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when the output matches a regular expression (or, with expected: false, does not)",
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, ["pattern", "flags", "expected"]);
    const pattern = r.string("pattern");
    if (pattern === undefined) r.fail("pattern", "is required");
    const flags = r.string("flags", "") as string;
    if (!/^[dgimsuvy]*$/.test(flags))
      r.fail("flags", `has an unknown flag in ${JSON.stringify(flags)} (known: dgimsuvy)`);
    if (new Set(flags).size !== flags.length) r.fail("flags", `repeats a flag: ${JSON.stringify(flags)}`);
    let re: RegExp;
    try {
      // g and y make test() stateful; matching always starts at the beginning here.
      re = new RegExp(pattern, flags);
    } catch (err) {
      r.fail("pattern", `does not compile: ${(err as Error).message}`);
    }
    const mustMatch = r.boolean("expected", true);
    return makeEvaluator(KIND, VERSION, { pattern, flags, expected: mustMatch }, (input) => {
      re.lastIndex = 0;
      const m = re.exec(input.output.text);
      re.lastIndex = 0;
      const details = m ? { match: m[0], index: m.index } : undefined;
      if (mustMatch) {
        return m
          ? scored(1, `output matches /${pattern}/${flags} (${show(m[0], 40)})`, details)
          : scored(0, `output does not match /${pattern}/${flags}`);
      }
      return m
        ? scored(0, `output matches /${pattern}/${flags} (${show(m[0], 40)}) but must not`, details)
        : scored(1, `output does not match /${pattern}/${flags}, as required`);
    });
  },
};
