import type { FieldPath, LoadedSuite } from "../config/load.ts";
import type { SuiteConfig } from "../config/schema.ts";
import type { CacheMode } from "../llm/cache.ts";

/**
 * Credentials before any call: every LLM the run will talk to (each `provider:` target, its
 * simulated user, each llm-judge dimension) needs its API key in the environment. Without this
 * check a missing key fails every call one by one — a target's cases become errors, a judge's
 * dimension goes entirely unscored — and the run still looks finished.
 */

/** The variable each provider's client reads when the suite names none (see llm/openai, llm/anthropic). */
export const DEFAULT_KEY_ENV: Readonly<Record<string, string>> = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
};

/** One LLM the run will call, and where its key comes from. */
export interface CredentialNeed {
  /** the environment variable that must hold the key */
  variable: string;
  /** who needs it, for the message: `target "agent"`, `dimension "tone" (llm-judge)` */
  who: string;
  /** `openai:gpt-4o-mini` */
  provider: string;
  baseUrl?: string;
  /** where the model is configured in the suite file (for file:line in the error) */
  path: FieldPath;
}

/** The variable holding the key for `provider` (`openai:<model>`), or undefined for an unknown provider. */
export function keyVariable(provider: unknown, apiKeyEnv: unknown): string | undefined {
  if (typeof apiKeyEnv === "string" && apiKeyEnv !== "") return apiKeyEnv;
  if (typeof provider !== "string") return undefined;
  const name = provider.slice(0, Math.max(0, provider.indexOf(":")));
  return Object.hasOwn(DEFAULT_KEY_ENV, name) ? DEFAULT_KEY_ENV[name] : undefined;
}

/** A base URL on this machine (Ollama, llama.cpp, vLLM on localhost). */
export function isLocalBaseUrl(url: unknown): boolean {
  if (typeof url !== "string" || !URL.canParse(url)) return false;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Every LLM the chosen targets (default: all) and the dimensions will call. Pure. */
export function credentialNeeds(config: SuiteConfig, targetIds?: readonly string[]): CredentialNeed[] {
  const needs: CredentialNeed[] = [];
  const add = (
    provider: unknown,
    apiKeyEnv: unknown,
    baseUrl: unknown,
    who: string,
    path: FieldPath,
  ): void => {
    const variable = keyVariable(provider, apiKeyEnv);
    if (!variable || typeof provider !== "string") return;
    const need: CredentialNeed = { variable, who, provider, path };
    if (typeof baseUrl === "string") need.baseUrl = baseUrl;
    needs.push(need);
  };
  const only = targetIds && targetIds.length > 0 ? new Set(targetIds) : undefined;
  config.targets.forEach((t, i) => {
    if (!t.provider || (only && !only.has(t.id))) return;
    add(t.provider, t.apiKeyEnv, t.baseUrl, `target "${t.id}"`, ["targets", i, "provider"]);
    const user = t.user;
    if (user) {
      add(user.provider, user.apiKeyEnv, user.baseUrl, `target "${t.id}" (simulated user)`, [
        "targets",
        i,
        "user",
        "provider",
      ]);
    }
  });
  for (const [name, d] of Object.entries(config.dimensions)) {
    if (!d.evaluator.startsWith("llm-judge")) continue;
    const w = d.with ?? {};
    add(w.model, w.apiKeyEnv, w.baseUrl, `dimension "${name}" (${d.evaluator})`, [
      "dimensions",
      name,
      "with",
      "model",
    ]);
  }
  return needs;
}

/** The needs whose variable is unset or blank in `env` (as the clients read it: a blank key is no key). */
export function missingCredentials(
  needs: readonly CredentialNeed[],
  env: NodeJS.ProcessEnv,
): CredentialNeed[] {
  return needs.filter((n) => {
    const value = env[n.variable];
    return value === undefined || value.trim() === "";
  });
}

/** The message for missing keys: every variable, who needs it, and a hint for local servers. Never a value. */
export function missingCredentialsMessage(missing: readonly CredentialNeed[]): string {
  const byVariable = new Map<string, CredentialNeed[]>();
  for (const n of missing) byVariable.set(n.variable, [...(byVariable.get(n.variable) ?? []), n]);
  const parts = [...byVariable].map(
    ([variable, needs]) =>
      `${variable} (needed by ${needs.map((n) => `${n.who}, ${n.provider}`).join("; ")})`,
  );
  const local = missing.some((n) => isLocalBaseUrl(n.baseUrl))
    ? "; a local server such as Ollama ignores the key, but the client sends one: any value will do"
    : "";
  const one = byVariable.size === 1;
  return (
    `no API key: the environment variable${one ? "" : "s"} ${parts.join(", ")} ${one ? "is" : "are"} not set. ` +
    `Set ${one ? "it" : "them"} before running (or name another variable with apiKeyEnv)${local}; nothing was called`
  );
}

export interface CredentialCheckOptions {
  targets?: readonly string[];
  /** where keys are read from (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** `only` (--cache-only) calls no provider, so no key is needed */
  cacheMode?: CacheMode;
}

/**
 * Throws an InputError (exit 2) at the first LLM whose key is missing, naming every missing
 * variable and who needs it. Call it before any target is called.
 */
export function checkCredentials(suite: LoadedSuite, opts: CredentialCheckOptions = {}): void {
  if (opts.cacheMode === "only") return;
  const missing = missingCredentials(credentialNeeds(suite.config, opts.targets), opts.env ?? process.env);
  if (missing.length === 0) return;
  throw suite.errorAt(missing[0].path, missingCredentialsMessage(missing));
}
