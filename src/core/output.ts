/**
 * The shared vocabulary of what a call produced: outputs, traces, usage and classified errors.
 * Targets, evaluators, the store and the scorecard all speak it; it imports nothing but the case model.
 */
import type { ChatMessage, ToolCall } from "./case.ts";

/**
 * Every failure of a target is classified; classified errors are stored as errors, never as scores.
 * The engine retries the retryable classes and gives up on the others at once.
 */
export const ERROR_CLASSES = [
  "timeout",
  "rate-limited",
  "server-error",
  "connection",
  "empty-response",
  "malformed-response",
  "target-crash",
  "client-error",
  "cancelled",
  // a body over the target's maxResponseBytes: the same request would be as large again, so never retried
  "response-too-large",
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens?: number;
}

export interface TraceStep {
  type: "message" | "tool-call" | "tool-result";
  /** for messages */
  message?: ChatMessage;
  /** for tool calls and results */
  toolCall?: ToolCall;
  result?: unknown;
  isError?: boolean;
  /** the result was replaced by an injected fault (an LLM target's `toolFaults`) */
  fault?: string;
  startedAt?: number;
  durationMs?: number;
}

/** The simulated user of a multi-turn session (an LLM playing the user); its usage is not the target's. */
export interface SimulatedUserTrace {
  provider: string;
  /** user messages it wrote (the case's opening message not counted) */
  turns: number;
  /** why the session ended: the user said its stop token, had nothing to say, or ran out of turns */
  stoppedBy: "stop" | "empty" | "max-turns";
  usage: Usage;
  costUsd?: number;
}

/** What an agent did on the way to its answer. */
export interface Trace {
  messages?: ChatMessage[];
  toolCalls?: ToolCall[];
  steps?: TraceStep[];
  /** a model answer was cut off at its token limit (finish reason "length") */
  truncated?: boolean;
  /** the tool loop reached its step limit before the model answered */
  maxStepsReached?: boolean;
  simulatedUser?: SimulatedUserTrace;
}

export interface TargetError {
  class: ErrorClass;
  message: string;
  status?: number;
}

/** What the engine stores for one (case, epoch): the normalised response, or a classified error. */
export interface Output {
  /** text form of the output ("" on error) */
  text: string;
  /** the output parsed as JSON when it is an object/array or a string that parses */
  json?: unknown;
  trace?: Trace;
  usage?: Usage;
  costUsd?: number;
  latencyMs: number;
  ttftMs?: number;
  /** calls made, including retries */
  attempts: number;
  /** every model call behind it was answered by the response cache (none reached a provider) */
  cached?: boolean;
  /**
   * how sure the target says it is of this output, in [0, 1] (the target's `confidence` JSONPath);
   * the scorecard's calibration and escalation threshold read it
   */
  confidence?: number;
  error?: TargetError;
}

/** The error a target throws to say what kind of failure happened. */
export class TargetFailure extends Error {
  readonly errorClass: ErrorClass;
  readonly status?: number;
  /** server-requested wait before the next attempt (Retry-After) */
  readonly retryAfterMs?: number;
  /** the response's rate-limit headers (x-ratelimit-*, retry-after, …), only those: see faults/rate-limit-headers.ts */
  readonly headers?: Record<string, string>;
  constructor(
    errorClass: ErrorClass,
    message: string,
    opts: { status?: number; retryAfterMs?: number; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "TargetFailure";
    this.errorClass = errorClass;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    if (opts.headers !== undefined) this.headers = opts.headers;
  }
}
