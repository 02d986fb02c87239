import type { LlmRuntime } from "../llm/client.ts";
import { withConfidence } from "./confidence.ts";
import type { ResponseEncoding } from "./encoding.ts";
import { TargetConfigError } from "./errors.ts";
import { createExecTarget } from "./exec/index.ts";
import { createHttpTarget, type FollowRedirects } from "./http/index.ts";
import { type JsonPathError, parseJsonPath } from "./http/jsonpath.ts";
import {
  type ChatClientFactory,
  createLlmTarget,
  LLM_TARGET_KEYS,
  type LlmTargetFields,
  LOGPROBS_CONFIDENCE,
} from "./llm/index.ts";
import { createModuleTarget } from "./module/index.ts";
import { createReplayTarget } from "./replay/index.ts";
import type { Target, TargetResponse } from "./types.ts";

export { classifyError } from "../faults/classify.ts";
export { redactUrl, redactValue, scrubMessage } from "../faults/secrets.ts";
export { TargetConfigError } from "./errors.ts";
export { createExecTarget, type ExecTargetOptions } from "./exec/index.ts";
export { createHttpTarget, type HttpTargetOptions, parseRetryAfter } from "./http/index.ts";
export { JsonPathError, type PathSegment, parseJsonPath, selectJsonPath } from "./http/jsonpath.ts";
export {
  type ChatClientFactory,
  createLlmTarget,
  type LlmTargetOptions,
  type LlmTargetSpec,
  type LlmToolContext,
  type LlmToolFunction,
} from "./llm/index.ts";
export {
  createModuleTarget,
  type ModuleTargetContext,
  type ModuleTargetFunction,
  type ModuleTargetOptions,
} from "./module/index.ts";
export {
  type BackoffOptions,
  backoffDelay,
  type CallPolicy,
  callWithPolicy,
  isRetryable,
  parseJsonStructure,
  RETRYABLE_CLASSES,
  safeJsonParse,
  toOutput,
} from "./policy.ts";
export { createReplayTarget, type ReplayTargetOptions, readReplayFile, replayKey } from "./replay/index.ts";
export * from "./types.ts";

/** A target as written in the suite file (DESIGN.md §4.1); other keys (timeoutMs, …) are ignored here. */
export interface TargetSpec extends LlmTargetFields, ResponseLimits {
  id: string;
  exec?: string[];
  module?: string;
  export?: string;
  http?: {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: unknown;
    output?: string;
  } & ResponseLimits;
  replay?: string | { run: string };
  provider?: string;
  /** environment variables for an exec target; values may reference others as `${NAME}` */
  env?: Record<string, string>;
  /**
   * JSONPath of the target's confidence in [0, 1]: in the response body (http) or the output's
   * JSON; or, for OpenAI provider targets, `logprobs` (the answer's token log-probabilities)
   */
  confidence?: string;
}

/** Keys that bound what a target returns; on the target, or (http) inside its `http:` block. */
export interface ResponseLimits {
  /** http only: `none`, `same-origin` (default) or `cross-origin` */
  followRedirects?: FollowRedirects;
  /** http and exec: the largest body (stdout) accepted, in bytes */
  maxResponseBytes?: number;
  /** http and exec: how the bytes become the output */
  encoding?: ResponseEncoding;
}
const RESPONSE_LIMIT_KEYS = ["followRedirects", "maxResponseBytes", "encoding"] as const;

export interface CreateTargetOptions {
  /** the suite's directory: relative paths and exec's working directory */
  baseDir: string;
  /** recorded outputs of the stored run a `replay: { run }` target names */
  loadRun?: () => Promise<Map<string, TargetResponse>>;
  /** for `provider:` targets: the response cache and the environment keys come from (default: no cache, process.env) */
  llm?: LlmRuntime;
  /** for `provider:` targets: builds their chat clients (default createChatClient; tests inject fakes) */
  clientFactory?: ChatClientFactory;
}

const KINDS = ["exec", "module", "http", "replay", "provider"] as const;

/**
 * Builds a target from its suite-file spec. Nothing is loaded or called yet (see `prepare()`);
 * a spec that cannot work throws a TargetConfigError whose `field` is the key at fault.
 */
export function createTarget(spec: TargetSpec, opts: CreateTargetOptions): Target {
  if (spec.confidence === undefined) return createBareTarget(spec, opts);
  if (spec.confidence === LOGPROBS_CONFIDENCE) {
    // the LLM target asks for them and sets the confidence itself (it refuses providers without them)
    if (spec.provider === undefined) {
      throw new TargetConfigError(
        `target "${spec.id}": confidence: logprobs applies only to provider (LLM) targets; use a JSONPath ("$.confidence")`,
        { targetId: spec.id, field: "confidence" },
      );
    }
    return createBareTarget(spec, opts);
  }
  try {
    parseJsonPath(spec.confidence);
  } catch (err) {
    throw new TargetConfigError(`target "${spec.id}": confidence: ${(err as JsonPathError).message}`, {
      targetId: spec.id,
      field: "confidence",
    });
  }
  return withConfidence(createBareTarget(spec, opts), spec.confidence);
}

