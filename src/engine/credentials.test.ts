import { describe, expect, it } from "vitest";
import { suiteSchema } from "../config/schema.ts";
import { ANTHROPIC_DEFAULT_KEY_ENV } from "../llm/anthropic/index.ts";
import { OPENAI_DEFAULT_KEY_ENV } from "../llm/openai/index.ts";
import {
  credentialNeeds,
  DEFAULT_KEY_ENV,
  isLocalBaseUrl,
  keyVariable,
  missingCredentials,
  missingCredentialsMessage,
} from "./credentials.ts";

const config = suiteSchema.parse({
  suite: "keys",
  dataset: "cases.jsonl",
  targets: [
    { id: "svc", exec: ["node", "svc.mjs"] },
    {
      id: "agent",
      provider: "openai:gpt-4o-mini",
      user: { provider: "anthropic:claude-haiku-4-5", persona: "a customer", goal: "a refund" },
    },
    {
      id: "local",
      provider: "openai:llama3:8b",
      baseUrl: "http://localhost:11434/v1",
      apiKeyEnv: "LOCAL_KEY",
    },
  ],
  dimensions: {
    exact: { evaluator: "equals" },
    tone: { evaluator: "llm-judge", with: { model: "anthropic:claude-sonnet-4-5", rubric: "tone" } },
    grounded: {
      evaluator: "llm-judge",
      with: { model: "openai:gpt-4o", apiKeyEnv: "JUDGE_KEY", rubric: "x" },
    },
  },
});

describe("credentials: who needs which key", () => {
  it("the default variables are the ones the provider clients read", () => {
    expect(DEFAULT_KEY_ENV.openai).toBe(OPENAI_DEFAULT_KEY_ENV);
    expect(DEFAULT_KEY_ENV.anthropic).toBe(ANTHROPIC_DEFAULT_KEY_ENV);
    expect(keyVariable("openai:gpt-4o", undefined)).toBe("OPENAI_API_KEY");
    expect(keyVariable("openai:gpt-4o", "MINE")).toBe("MINE");
    expect(keyVariable("mistral:large", undefined)).toBeUndefined();
    expect(keyVariable("constructor:x", undefined)).toBeUndefined();
  });

  it("every LLM target, its simulated user, and every llm-judge dimension; nothing else", () => {
    const needs = credentialNeeds(config);
    expect(needs.map((n) => [n.who, n.variable, n.path.join(".")])).toEqual([
      ['target "agent"', "OPENAI_API_KEY", "targets.1.provider"],
      ['target "agent" (simulated user)', "ANTHROPIC_API_KEY", "targets.1.user.provider"],
      ['target "local"', "LOCAL_KEY", "targets.2.provider"],
      ['dimension "tone" (llm-judge)', "ANTHROPIC_API_KEY", "dimensions.tone.with.model"],
      ['dimension "grounded" (llm-judge)', "JUDGE_KEY", "dimensions.grounded.with.model"],
    ]);
  });

  it("only the chosen targets (--target)", () => {
    const whos = credentialNeeds(config, ["svc"]).map((n) => n.who);
    expect(whos).toEqual(['dimension "tone" (llm-judge)', 'dimension "grounded" (llm-judge)']);
  });

  it("a blank variable is as missing as an unset one; the message names each variable once, never a value", () => {
    const env = { OPENAI_API_KEY: "sk-present-123", ANTHROPIC_API_KEY: "  ", LOCAL_KEY: "x" };
    const missing = missingCredentials(credentialNeeds(config), env);
    expect(missing.map((n) => n.variable)).toEqual(["ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", "JUDGE_KEY"]);
    const message = missingCredentialsMessage(missing);
    expect(message.match(/ANTHROPIC_API_KEY/g)).toHaveLength(1);
    expect(message).toContain(
      'ANTHROPIC_API_KEY (needed by target "agent" (simulated user), anthropic:claude-haiku-4-5; dimension "tone" (llm-judge), anthropic:claude-sonnet-4-5)',
    );
    expect(message).toMatch(/variables .* are not set/);
    expect(message).not.toContain("sk-present-123");
    expect(message).not.toMatch(/Ollama/);
  });

  it("a local server gets a hint: its key may be any value", () => {
    const missing = missingCredentials(credentialNeeds(config, ["local"]), {});
    expect(missingCredentialsMessage(missing.filter((n) => n.variable === "LOCAL_KEY"))).toMatch(
      /^no API key: the environment variable LOCAL_KEY \(needed by target "local", openai:llama3:8b\) is not set\..*Ollama ignores the key.*any value will do/,
    );
    expect(isLocalBaseUrl("http://127.0.0.1:11434/v1")).toBe(true);
    expect(isLocalBaseUrl("http://[::1]:8080")).toBe(true);
    expect(isLocalBaseUrl("https://api.openai.com/v1")).toBe(false);
    expect(isLocalBaseUrl("not a url")).toBe(false);
  });
});
