import { extname } from "node:path";
import { isObject } from "./names.ts";
import type { ImportContext, Origin } from "./source.ts";

/**
 * promptfoo provider ids → assay's LLM clients. assay speaks two wire protocols, OpenAI chat
 * completions and Anthropic messages; promptfoo's `openai:*` and `anthropic:*` providers map
 * directly, and the vendors whose APIs are OpenAI-compatible map to `openai:<model>` with their
 * base URL and key variable. An `openai:*` provider without an `apiBaseUrl` gets no `baseUrl`, so
 * the client honours OPENAI_BASE_URL and OPENAI_API_KEY from the environment, as the official SDK
 * (and promptfoo) do.
 */

export interface LlmModel {
  /** `openai:<model>` or `anthropic:<model>` */
  provider: string;
  baseUrl?: string;
  apiKeyEnv?: string;
}

/** Vendors promptfoo reaches over an OpenAI-compatible API (their documented endpoints). */
const OPENAI_COMPATIBLE: Record<string, { baseUrl: string; apiKeyEnv: string }> = {
  groq: { baseUrl: "https://api.groq.com/openai/v1", apiKeyEnv: "GROQ_API_KEY" },
  deepseek: { baseUrl: "https://api.deepseek.com/v1", apiKeyEnv: "DEEPSEEK_API_KEY" },
  mistral: { baseUrl: "https://api.mistral.ai/v1", apiKeyEnv: "MISTRAL_API_KEY" },
  openrouter: { baseUrl: "https://openrouter.ai/api/v1", apiKeyEnv: "OPENROUTER_API_KEY" },
  togetherai: { baseUrl: "https://api.together.xyz/v1", apiKeyEnv: "TOGETHER_API_KEY" },
  fireworks: { baseUrl: "https://api.fireworks.ai/inference/v1", apiKeyEnv: "FIREWORKS_API_KEY" },
  perplexity: { baseUrl: "https://api.perplexity.ai", apiKeyEnv: "PERPLEXITY_API_KEY" },
  xai: { baseUrl: "https://api.x.ai/v1", apiKeyEnv: "XAI_API_KEY" },
  cerebras: { baseUrl: "https://api.cerebras.ai/v1", apiKeyEnv: "CEREBRAS_API_KEY" },
  ollama: { baseUrl: "http://localhost:11434/v1", apiKeyEnv: "OLLAMA_API_KEY" },
  litellm: { baseUrl: "http://localhost:4000/v1", apiKeyEnv: "LITELLM_API_KEY" },
};

/** Endpoint kinds in a provider id (`openai:chat:gpt-4o`); the value says what assay makes of it. */
const ENDPOINTS: Record<string, "chat" | "as-chat" | "unsupported"> = {
  chat: "chat",
  messages: "chat",
  completion: "as-chat",
  responses: "as-chat",
  embedding: "unsupported",
  embeddings: "unsupported",
  image: "unsupported",
  moderation: "unsupported",
  assistant: "unsupported",
  realtime: "unsupported",
  transcription: "unsupported",
  tts: "unsupported",
  video: "unsupported",
};

export type MappedModel = { model: LlmModel; caveat?: string } | { unsupported: string };

/** A promptfoo provider id as one of assay's LLM clients, or why it cannot be. */
export function mapModelId(id: string): MappedModel {
  const [vendor, ...rest] = id.split(":");
  const family =
    vendor === "openai" || vendor === "anthropic" ? vendor : OPENAI_COMPATIBLE[vendor] && "compatible";
  if (!family || rest.length === 0) {
    return {
      unsupported: `promptfoo provider "${id}" is not an OpenAI- or Anthropic-compatible chat model; assay's provider targets speak only those two protocols`,
    };
  }
  let caveat: string | undefined;
  const kind = ENDPOINTS[rest[0]];
  if (kind !== undefined && rest.length > 1) {
    if (kind === "unsupported") return { unsupported: `"${id}" is a ${rest[0]} endpoint, not a chat model` };
    if (kind === "as-chat")
      caveat = `"${id}" uses the ${rest[0]} API; assay calls the model through chat ${family === "anthropic" ? "messages" : "completions"}`;
    rest.shift();
  }
  const model = rest.join(":");
  if (family === "compatible") {
    const v = OPENAI_COMPATIBLE[vendor];
    return { model: { provider: `openai:${model}`, baseUrl: v.baseUrl, apiKeyEnv: v.apiKeyEnv }, caveat };
  }
  return { model: { provider: `${family}:${model}` }, caveat };
}

/** Chat options as assay's provider targets take them (`targets[].options`). */
export interface ChatOptionsInput {
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  responseFormat?: Record<string, unknown>;
}

const ENV_TEMPLATE = /^\s*\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$/;

/**
 * A provider's `config` as target fields: the endpoint (`apiBaseUrl`, `apiHost`), the key
 * variable (`apiKeyEnvar`, or `apiKey: "{{ env.X }}"`), and sampling options. A literal `apiKey`
 * is never copied (secrets do not go into suite files); every other key is reported.
 */
