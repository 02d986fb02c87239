import type { ChatClientSpec } from "../../llm/client.ts";
import { LOGPROBS_CONFIDENCE, logprobsUnsupported } from "../../llm/logprobs.ts";
import type { ChatOptions, Price, ToolDefinition } from "../../llm/types.ts";
import { TargetConfigError } from "../errors.ts";

/** How an injected fault replaces a tool's result. */
export const TOOL_FAULT_KINDS = ["empty", "malformed", "auth", "timeout"] as const;
export type ToolFaultKind = (typeof TOOL_FAULT_KINDS)[number];

export interface ToolFaultSpec {
  tool: string;
  fault: ToolFaultKind;
  /** fraction of the tool's calls that fail, 0..1 (default 1); chosen deterministically per case */
  rate?: number;
}

/** A message template: `content` is Liquid. */
export interface MessageTemplateSpec {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The simulated user of a multi-turn session: an LLM playing the user. */
export interface SimulatedUserSpec {
  provider: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  persona: string;
  goal: string;
  /** user turns in the session, the opening message included (default 6) */
  maxTurns?: number;
  /** the simulated user says this when it is done */
  stop?: string;
}

/** The LLM-specific keys of a target in the suite file; every one optional. */
export interface LlmTargetFields {
  baseUrl?: string;
  apiKeyEnv?: string;
  /** a Liquid template file whose rendering is the user message */
  prompt?: string;
  /** Liquid templates per role */
  messages?: MessageTemplateSpec[];
  options?: ChatOptions;
  stream?: boolean;
  cache?: boolean;
  /** tool definitions, or a JSON/YAML file of them */
  tools?: string | ToolDefinition[];
  /** a JS/TS module whose default export maps tool names to implementations */
  toolsModule?: string;
  /** model calls per user turn (default 10) */
  maxSteps?: number;
  toolFaults?: ToolFaultSpec[];
  user?: SimulatedUserSpec;
  limits?: { concurrency?: number; rpm?: number; tpm?: number };
  price?: Price;
  /** the variant levels this target stands for (set by `variants:`; recorded in describe()) */
  factors?: Record<string, string | number>;
}

/** A `provider:` target as written in the suite file. */
export interface LlmTargetSpec extends LlmTargetFields {
  id: string;
  /** `openai:<model>` or `anthropic:<model>` */
  provider: string;
  /**
   * `logprobs`: the output's confidence is exp(mean token logprob) of the answer (OpenAI only).
   * A JSONPath here is read from the output by the generic wrapper (src/targets/confidence.ts).
   */
  confidence?: string;
}

export const LLM_TARGET_KEYS: readonly (keyof LlmTargetFields)[] = [
  "baseUrl",
  "apiKeyEnv",
  "prompt",
  "messages",
  "options",
  "stream",
  "cache",
  "tools",
  "toolsModule",
  "maxSteps",
  "toolFaults",
  "user",
  "limits",
  "price",
  "factors",
];

export { LOGPROBS_CONFIDENCE };

export const DEFAULT_MAX_STEPS = 10;
export const DEFAULT_MAX_TURNS = 6;

const PROVIDER = /^(openai|anthropic):(.+)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ROLES = new Set(["system", "user", "assistant"]);

export interface ParsedProvider {
  provider: "openai" | "anthropic";
  model: string;
}

export function parseProvider(text: unknown): ParsedProvider | undefined {
  if (typeof text !== "string") return undefined;
  const m = PROVIDER.exec(text);
  if (!m || m[2].trim() === "") return undefined;
  return { provider: m[1] as "openai" | "anthropic", model: m[2] };
}

/** What the checks below establish about a spec. */
export interface CheckedSpec {
  provider: ParsedProvider;
  userProvider?: ParsedProvider;
  maxSteps: number;
  maxTurns: number;
  /** `confidence: logprobs`: ask for token log-probabilities and derive the confidence from them */
  logprobs: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Checks what can be checked without reading files: a mistake is a TargetConfigError whose
 * `field` is the key at fault. Files (prompt, tools, toolsModule) are checked by `prepare()`.
 */
export function checkSpec(spec: LlmTargetSpec): CheckedSpec {
  const { id } = spec;
  const fail = (message: string, field: string): never => {
    throw new TargetConfigError(`llm target "${id}": ${message}`, { targetId: id, field });
  };
  const provider = parseProvider(spec.provider);
  if (!provider)
    fail(`provider must be openai:<model> or anthropic:<model>, got ${show(spec.provider)}`, "provider");
  optionalString(spec.baseUrl, "baseUrl", fail);
  if (spec.baseUrl !== undefined && !/^https?:\/\//i.test(spec.baseUrl))
    fail("baseUrl must start with http:// or https://", "baseUrl");
  if (spec.apiKeyEnv !== undefined && (typeof spec.apiKeyEnv !== "string" || !ENV_NAME.test(spec.apiKeyEnv)))
    fail("apiKeyEnv must be the name of an environment variable", "apiKeyEnv");
  if (spec.prompt !== undefined && (typeof spec.prompt !== "string" || spec.prompt === ""))
    fail("prompt must be the path of a template file", "prompt");
  if (spec.messages !== undefined) {
    if (!Array.isArray(spec.messages) || spec.messages.length === 0)
      fail("messages must be a non-empty list of { role, content }", "messages");
    spec.messages.forEach((m, i) => {
      if (!isObject(m)) fail("must be { role, content }", `messages.${i}`);
      if (!ROLES.has(m.role as string)) fail("role must be system, user or assistant", `messages.${i}.role`);
      if (typeof m.content !== "string") fail("content must be a string", `messages.${i}.content`);
    });
  }
  if (spec.options !== undefined && !isObject(spec.options)) fail("options must be an object", "options");
  optionalBoolean(spec.stream, "stream", fail);
  optionalBoolean(spec.cache, "cache", fail);
  if (spec.tools !== undefined && typeof spec.tools !== "string") checkTools(spec.tools, "tools", fail);
  if (spec.toolsModule !== undefined) {
    if (typeof spec.toolsModule !== "string" || !/\.(c|m)?(t|j)s$/i.test(spec.toolsModule))
      fail("toolsModule must be a .ts, .mts, .js or .mjs file", "toolsModule");
    if (spec.tools === undefined)
      fail("toolsModule needs tools: the definitions the model sees", "toolsModule");
  }
  const maxSteps = spec.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) fail("maxSteps must be a positive integer", "maxSteps");
  if (spec.toolFaults !== undefined) {
    if (!Array.isArray(spec.toolFaults)) fail("toolFaults must be a list", "toolFaults");
    if (spec.toolsModule === undefined)
      fail("toolFaults need a toolsModule (faults replace the results of tools that run)", "toolFaults");
    const declared =
      Array.isArray(spec.tools) && spec.tools.every(isObject)
        ? new Set(spec.tools.map((t) => t.name))
        : undefined;
    spec.toolFaults.forEach((f, i) => {
      if (!isObject(f)) fail("must be { tool, fault, rate? }", `toolFaults.${i}`);
      if (typeof f.tool !== "string" || f.tool === "")
        fail("tool must be a tool name", `toolFaults.${i}.tool`);
      if (declared && !declared.has(f.tool)) fail(`no tool "${f.tool}" in tools`, `toolFaults.${i}.tool`);
      if (!(TOOL_FAULT_KINDS as readonly unknown[]).includes(f.fault))
        fail(`fault must be one of ${TOOL_FAULT_KINDS.join(", ")}`, `toolFaults.${i}.fault`);
      if (f.rate !== undefined && (typeof f.rate !== "number" || !(f.rate >= 0 && f.rate <= 1)))
        fail("rate must be a number from 0 to 1", `toolFaults.${i}.rate`);
    });
  }
  let userProvider: ParsedProvider | undefined;
  let maxTurns = DEFAULT_MAX_TURNS;
  if (spec.user !== undefined) {
    const u = spec.user;
    if (!isObject(u)) fail("user must be { provider, persona, goal, maxTurns?, stop? }", "user");
    userProvider = parseProvider(u.provider);
    if (!userProvider) fail("provider must be openai:<model> or anthropic:<model>", "user.provider");
    for (const key of ["persona", "goal"] as const) {
      if (typeof u[key] !== "string" || u[key].trim() === "")
        fail(`${key} must be a non-empty string`, `user.${key}`);
    }
    optionalString(u.baseUrl, "user.baseUrl", fail);
    if (u.apiKeyEnv !== undefined && (typeof u.apiKeyEnv !== "string" || !ENV_NAME.test(u.apiKeyEnv)))
      fail("apiKeyEnv must be the name of an environment variable", "user.apiKeyEnv");
    if (u.stop !== undefined && (typeof u.stop !== "string" || u.stop.trim() === ""))
      fail("stop must be a non-empty string", "user.stop");
    maxTurns = u.maxTurns ?? DEFAULT_MAX_TURNS;
    if (!Number.isInteger(maxTurns) || maxTurns < 1)
      fail("maxTurns must be a positive integer", "user.maxTurns");
  }
  if (spec.limits !== undefined && !isObject(spec.limits)) fail("limits must be an object", "limits");
  if (spec.price !== undefined) {
    const p = spec.price;
    if (!isObject(p) || typeof p.input !== "number" || typeof p.output !== "number")
      fail("price must be { input, output } in USD per million tokens", "price");
  }
  const logprobs = spec.confidence === LOGPROBS_CONFIDENCE;
  if (logprobs) {
    const why = logprobsUnsupported(spec.provider);
    if (why) fail(why, "confidence");
  }
  return { provider: provider as ParsedProvider, userProvider, maxSteps, maxTurns, logprobs };
}

/** Tool definitions: `{ name, description?, parameters }` with unique names. */
export function checkTools(
  tools: unknown,
  field: string,
  fail: (message: string, field: string) => never,
): ToolDefinition[] {
  if (!Array.isArray(tools)) fail("tools must be a list of { name, description?, parameters }", field);
  const seen = new Set<string>();
  const out: ToolDefinition[] = [];
  tools.forEach((raw: unknown, i: number) => {
    // The OpenAI wire shape { type: "function", function: {…} } is accepted too.
    const t = isObject(raw) && raw.type === "function" && isObject(raw.function) ? raw.function : raw;
    if (!isObject(t)) fail("must be { name, description?, parameters }", `${field}.${i}`);
    if (typeof t.name !== "string" || !/^[A-Za-z0-9_.-]{1,128}$/.test(t.name))
      fail("name must be letters, digits, '_', '.' or '-'", `${field}.${i}.name`);
    if (seen.has(t.name)) fail(`tool "${t.name}" is defined twice`, `${field}.${i}.name`);
    seen.add(t.name);
    if (t.description !== undefined && typeof t.description !== "string")
      fail("description must be a string", `${field}.${i}.description`);
    if (t.parameters !== undefined && !isObject(t.parameters))
      fail("parameters must be a JSON Schema object", `${field}.${i}.parameters`);
    const def: ToolDefinition = {
      name: t.name,
      parameters: (t.parameters as Record<string, unknown> | undefined) ?? { type: "object", properties: {} },
    };
    if (t.description !== undefined) def.description = t.description as string;
    out.push(def);
  });
  return out;
}

/** The client spec of the target model (no secrets: the key is read from `apiKeyEnv` by the client). */
export function targetClientSpec(spec: LlmTargetSpec): ChatClientSpec {
  const out: ChatClientSpec = { provider: spec.provider, cache: spec.cache === true };
  if (spec.baseUrl !== undefined) out.baseUrl = spec.baseUrl;
  if (spec.apiKeyEnv !== undefined) out.apiKeyEnv = spec.apiKeyEnv;
  if (spec.price !== undefined) out.price = spec.price;
  if (spec.limits !== undefined) out.limits = spec.limits;
  return out;
}

/** The client spec of the simulated user; cached when the target is, so a cached session replays whole. */
export function userClientSpec(spec: LlmTargetSpec, user: SimulatedUserSpec): ChatClientSpec {
  const out: ChatClientSpec = { provider: user.provider, cache: spec.cache === true };
  if (user.baseUrl !== undefined) out.baseUrl = user.baseUrl;
  if (user.apiKeyEnv !== undefined) out.apiKeyEnv = user.apiKeyEnv;
  return out;
}

function optionalString(v: unknown, field: string, fail: (m: string, f: string) => never): void {
  if (v !== undefined && (typeof v !== "string" || v === ""))
    fail(`${field} must be a non-empty string`, field);
}

function optionalBoolean(v: unknown, field: string, fail: (m: string, f: string) => never): void {
  if (v !== undefined && typeof v !== "boolean") fail(`${field} must be true or false`, field);
}

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}
