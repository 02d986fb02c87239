import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ToolCall } from "../../core/case.ts";
import { abortFailure, errorMessage, raceAbort } from "../../faults/abort.ts";
import type { ToolDefinition } from "../../llm/types.ts";
import { importModule } from "../../util/import-module.ts";
import { TargetConfigError } from "../errors.ts";
import { checkTools, type ToolFaultKind, type ToolFaultSpec } from "./spec.ts";

/** What a tool implementation receives besides its arguments. Never the case's `expected`. */
export interface LlmToolContext {
  case: { id: string; tags: Record<string, string>; cluster?: string };
  epoch: number;
  /** aborted on timeout or cancellation; pass it to fetch and the like */
  signal: AbortSignal;
  /** the call being answered: its id, the tool's name, and how many calls of this tool came before */
  call: { id: string; name: string; index: number };
}

/** A tool implementation: `async (args, ctx) => result`. The result is JSON (or a string). */
export type LlmToolFunction = (args: unknown, ctx: LlmToolContext) => unknown;

/** What a tool call produced, as recorded in the trace and sent back to the model. */
export interface ToolOutcome {
  /** the result value (a string, JSON, or `{ error }`) */
  result: unknown;
  /** the tool message's content */
  content: string;
  isError: boolean;
  /** the injected fault that replaced the real result */
  fault?: ToolFaultKind;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Reads tool definitions from a JSON or YAML file: a list, or `{ tools: [...] }`. */
export function readToolsFile(
  targetId: string,
  baseDir: string,
  path: string,
): { file: string; tools: ToolDefinition[]; text: string } {
  const file = resolve(baseDir, path);
  const fail = (message: string): never => {
    throw new TargetConfigError(`llm target "${targetId}": ${message}`, { targetId, file, field: "tools" });
  };
  if (!existsSync(file)) fail("tools file not found");
  let text = "";
  let data: unknown;
  try {
    text = readFileSync(file, "utf8");
    data = parseYaml(text) as unknown;
  } catch (err) {
    fail(`cannot read the tools file: ${errorMessage(err)}`);
  }
  const list = isObject(data) && Array.isArray(data.tools) ? data.tools : data;
  if (!Array.isArray(list)) fail("the tools file must hold a list of { name, description?, parameters }");
  const tools = checkTools(list, "tools", (message, field) => fail(`${field}: ${message}`));
  return { file, tools, text };
}

/** A tools module's implementations by name: the default export's functions (and named exports). */
export async function loadToolsModule(
  targetId: string,
  baseDir: string,
  path: string,
  tools: ToolDefinition[],
): Promise<{ file: string; table: Map<string, LlmToolFunction>; hash: string }> {
  const file = resolve(baseDir, path);
  const fail = (message: string): never => {
    throw new TargetConfigError(`llm target "${targetId}": ${message}`, {
      targetId,
      file,
      field: "toolsModule",
    });
  };
  if (!existsSync(file)) fail("toolsModule file not found");
  let mod: Record<string, unknown> = {};
  try {
    mod = await importModule(file);
  } catch (err) {
    fail(`cannot load the toolsModule: ${errorMessage(err)}`);
  }
  const table = toolTable(mod);
  const missing = tools.filter((t) => !table.has(t.name)).map((t) => t.name);
  if (missing.length > 0) {
    const found = [...table.keys()];
    fail(
      `toolsModule has no implementation of ${missing.map((n) => `"${n}"`).join(", ")} ` +
        `(its default export should map tool names to functions; found: ${found.join(", ") || "none"})`,
    );
  }
  const hash = `sha256:${createHash("sha256").update(readFileSync(file)).digest("hex")}`;
  return { file, table, hash };
}

function toolTable(mod: Record<string, unknown>): Map<string, LlmToolFunction> {
  const table = new Map<string, LlmToolFunction>();
  const addFunctions = (from: Record<string, unknown>, skip: Set<string>) => {
    for (const key of Object.keys(from)) {
      const value = from[key];
      if (!skip.has(key) && typeof value === "function") table.set(key, value as LlmToolFunction);
    }
  };
  addFunctions(mod, new Set(["default"]));
  let d = mod.default;
  // A .ts file compiled as CommonJS puts `export default {…}` under default.default.
  if (isObject(d) && isObject(d.default) && (d.__esModule === true || typeof d.default !== "function")) {
    addFunctions(d, new Set(["default", "__esModule"]));
    d = d.default;
  }
  if (isObject(d)) addFunctions(d, new Set());
  return table;
}

/** A uniform draw in [0, 1) from the case, the tool and the call's index: the same case always draws alike. */
export function faultDraw(caseId: string, tool: string, index: number): number {
  const digest = createHash("sha256").update(`${caseId}\u0000${tool}\u0000${index}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/**
 * The fault for call number `index` of `tool` in case `caseId`, if any. The tool's fault entries
 * share one draw, each taking a slice of [0, 1) as wide as its rate, so their rates add up.
 */
export function pickFault(
  faults: readonly ToolFaultSpec[],
  caseId: string,
  tool: string,
  index: number,
): ToolFaultKind | undefined {
  const mine = faults.filter((f) => f.tool === tool);
  if (mine.length === 0) return undefined;
  const u = faultDraw(caseId, tool, index);
  let upper = 0;
  for (const f of mine) {
    upper += f.rate ?? 1;
    if (u < upper) return f.fault;
  }
  return undefined;
}

/** The text of a tool result sent to the model: a string as is, anything else as JSON. */
export function resultContent(result: unknown): string {
  if (typeof result === "string") return result;
  return JSON.stringify(result === undefined ? null : result) ?? "null";
}

/** A proper prefix of the result's JSON: never valid JSON (the "truncated body" a flaky service sends). */
export function truncatedJson(result: unknown): string {
  const wrapped = result !== null && typeof result === "object" ? result : { result: result ?? null };
  const json = JSON.stringify(wrapped) ?? '{"result":null}';
  return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
}

function errorOutcome(message: string, fault?: ToolFaultKind): ToolOutcome {
  const result = { error: message };
  return fault
    ? { result, content: resultContent(result), isError: true, fault }
    : { result, content: resultContent(result), isError: true };
}

/** Runs the tool calls of one session: implementations, unknown tools, injected faults. */
export class ToolRunner {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly declared: ReadonlySet<string>,
    private readonly table: ReadonlyMap<string, LlmToolFunction>,
    private readonly faults: readonly ToolFaultSpec[],
    private readonly ctx: {
      case: LlmToolContext["case"];
      caseId: string;
      epoch: number;
      signal: AbortSignal;
    },
  ) {}

  /** Never throws for a failing tool (that is a result the model sees); throws when the call is aborted. */
  async run(call: ToolCall & { id: string }): Promise<ToolOutcome> {
    const { signal } = this.ctx;
    const index = this.counts.get(call.name) ?? 0;
    this.counts.set(call.name, index + 1);
    const fn = this.declared.has(call.name) ? this.table.get(call.name) : undefined;
    if (!fn) return errorOutcome(`unknown tool "${call.name}"`);

    const fault = pickFault(this.faults, this.ctx.caseId, call.name, index);
    if (fault === "timeout") return errorOutcome("timeout", fault);
    if (fault === "auth") return errorOutcome("401 Unauthorized", fault);
    if (fault === "empty") return { result: "", content: "", isError: false, fault };

    let args: unknown = call.arguments;
    try {
      args = structuredClone(call.arguments);
    } catch {
      // not cloneable: passed as is
    }
    const toolCtx: LlmToolContext = {
      case: this.ctx.case,
      epoch: this.ctx.epoch,
      signal,
      call: { id: call.id, name: call.name, index },
    };
    let value: unknown;
    try {
      value = await raceAbort(
        Promise.resolve().then(() => fn(args, toolCtx)),
        signal,
        `tool "${call.name}"`,
      );
    } catch (err) {
      if (signal.aborted) throw abortFailure(signal, `tool "${call.name}"`);
      return errorOutcome(errorMessage(err));
    }
    const result = plainJson(value);
    if (fault === "malformed") {
      const text = truncatedJson(result);
      return { result: text, content: text, isError: false, fault };
    }
    return { result, content: resultContent(result), isError: false };
  }
}

/** A JSON copy of a tool's result, so the trace holds data only (undefined becomes null). */
function plainJson(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "string") return value;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  } catch {
    return String(value);
  }
}
