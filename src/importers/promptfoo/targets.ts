import { extname, resolve } from "node:path";
import type { SuiteInput } from "../../config/schema.ts";
import { importSpecifier } from "./dimensions.ts";
import { slug, unique } from "./names.ts";
import type { PromptSpec } from "./prompts.ts";
import {
  type ChatOptionsInput,
  isModuleProvider,
  type LlmModel,
  labelFromId,
  mapModelId,
  mapProviderConfig,
  type ProviderEntry,
  readProviderEntry,
} from "./providers.ts";
import { echoWrapper, providerWrapper, RUNTIME_FILE, RUNTIME_MODULE } from "./runtime.ts";
import {
  expandFiles,
  type ImportContext,
  loadDocument,
  type Origin,
  parseFileRef,
  withoutSecrets,
} from "./source.ts";

/**
 * prompts × providers → targets, one per pair (a provider's `prompts:` list narrows its pairs).
 * OpenAI- and Anthropic-compatible providers become provider targets carrying the prompt as
 * message templates; a `file://` provider module becomes a module target whose generated wrapper
 * calls the module's `callApi` with the prompt rendered from the case's vars.
 */

type TargetInput = SuiteInput["targets"][number];

export interface BuiltTargets {
  targets: TargetInput[];
  files: Record<string, string>;
}

export interface TargetEnv {
  baseDir: string;
  ctx: ImportContext;
  outDir?: string;
  /** `--model provider:name`: the target when no provider could be imported */
  fallbackModel?: string;
}

/** What a target is made from, before it gets its id. */
type Maker =
  | {
      kind: "llm";
      label: string;
      model: LlmModel;
      options: ChatOptionsInput;
      filter?: string[];
      provider: string;
    }
  | {
      kind: "module";
      label: string;
      file: string;
      id: string;
      config: Record<string, unknown>;
      filter?: string[];
    }
  | { kind: "echo"; label: string; id: string; filter?: string[] };

/** The placeholder model of a suite whose providers could not be imported. */
export const PLACEHOLDER_MODEL = "openai:gpt-4.1-mini";

export function buildTargets(
  raw: unknown,
  origin: Origin,
  prompts: PromptSpec[],
  env: TargetEnv,
): BuiltTargets {
  const { ctx } = env;
  const makers: Maker[] = [];
  for (const { entry, raw: item, at } of providerEntries(raw, origin, env)) {
    if (!entry) {
      ctx.note(
        at.at(),
        "provider",
        `not a provider id, {id, label, config} or {id: {config}}: ${JSON.stringify(item)}`,
      );
      continue;
    }
    const maker = makerFor(entry, env);
    if (maker) makers.push(maker);
  }
  if (makers.length === 0) {
    const model = env.fallbackModel ?? PLACEHOLDER_MODEL;
    const mapped = mapModelId(model);
    ctx.note(
      origin.at(),
      "providers",
      env.fallbackModel
        ? `no provider could be imported; the target is ${model} (--model)`
        : `no provider could be imported; the target is the placeholder ${model}: change it, or import again with --model provider:name`,
    );
    makers.push({
      kind: "llm",
      label: labelFromId(model),
      model: "model" in mapped ? mapped.model : { provider: model },
      options: {},
      provider: model,
    });
  }

  const out: BuiltTargets = { targets: [], files: {} };
  const taken = new Set<string>();
  for (const maker of makers) {
    const matching = prompts.filter(
      (p) => !maker.filter || maker.filter.some((f) => promptMatches(f, p.label)),
    );
    if (matching.length === 0) {
      ctx.note(
        origin.at(),
        `provider ${maker.label}`,
        "its prompts filter matches none of the imported prompts",
      );
    }
    for (const prompt of matching) {
      const provider = slug(maker.label, 48, true) || "target";
      const name = prompts.length > 1 ? `${provider}.${slug(prompt.label, 48, true) || "prompt"}` : provider;
      const id = unique(name, taken);
      out.targets.push(targetFor(id, maker, prompt, out.files, env));
    }
  }
  return out;
}

function providerEntries(
  raw: unknown,
  origin: Origin,
  env: TargetEnv,
): Array<{ entry: ProviderEntry | undefined; raw: unknown; at: Origin }> {
  if (raw === undefined) return [];
  const items = Array.isArray(raw)
    ? raw.map((r, i) => ({ r, at: origin.child([i]) }))
    : [{ r: raw, at: origin }];
  return items.flatMap(({ r, at }) => {
    // a YAML/JSON file of provider definitions
    const ref = typeof r === "string" ? parseFileRef(r) : undefined;
    if (ref && [".yaml", ".yml", ".json"].includes(extname(ref.path).toLowerCase())) {
      const files = expandFiles(ref.path, env.baseDir);
      if (files.length === 0) env.ctx.note(at.at(), `provider ${r as string}`, "no such file");
      return files.flatMap((f) => {
        const doc = loadDocument(f, env.ctx.read(f));
        return providerEntries(doc.value, doc.origin, env);
      });
    }
    return [{ entry: readProviderEntry(r, at), raw: r, at }];
  });
}