function createBareTarget(spec: TargetSpec, opts: CreateTargetOptions): Target {
  const id = spec.id;
  if (typeof id !== "string" || id === "")
    throw new TargetConfigError("a target needs an id", { field: "id" });
  const kinds = KINDS.filter((k) => spec[k] !== undefined);
  if (kinds.length !== 1) {
    throw new TargetConfigError(
      kinds.length === 0
        ? `target "${id}" needs one of exec, module, http, replay or provider`
        : `target "${id}" has more than one kind (${kinds.join(", ")})`,
      { targetId: id },
    );
  }
  const { baseDir } = opts;
  if (spec.env !== undefined && spec.exec === undefined) {
    throw new TargetConfigError(`target "${id}": env applies only to exec targets`, {
      targetId: id,
      field: "env",
    });
  }
  if (spec.export !== undefined && spec.module === undefined) {
    throw new TargetConfigError(`target "${id}": export applies only to module targets`, {
      targetId: id,
      field: "export",
    });
  }
  if (spec.provider === undefined) {
    const misplaced = LLM_TARGET_KEYS.find((k) => spec[k] !== undefined);
    if (misplaced !== undefined) {
      throw new TargetConfigError(`target "${id}": ${misplaced} applies only to provider (LLM) targets`, {
        targetId: id,
        field: misplaced,
      });
    }
  }
  const limits = responseLimits(spec);
  if (spec.exec !== undefined) {
    if (limits.followRedirects !== undefined) {
      throw new TargetConfigError(`target "${id}": followRedirects applies only to http targets`, {
        targetId: id,
        field: "followRedirects",
      });
    }
    return createExecTarget({
      id,
      argv: spec.exec,
      cwd: baseDir,
      env: spec.env,
      maxResponseBytes: limits.maxResponseBytes,
      encoding: limits.encoding,
    });
  }
  if (spec.http === undefined) {
    const misplaced = RESPONSE_LIMIT_KEYS.find((k) => limits[k] !== undefined);
    if (misplaced !== undefined) {
      throw new TargetConfigError(`target "${id}": ${misplaced} applies only to http and exec targets`, {
        targetId: id,
        field: misplaced,
      });
    }
  }
  if (spec.module !== undefined) {
    return createModuleTarget({ id, path: spec.module, exportName: spec.export, baseDir });
  }
  if (spec.http !== undefined) {
    const h = spec.http;
    if (h === null || typeof h !== "object") {
      throw new TargetConfigError(`http target "${id}" needs { url, … }`, { targetId: id, field: "http" });
    }
    return createHttpTarget({
      id,
      url: h.url,
      method: h.method,
      headers: h.headers,
      body: h.body,
      output: h.output,
      confidence: spec.confidence,
      ...limits,
      baseDir,
    });
  }
  if (spec.replay !== undefined) {
    const r = spec.replay;
    if (typeof r === "string") return createReplayTarget({ id, file: r, baseDir });
    if (r === null || typeof r !== "object" || typeof r.run !== "string") {
      throw new TargetConfigError(`replay target "${id}": replay is a file or { run: RUN }`, {
        targetId: id,
        field: "replay",
      });
    }
    if (!opts.loadRun) {
      throw new TargetConfigError(`replay target "${id}": replaying run "${r.run}" needs the store`, {
        targetId: id,
        field: "replay.run",
      });
    }
    return createReplayTarget({ id, baseDir, loadRun: opts.loadRun, run: r.run });
  }
  const { provider, ...rest } = spec;
  return createLlmTarget(
    { ...rest, id, provider: provider as string },
    {
      baseDir,
      runtime: opts.llm ?? { cacheMode: "default", env: process.env },
      clientFactory: opts.clientFactory,
    },
  );
}

/** The target's response limits, from the target or its `http:` block; set in both, they must agree. */
function responseLimits(spec: TargetSpec): ResponseLimits {
  const out: ResponseLimits = {};
  const inner: ResponseLimits = spec.http !== null && typeof spec.http === "object" ? spec.http : {};
  for (const key of RESPONSE_LIMIT_KEYS) {
    const outer = spec[key];
    const nested = inner[key];
    if (outer !== undefined && nested !== undefined && outer !== nested) {
      throw new TargetConfigError(
        `target "${spec.id}": ${key} is set twice, on the target and in http, with different values`,
        { targetId: spec.id, field: `http.${key}` },
      );
    }
    const value = outer ?? nested;
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
