import type { Case } from "../core/case.ts";
import type { Trace, Usage } from "../core/output.ts";

// The shared output vocabulary lives in core/; re-exported here for target authors.
export {
  ERROR_CLASSES,
  type ErrorClass,
  type Output,
  type SimulatedUserTrace,
  type TargetError,
  TargetFailure,
  type Trace,
  type TraceStep,
  type Usage,
} from "../core/output.ts";

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
  /** answered by the LLM response cache, without calling a provider (scorecard `cache.hits`) */
  cached?: boolean;
  /** how sure the target is of this output, in [0, 1] (the target's `confidence` JSONPath) */
  confidence?: number;
  /** the response's rate-limit headers (x-ratelimit-*, retry-after, …), only those; read by `assay probe` */
  headers?: Record<string, string>;
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
