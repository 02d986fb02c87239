import { RE2JS } from "re2js";

/**
 * Regular expressions that come from suites (the `regex` evaluator, json-schema `pattern` and
 * `patternProperties`) run on RE2JS, a linear-time engine: no pattern and no output can make a
 * match backtrack for minutes (`^(a+)+$` against "aaaa…!" returns at once).
 *
 * Patterns are written in JavaScript syntax and translated (named groups, `\u{…}`, `\cX`). What a
 * linear-time engine cannot do is refused when the suite loads, with the reason: backreferences
 * (`\1`, `\k<name>`) and lookahead (`(?=…)`, `(?!…)`). Lookbehind without capturing groups is
 * supported (RE2JS evaluates it in linear time). Differences that remain: `\s` is ASCII
 * whitespace, and `.` excludes only `\n`.
 *
 * Flags: `i`, `m`, `s` as in JavaScript; `u` changes nothing (the engine always matches code
 * points); `g` and `d` change nothing (matching is stateless and always starts at the beginning);
 * `y` anchors the match at the start of the text, as a sticky JavaScript regex does from index 0.
 * `v` (set notation) is refused.
 */

/** A suite pattern the engine cannot run; `part` says which option is at fault. */
export class UnsafePatternError extends Error {
  constructor(
    message: string,
    readonly part: "pattern" | "flags",
  ) {
    super(message);
    this.name = "UnsafePatternError";
  }
}

/** A compiled suite pattern. `toString()` is `/source/flags` (ajv caches patterns by it). */
export interface SafeRegex {
  readonly source: string;
  readonly flags: string;
  test(text: string): boolean;
  /** the first match and where it starts (a UTF-16 index, as in JavaScript), or null */
  exec(text: string): { match: string; index: number } | null;
  /** every non-overlapping match, left to right, with its capture groups (undefined when a group took no part) */
  findAll(text: string): Array<{ match: string; index: number; groups: Array<string | undefined> }>;
  /** the text with every match removed (replaced by nothing) */
  removeAll(text: string): string;
  toString(): string;
}

const KNOWN_FLAGS = "dgimsuvy";

const FLAG_BITS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};

function checkFlags(flags: string): void {
  const unknown = [...flags].filter((f) => !KNOWN_FLAGS.includes(f));
  if (unknown.length > 0) {
    throw new UnsafePatternError(
      `has an unknown flag in ${JSON.stringify(flags)} (known: ${KNOWN_FLAGS})`,
      "flags",
    );
  }
  if (new Set(flags).size !== flags.length) {
    throw new UnsafePatternError(`repeats a flag: ${JSON.stringify(flags)}`, "flags");
  }
  if (flags.includes("v")) {
    throw new UnsafePatternError(
      "uses v (set notation), which the linear-time engine does not support: use u",
      "flags",
    );
  }
}

/** A construct RE2 has no linear-time form of, described for the error, or undefined. */
export function unsupportedConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (!inClass && next >= "1" && next <= "9") return `a backreference (\\${next})`;
      if (!inClass && next === "k" && pattern[i + 2] === "<") return "a named backreference (\\k<…>)";
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (pattern.startsWith("(?=", i)) return "a lookahead ((?=…))";
    else if (pattern.startsWith("(?!", i)) return "a negative lookahead ((?!…))";
  }
  return undefined;
}

const ENGINE = "suite patterns run on a linear-time engine (RE2 syntax)";

/**
 * Compiles a suite's pattern for the linear-time engine.
 * @throws UnsafePatternError for unknown flags, unsupported constructs and syntax errors
 */
export function compileSafeRegex(pattern: string, flags = ""): SafeRegex {
  checkFlags(flags);
  const construct = unsupportedConstruct(pattern);
  if (construct !== undefined) {
    throw new UnsafePatternError(
      `${JSON.stringify(pattern)} uses ${construct}, which is not supported: ${ENGINE}`,
      "pattern",
    );
  }
  let source = RE2JS.translateRegExp(pattern);
  if (flags.includes("y")) source = `\\A(?:${source})`;
  let bits = RE2JS.LOOKBEHINDS;
  for (const f of flags) bits |= FLAG_BITS[f] ?? 0;
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, bits);
  } catch (err) {
    const detail = (err as Error).message.replace(/^error parsing regexp: /, "");
    throw new UnsafePatternError(
      `${JSON.stringify(pattern)} does not compile: ${detail} (${ENGINE})`,
      "pattern",
    );
  }
  return {
    source: pattern,
    flags,
    test: (text) => re.test(text),
    exec(text) {
      const m = re.exec(text) as RegExpExecArray | null;
      return m === null ? null : { match: m[0], index: m.index };
    },
    findAll(text) {
      const out: Array<{ match: string; index: number; groups: Array<string | undefined> }> = [];
      const m = re.matcher(text);
      const count = re.groupCount();
      while (m.find()) {
        const groups: Array<string | undefined> = [];
        for (let g = 1; g <= count; g++) groups.push(m.group(g) ?? undefined);
        out.push({ match: m.group(0) ?? "", index: m.start(0), groups });
      }
      return out;
    },
    removeAll: (text) => re.matcher(text).replaceAll(""),
    toString: () => `/${pattern}/${flags}`,
  };
}

/**
 * The regExp engine for ajv (`code: { regExp: safeRegExpEngine }`): json-schema `pattern` and
 * `patternProperties` compile through it. ajv passes "u" as the flags (JSON Schema patterns are
 * Unicode patterns).
 */
export const safeRegExpEngine: ((pattern: string, flags: string) => SafeRegex) & { code: string } =
  Object.assign((pattern: string, flags: string) => compileSafeRegex(pattern, flags), {
    // ajv puts this in standalone code only; assay never generates standalone validators.
    code: 'require("re2js").RE2JS',
  });
