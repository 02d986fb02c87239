import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { InputError } from "../../config/errors.ts";
import type { Case, ChatMessage } from "../../core/case.ts";
import { errorMessage, raceAbort } from "../../faults/abort.ts";
import { redactUrl } from "../../faults/secrets.ts";
import { type ChatClientSpec, createChatClient, type LlmRuntime } from "../../llm/client.ts";
import { logprobConfidence } from "../../llm/logprobs.ts";
import type { ChatClient, ChatRequest, ToolDefinition } from "../../llm/types.ts";
import { TargetConfigError } from "../errors.ts";
import { type Target, type TargetCallContext, TargetFailure, type TargetResponse } from "../types.ts";
import { Session, type SessionPlan, type SimulatedUser } from "./session.ts";
import {
  type CheckedSpec,
  checkSpec,
  checkTools,
  type LlmTargetSpec,
  LOGPROBS_CONFIDENCE,
  type ToolFaultSpec,
  targetClientSpec,
  userClientSpec,
} from "./spec.ts";
import {
  asMessageText,
  compilePrompt,
  createPromptLiquid,
  type PromptTemplates,
  readPromptFile,
  renderMessages,
  templateHash,
  templateScope,
} from "./templates.ts";
import { type LlmToolFunction, loadToolsModule, readToolsFile, ToolRunner } from "./tools.ts";

export { type SessionPlan, type SimulatedUser, simulatedUserRequest } from "./session.ts";
export {
  DEFAULT_MAX_STEPS,
  DEFAULT_MAX_TURNS,
  LLM_TARGET_KEYS,
  type LlmTargetFields,
  type LlmTargetSpec,
  LOGPROBS_CONFIDENCE,
  type MessageTemplateSpec,
  parseProvider,
  type SimulatedUserSpec,
  TOOL_FAULT_KINDS,
  type ToolFaultKind,
  type ToolFaultSpec,
} from "./spec.ts";
export { faultDraw, type LlmToolContext, type LlmToolFunction, pickFault } from "./tools.ts";

/** Builds the chat client for a spec; tests inject a scripted one. */
export type ChatClientFactory = (spec: ChatClientSpec, runtime: LlmRuntime) => ChatClient;

export interface LlmTargetOptions {
  /** the suite's directory: prompt, tools and toolsModule paths resolve against it */
  baseDir: string;
  runtime: LlmRuntime;
  /** default: createChatClient */
  clientFactory?: ChatClientFactory;
}

/** The simulated user's stop token when the suite names none. */
export const DEFAULT_USER_STOP = "[DONE]";

const SYSTEM_ONLY: ReadonlySet<ChatMessage["role"]> = new Set(["system"]);
const CASE_ROLES = new Set(["system", "user", "assistant", "tool"]);

interface Loaded {
  templates: PromptTemplates;
  tools: ToolDefinition[];
  /** sha256 of the tools file, when the tools come from one */
  toolsFileHash?: string;
  toolTable?: Map<string, LlmToolFunction>;
  toolsModuleHash?: string;
  client: ChatClient;
  userClient?: ChatClient;
}

/**
 * A model behind a prompt (DESIGN.md §1, `provider:` targets): renders the case into a
 * conversation, calls the model through a ChatClient, runs its tool calls against the target's
 * toolsModule (with injected faults), plays scripted or simulated user turns, and returns the final
 * answer with the whole session as its trace. Files and clients are loaded by `prepare()`.
 */
