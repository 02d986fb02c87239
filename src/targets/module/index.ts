import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { abortFailure, asTargetFailure, errorMessage, raceAbort } from "../../faults/abort.ts";
import { importModule } from "../../util/import-module.ts";
import { TargetConfigError } from "../errors.ts";
import { type Target, type TargetCallContext, TargetFailure, type TargetResponse } from "../types.ts";

export interface ModuleTargetOptions {
  id: string;
  /** a .ts/.mts/.cts/.js/.mjs/.cjs file, relative to baseDir */
  path: string;
  /** the export to call (default "default") */
  exportName?: string;
  baseDir: string;
}

/** What a module target's function receives besides the input. */
export interface ModuleTargetContext {
  case: { id: string; tags: Record<string, string>; cluster?: string };
  epoch: number;
  /** aborted on timeout or cancellation; pass it to fetch and the like */
  signal: AbortSignal;
  timeoutMs: number;
}

export type ModuleTargetFunction = (input: unknown, ctx: ModuleTargetContext) => unknown;

const RESPONSE_KEYS = new Set(["output", "trace", "usage", "costUsd", "ttftMs"]);

/**
 * A JS/TS function called in process: `fn(input, ctx)`. It may return the output (a string or any
 * JSON value) or a full `{ output, trace?, usage?, costUsd?, ttftMs? }` response (an object whose
 * keys are `output` and only those). The module is imported once, on first use.
 */
export function createModuleTarget(opts: ModuleTargetOptions): Target {
  const { id, path } = opts;
  const exportName = opts.exportName ?? "default";
  if (typeof path !== "string" || path === "") {
    throw new TargetConfigError(`module target "${id}" needs a file path`, { targetId: id, field: "module" });
  }
  if (!/\.(c|m)?(t|j)s$/i.test(path)) {
    throw new TargetConfigError(`module target "${id}": ${path} is not a .ts, .mts, .js or .mjs file`, {
      targetId: id,
      field: "module",
    });
  }
  const file = resolve(opts.baseDir, path);
  let loading: Promise<ModuleTargetFunction> | undefined;

  const load = (): Promise<ModuleTargetFunction> => {
    loading ??= loadFunction(id, file, exportName);
    return loading;
  };

  return {
    id,
    kind: "module",
    describe: () => (exportName === "default" ? { module: path } : { module: path, export: exportName }),
    async prepare() {
      await load();
    },
    async call(ctx: TargetCallContext): Promise<TargetResponse> {
      const what = `module target "${id}"`;
      const fn = await raceAbort(load(), ctx.signal, what);
      const c = ctx.case;
      const fnCtx: ModuleTargetContext = {
        case:
          c.cluster === undefined
            ? { id: c.id, tags: { ...c.tags } }
            : { id: c.id, tags: { ...c.tags }, cluster: c.cluster },
        epoch: ctx.epoch,
        signal: ctx.signal,
        timeoutMs: ctx.timeoutMs,
      };
      let result: unknown;
      try {
        // A copy, so a function that mutates its input cannot change the case evaluators see.
        result = await raceAbort(Promise.resolve(fn(structuredClone(c.input), fnCtx)), ctx.signal, what);
      } catch (err) {
        const failure = asTargetFailure(err);
        if (failure) throw failure;
        if (ctx.signal.aborted) throw abortFailure(ctx.signal, what);
        throw new TargetFailure("target-crash", `${what} threw: ${errorMessage(err)}`, { cause: err });
      }
      return toResponse(result, what);
    },
  } satisfies Target & { prepare(): Promise<void> };
}

async function loadFunction(id: string, file: string, exportName: string): Promise<ModuleTargetFunction> {
  if (!existsSync(file)) {
    throw new TargetConfigError(`module target "${id}": file not found`, {
      targetId: id,
      file,
      field: "module",
    });
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (err) {
    throw new TargetConfigError(`module target "${id}": cannot load the module: ${errorMessage(err)}`, {
      targetId: id,
      file,
      field: "module",
    });
  }
  let fn: unknown = mod[exportName];
  // A .ts file outside an ESM package is compiled as CommonJS: its exports sit under `default`.
  const inner = mod.default;
  if (
    typeof fn !== "function" &&
    inner !== null &&
    typeof inner === "object" &&
    Object.hasOwn(inner, exportName)
  ) {
    fn = (inner as Record<string, unknown>)[exportName];
  }
  if (fn === undefined) {
    const available = Object.keys(mod).filter((k) => k !== "__esModule");
    throw new TargetConfigError(
      `module target "${id}": no export "${exportName}" (exports: ${available.join(", ") || "none"})`,
      { targetId: id, file, field: exportName === "default" ? "module" : "export" },
    );
  }
  if (typeof fn !== "function") {
    throw new TargetConfigError(
      `module target "${id}": export "${exportName}" is a ${typeof fn}, not a function`,
      {
        targetId: id,
        file,
        field: exportName === "default" ? "module" : "export",
      },
    );
  }
  return fn as ModuleTargetFunction;
}

function toResponse(result: unknown, what: string): TargetResponse {
  if (result === undefined) throw new TargetFailure("empty-response", `${what} returned undefined`);
  if (
    result !== null &&
    typeof result === "object" &&
    !Array.isArray(result) &&
    Object.hasOwn(result, "output") &&
    Object.keys(result).every((k) => RESPONSE_KEYS.has(k))
  ) {
    const r = result as TargetResponse;
    if (r.output === undefined)
      throw new TargetFailure("empty-response", `${what} returned { output: undefined }`);
    const response: TargetResponse = { output: r.output };
    if (r.trace !== undefined) response.trace = r.trace;
    if (r.usage !== undefined) response.usage = r.usage;
    if (typeof r.costUsd === "number") response.costUsd = r.costUsd;
    if (typeof r.ttftMs === "number") response.ttftMs = r.ttftMs;
    return response;
  }
  return { output: result };
}
