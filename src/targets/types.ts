import type { Case, ChatMessage, ToolCall } from "../dataset/case.ts";

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

/** What a target returns for one call. `output` is a string or any JSON value. */
export interface TargetResponse {
  output: unknown;
  trace?: Trace;
  usage?: Usage;
  costUsd?: number;
  /** time to first token, for streaming targets */
  ttftMs?: number;
  /** latency the target knows better than the engine's clock (a replayed, recorded latency) */
  latencyMs?: number;
}

export interface TargetCallContext {
  case: Case;
  epoch: number;
  /** aborted on timeout or on Ctrl-C */
  signal: AbortSignal;
  timeoutMs: number;
}

/** The system under test. Targets know nothing of evaluators or the store. */
export interface Target {
  readonly id: string;
  readonly kind: string;
  /** Calling again gives the same answer (recorded outputs): the call policy does not retry it. */
  readonly deterministic?: boolean;
  /** The configuration that identifies this target, secrets removed; hashed into the run lineage. */
  describe(): Record<string, unknown>;
  /** Throws a TargetFailure (or anything; the engine classifies it) when the call fails. */
  call(ctx: TargetCallContext): Promise<TargetResponse>;
  /**
   * Loads what the target loads lazily (a module, a replay file) and checks its configuration
   * (referenced environment variables), throwing a TargetConfigError; call it before a run so a
   * bad target is a configuration error (exit 2) rather than a crash on every case.
   */
  prepare?(): Promise<void>;
  close?(): Promise<void>;
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
  error?: TargetError;
}

/** The error a target throws to say what kind of failure happened. */
export class TargetFailure extends Error {
  readonly errorClass: ErrorClass;
  readonly status?: number;
  /** server-requested wait before the next attempt (Retry-After) */
  readonly retryAfterMs?: number;
  constructor(
    errorClass: ErrorClass,
    message: string,
    opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "TargetFailure";
    this.errorClass = errorClass;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}