export function mapProviderConfig(
  config: Record<string, unknown>,
  model: LlmModel,
  origin: Origin,
  ctx: ImportContext,
  owner: string,
): { model: LlmModel; options: ChatOptionsInput } {
  const out: LlmModel = { ...model };
  const options: ChatOptionsInput = {};
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  for (const [key, value] of Object.entries(config)) {
    const where = origin.at([key]);
    const unsupported = (why: string) => ctx.note(where, `${owner} config.${key}`, why);
    switch (key) {
      case "temperature":
      case "top_p":
      case "seed": {
        const n = num(value);
        if (n === undefined) unsupported("not a number");
        else if (key === "temperature") options.temperature = n;
        else if (key === "top_p") options.topP = n;
        else if (Number.isInteger(n)) options.seed = n;
        else unsupported("not an integer");
        break;
      }
      case "max_tokens":
      case "max_completion_tokens":
      case "maxTokens": {
        const n = num(value);
        if (n !== undefined && Number.isInteger(n) && n > 0) options.maxTokens = n;
        else unsupported("not a positive integer");
        break;
      }
      case "stop":
      case "stop_sequences":
        if (typeof value === "string") options.stop = [value];
        else if (Array.isArray(value) && value.every((s) => typeof s === "string")) options.stop = value;
        else unsupported("not a string or a list of strings");
        break;
      case "response_format": {
        const rf = responseFormat(value);
        if (rf) options.responseFormat = rf;
        else
          unsupported("only {type: text | json_object | json_schema} with an inline schema is carried over");
        break;
      }
      case "apiBaseUrl":
      case "apiHost":
      case "basePath": {
        if (typeof value !== "string" || value.includes("{{")) {
          unsupported("a templated or non-string endpoint; set the target's baseUrl by hand");
          break;
        }
        out.baseUrl = key === "apiHost" && !/^https?:\/\//.test(value) ? `https://${value}/v1` : value;
        break;
      }
      case "apiKeyEnvar":
        if (typeof value === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) out.apiKeyEnv = value;
        else unsupported("not an environment variable name");
        break;
      case "apiKey": {
        const env = typeof value === "string" ? ENV_TEMPLATE.exec(value) : null;
        if (env) out.apiKeyEnv = env[1];
        else
          unsupported(
            `a literal API key is never copied into the suite; put it in ${out.apiKeyEnv ?? defaultKeyEnv(out.provider)} (or set apiKeyEnv)`,
          );
        break;
      }
      default:
        unsupported("no equivalent among assay's provider target options");
    }
  }
  return { model: out, options };
}

function defaultKeyEnv(provider: string): string {
  return provider.startsWith("anthropic:") ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
}

function responseFormat(value: unknown): Record<string, unknown> | undefined {
  if (!isObject(value)) return undefined;
  if (value.type === "text" || value.type === "json_object") return { type: value.type };
  if (value.type === "json_schema" && isObject(value.json_schema) && isObject(value.json_schema.schema)) {
    const js = value.json_schema;
    return {
      type: "json_schema",
      name: typeof js.name === "string" ? js.name : "response",
      schema: js.schema,
      ...(typeof js.strict === "boolean" ? { strict: js.strict } : {}),
    };
  }
  return undefined;
}

/** A provider as written in promptfoo: its id, label, config and prompt filter, with where it is. */
export interface ProviderEntry {
  id: string;
  label?: string;
  config: Record<string, unknown>;
  prompts?: string[];
  origin: Origin;
  /** other keys of the entry (transform, delay, env…), reported by the caller */
  extra: string[];
}

/**
 * The shapes promptfoo accepts for one provider: `"openai:gpt-4o"`, `{id, label, config, prompts}`,
 * or the older `{"openai:gpt-4o": {config, label}}` map. Undefined when it is none of them.
 */
export function readProviderEntry(raw: unknown, origin: Origin): ProviderEntry | undefined {
  if (typeof raw === "string") return { id: raw, config: {}, origin, extra: [] };
  if (!isObject(raw)) return undefined;
  let id: unknown = raw.id;
  let body: Record<string, unknown> = raw;
  let at = origin;
  if (typeof id !== "string") {
    const keys = Object.keys(raw);
    if (keys.length !== 1 || !isObject(raw[keys[0]])) return undefined;
    id = keys[0];
    body = raw[keys[0]] as Record<string, unknown>;
    at = origin.child([keys[0]]);
    if (typeof body.id === "string") id = body.id;
  }
  const prompts = Array.isArray(body.prompts) ? body.prompts.filter((p) => typeof p === "string") : undefined;
  return {
    id: id as string,
    ...(typeof body.label === "string" ? { label: body.label } : {}),
    config: isObject(body.config) ? body.config : {},
    ...(prompts ? { prompts } : {}),
    origin: at,
    extra: Object.keys(body).filter((k) => !["id", "label", "config", "prompts"].includes(k)),
  };
}

/** A `file://` provider module that assay can load as a module target (JS/TS). */
export function isModuleProvider(path: string): boolean {
  return [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"].includes(extname(path).toLowerCase());
}

/** A target label from a provider id: `openai:chat:gpt-4o` → `gpt-4o`. */
export function labelFromId(id: string): string {
  const parts = id.replace(/^file:\/\//, "").split(/[:/\\]/);
  return parts.filter((p) => p !== "").at(-1) ?? id;
}