export function createLlmTarget(spec: LlmTargetSpec, opts: LlmTargetOptions): Target {
  const { id } = spec;
  const checked: CheckedSpec = checkSpec(spec);
  const factory = opts.clientFactory ?? createChatClient;
  const liquid = createPromptLiquid(opts.baseDir);
  const what = `llm target "${id}"`;
  const wantsLogprobs = checked.logprobs;
  const faults: ToolFaultSpec[] = (spec.toolFaults ?? []).map((f) => ({
    tool: f.tool,
    fault: f.fault,
    rate: f.rate ?? 1,
  }));
  let loading: Promise<Loaded> | undefined;
  let loaded: Loaded | undefined;

  const load = (): Promise<Loaded> => {
    loading ??= loadAll().then((l) => {
      loaded = l;
      return l;
    });
    return loading;
  };

  const makeClient = (clientSpec: ChatClientSpec, field: string): ChatClient => {
    try {
      return factory(clientSpec, opts.runtime);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new TargetConfigError(
        `${what}: cannot create the ${clientSpec.provider} client: ${errorMessage(err)}`,
        {
          targetId: id,
          field,
        },
      );
    }
  };

  async function loadAll(): Promise<Loaded> {
    const promptFile = spec.prompt !== undefined ? readPromptFile(id, opts.baseDir, spec.prompt) : undefined;
    const templates = compilePrompt(liquid, id, spec.messages, promptFile);
    let tools: ToolDefinition[] = [];
    let toolsFileHash: string | undefined;
    if (typeof spec.tools === "string") {
      const read = readToolsFile(id, opts.baseDir, spec.tools);
      tools = read.tools;
      toolsFileHash = sha256(read.text);
      const names = new Set(tools.map((t) => t.name));
      faults.forEach((f, i) => {
        if (!names.has(f.tool)) {
          throw new TargetConfigError(`${what}: no tool "${f.tool}" in ${spec.tools}`, {
            targetId: id,
            field: `toolFaults.${i}.tool`,
          });
        }
      });
    } else if (spec.tools !== undefined) {
      tools = checkTools(spec.tools, "tools", (message, field) => {
        throw new TargetConfigError(`${what}: ${message}`, { targetId: id, field });
      });
    }
    const result: Loaded = { templates, tools, client: makeClient(targetClientSpec(spec), "provider") };
    if (toolsFileHash !== undefined) result.toolsFileHash = toolsFileHash;
    if (spec.toolsModule !== undefined) {
      const mod = await loadToolsModule(id, opts.baseDir, spec.toolsModule, tools);
      result.toolTable = mod.table;
      result.toolsModuleHash = mod.hash;
    }
    if (spec.user !== undefined)
      result.userClient = makeClient(userClientSpec(spec, spec.user), "user.provider");
    return result;
  }

  const describe = (): Record<string, unknown> => {
    const d: Record<string, unknown> = { provider: checked.provider.provider, model: checked.provider.model };
    if (spec.baseUrl !== undefined) d.baseUrl = redactUrl(spec.baseUrl);
    if (spec.prompt !== undefined) d.prompt = spec.prompt;
    if (spec.messages !== undefined)
      d.messages = spec.messages.map((m) => ({ role: m.role, content: m.content }));
    d.promptHash =
      loaded?.templates.hash ??
      templateHash(
        spec.messages,
        spec.prompt !== undefined ? readText(resolve(opts.baseDir, spec.prompt)) : undefined,
        opts.baseDir,
      );
    if (spec.options !== undefined) d.options = structuredClone(spec.options);
    if (spec.stream === true) d.stream = true;
    if (wantsLogprobs) d.confidence = LOGPROBS_CONFIDENCE;
    if (typeof spec.tools === "string") {
      d.tools = {
        file: spec.tools,
        sha256: loaded?.toolsFileHash ?? fileHash(resolve(opts.baseDir, spec.tools)),
      };
    } else if (spec.tools !== undefined) {
      d.tools = structuredClone(spec.tools);
    }
    if (spec.toolsModule !== undefined) {
      d.toolsModule = {
        file: spec.toolsModule,
        sha256: loaded?.toolsModuleHash ?? fileHash(resolve(opts.baseDir, spec.toolsModule)),
      };
    }
    if (spec.tools !== undefined) d.maxSteps = checked.maxSteps;
    if (faults.length > 0) d.toolFaults = faults.map((f) => ({ ...f }));
    if (spec.user !== undefined && checked.userProvider) {
      const u = spec.user;
      const user: Record<string, unknown> = {
        provider: checked.userProvider.provider,
        model: checked.userProvider.model,
        persona: u.persona,
        goal: u.goal,
        maxTurns: checked.maxTurns,
        stop: u.stop ?? DEFAULT_USER_STOP,
      };
      if (u.baseUrl !== undefined) user.baseUrl = redactUrl(u.baseUrl);
      d.user = user;
    }
    if (spec.limits !== undefined) d.limits = { ...spec.limits };
    if (spec.price !== undefined) d.price = { ...spec.price };
    // variants (issue 13): compare reads the levels back from the run's target configuration
    if (spec.factors !== undefined) d.factors = { ...spec.factors };
    return d;
  };

  return {
    id,
    kind: "llm",
    describe,
    async prepare() {
      await load();
    },
    async call(ctx: TargetCallContext): Promise<TargetResponse> {
      const l = await raceAbort(load(), ctx.signal, what);
      const c = ctx.case;
      const plan = planSession(l, c, ctx.epoch, liquid, what);
      const request: Omit<ChatRequest, "messages"> = { ...structuredClone(spec.options ?? {}) };
      if (l.tools.length > 0) request.tools = l.tools;
      if (spec.stream === true) request.stream = true;
      if (wantsLogprobs) request.logprobs = true;
      const caseInfo =
        c.cluster === undefined
          ? { id: c.id, tags: { ...c.tags } }
          : { id: c.id, tags: { ...c.tags }, cluster: c.cluster };
      const runner = l.toolTable
        ? new ToolRunner(new Set(l.tools.map((t) => t.name)), l.toolTable, faults, {
            case: caseInfo,
            caseId: c.id,
            epoch: ctx.epoch,
            signal: ctx.signal,
          })
        : undefined;
      let user: SimulatedUser | undefined;
      if (spec.user !== undefined && l.userClient) {
        user = {
          client: l.userClient,
          provider: spec.user.provider,
          persona: spec.user.persona,
          goal: spec.user.goal,
          maxTurns: checked.maxTurns,
          stop: spec.user.stop ?? DEFAULT_USER_STOP,
        };
      }
      const session = new Session(
        {
          client: l.client,
          request,
          maxSteps: checked.maxSteps,
          runner,
          user,
          signal: ctx.signal,
          epoch: ctx.epoch,
          what,
        },
        plan,
      );
      const r = await session.run();
      const response: TargetResponse = { output: r.output, trace: r.trace, usage: r.usage };
      if (r.costUsd !== undefined) response.costUsd = r.costUsd;
      if (r.ttftMs !== undefined) response.ttftMs = r.ttftMs;
      if (r.cached === true) response.cached = true;
      if (r.headers) response.headers = r.headers;
      if (wantsLogprobs) {
        // no log-probabilities (a server that sends none, a tool call, a refusal): no confidence, never 0
        const confidence = logprobConfidence(r.logprobs);
        if (confidence !== undefined) response.confidence = confidence;
      }
      return response;
    },
    async close() {
      const l = loaded;
      if (!l) return;
      await l.client.close?.();
      if (l.userClient && l.userClient !== l.client) await l.userClient.close?.();
    },
  } satisfies Target & { prepare(): Promise<void> };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Where the conversation starts, from the case input:
 * - `{ messages }`: the target's system templates, then those messages; `{ turns }`: the system
 *   templates, then each turn played in order (both may be given: the messages are the history);
 * - a string or an object of variables: the rendered templates, with the input as the user
 *   message when no template makes one.
 */
function planSession(
  l: Loaded,
  c: Case,
  epoch: number,
  liquid: ReturnType<typeof createPromptLiquid>,
  what: string,
): SessionPlan {
  const scope = templateScope(c, epoch);
  const input: unknown = c.input;
  const render = (roles?: ReadonlySet<ChatMessage["role"]>): ChatMessage[] => {
    try {
      return renderMessages(liquid, l.templates.messages, scope, roles);
    } catch (err) {
      throw new TargetFailure("target-crash", `${what}: cannot render the prompt: ${errorMessage(err)}`);
    }
  };
  if (isObject(input) && (input.messages !== undefined || input.turns !== undefined)) {
    const history = input.messages === undefined ? [] : caseMessages(input.messages, what);
    const turns = input.turns === undefined ? [] : caseTurns(input.turns, what);
    if (history.length === 0 && turns.length === 0)
      throw new TargetFailure("client-error", `${what}: the case input has no messages and no turns`);
    const last = history[history.length - 1];
    return {
      initial: [...render(SYSTEM_ONLY), ...history],
      answerInitial: history.length > 0 && (turns.length === 0 || last.role !== "assistant"),
      turns,
    };
  }
  const initial = render();
  if (!l.templates.hasUserTemplate) initial.push({ role: "user", content: asMessageText(scope.input) });
  return { initial, answerInitial: true, turns: [] };
}

function caseMessages(raw: unknown, what: string): ChatMessage[] {
  const bad = (i: number, why: string): never => {
    throw new TargetFailure("client-error", `${what}: case input messages[${i}] ${why}`);
  };
  if (!Array.isArray(raw))
    throw new TargetFailure("client-error", `${what}: case input messages must be a list`);
  return raw.map((m: unknown, i: number) => {
    if (!isObject(m)) return bad(i, "must be { role, content }");
    if (typeof m.role !== "string" || !CASE_ROLES.has(m.role)) return bad(i, "has no valid role");
    if (m.content !== undefined && m.content !== null && typeof m.content !== "string")
      return bad(i, "content must be a string");
    const message: ChatMessage = {
      role: m.role as ChatMessage["role"],
      content: (m.content as string | null) ?? "",
    };
    if (typeof m.name === "string") message.name = m.name;
    if (typeof m.toolCallId === "string") message.toolCallId = m.toolCallId;
    if (Array.isArray(m.toolCalls))
      message.toolCalls = structuredClone(m.toolCalls) as ChatMessage["toolCalls"];
    return message;
  });
}

function caseTurns(raw: unknown, what: string): string[] {
  if (!Array.isArray(raw) || raw.some((t) => typeof t !== "string" || t === "")) {
    throw new TargetFailure("client-error", `${what}: case input turns must be a list of non-empty strings`);
  }
  return raw as string[];
}

function sha256(text: string | Buffer): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function fileHash(file: string): string | null {
  try {
    return sha256(readFileSync(file));
  } catch {
    return null;
  }
}