function makerFor(entry: ProviderEntry, env: TargetEnv): Maker | undefined {
  const { ctx } = env;
  const where = entry.origin.at();
  for (const key of entry.extra) {
    ctx.note(entry.origin.at([key]), `provider ${entry.id} ${key}`, "no assay equivalent");
  }
  const label = entry.label ?? labelFromId(entry.id);
  if (entry.id === "echo") {
    return { kind: "echo", label, id: entry.id, ...(entry.prompts ? { filter: entry.prompts } : {}) };
  }
  const ref = parseFileRef(entry.id);
  if (ref) {
    const [file] = expandFiles(ref.path, env.baseDir);
    if (!file) {
      ctx.note(where, `provider ${entry.id}`, "no such file");
      return undefined;
    }
    if (!isModuleProvider(file)) {
      ctx.note(
        where,
        `provider ${entry.id}`,
        "only JavaScript/TypeScript provider modules become targets (Python and other scripts are not run)",
      );
      return undefined;
    }
    ctx.read(file);
    ctx.note(
      where,
      `provider ${entry.id}`,
      "imported as a module target that runs this provider module in process (its callApi gets the prompt with {{ var }} substituted); keep the module beside the suite",
    );
    return {
      kind: "module",
      label,
      file: resolve(file),
      id: entry.id,
      config: withoutSecrets(entry.config, entry.origin.child(["config"]), ctx, `provider ${entry.id}`),
      ...(entry.prompts ? { filter: entry.prompts } : {}),
    };
  }
  const mapped = mapModelId(entry.id);
  if ("unsupported" in mapped) {
    ctx.note(where, `provider ${entry.id}`, mapped.unsupported);
    return undefined;
  }
  if (mapped.caveat) ctx.note(where, `provider ${entry.id}`, mapped.caveat);
  const { model, options } = mapProviderConfig(
    entry.config,
    mapped.model,
    entry.origin.child(["config"]),
    ctx,
    `provider ${entry.id}`,
  );
  return {
    kind: "llm",
    label,
    model,
    options,
    provider: entry.id,
    ...(entry.prompts ? { filter: entry.prompts } : {}),
  };
}

/** promptfoo's prompt filters: an exact label, a group prefix (`group` matches `group:…`), or `group:*`. */
function promptMatches(filter: string, label: string): boolean {
  if (filter === label || label.startsWith(`${filter}:`)) return true;
  return filter.endsWith("*") && label.startsWith(filter.slice(0, -1));
}

function targetFor(
  id: string,
  maker: Maker,
  prompt: PromptSpec,
  files: Record<string, string>,
  env: TargetEnv,
): TargetInput {
  const description = `promptfoo prompt "${prompt.label}" on ${maker.kind === "llm" ? maker.provider : maker.id}`;
  if (maker.kind === "llm") {
    const options = Object.keys(maker.options).length > 0 ? { options: maker.options } : {};
    return {
      id,
      description,
      provider: maker.model.provider,
      ...(maker.model.baseUrl ? { baseUrl: maker.model.baseUrl } : {}),
      ...(maker.model.apiKeyEnv ? { apiKeyEnv: maker.model.apiKeyEnv } : {}),
      // copies, so the suite file does not share (and YAML-alias) one list between targets
      messages: prompt.messages.map((m) => ({ ...m })),
      ...(options.options ? { options: { ...options.options } } : {}),
    } as TargetInput;
  }
  simpleTemplates(prompt, maker.id, env);
  files[RUNTIME_FILE] = RUNTIME_MODULE;
  if (maker.kind === "echo") {
    const module = `targets/${id}.mjs`;
    files[module] = echoWrapper({ label: prompt.label, chat: prompt.chat, messages: prompt.messages });
    return { id, description, module } as TargetInput;
  }
  const ts = [".ts", ".mts", ".cts"].includes(extname(maker.file).toLowerCase());
  const module = `targets/${id}${ts ? ".ts" : ".mjs"}`;
  files[module] = providerWrapper(importSpecifier(maker.file, module, env.outDir), {
    id: maker.id.replace(/^file:\/\//, ""),
    label: prompt.label,
    config: maker.config,
    chat: prompt.chat,
    messages: prompt.messages,
  });
  return { id, description, module } as TargetInput;
}

/** A prompt given to a provider module (or echo) is rendered by the bundled module: only `{{ var }}`. */
function simpleTemplates(prompt: PromptSpec, owner: string, env: TargetEnv): void {
  if (prompt.messages.some((m) => /\{%|\{\{[^}]*\|/.test(m.content))) {
    env.ctx.note(
      prompt.where,
      `prompt "${prompt.label}" for ${owner}`,
      "a provider module (or echo) gets the prompt with only {{ var }} substituted: tags and filters are left as written",
    );
  }
}
