import type { z } from "zod";
import { didYouMeanSuffix } from "../util/did-you-mean.ts";
import { knownKeysAt } from "../util/zod-keys.ts";
import { isPlainObject } from "./base.ts";
import { describe, unknownOptionMessage } from "./options.ts";
import { EvaluatorConfigError } from "./types.ts";

/**
 * An evaluator's `with:` options are declared once, as a zod schema with a description on every
 * key: from it come the names OptionReader accepts, the check below (run by createEvaluator before
 * the evaluator's own semantic checks), `assay schema` and the reference pages. Messages use
 * OptionReader's wording (`json-field: "trim" must be true or false, got "yes"`), so a problem
 * reads the same whichever of the two finds it.
 */

/** The option names a schema declares, in declaration order. */
export function optionNames(schema: z.ZodType): string[] {
  return knownKeysAt(schema, []);
}

const TYPE_WORDS: Record<string, string> = {
  number: "a number",
  int: "an integer",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  record: "an object",
  tuple: "a list",
};

/** OptionReader's wording for zod's issues; a schema's own `error` wins over it. */
function optionIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const got = describe(issue.input);
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}, got ${got}`;
    case "too_small": {
      const n = Number(issue.minimum);
      if (issue.origin === "string") return "must not be empty";
      if (issue.origin === "array") return n <= 1 ? "must not be an empty list" : `needs at least ${n} items`;
      return issue.inclusive === false
        ? `must be greater than ${n}, got ${got}`
        : `must be at least ${n}, got ${got}`;
    }
    case "too_big": {
      const n = Number(issue.maximum);
      if (issue.origin === "array") return `takes at most ${n} items`;
      return issue.inclusive === false
        ? `must be less than ${n}, got ${got}`
        : `must be at most ${n}, got ${got}`;
    }
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${got}`;
    case "invalid_union": {
      const expected = issue.errors.flatMap((branch) =>
        branch.flatMap((i) =>
          i.code === "invalid_type" && i.path.length === 0 ? [TYPE_WORDS[i.expected] ?? i.expected] : [],
        ),
      );
      return expected.length === issue.errors.length && expected.length > 0
        ? `must be ${[...new Set(expected)].join(" or ")}, got ${got}`
        : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The issue a person should see, with its full path. A value that matched no branch of a union
 * (`fields: [name | {name, weight}]`) but has the type of exactly one branch is reported by that
 * branch (`fields.0.weight must be at least 0`), not as "matches no type".
 */
function closestIssue(
  issue: z.core.$ZodIssue,
  prefix: PropertyKey[],
): { issue: z.core.$ZodIssue; at: PropertyKey[] } {
  const at = [...prefix, ...issue.path];
  if (issue.code !== "invalid_union") return { issue, at };
  const wrongType = (i: z.core.$ZodIssue) => i.code === "invalid_type" && i.path.length === 0;
  const typed = issue.errors.filter((branch) => branch.length > 0 && !branch.every(wrongType));
  return typed.length === 1 ? closestIssue(typed[0][0], at) : { issue, at };
}

/**
 * Checks `with:` against the evaluator's option schema: unknown keys (with "did you mean"), types,
 * enums and ranges. Throws EvaluatorConfigError whose `field` is the option path (`fields.0.weight`).
 */
export function checkOptions(kind: string, schema: z.ZodType, raw: unknown): void {
  if (!isPlainObject(raw))
    throw new EvaluatorConfigError(`${kind}: options must be an object, got ${describe(raw)}`);
  const known = optionNames(schema);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) throw new EvaluatorConfigError(unknownOptionMessage(kind, key, known), key);
  }
  const result = schema.safeParse(raw, { reportInput: true, error: optionIssueMessage });
  if (result.success) return;
  const { issue, at } = closestIssue(result.error.issues[0], []);
  const path = at.map(String);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    const field = [...path, key].join(".");
    const known = knownKeysAt(schema, at);
    const near = didYouMeanSuffix(key, known);
    const hint = near || (known.length ? ` (known: ${known.join(", ")})` : "");
    throw new EvaluatorConfigError(`${kind}: "${field}" is not a known field${hint}`, field);
  }
  const field = path.join(".");
  throw new EvaluatorConfigError(
    field ? `${kind}: "${field}" ${issue.message}` : `${kind}: ${issue.message}`,
    field || undefined,
  );
}
