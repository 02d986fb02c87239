import { z } from "zod";
import { UNSCORED } from "../core/unscored.ts";
import { isPlainObject, makeEvaluator, scored, show, unscored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { actualToolCalls } from "./tool-calls.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `tool-loops`: 0 when the agent called the same tool with identical arguments more than
 * `maxRepeats` times (default 2) — it was stuck in a loop — else 1. Arguments are compared as
 * JSON values (key order ignored; JSON-string arguments parsed first). The reason names the tool,
 * its arguments and the count. An output without a trace is unscored.
 */

const KIND = "tool-loops";
const VERSION = "1";

const OPTIONS = z.strictObject({
  maxRepeats: z
    .number()
    .int()
    .min(1)
    .default(2)
    .describe("how many identical calls (same tool, same arguments) are allowed before it counts as a loop"),
});

/** A canonical text of a JSON value: object keys sorted, so equal values have equal keys. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function parseArgs(args: unknown): unknown {
  if (typeof args !== "string") return args;
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}

export const toolLoopsEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "0 when a tool was called with identical arguments more than maxRepeats times",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    const maxRepeats = r.number("maxRepeats", { min: 1, integer: true }) ?? 2;

    return makeEvaluator(KIND, VERSION, { maxRepeats }, ({ output }) => {
      const calls = actualToolCalls(output);
      if (!calls)
        return unscored("output has no trace, so its tool calls are unknown", { unscored: UNSCORED.noTrace });
      const groups = new Map<string, { name: string; arguments: unknown; count: number }>();
      for (const call of calls) {
        const args = parseArgs(call.arguments);
        const key = `${call.name}\u0000${canonicalJson(args)}`;
        const g = groups.get(key);
        if (g) g.count++;
        else groups.set(key, { name: call.name, arguments: args, count: 1 });
      }
      const loops = [...groups.values()]
        .filter((g) => g.count > maxRepeats)
        .sort((a, b) => b.count - a.count);
      const details = { toolCalls: calls.length, maxRepeats, loops };
      if (loops.length === 0) {
        const most = Math.max(0, ...[...groups.values()].map((g) => g.count));
        return scored(
          1,
          calls.length === 0
            ? "no tool calls"
            : `no repeated tool call beyond ${maxRepeats} (most: ${most} identical call${most === 1 ? "" : "s"})`,
          details,
        );
      }
      const parts = loops.map((g) => `${g.name}(${show(g.arguments, 50)}) called ${g.count} times`);
      return scored(0, `tool loop: ${parts.join("; ")} (max ${maxRepeats} identical calls)`, details);
    });
  },
};
