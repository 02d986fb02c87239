import type { Usage } from "../../../src/core/output.ts";
import type { ChatClientSpec, LlmRuntime } from "../../../src/llm/client.ts";
import type {
  ChatCallOptions,
  ChatClient,
  ChatRequest,
  ChatResponse,
  FinishReason,
} from "../../../src/llm/types.ts";
import type { ChatClientFactory } from "../../../src/targets/llm/index.ts";

/** One scripted answer: a response, an error to throw, or a function of the request. */
export type Scripted = ChatResponse | Error | ((request: ChatRequest) => ChatResponse);

export interface SeenCall {
  request: ChatRequest;
  epoch?: number;
  noCache?: boolean;
}

/** A ChatClient that records every request and answers from a script. */
export class FakeChatClient implements ChatClient {
  readonly provider: string;
  readonly model: string;
  readonly calls: SeenCall[] = [];
  closed = false;
  private readonly script: Scripted[];
  /** what answers once the script is used up (default: throws) */
  fallback?: Scripted;

  constructor(provider: string, script: Scripted[] = []) {
    const [p, ...rest] = provider.split(":");
    this.provider = p;
    this.model = rest.join(":");
    this.script = [...script];
  }

  /** the requests' messages, deep-copied when they were made */
  get requests(): ChatRequest[] {
    return this.calls.map((c) => c.request);
  }

  push(...items: Scripted[]): this {
    this.script.push(...items);
    return this;
  }

  describe(): Record<string, unknown> {
    return { provider: this.provider, model: this.model };
  }

  async complete(request: ChatRequest, opts: ChatCallOptions): Promise<ChatResponse> {
    this.calls.push({ request: structuredClone(request), epoch: opts.epoch, noCache: opts.noCache });
    const next = this.script.length > 0 ? this.script.shift() : this.fallback;
    if (next === undefined) throw new Error(`${this.provider}:${this.model}: the script is used up`);
    if (next instanceof Error) throw next;
    return typeof next === "function" ? next(request) : structuredClone(next);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export function reply(
  text: string,
  extra: { usage?: Usage; costUsd?: number; ttftMs?: number; finishReason?: FinishReason } = {},
): ChatResponse {
  const res: ChatResponse = {
    message: { role: "assistant", content: text },
    finishReason: extra.finishReason ?? "stop",
    usage: extra.usage ?? { inputTokens: 10, outputTokens: 5 },
    latencyMs: 12,
    model: "fake-model",
  };
  if (extra.costUsd !== undefined) res.costUsd = extra.costUsd;
  if (extra.ttftMs !== undefined) res.ttftMs = extra.ttftMs;
  return res;
}

export function toolReply(
  calls: Array<{ name: string; arguments: unknown; id?: string }>,
  extra: { usage?: Usage; costUsd?: number; text?: string } = {},
): ChatResponse {
  const res = reply(extra.text ?? "", {
    usage: extra.usage,
    costUsd: extra.costUsd,
    finishReason: "tool_calls",
  });
  res.message.toolCalls = calls.map((c) => ({ ...c }));
  return res;
}

/** A client factory that hands out the given fakes by provider string and records the specs it saw. */
export function fakeFactory(clients: Record<string, FakeChatClient>): {
  factory: ChatClientFactory;
  specs: ChatClientSpec[];
  runtimes: LlmRuntime[];
} {
  const specs: ChatClientSpec[] = [];
  const runtimes: LlmRuntime[] = [];
  return {
    specs,
    runtimes,
    factory: (spec, runtime) => {
      specs.push(spec);
      runtimes.push(runtime);
      const client = clients[spec.provider];
      if (!client) throw new Error(`no fake client for ${spec.provider}`);
      return client;
    },
  };
}

export const RUNTIME: LlmRuntime = { cacheMode: "default", env: { OPENAI_API_KEY: "sk-test-SECRET-123456" } };
