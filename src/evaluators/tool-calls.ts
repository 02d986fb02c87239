import { z } from "zod";
import type { ToolCall } from "../core/case.ts";
import type { Output } from "../core/output.ts";
import { UNSCORED } from "../core/unscored.ts";
import { deepEqual, isPlainObject, makeEvaluator, scored, show, unscored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { getPath, isValidPath } from "./path.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `tool-calls`: compares the tool calls an agent made (`output.trace.toolCalls`, else the
 * `tool-call` steps of `output.trace.steps`, else the tool calls of the trace's assistant
 * messages) with the expected calls `[{name, arguments?}]` (a bare string is a name).
 *
 * The expected calls are `with.expected`, or the case's expected value when it is a list, or its
 * `toolCalls` / `tool_calls` member, or the member named by `with.field`.
 *
 * Options: `ordered` (default false: any order; true: the matched calls must appear in the
 * expected order — the longest in-order match counts); `arguments`: `subset` (default: the
 * expected arguments must appear in the actual ones, recursively; extra arguments are fine),
 * `exact`, or `ignore` (names only); an expected call without `arguments` accepts any. Arguments
 * given as JSON strings (as OpenAI sends them) are parsed first. `extra`: `ignore` (default) or
 * `penalize` (unexpected calls count in the denominator).
 *
 * Score = matched / expected (or matched / (expected + unexpected) with `extra: penalize`); an
 * empty expected list means "no tool call", scoring 1 if none was made and 0 otherwise. The
 * reason lists missing and unexpected calls. An output without any trace is unscored: its target
 * does not report tool calls.
 */

const KIND = "tool-calls";
const VERSION = "1";

const OPTIONS = z.strictObject({
  expected: z
    // items are checked by parseExpected, whose messages say what a tool call looks like
    .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
    .optional()
    .describe(
      "the expected calls for every case: tool names or `{name, arguments?}` (arguments: an object or a " +
        "JSON string; absent: any arguments), in place of the case's expected list or its " +
        "`toolCalls`/`tool_calls` member; an empty list means no call",
    ),
  field: z
    .string()
    .optional()
    .describe(
      "a dotted path into the case's expected value that holds the expected calls; not with `expected`",
    ),
  ordered: z
    .boolean()
    .default(false)
    .describe(
      "true: the matched calls must appear in the expected order (the longest in-order match counts)",
    ),
  arguments: z
    .enum(["subset", "exact", "ignore"])
    .default("subset")
    .describe(
      "`subset`: the expected arguments must appear in the actual ones (extra ones are fine); " +
        "`exact`: equal; `ignore`: names only",
    ),
  extra: z
    .enum(["ignore", "penalize"])
    .default("ignore")
    .describe("`penalize`: unexpected calls count in the denominator; `ignore`: they do not lower the score"),
});

type ArgMode = "subset" | "exact" | "ignore";

interface ExpectedCall {
  name: string;
  arguments?: unknown;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; path: string; message: string };

function parseExpected(raw: unknown): Parsed<ExpectedCall[]> {
  if (!Array.isArray(raw))
    return { ok: false, path: "", message: `must be a list of tool calls, got ${show(raw)}` };
  const calls: ExpectedCall[] = [];
  for (let i = 0; i < raw.length; i++) {
    const item = raw[i];
    if (typeof item === "string" && item !== "") {
      calls.push({ name: item });
      continue;
    }
    if (!isPlainObject(item) || typeof item.name !== "string" || item.name === "") {
      return {
        ok: false,
        path: String(i),
        message: `must be {name, arguments?} or a tool name, got ${show(item)}`,
      };
    }
    const extra = Object.keys(item).find((k) => k !== "name" && k !== "arguments" && k !== "id");
    if (extra)
      return { ok: false, path: `${i}.${extra}`, message: "is not a tool call member (name, arguments)" };
    calls.push(
      item.arguments === undefined
        ? { name: item.name }
        : { name: item.name, arguments: parseArgs(item.arguments) },
    );
  }
  return { ok: true, value: calls };
}

function parseArgs(args: unknown): unknown {
  if (typeof args !== "string") return args;
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}

/** The tool calls recorded in an output's trace, or undefined when it has no trace. */
export function actualToolCalls(output: Output): ToolCall[] | undefined {
  const trace = output.trace;
  if (!trace) return undefined;
  if (trace.toolCalls) return trace.toolCalls;
  if (trace.steps) {
    return trace.steps.filter((s) => s.type === "tool-call" && s.toolCall).map((s) => s.toolCall as ToolCall);
  }
  if (trace.messages)
    return trace.messages.flatMap((m) => (m.role === "assistant" && m.toolCalls ? m.toolCalls : []));
  return [];
}

/** Whether `expected` is contained in `actual`: objects by key, recursively; lists element-wise. */
export function isSubset(expected: unknown, actual: unknown): boolean {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false;
    return Object.entries(expected).every(
      ([k, v]) => v === undefined || (Object.hasOwn(actual, k) && isSubset(v, actual[k])),
    );
  }
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((v, i) => isSubset(v, actual[i]))
    );
  }
  return deepEqual(expected, actual);
}

function callMatches(e: ExpectedCall, a: ToolCall, mode: ArgMode): boolean {
  if (e.name !== a.name) return false;
  if (mode === "ignore" || e.arguments === undefined) return true;
  const args = parseArgs(a.arguments);
  return mode === "exact" ? deepEqual(e.arguments, args) : isSubset(e.arguments, args);
}

