/** Fake judges for the judge tests (not part of the library API). */
import type { ChatClientSpec, LlmRuntime } from "../../llm/client.ts";
import type { ChatCallOptions, ChatClient, ChatRequest, ChatResponse } from "../../llm/types.ts";
import type { EvaluatorCreateContext } from "../types.ts";

export type Reply = string | Partial<ChatResponse> | Error;

export interface RecordedCall {
  request: ChatRequest;
  opts: ChatCallOptions;
}

export function response(content: string, extra: Partial<ChatResponse> = {}): ChatResponse {
  return {
    message: { role: "assistant", content },
    finishReason: "stop",
    usage: { inputTokens: 100, outputTokens: 20 },
    costUsd: 0.001,
    latencyMs: 5,
    model: "fake-judge-2025",
    ...extra,
  };
}

/** A ChatClient whose replies come from `reply(request, opts, callIndex)`; it records every call. */
export class FakeJudge implements ChatClient {
  readonly provider = "openai";
  readonly model = "fake-judge";
  readonly calls: RecordedCall[] = [];
  constructor(
    private readonly reply: (request: ChatRequest, opts: ChatCallOptions, index: number) => Reply,
  ) {}

  describe(): Record<string, unknown> {
    return { provider: this.provider, model: this.model };
  }

  async complete(request: ChatRequest, opts: ChatCallOptions): Promise<ChatResponse> {
    const index = this.calls.length;
    this.calls.push({ request, opts });
    const r = this.reply(request, opts, index);
    if (r instanceof Error) throw r;
    if (typeof r === "string") return response(r);
    return { ...response(""), ...r };
  }
}

/** Always the same reply. */
export function fixedJudge(reply: Reply): FakeJudge {
  return new FakeJudge(() => reply);
}

/** Replies with the prompt it received: every message's text, in order. */
export function echoJudge(): FakeJudge {
  return new FakeJudge((request) => request.messages.map((m) => m.content).join("\n\n"));
}

/** The user message (the data blocks) of a recorded call. */
export function userText(call: RecordedCall): string {
  return call.request.messages
    .filter((m) => m.role === "user")
    .map((m) => m.content)
    .join("\n");
}

export function systemText(call: RecordedCall): string {
  return call.request.messages
    .filter((m) => m.role === "system")
    .map((m) => m.content)
    .join("\n");
}

/** The content of the data block `name` in a prompt, or undefined. */
export function blockContent(text: string, name: string): string | undefined {
  const m = new RegExp(`<assay:${name} id="([0-9a-f]{16})">\\n([\\s\\S]*?)\\n</assay:${name} id="\\1">`).exec(
    text,
  );
  return m ? m[2] : undefined;
}

/** A creation context that hands out `client` and records the spec and runtime it was built with. */
export function judgeContext(
  client: ChatClient,
  baseDir = process.cwd(),
  extra: Partial<EvaluatorCreateContext> = {},
): EvaluatorCreateContext & { specs: ChatClientSpec[]; runtimes: LlmRuntime[] } {
  const specs: ChatClientSpec[] = [];
  const runtimes: LlmRuntime[] = [];
  return {
    baseDir,
    ...extra,
    specs,
    runtimes,
    clientFactory: (spec, runtime) => {
      specs.push(spec);
      runtimes.push(runtime);
      return client;
    },
  };
}
