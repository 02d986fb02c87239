import type { ChatMessage, ToolCall } from "../../core/case.ts";
import { abortFailure } from "../../faults/abort.ts";
import type { ChatClient, ChatRequest, ChatResponse, TokenLogprobs } from "../../llm/types.ts";
import type { SimulatedUserTrace, Trace, TraceStep, Usage } from "../types.ts";
import type { ToolRunner } from "./tools.ts";

/** The simulated user's settings, defaults applied. */
export interface SimulatedUser {
  client: ChatClient;
  provider: string;
  persona: string;
  goal: string;
  maxTurns: number;
  stop: string;
}

export interface SessionOptions {
  client: ChatClient;
  /** everything of a request but the messages: options, tools, stream */
  request: Omit<ChatRequest, "messages">;
  /** model calls per user turn */
  maxSteps: number;
  /** runs tool calls; without it the model's tool calls end its turn (they are the answer) */
  runner?: ToolRunner;
  user?: SimulatedUser;
  signal: AbortSignal;
  epoch: number;
  what: string;
}

/** Where a session starts. */
export interface SessionPlan {
  /** the conversation before the first model call */
  initial: ChatMessage[];
  /** whether the model answers `initial` before any scripted turn */
  answerInitial: boolean;
  /** scripted user turns, played in order */
  turns: string[];
}

export interface SessionResult {
  output: string;
  trace: Trace;
  usage: Usage;
  costUsd?: number;
  ttftMs?: number;
  /** every model (and simulated-user) call was answered by the response cache */
  cached?: boolean;
  /** the token log-probabilities of the model call that gave the output, when it had them */
  logprobs?: TokenLogprobs;
  /** the model calls' rate-limit headers: each name's last value (for `assay probe`) */
  headers?: Record<string, string>;
}

/** Sums usage and cost over model calls. */
class Meter {
  usage: Usage = { inputTokens: 0, outputTokens: 0 };
  costUsd: number | undefined;
  calls = 0;
  cachedCalls = 0;

  add(res: ChatResponse): void {
    this.calls++;
    if (res.cached === true) this.cachedCalls++;
    this.usage.inputTokens += res.usage?.inputTokens ?? 0;
    this.usage.outputTokens += res.usage?.outputTokens ?? 0;
    if (res.usage?.cachedTokens !== undefined)
      this.usage.cachedTokens = (this.usage.cachedTokens ?? 0) + res.usage.cachedTokens;
    if (typeof res.costUsd === "number") this.costUsd = (this.costUsd ?? 0) + res.costUsd;
  }
}

/**
 * One case's conversation: the opening, scripted turns and simulated-user turns, each answered by
 * the model with its tool loop. Failures of the chat clients propagate unchanged.
 */
export class Session {
  private readonly conversation: ChatMessage[];
  private readonly steps: TraceStep[] = [];
  private readonly toolCalls: ToolCall[] = [];
  private readonly meter = new Meter();
  private readonly userMeter = new Meter();
  private ttftMs: number | undefined;
  private lastLogprobs: TokenLogprobs | undefined;
  private headers: Record<string, string> | undefined;
  private modelCalls = 0;
  private truncated = false;
  private maxStepsReached = false;
  private callIds = 0;

  constructor(
    private readonly opts: SessionOptions,
    private readonly plan: SessionPlan,
  ) {
    this.conversation = [...plan.initial];
  }

  async run(): Promise<SessionResult> {
    let userTurns = 0;
    if (this.plan.answerInitial) {
      userTurns++;
      await this.respond();
    }
    for (const turn of this.plan.turns) {
      userTurns++;
      this.addUserMessage({ role: "user", content: turn });
      await this.respond();
    }
    let simulated: SimulatedUserTrace | undefined;
    const user = this.opts.user;
    if (user) {
      let turns = 0;
      let stoppedBy: SimulatedUserTrace["stoppedBy"] = "max-turns";
      while (userTurns < user.maxTurns) {
        const next = await this.simulatedUserMessage(user);
        if (next.stop) {
          stoppedBy = next.stop;
          break;
        }
        turns++;
        userTurns++;
        await this.respond();
      }
      simulated = { provider: user.provider, turns, stoppedBy, usage: this.userMeter.usage };
      if (this.userMeter.costUsd !== undefined) simulated.costUsd = this.userMeter.costUsd;
    }
    return this.result(simulated);
  }

  private result(simulated: SimulatedUserTrace | undefined): SessionResult {
    const trace: Trace = { messages: this.conversation, toolCalls: this.toolCalls, steps: this.steps };
    if (this.truncated) trace.truncated = true;
    if (this.maxStepsReached) trace.maxStepsReached = true;
    if (simulated) trace.simulatedUser = simulated;
    let output = "";
    for (let i = this.conversation.length - 1; i >= 0; i--) {
      if (this.conversation[i].role === "assistant") {
        output = this.conversation[i].content;
        break;
      }
    }
    const res: SessionResult = { output, trace, usage: this.meter.usage };
    if (this.meter.costUsd !== undefined) res.costUsd = this.meter.costUsd;
    if (this.ttftMs !== undefined) res.ttftMs = this.ttftMs;
    if (this.lastLogprobs) res.logprobs = this.lastLogprobs;
    if (this.headers) res.headers = this.headers;
    const calls = this.meter.calls + this.userMeter.calls;
    if (calls > 0 && this.meter.cachedCalls + this.userMeter.cachedCalls === calls) res.cached = true;
    return res;
  }