/** Pairs [expected index, actual index]: a maximum matching, order-preserving when `ordered`. */
function matchCalls(
  expected: ExpectedCall[],
  actual: ToolCall[],
  ordered: boolean,
  mode: ArgMode,
): [number, number][] {
  const ok = expected.map((e) => actual.map((a) => callMatches(e, a, mode)));
  if (ordered) {
    // Longest common subsequence under the match relation.
    const E = expected.length;
    const A = actual.length;
    const dp = Array.from({ length: E + 1 }, () => new Array<number>(A + 1).fill(0));
    for (let i = E - 1; i >= 0; i--) {
      for (let j = A - 1; j >= 0; j--) {
        dp[i][j] = ok[i][j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
      }
    }
    const pairs: [number, number][] = [];
    let i = 0;
    let j = 0;
    while (i < E && j < A) {
      if (ok[i][j] && dp[i][j] === dp[i + 1][j + 1] + 1) {
        pairs.push([i, j]);
        i++;
        j++;
      } else if (dp[i + 1][j] >= dp[i][j + 1]) i++;
      else j++;
    }
    return pairs;
  }
  // Maximum bipartite matching (augmenting paths): greedy pairing can miss a better assignment
  // when an expected call without arguments could take the actual call another one needs.
  const owner = new Array<number>(actual.length).fill(-1);
  const assign = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < actual.length; j++) {
      if (!ok[i][j] || seen[j]) continue;
      seen[j] = true;
      if (owner[j] === -1 || assign(owner[j], seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < expected.length; i++) assign(i, new Array<boolean>(actual.length).fill(false));
  const pairs: [number, number][] = [];
  owner.forEach((i, j) => {
    if (i !== -1) pairs.push([i, j]);
  });
  return pairs.sort((x, y) => x[0] - y[0]);
}

function showCall(c: { name: string; arguments?: unknown }): string {
  const args = parseArgs(c.arguments);
  return args === undefined ? c.name : `${c.name}(${show(args, 50)})`;
}

export const toolCallsEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "share of the expected tool calls the agent made (ordered or not, arguments exact or subset)",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    let fixed: ExpectedCall[] | undefined;
    if (r.has("expected")) {
      const parsed = parseExpected(r.raw.expected);
      if (!parsed.ok) r.fail(parsed.path ? `expected.${parsed.path}` : "expected", parsed.message);
      fixed = parsed.value;
    }
    const field = r.string("field");
    if (field !== undefined && !isValidPath(field))
      r.fail("field", `is not a dotted path: ${JSON.stringify(field)}`);
    if (field !== undefined && fixed) r.fail("field", 'cannot be combined with "expected"');
    const ordered = r.boolean("ordered", false);
    const mode = r.oneOf("arguments", ["subset", "exact", "ignore"] as const, "subset");
    const extra = r.oneOf("extra", ["ignore", "penalize"] as const, "ignore");
    const config = {
      ...(fixed ? { expected: fixed } : {}),
      ...(field ? { field } : {}),
      ordered,
      arguments: mode,
      extra,
    };

    return makeEvaluator(KIND, VERSION, config, (input) => {
      let expected = fixed;
      if (!expected) {
        const e = input.expected;
        let raw: unknown;
        if (field) raw = getPath(e, field);
        else if (Array.isArray(e)) raw = e;
        else if (isPlainObject(e)) raw = e.toolCalls ?? e.tool_calls;
        if (raw === undefined)
          return unscored(field ? `no expected tool calls at ${field}` : "no expected tool calls", {
            unscored: UNSCORED.noExpected,
          });
        const parsed = parseExpected(raw);
        if (!parsed.ok)
          return unscored(`expected tool call${parsed.path ? ` ${parsed.path}` : "s"} ${parsed.message}`, {
            unscored: UNSCORED.badExpected,
          });
        expected = parsed.value;
      }
      const actual = actualToolCalls(input.output);
      if (!actual)
        return unscored("output has no trace, so its tool calls are unknown", { unscored: UNSCORED.noTrace });
      const pairs = matchCalls(expected, actual, ordered, mode);
      const matchedE = new Set(pairs.map((p) => p[0]));
      const matchedA = new Set(pairs.map((p) => p[1]));
      const missing = expected.filter((_, i) => !matchedE.has(i));
      const unexpected = actual.filter((_, j) => !matchedA.has(j));
      const details = {
        matched: pairs.map(([i, j]) => ({ expected: i, actual: j, name: expected[i].name })),
        missing,
        unexpected: unexpected.map((c) => ({ name: c.name, arguments: c.arguments })),
        expectedCount: expected.length,
        actualCount: actual.length,
      };
      const parts: string[] = [];
      if (missing.length) parts.push(`missing: ${missing.map(showCall).join(", ")}`);
      if (unexpected.length) parts.push(`unexpected: ${unexpected.map(showCall).join(", ")}`);
      const tail = parts.length ? `; ${parts.join("; ")}` : "";
      if (expected.length === 0) {
        return actual.length === 0
          ? scored(1, "no tool calls expected and none made", details)
          : scored(0, `no tool calls expected, ${actual.length} made${tail}`, details);
      }
      const denominator = expected.length + (extra === "penalize" ? unexpected.length : 0);
      const score = pairs.length / denominator;
      const how = ordered ? " in order" : "";
      return scored(
        score,
        `${pairs.length}/${expected.length} expected tool calls made${how}${tail}`,
        details,
      );
    });
  },
};
