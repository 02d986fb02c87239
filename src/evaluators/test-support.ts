/** Helpers for the evaluator tests (not part of the library API). */
import type { Case } from "../core/case.ts";
import type { Output } from "../core/output.ts";
import { createEvaluator } from "./registry.ts";
import type { Evaluator, Score } from "./types.ts";

/** An output as the engine stores it: `json` set when the text parses as JSON. */
export function output(text: string, extra: Partial<Output> = {}): Output {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { text, ...(json !== undefined ? { json } : {}), latencyMs: 10, attempts: 1, ...extra };
}

export function testCase(expected?: unknown, id = "c1"): Case {
  return { id, input: "input", ...(expected !== undefined ? { expected } : {}), tags: {} };
}

export async function make(
  kind: string,
  options: Record<string, unknown> = {},
  baseDir = process.cwd(),
): Promise<Evaluator> {
  return createEvaluator(kind, options, { baseDir });
}

/**
 * Scores one output the way the engine does: `expected` is `with.expected` when the options have
 * it, else the case's expected value.
 */
export async function score(
  kind: string,
  options: Record<string, unknown>,
  out: Output | string,
  caseExpected?: unknown,
  baseDir?: string,
): Promise<Score> {
  const ev = await make(kind, options, baseDir);
  const c = testCase(caseExpected);
  const expected = Object.hasOwn(options, "expected") ? options.expected : c.expected;
  return ev.evaluate({ case: c, output: typeof out === "string" ? output(out) : out, expected });
}

/** The EvaluatorConfigError a creation throws (fails the test if it does not throw one). */
export async function configError(
  kind: string,
  options: Record<string, unknown>,
  baseDir?: string,
): Promise<{ message: string; field?: string }> {
  try {
    await make(kind, options, baseDir);
  } catch (err) {
    const e = err as Error & { field?: string };
    if (e.name !== "EvaluatorConfigError") throw err;
    return { message: e.message, field: e.field };
  }
  throw new Error(`${kind} accepted ${JSON.stringify(options)}`);
}
