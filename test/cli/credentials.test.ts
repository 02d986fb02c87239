import { existsSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCli } from "../support/cli.ts";
import { type LlmServer, reply, startOpenAIServer } from "../support/llm-servers.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * Credentials before any call (issue 8, item 5): `assay run` refuses to start (exit 2, naming the
 * variable and who needs it) when an LLM target or judge has no API key, and calls nothing — the
 * local protocol server sees no request, and no run is stored.
 */

const JUDGE_KEY = "ASSAY_TEST_JUDGE_KEY";
let server: LlmServer;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  server = await startOpenAIServer(() => reply.text('{"reasoning": "fine", "score": "pass"}'));
});
afterAll(async () => {
  await server.close();
});
afterEach(() => tmp?.remove());

/** A suite whose target is an echo module and whose one dimension is an llm-judge on the local server. */
function judgeSuite(extraTarget: string[] = []): void {
  tmp = tempDir("assay-credentials-");
  tmp.write(
    "cases.jsonl",
    jsonl([
      { id: "a", input: "hello" },
      { id: "b", input: "bye" },
    ]),
  );
  tmp.write("echo.mjs", "export default async (input) => input;\n");
  tmp.write("rubric.md", "Is the answer polite?\n\npass: it is polite\nfail: it is not\n");
  tmp.write(
    "assay.yaml",
    [
      "suite: keys",
      "dataset: cases.jsonl",
      "targets:",
      "  - id: echo",
      "    module: echo.mjs",
      ...extraTarget,
      "dimensions:",
      "  polite:",
      "    evaluator: llm-judge",
      `    with: { model: openai:judge-model, baseUrl: "${server.baseUrl}", rubric: rubric.md, scale: binary, apiKeyEnv: ${JUDGE_KEY} }`,
      "    threshold: 1",
    ].join("\n"),
  );
}

const env = (extra: NodeJS.ProcessEnv = {}) => ({
  [JUDGE_KEY]: "",
  OPENAI_API_KEY: "",
  ASSAY_DB: tmp.path(".assay/assay.db"),
  ASSAY_CACHE: tmp.path(".assay/cache.db"),
  ...extra,
});

describe("assay run: API keys before any call", () => {
  it("an llm-judge without its key: exit 2 naming the variable and the dimension, zero requests", async () => {
    judgeSuite();
    const before = server.requests.length;
    const res = await runCli(["run", tmp.dir, "--quiet"], { env: env() });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain(JUDGE_KEY);
    expect(res.stderr).toMatch(/dimension "polite"/);
    // file:line of the judge's model in the suite
    expect(res.stderr).toMatch(/assay\.yaml:\d+:\d+ dimensions\.polite\.with\.model: no API key/);
    expect(res.stderr).toMatch(/nothing was called/);
    expect(server.requests.length).toBe(before);
    // nothing stored either: no run was started
    const store = openSqliteStore(tmp.path(".assay/assay.db"));
    try {
      expect(await store.listRuns()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("names every missing variable, an LLM target's included, with a hint for a local server", async () => {
    judgeSuite(["  - id: bot", "    provider: openai:test-model", `    baseUrl: "${server.baseUrl}"`]);
    const before = server.requests.length;
    const res = await runCli(["run", tmp.dir, "--quiet"], { env: env() });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/OPENAI_API_KEY \(needed by target "bot", openai:test-model\)/);
    expect(res.stderr).toContain(JUDGE_KEY);
    expect(res.stderr).toMatch(/local server such as Ollama ignores the key/);
    expect(server.requests.length).toBe(before);
  });

  it("--target that leaves out the keyless LLM target needs only the judge's key", async () => {
    judgeSuite(["  - id: bot", "    provider: openai:test-model", `    baseUrl: "${server.baseUrl}"`]);
    const before = server.calls.length;
    const res = await runCli(["run", tmp.dir, "--quiet", "--target", "echo"], {
      env: env({ [JUDGE_KEY]: "sk-judge-test-0000" }),
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/no API key/);
    // two cases judged, the target "bot" never called
    expect(server.calls.length - before).toBe(2);
    expect(server.calls.slice(before).every((c) => c.json?.model === "judge-model")).toBe(true);
  });

  it("assay pairwise: a judge without its key is exit 2 naming the variable, before any call", async () => {
    tmp = tempDir("assay-credentials-pairwise-");
    tmp.write("cases.jsonl", jsonl([{ id: "a", input: "hello" }]));
    tmp.write("echo.mjs", "export default async (input) => input;\n");
    tmp.write(
      "assay.yaml",
      [
        "suite: pair",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: echo",
        "    module: echo.mjs",
        "dimensions:",
        "  same: { evaluator: equals, with: { expected: hello } }",
      ].join("\n"),
    );
    for (let i = 0; i < 2; i++) {
      const r = await runCli(["run", tmp.dir, "--quiet"], { env: env() });
      expect(r.code, r.stderr).toBe(0);
    }
    const before = server.requests.length;
    const res = await runCli(
      [
        "pairwise",
        "latest:echo",
        "latest",
        "--model",
        "openai:judge-model",
        "--base-url",
        server.baseUrl,
        "--api-key-env",
        JUDGE_KEY,
      ],
      { cwd: tmp.dir, env: env() },
    );
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(
      new RegExp(`${JUDGE_KEY} \\(needed by the pairwise judge, openai:judge-model\\)`),
    );
    expect(server.requests.length).toBe(before);
  });

  it("--cache-only calls nothing, so it needs no key", async () => {
    judgeSuite();
    const before = server.requests.length;
    const res = await runCli(["run", tmp.dir, "--quiet", "--cache-only", "--json", tmp.path("card.json")], {
      env: env(),
    });
    expect(res.stderr).not.toMatch(/no API key/);
    expect(res.code, res.stderr).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(existsSync(tmp.path("card.json"))).toBe(true);
  });
});