  private checkAbort(): void {
    if (this.opts.signal.aborted) throw abortFailure(this.opts.signal, this.opts.what);
  }

  private addUserMessage(message: ChatMessage, timing?: { startedAt: number; durationMs: number }): void {
    this.conversation.push(message);
    this.steps.push(timing ? { type: "message", message, ...timing } : { type: "message", message });
  }

  /** The model's answer to the conversation, running its tool calls, up to maxSteps model calls. */
  private async respond(): Promise<void> {
    const { client, request, maxSteps, runner, signal, epoch } = this.opts;
    for (let step = 1; ; step++) {
      this.checkAbort();
      const startedAt = Date.now();
      const t0 = performance.now();
      const res = await client.complete({ ...request, messages: [...this.conversation] }, { signal, epoch });
      const durationMs = performance.now() - t0;
      this.modelCalls++;
      this.meter.add(res);
      if (this.modelCalls === 1 && typeof res.ttftMs === "number") this.ttftMs = res.ttftMs;
      if (res.finishReason === "length") this.truncated = true;
      // the output is the last assistant message, so its confidence is the last call's
      this.lastLogprobs = res.logprobs;
      if (res.headers) this.headers = { ...this.headers, ...res.headers };

      const message = this.assistantMessage(res.message);
      this.conversation.push(message);
      this.steps.push({ type: "message", message, startedAt, durationMs });
      const calls = (message.toolCalls ?? []) as Array<ToolCall & { id: string }>;
      this.toolCalls.push(...calls);
      if (calls.length === 0 || !runner) return;
      if (step >= maxSteps) {
        this.maxStepsReached = true;
        return;
      }
      for (const call of calls) {
        this.checkAbort();
        this.steps.push({ type: "tool-call", toolCall: call, startedAt: Date.now() });
        const toolStartedAt = Date.now();
        const t1 = performance.now();
        const outcome = await runner.run(call);
        const resultStep: TraceStep = {
          type: "tool-result",
          toolCall: call,
          result: outcome.result,
          isError: outcome.isError,
          startedAt: toolStartedAt,
          durationMs: performance.now() - t1,
        };
        if (outcome.fault) resultStep.fault = outcome.fault;
        this.steps.push(resultStep);
        this.conversation.push({
          role: "tool",
          content: outcome.content,
          toolCallId: call.id,
          name: call.name,
        });
      }
    }
  }

  /** A copy of the model's message as an assistant message whose tool calls all have ids. */
  private assistantMessage(raw: ChatMessage | undefined): ChatMessage {
    const message: ChatMessage = {
      role: "assistant",
      content: typeof raw?.content === "string" ? raw.content : "",
    };
    if (raw?.toolCalls && raw.toolCalls.length > 0) {
      message.toolCalls = raw.toolCalls.map((c) => ({
        id: typeof c.id === "string" && c.id !== "" ? c.id : `call_${++this.callIds}`,
        name: c.name,
        arguments: c.arguments,
      }));
    }
    return message;
  }

  /** Asks the simulated user for its next message and adds it, or says why the session ends. */
  private async simulatedUserMessage(user: SimulatedUser): Promise<{ stop?: "stop" | "empty" }> {
    this.checkAbort();
    const startedAt = Date.now();
    const t0 = performance.now();
    const res = await user.client.complete(
      { messages: simulatedUserRequest(user, this.conversation) },
      { signal: this.opts.signal, epoch: this.opts.epoch },
    );
    this.userMeter.add(res);
    const text = (typeof res.message?.content === "string" ? res.message.content : "").trim();
    if (text.toLowerCase().includes(user.stop.toLowerCase())) return { stop: "stop" };
    if (text === "") return { stop: "empty" };
    this.addUserMessage({ role: "user", content: text }, { startedAt, durationMs: performance.now() - t0 });
    return {};
  }
}

/**
 * What the simulated user is asked: a system prompt with its persona, goal and stop token, and the
 * conversation so far as a transcript (so any provider accepts it, whoever spoke first).
 */
export function simulatedUserRequest(
  user: Pick<SimulatedUser, "persona" | "goal" | "stop">,
  conversation: ChatMessage[],
): ChatMessage[] {
  const system = [
    "You are playing the part of a user talking to an AI assistant, to test the assistant.",
    `Your persona: ${user.persona}`,
    `Your goal: ${user.goal}`,
    "Write only the user's next message: in character, in the first person, briefly, as this user would type it.",
    "Never write the assistant's part, and do not describe what you are doing.",
    `When your goal has been met, or the assistant cannot help any further, reply with only ${user.stop}`,
  ].join("\n");
  const transcript = conversation
    .filter((m) => (m.role === "user" || m.role === "assistant") && m.content.trim() !== "")
    .map((m) => `${m.role === "user" ? "USER" : "ASSISTANT"}: ${m.content}`)
    .join("\n\n");
  return [
    { role: "system", content: system },
    {
      role: "user",
      content: `The conversation so far:\n\n${transcript}\n\nWrite the user's next message (or ${user.stop} if you are done).`,
    },
  ];
}
