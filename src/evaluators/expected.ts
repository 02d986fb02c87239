import type { OptionReader } from "./options.ts";
import { getPath, isValidPath } from "./path.ts";
import type { EvaluationInput } from "./types.ts";

/**
 * Where an evaluator finds its reference value: `with.expected` when given, otherwise the
 * input's `expected` (the case's), optionally narrowed by `with.field` (a dotted path).
 */
export interface ExpectedSource {
  /** present when `with.expected` was given */
  fixed?: { value: unknown };
  field?: string;
}

export function readExpectedSource(r: OptionReader): ExpectedSource {
  const field = r.string("field");
  if (field !== undefined && !isValidPath(field))
    r.fail("field", `is not a dotted path: ${JSON.stringify(field)}`);
  if (r.has("expected") && field !== undefined) {
    r.fail(
      "field",
      'cannot be combined with "expected" (give the expected value itself, or pick it with field)',
    );
  }
  return r.has("expected") ? { fixed: { value: r.raw.expected }, field } : { field };
}

export function sourceConfig(s: ExpectedSource): Record<string, unknown> {
  return { ...(s.fixed ? { expected: s.fixed.value } : {}), ...(s.field ? { field: s.field } : {}) };
}

export function resolveExpected(input: EvaluationInput, s: ExpectedSource): unknown {
  if (s.fixed) return s.fixed.value;
  return s.field ? getPath(input.expected, s.field) : input.expected;
}

/** Describes where the expected value was looked for, for "no expected value" reasons. */
export function expectedWhere(s: ExpectedSource): string {
  return s.field ? `no expected value for ${s.field}` : "no expected value";
}
