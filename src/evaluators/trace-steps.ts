import { z } from "zod";
import type { Trace } from "../core/output.ts";
import { UNSCORED } from "../core/unscored.ts";
import { makeEvaluator, scored, unscored } from "./base.ts";
import { optionNames } from "./option-schema.ts";
import { OptionReader } from "./options.ts";
import { actualToolCalls } from "./tool-calls.ts";
import type { EvaluatorFactory } from "./types.ts";

/**
 * `trace-steps`: 1 when the agent stayed within a step budget, else 0.
 *
 * Options: `maxSteps` (required, an integer ≥ 1) and `count`: what is counted against it —
 * `model-calls` (default: the assistant messages the model produced, from `trace.steps`, else
 * `trace.messages`), `tool-calls`, or `steps` (every recorded step: messages, tool calls, results).
 * A trace that says the target's own tool loop ran out of steps (`maxStepsReached`) scores 0: the
 * agent never gave its answer. An output without a trace, or a trace without what is counted, is
 * unscored. Details hold every count.
 */

const KIND = "trace-steps";
const VERSION = "1";

const COUNTS = ["model-calls", "tool-calls", "steps"] as const;
type Count = (typeof COUNTS)[number];

const OPTIONS = z.strictObject({
  maxSteps: z
    .number()
    .int()
    .min(1)
    .describe("the step budget: the most steps (as counted by `count`) that pass"),
  count: z
    .enum(COUNTS)
    .default("model-calls")
    .describe(
      "what is counted: `model-calls` (assistant messages the model produced), `tool-calls`, or " +
        "`steps` (every recorded step: messages, tool calls and results)",
    ),
});

/** Model calls in a trace: assistant message steps, else assistant messages; undefined when unknown. */
export function modelCallCount(trace: Trace): number | undefined {
  if (trace.steps && trace.steps.length > 0) {
    return trace.steps.filter((s) => s.type === "message" && s.message?.role === "assistant").length;
  }
  if (trace.messages) return trace.messages.filter((m) => m.role === "assistant").length;
  return undefined;
}

export const traceStepsEvaluator: EvaluatorFactory = {
  kind: KIND,
  version: VERSION,
  description: "1 when the agent's model calls (or tool calls, or steps) are within maxSteps",
  options: OPTIONS,
  create(options) {
    const r: OptionReader = new OptionReader(KIND, options, optionNames(OPTIONS));
    if (!r.has("maxSteps")) r.fail("maxSteps", "is required");
    const maxSteps = r.number("maxSteps", { min: 1, integer: true }) as number;
    const count: Count = r.oneOf("count", COUNTS, "model-calls");

    return makeEvaluator(KIND, VERSION, { maxSteps, count }, ({ output }) => {
      const trace = output.trace;
      if (!trace)
        return unscored("output has no trace, so its steps are unknown", { unscored: UNSCORED.noTrace });
      const modelCalls = modelCallCount(trace);
      const toolCalls = actualToolCalls(output)?.length ?? 0;
      const steps = trace.steps?.length;
      const toolErrors = (trace.steps ?? []).filter((s) => s.type === "tool-result" && s.isError).length;
      const details: Record<string, unknown> = {
        counted: count,
        maxSteps,
        modelCalls: modelCalls ?? null,
        toolCalls,
        toolErrors,
        steps: steps ?? null,
      };
      if (trace.maxStepsReached) details.maxStepsReached = true;
      let n: number | undefined;
      if (count === "model-calls") n = modelCalls;
      else if (count === "tool-calls") n = toolCalls;
      else n = steps;
      if (n === undefined)
        return unscored(`the trace does not record its ${count.replace("-", " ")}`, {
          ...details,
          unscored: UNSCORED.noTrace,
        });
      const what = count.replace("-", " ");
      if (trace.maxStepsReached) {
        return scored(0, `the agent hit its step limit without answering (${n} ${what})`, details);
      }
      return n <= maxSteps
        ? scored(1, `${n} ${what}, within ${maxSteps}`, details)
        : scored(0, `${n} ${what}, over the limit of ${maxSteps}`, details);
    });
  },
};
