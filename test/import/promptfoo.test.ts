import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { NOT_APPLICABLE_CODES } from "../../src/core/unscored.ts";
import { nunjucksToLiquid } from "../../src/importers/promptfoo/nunjucks.ts";
import { mapModelId } from "../../src/importers/promptfoo/providers.ts";
import { RUNTIME_MODULE } from "../../src/importers/promptfoo/runtime.ts";
import { assertionFromString, expandVars } from "../../src/importers/promptfoo/tests.ts";
import { parseTransform } from "../../src/importers/promptfoo/transform.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess } from "../support/cli.ts";
import { type LlmServer, reply, startAnthropicServer, startOpenAIServer } from "../support/llm-servers.ts";
import { tempDir } from "../support/temp.ts";
import { type ReportRow, report } from "./support.ts";

/**
 * `assay import promptfoo` (issue 12) end to end. Configs written by hand from promptfoo's public
 * format — its getting-started example, and one covering every feature the issue lists (prompts
 * as strings and files, providers in each shape, tests inline and in CSV/YAML/JSONL files,
 * defaultTest, vars, metadata, repeat, every assertion type, `not-`, weights, metrics,
 * assert-sets) — are imported; the report must name what was left out with file:line; the
 * imported suites then run against local OpenAI- and Anthropic-protocol servers (OpenAI reached
 * through OPENAI_BASE_URL, as the SDK does), with a model that answers right and one that
 * answers wrong. The bundled assertion module (evaluators/promptfoo.mjs) is also tested directly,
 * as the text that is written.
 */

const FIXTURES = join(import.meta.dirname, "../fixtures/import/promptfoo");
const fixture = (p: string) => join(FIXTURES, p);
const SHOWN = "test/fixtures/import/promptfoo";
const KEY = "sk-promptfoo-import-0000";

/** Good answers, by question; the wrong model says "I don't know." to everything. */
const ANSWERS: Record<string, string> = {
  "What is the capital of France?": "Paris is the capital of France.",
  "What is 2 + 2?": "4",
  "Return the user Ada as JSON.": '{"name": "Ada", "role": "admin"}',
  "Return the user Bob as JSON.": '{"name": "Bob", "role": "guest"}',
  "Summarise the refund policy.": "Refunds are paid back to the card within 5 days.",
  "Ask the customer politely for their order number.":
    "Thanks for reaching out! Could you please share your order number?",
  "Say hello.": "Hello there!",
  "Say goodbye.": "Goodbye, take care!",
  "What colour is the sky?": "The sky is blue.",
  "Name a primary colour.": "Red is a primary colour.",
  "Who wrote Hamlet?": "William Shakespeare wrote Hamlet.",
  "What is the boiling point of water in Celsius?": "Water boils at 100 degrees Celsius.",
  "Convert this English to French: Hello world": "Bonjour le monde",
  "Translate to French: Hello world": "Bonjour le monde !",
  "Convert this English to Spanish: Where is the library?": "¿Dónde está la biblioteca?",
  "Translate to Spanish: Where is the library?": "¿dónde está la biblioteca?",
};

type Mode = "right" | "wrong";
let mode: Mode = "right";

type Message = { role: string; content: string };

/** The fake model: a judge when the system prompt is assay's judge, else a model answering the question. */
function respond(messages: Message[]): string {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  if (system.includes("You are an impartial evaluator")) {
    const binary = system.includes('Binary: "pass"');
    const good = mode === "right";
    const score = binary ? (good ? '"pass"' : '"fail"') : good ? "5" : "1";
    return `{"reasoning": "judged ${mode}", "score": ${score}}`;
  }
  if (mode === "wrong") return "I don't know.";
  const user = messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
  const question = /Question: (.+)/.exec(user)?.[1]?.trim() ?? user.trim();
  return ANSWERS[question] ?? `no answer for ${question}`;
}

let openai: LlmServer;
let anthropic: LlmServer;
const tmp = tempDir("assay-import-promptfoo-");

beforeAll(async () => {
  openai = await startOpenAIServer((req) =>
    reply.text(respond((req.json?.messages ?? []) as Message[]), { usage: { input: 40, output: 12 } }),
  );
  anthropic = await startAnthropicServer((req) => {
    const body = req.json ?? {};
    const messages = [
      ...(typeof body.system === "string" ? [{ role: "system", content: body.system }] : []),
      ...((body.messages ?? []) as Message[]),
    ];
    return reply.text(respond(messages), { usage: { input: 40, output: 12 } });
  });
});
afterAll(async () => {
  await Promise.all([openai.close(), anthropic.close()]);
  tmp.remove();
});

let outs = 0;
async function importConfig(source: string) {
  const out = tmp.path(`out-${++outs}`);
  const res = await runCliInProcess(["import", "promptfoo", source, "--out", out]);
  return { ...res, out };
}

interface DimCard {
  mean: number;
  passRate: number;
  n: number;
  unscored: number;
  unscoredReasons?: Record<string, number>;
}
interface Card {
  cases: number;
  errors: { count: number };
  dimensions: Record<string, DimCard>;
  run: { id: string };
}

async function runSuite(out: string, ...args: string[]): Promise<Card> {
  const card = join(out, `card-${++outs}.json`);
  const res = await runCliInProcess(
    ["run", out, "--db", join(out, "assay.db"), "--json", card, "--quiet", "--no-cache", ...args],
    { env: { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY } },
  );
  expect([0, 1], res.stderr).toContain(res.code);
  return JSON.parse(readFileSync(card, "utf8")) as Card;
}

/** `file:line` of the first line of a fixture holding `needle` (after `after`, when given). */
function at(file: string, needle: string, after?: string): string {
  const lines = readFileSync(fixture(file), "utf8").split("\n");
  const from = after ? lines.findIndex((l) => l.includes(after)) : 0;
  const i = lines.findIndex((l, k) => k >= from && l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in ${file}`);
  return `${SHOWN}/${file}:${i + 1}`;
}

function rowFor(rows: ReportRow[], feature: string, where?: string): ReportRow {
  const row = rows.find((r) => r.feature === feature && (where === undefined || r.where === where));
  if (!row) throw new Error(`no report row for ${feature} at ${where}: ${JSON.stringify(rows, null, 1)}`);
  return row;
}

// biome-ignore lint/suspicious/noExplicitAny: the suite file is checked field by field below
function suiteOf(out: string): Record<string, any> {
  return parse(readFileSync(join(out, "assay.yaml"), "utf8"));
}

interface CaseLine {
  id: string;
  input: Record<string, unknown>;
  expected?: Record<string, unknown>;
  tags?: Record<string, string>;
}

function casesOf(out: string): CaseLine[] {
  return readFileSync(join(out, "datasets/cases.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("promptfoo's getting-started config", () => {
  let out: string;
  beforeAll(async () => {
    const res = await importConfig(fixture("getting-started/promptfooconfig.yaml"));
    expect(res.code, res.stderr).toBe(0);
    out = res.out;
  });

  it("makes one target per prompt × provider, relying on OPENAI_BASE_URL and OPENAI_API_KEY", () => {
    const suite = suiteOf(out);
    expect(suite.suite).toBe("getting-started");
    expect(suite.targets.map((t: { id: string }) => t.id)).toEqual([
      "gpt-4.1.prompt-1",
      "gpt-4.1.prompt-2",
      "o4-mini.prompt-1",
      "o4-mini.prompt-2",
    ]);
    for (const t of suite.targets) {
      expect(t.provider).toMatch(/^openai:(gpt-4\.1|o4-mini)$/);
      expect(t).not.toHaveProperty("baseUrl");
      expect(t).not.toHaveProperty("apiKeyEnv");
    }
    expect(suite.targets[1].messages).toEqual([
      { role: "user", content: "Translate to {{ language }}: {{ input }}" },
    ]);
    expect(casesOf(out).map((c) => c.input)).toEqual([
      { language: "French", input: "Hello world" },
      { language: "Spanish", input: "Where is the library?" },
    ]);
    // each test's value is read from its case by assay's own contains evaluator
    expect(suite.dimensions).toEqual({
      contains: {
        evaluator: "contains",
        description: "promptfoo contains: the case's value is expected.contains",
        with: { field: "contains" },
      },
      icontains: {
        evaluator: "contains",
        description: "promptfoo icontains: the case's value is expected.icontains",
        with: { field: "icontains", caseInsensitive: true },
      },
    });
    expect(casesOf(out).map((c) => c.expected)).toEqual([
      { contains: "Bonjour le monde" },
      { icontains: "Dónde está la biblioteca" },
    ]);
    expect(report(out).text).toContain("Everything in the source was translated.");
  });

  it("a model that translates right passes both assertions on every target; a wrong one fails them", async () => {
    mode = "right";
    const right = await runSuite(out);
    expect(right.errors.count).toBe(0);
    expect(right.dimensions.contains).toMatchObject({ mean: 1, passRate: 1 });
    expect(right.dimensions.icontains).toMatchObject({ mean: 1, passRate: 1 });
    mode = "wrong";
    const wrong = await runSuite(out);
    expect(wrong.dimensions.contains).toMatchObject({ mean: 0, passRate: 0 });
    expect(wrong.dimensions.icontains).toMatchObject({ mean: 0, passRate: 0 });
    // each dimension applies to the one test that has its assertion
    expect(wrong.dimensions.contains).toMatchObject({ n: 1, unscored: 1 });
    expect(Object.keys(wrong.dimensions.contains.unscoredReasons ?? {})).toEqual(["no-expected"]);
    expect(NOT_APPLICABLE_CODES.has("no-expected")).toBe(true);
  });
});

describe("a config with every listed feature", () => {
  let out: string;
  let rows: ReportRow[];
  const F = "features/promptfooconfig.yaml";
  beforeAll(async () => {
    const res = await importConfig(fixture("features"));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/imported 12 case\(s\), 6 target\(s\)/);
    out = res.out;
    rows = report(out).rows;
  });

  it("imports prompts (text file, chat JSON) × providers in every shape as targets", () => {
    const targets = suiteOf(out).targets as Array<Record<string, unknown>>;
    expect(targets.map((t) => t.id)).toEqual([
      "gpt-4o-mini.answer",
      "gpt-4o-mini.chat",
      "smart.chat",
      "haiku.answer",
      "haiku.chat",
      "echo.chat",
    ]);
    const byId = Object.fromEntries(targets.map((t) => [t.id, t]));
    expect(byId["gpt-4o-mini.answer"]).toMatchObject({
      provider: "openai:gpt-4o-mini",
      messages: [{ role: "user", content: expect.stringContaining("Question: {{ question | strip }}") }],
    });
    expect(byId["smart.chat"]).toMatchObject({
      provider: "openai:gpt-4o",
      options: { temperature: 0.2, maxTokens: 300, seed: 7 },
      messages: [
        { role: "system", content: "You are a {{ tone }} support assistant. Answer in one sentence." },
        { role: "user", content: "Question: {{ question }}" },
      ],
    });
    expect(byId["haiku.answer"]).toMatchObject({
      provider: "anthropic:claude-3-5-haiku-20241022",
      apiKeyEnv: "MY_ANTHROPIC_KEY",
      options: { maxTokens: 200 },
    });
    expect(byId["echo.chat"]).toMatchObject({ module: "targets/echo.chat.mjs" });
  });

  it("turns tests from every source into cases: vars as input, metadata as tags, arrays expanded", () => {
    const cases = casesOf(out);
    expect(cases.map((c) => c.id)).toEqual([
      "capital-of-france",
      "arithmetic",
      "user-as-json",
      "refund-policy",
      "polite-request",
      "greetings",
      "greetings-2",
      "sky-colour",
      "primary-colour",
      "hamlet-author",
      "boiling-point",
      "unsupported-check",
    ]);
    const byId = Object.fromEntries(cases.map((c) => [c.id, c]));
    // defaultTest vars under the test's; a file:// var read as text
    expect(byId["refund-policy"].input).toEqual({
      tone: "friendly",
      question: "Summarise the refund policy.",
      reference: "Refunds are paid back to the card within 5 days.\n",
    });
    expect(byId["capital-of-france"].tags).toEqual({
      team: "support",
      category: "geography",
      level: "simple",
    });
    expect(byId["sky-colour"].tags).toEqual({ team: "support", category: "science", level: "simple" });
    expect([byId.greetings.input.question, byId["greetings-2"].input.question]).toEqual([
      "Say hello.",
      "Say goodbye.",
    ]);
    // assertion values rendered with the test's vars
    expect(byId["capital-of-france"].expected?.accuracy).toEqual([
      { type: "contains", value: "Paris", transform: [{ op: "trim" }] },
    ]);
    expect(byId["refund-policy"].expected?.factuality).toBe(
      "Refunds are paid back to the card within 5 days.\n",
    );
  });

  it("maps assertions to dimensions: metrics by name, judges to llm-judge, javascript files to custom", () => {
    const suite = suiteOf(out);
    const dims = suite.dimensions;
    expect(suite.epochs).toBe(2);
    expect(suite.concurrency).toBe(4);
    // the same latency check in every test → the built-in evaluator
    expect(dims.latency).toMatchObject({ evaluator: "latency", with: { maxMs: 60000 } });
    // one check of a type per test → a built-in reading each case's value
    expect(dims["starts-with"]).toMatchObject({
      evaluator: "contains",
      with: { field: "starts-with", position: "start" },
    });
    expect(dims["contains-all"]).toMatchObject({
      evaluator: "contains",
      with: { field: "contains-all", mode: "all" },
    });
    expect(dims.equals).toMatchObject({ evaluator: "equals", with: { field: "equals", trim: false } });
    // a negated check, or several in one test, go to the bundled module
    expect(dims["not-contains"].with.module).toBe("evaluators/promptfoo.mjs");
    expect(dims.politeness.with.module).toBe("evaluators/promptfoo.mjs");
    // a metric name groups assertions of several types
    expect(dims.accuracy).toMatchObject({
      evaluator: "custom",
      with: { module: "evaluators/promptfoo.mjs", export: "assertions", options: { dimension: "accuracy" } },
      threshold: 1,
    });
    expect(dims.facts.with.options.dimension).toBe("facts");
    expect(dims["llm-rubric"]).toMatchObject({
      evaluator: "llm-judge",
      with: {
        model: "openai:gpt-4o-mini",
        rubric: "rubrics/promptfoo-criterion.md",
        scale: "binary",
        reference: true,
        field: "llm-rubric",
      },
    });
    expect(dims["llm-rubric-2"].with.model).toBe("openai:gpt-4.1");
    expect(dims["not-llm-rubric"].with.rubric).toBe("rubrics/promptfoo-criterion-not.md");
    expect(dims.factuality).toMatchObject({
      evaluator: "llm-judge",
      with: { rubric: "factuality", reference: true, field: "factuality" },
      threshold: 0.5,
    });
    // a g-eval list: one judged criterion per dimension, weights shared
    expect(dims["g-eval"]).toMatchObject({ threshold: 0.7, weight: 0.5, with: { field: "g-eval" } });
    expect(dims["g-eval_2"]).toMatchObject({ threshold: 0.7, weight: 0.5, with: { field: "g-eval_2" } });
    expect(dims["rouge-n"]).toMatchObject({
      evaluator: "rouge-n",
      with: { field: "rouge-n" },
      threshold: 0.6,
    });
    expect(dims.bleu).toMatchObject({ evaluator: "bleu", with: { field: "bleu" }, threshold: 0.4 });
    expect(dims["js-mentions-city"]).toMatchObject({
      evaluator: "custom",
      with: { module: "evaluators/js-mentions-city.mjs", options: { dimension: "js-mentions-city" } },
    });
    expect(dims["js-scores-shortAnswer"].with.options).toEqual({
      dimension: "js-scores-shortAnswer",
      export: "shortAnswer",
    });
    // the assert-set's two assertions share its metric and its weight (1)
    expect(dims.politeness).toMatchObject({ evaluator: "custom" });
    expect(dims.politeness.weight).toBeUndefined();
    expect(casesOf(out).find((c) => c.id === "polite-request")?.expected?.politeness).toEqual([
      { type: "icontains", value: "thanks", weight: 0.5 },
      { type: "icontains", value: "please", weight: 0.5 },
    ]);
    expect(dims["model-graded-closedqa"].evaluator).toBe("llm-judge");
    for (const f of [
      "rubrics/promptfoo-criterion.md",
      "rubrics/promptfoo-criterion-scored.md",
      "evaluators/promptfoo.mjs",
    ]) {
      expect(statSync(join(out, f)).isFile()).toBe(true);
    }
  });

  it("lists every feature it left out, with its file and line", () => {
    const expectRow = (feature: string, where: string, why: RegExp) => {
      expect(rowFor(rows, feature, where).why).toMatch(why);
    };
    expectRow("env", at(F, "env:"), /not copied/);
    expectRow("scenarios", at(F, "scenarios:"), /not expanded/);
    expectRow("prompt file://prompts/builder.js", at(F, "file://prompts/builder.js"), /never run/);
    expectRow("provider openai:gpt-4o config.apiKey", at(F, "apiKey: sk-live"), /never copied/);
    expectRow("provider openai:gpt-4o config.frequency_penalty", at(F, "frequency_penalty"), /no equivalent/);
    expectRow("provider file://providers/echo.mjs config.apiToken", at(F, "apiToken"), /never copied/);
    expectRow("provider vertex:gemini-1.5-pro", at(F, "vertex:gemini"), /OpenAI- or Anthropic-compatible/);
    expectRow("provider file://providers/agent.py", at(F, "agent.py"), /not run/);
    expectRow("evaluateOptions.delay", at(F, "delay: 100"), /no assay equivalent/);
    expectRow("javascript", at(F, "type: javascript", "scores.mjs:shortAnswer"), /never evaluated/);
    expectRow("similar", at(F, "type: similar"), /embedding/);
    expectRow("python", at(F, "type: python"), /never run/);
    expectRow("is-json schema", at(F, "type: is-json"), /checked only when every test has this same check/);
    expectRow("threshold 0.5", at(F, "threshold: 0.5", "refund policy"), /no per-case equivalent/);
    expectRow("grader openai:gpt-4.1 config", at(F, "config:", "id: openai:gpt-4.1"), /temperature 0/);
    expectRow("assert-set.threshold", at(F, "threshold: 0.5", "type: assert-set"), /on its own/);
    expectRow("webhook", at(F, "type: webhook"), /no assay equivalent/);
    expectRow("tests[5].providers", at(F, "providers: [smart]"), /every target/);
    expectRow("transform", at(F, "output.split"), /simple transforms/);
    expectRow("tests huggingface://datasets/acme/support-questions", at(F, "huggingface://"), /network/);
    expectRow("tests file://tests/generate.py", at(F, "generate.py"), /never run/);
    expectRow("column __prefix", at("features/tests/cases.csv", "Answer briefly"), /left out/);
    expectRow("javascript", at("features/tests/cases.csv", "output.length > 3"), /never evaluated/);
    expectRow("is-sql", at("features/tests/lines.jsonl", "is-sql"), /no assay equivalent/);
    // the llm-rubric of a test with a transform is judged on the raw output, and says so
    expectRow("llm-rubric with a transform", at(F, "type: llm-rubric"), /as the target returned it/);
  });

  it("never copies a secret from the config into the suite or the report", () => {
    for (const file of filesUnder(out)) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toContain("sk-live-literal-key-never-copied");
      expect(text, file).not.toContain("sk-env-value-never-copied");
      expect(text, file).not.toContain("tok-provider-secret-never-copied");
    }
  });

  it("runs end to end: a model that answers right passes every dimension, a wrong one fails the checks", async () => {
    const targets = ["--target", "gpt-4o-mini.answer", "--target", "smart.chat"];
    mode = "right";
    const right = await runSuite(out, ...targets);
    expect(right.errors.count).toBe(0);
    for (const [name, d] of Object.entries(right.dimensions)) {
      expect(d.passRate, name).toBe(1);
      expect(
        Object.keys(d.unscoredReasons ?? {}).filter((k) => !NOT_APPLICABLE_CODES.has(k)),
        name,
      ).toEqual([]);
    }
    // a dimension scores only the cases that carry its assertion
    expect(right.dimensions.regex.n).toBe(1);
    expect(right.dimensions.accuracy.n).toBe(3);

    mode = "wrong";
    const wrong = await runSuite(out, ...targets);
    for (const name of [
      "accuracy",
      "not-contains",
      "starts-with",
      "regex",
      "is-json",
      "levenshtein",
      "facts",
    ]) {
      expect(wrong.dimensions[name].passRate, name).toBe(0);
    }
    for (const name of ["llm-rubric", "factuality", "g-eval", "not-llm-rubric", "model-graded-closedqa"]) {
      expect(wrong.dimensions[name].mean, name).toBe(0);
    }
    expect(wrong.dimensions["rouge-n"].mean).toBeLessThan(0.6);
    // checks the wrong answer still meets
    expect(wrong.dimensions.latency.passRate).toBe(1);
    expect(wrong.dimensions["not-icontains"].passRate).toBe(1);
    expect(wrong.dimensions["js-scores-notEmpty"].passRate).toBe(1);
  });

  it("runs a promptfoo provider module as a module target, with the prompt rendered from the vars", async () => {
    mode = "right";
    const card = await runSuite(out, "--target", "echo.chat");
    expect(card.errors.count).toBe(0);
    const store = openSqliteStore(join(out, "assay.db"));
    try {
      const outputs = await store.listOutputs(card.run.id);
      const capital = outputs.find((o) => o.caseId === "capital-of-france");
      expect(capital?.text).toMatch(/^echo: \[/);
      expect(JSON.parse(capital?.text.slice("echo: ".length) ?? "")).toEqual([
        { role: "system", content: "You are a friendly support assistant. Answer in one sentence." },
        { role: "user", content: "Question: What is the capital of France?" },
      ]);
    } finally {
      await store.close();
    }
  });
});

describe("an Anthropic provider with its own endpoint", () => {
  it("becomes an anthropic target with baseUrl, options and the chat prompt's system message", async () => {
    const dir = tempDir("assay-import-promptfoo-anthropic-");
    try {
      dir.write(
        "promptfooconfig.yaml",
        [
          "prompts:",
          '  - \'[{"role": "system", "content": "Be {{tone}}."}, {"role": "user", "content": "Question: {{question}}"}]\'',
          "providers:",
          "  - id: anthropic:messages:claude-3-5-haiku-20241022",
          "    config:",
          `      apiBaseUrl: ${anthropic.baseUrl}`,
          "      temperature: 0",
          "      max_tokens: 64",
          "tests:",
          "  - vars: { tone: brief, question: Who wrote Hamlet? }",
          "    assert:",
          "      - type: icontains-all",
          "        value: william, shakespeare",
        ].join("\n"),
      );
      const res = await importConfig(dir.dir);
      expect(res.code, res.stderr).toBe(0);
      expect(suiteOf(res.out).targets[0]).toMatchObject({
        provider: "anthropic:claude-3-5-haiku-20241022",
        baseUrl: anthropic.baseUrl,
        options: { temperature: 0, maxTokens: 64 },
      });
      mode = "right";
      const before = anthropic.calls.length;
      const card = await runSuite(res.out);
      expect(card.dimensions["icontains-all"]).toMatchObject({ mean: 1, passRate: 1 });
      const sent = anthropic.calls.slice(before)[0].json as Record<string, unknown>;
      expect(sent).toMatchObject({ system: "Be brief.", max_tokens: 64, temperature: 0 });
    } finally {
      dir.remove();
    }
  });
});

describe("defaultTest transforms, shared thresholds, weights and shared schemas", () => {
  const dir = tempDir("assay-import-promptfoo-small-");
  afterAll(() => dir.remove());

  it("applies defaultTest's transform to the string checks, and a threshold every test shares is the gate's floor", async () => {
    dir.write(
      "transform.yaml",
      [
        "prompts: ['Question: {{ question }}']",
        "providers: [openai:gpt-4o-mini]",
        "defaultTest:",
        "  threshold: 0.75",
        "  options:",
        "    transform: output.toLowerCase()",
        "tests:",
        "  - vars: { question: What is the capital of France? }",
        "    assert:",
        "      - type: contains",
        "        value: paris",
        "        weight: 3",
        "      - type: equals",
        "        value: paris is the capital of france.",
        "        weight: 3",
        "  - vars: { question: Who wrote Hamlet? }",
        "    assert:",
        "      - type: starts-with",
        "        value: william",
      ].join("\n"),
    );
    const res = await importConfig(dir.path("transform.yaml"));
    expect(res.code, res.stderr).toBe(0);
    const suite = suiteOf(res.out);
    expect(suite.gate).toEqual({ floors: { aggregate: 0.75 } });
    expect(suite.dimensions.contains.weight).toBe(3);
    expect(rowFor(report(res.out).rows, "threshold 0.75").why).toMatch(/gate's floor on the aggregate/);
    mode = "right";
    const card = await runSuite(res.out);
    // the answers are capitalised: these pass only through the transform
    for (const name of ["contains", "equals", "starts-with"])
      expect(card.dimensions[name].passRate, name).toBe(1);
    mode = "wrong";
    const wrong = await runSuite(res.out);
    for (const name of ["contains", "equals", "starts-with"])
      expect(wrong.dimensions[name].passRate, name).toBe(0);
  });

  it("uses assay's own json-schema and contains evaluators when every test has the same check", async () => {
    dir.write(
      "schema.yaml",
      [
        "prompts: ['Return the user {{ name }} as JSON.']",
        "providers: [openai:gpt-4o-mini]",
        "defaultTest:",
        "  assert:",
        "    - type: is-json",
        "      value: { type: object, required: [name, role], properties: { role: { enum: [admin, user] } } }",
        "    - type: contains-all",
        "      value: [name, role]",
        "tests:",
        "  - vars: { name: Ada }",
        "  - vars: { name: Bob }",
      ].join("\n"),
    );
    const res = await importConfig(dir.path("schema.yaml"));
    expect(res.code, res.stderr).toBe(0);
    const dims = suiteOf(res.out).dimensions;
    expect(dims["is-json"]).toMatchObject({
      evaluator: "json-schema",
      with: { schema: { required: ["name", "role"] }, strict: false },
    });
    expect(dims["contains-all"]).toMatchObject({
      evaluator: "contains",
      with: { values: ["name", "role"], mode: "all" },
    });
    expect(casesOf(res.out).every((c) => c.expected === undefined)).toBe(true);
    mode = "right";
    const card = await runSuite(res.out);
    // Bob's answer has a role outside the schema's enum
    expect(card.dimensions["is-json"]).toMatchObject({ passRate: 0.5, n: 2 });
    expect(card.dimensions["contains-all"]).toMatchObject({ passRate: 1, n: 2 });
  });
});

describe("the echo provider and a Hugging Face test source given with --data", () => {
  it("imports echo as a module target and the rows given for the hub dataset as tests", async () => {
    const dir = tempDir("assay-import-promptfoo-echo-");
    try {
      dir.write(
        "promptfooconfig.yaml",
        [
          "prompts: ['Say {{ word }} to {{ name }}']",
          "providers: [echo]",
          "defaultTest:",
          "  assert:",
          "    - type: icontains",
          "      value: 'say {{ word }}'",
          "tests: huggingface://datasets/acme/greetings?split=test",
        ].join("\n"),
      );
      dir.write("rows.jsonl", '{"word": "hello", "name": "Ada"}\n{"word": "goodbye", "name": "Bob"}\n');
      const out = tmp.path(`out-${++outs}`);
      const res = await runCliInProcess(
        ["import", "promptfoo", "promptfooconfig.yaml", "--out", out, "--data", "acme/greetings=rows.jsonl"],
        { cwd: dir.dir },
      );
      expect(res.code, res.stderr).toBe(0);
      expect(suiteOf(out).targets).toEqual([
        { id: "echo", description: 'promptfoo prompt "prompt-1" on echo', module: "targets/echo.mjs" },
      ]);
      expect(casesOf(out).map((c) => c.input)).toEqual([
        { word: "hello", name: "Ada" },
        { word: "goodbye", name: "Bob" },
      ]);
      const card = await runSuite(out);
      expect(card.dimensions.icontains).toMatchObject({ passRate: 1, n: 2 });
      const store = openSqliteStore(join(out, "assay.db"));
      try {
        const texts = (await store.listOutputs(card.run.id)).map((o) => o.text).sort();
        expect(texts).toEqual(["Say goodbye to Bob", "Say hello to Ada"]);
      } finally {
        await store.close();
      }
    } finally {
      dir.remove();
    }
  });
});

describe("nothing to import", () => {
  it("exits 2 for a missing file, a file that is not a promptfoo config, and a config whose tests all fail to load", async () => {
    const missing = await importConfig(fixture("nope/promptfooconfig.yaml"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);

    const dir = tempDir("assay-import-promptfoo-empty-");
    try {
      dir.write("other.yaml", "task: gsm8k\ndataset_path: gsm8k\n");
      const other = await importConfig(dir.path("other.yaml"));
      expect(other.code).toBe(2);
      expect(other.stderr).toMatch(/not a promptfoo config/);

      dir.write(
        "promptfooconfig.yaml",
        "prompts: ['{{q}}']\nproviders: [openai:gpt-4o-mini]\ntests: file://missing.csv\n",
      );
      const empty = await importConfig(dir.dir);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toMatch(/no tests could be imported.*missing\.csv.*no such file/);

      dir.write(
        "code-only.yaml",
        "prompts: [file://build.py]\nproviders: [openai:gpt-4o-mini]\ntests: [{vars: {q: x}}]\n",
      );
      dir.write("build.py", "def prompt(context):\n    return 'x'\n");
      const noPrompt = await importConfig(dir.path("code-only.yaml"));
      expect(noPrompt.code).toBe(2);
      expect(noPrompt.stderr).toMatch(/no target could be made: no prompt could be imported.*never run/);

      dir.write("broken.yaml", "prompts: [\n");
      const broken = await importConfig(dir.path("broken.yaml"));
      expect(broken.code).toBe(2);
      expect(broken.stderr).toMatch(/broken\.yaml:\d+/);
    } finally {
      dir.remove();
    }
  });
});

describe("promptfoo's string forms, transforms, templates and provider ids", () => {
  it("reads __expected strings as promptfoo does", () => {
    expect(assertionFromString("Paris")).toEqual({ type: "equals", value: "Paris" });
    expect(assertionFromString("contains: Paris")).toEqual({ type: "contains", value: "Paris" });
    expect(assertionFromString("not-icontains:green")).toEqual({ type: "not-icontains", value: "green" });
    expect(assertionFromString("contains-any: a, b,c")).toEqual({
      type: "contains-any",
      value: ["a", "b", "c"],
    });
    expect(assertionFromString("levenshtein(3):kitten")).toEqual({
      type: "levenshtein",
      value: "kitten",
      threshold: 3,
    });
    expect(assertionFromString("grade: is polite")).toEqual({ type: "llm-rubric", value: "is polite" });
    expect(assertionFromString("fn: output.length > 3")).toEqual({
      type: "javascript",
      value: "output.length > 3",
    });
    expect(assertionFromString("file://check.js:score")).toEqual({
      type: "javascript",
      value: "file://check.js:score",
    });
    expect(assertionFromString("is-json")).toEqual({ type: "is-json" });
  });

  it("keeps only transforms made of known steps", () => {
    expect(parseTransform("output.trim()")).toEqual([{ op: "trim" }]);
    expect(parseTransform("return JSON.parse(output).items[0]['name'].toLowerCase();")).toEqual([
      { op: "json" },
      { op: "get", key: "items" },
      { op: "get", key: 0 },
      { op: "get", key: "name" },
      { op: "lower" },
    ]);
    expect(parseTransform("output.split('\\n')[0]")).toBeUndefined();
    expect(parseTransform("require('fs').readFileSync('/etc/passwd')")).toBeUndefined();
    expect(parseTransform("(output) => output.trim()")).toBeUndefined();
  });

  it("rewrites Nunjucks as Liquid, and names what Liquid cannot do", () => {
    expect(
      nunjucksToLiquid("{{ name | upper }} {{ items | join(', ') }} {{ x | default('none') }}").text,
    ).toBe("{{ name | upcase }} {{ items | join: ', ' }} {{ x | default: 'none' }}");
    expect(
      nunjucksToLiquid("{% for i in xs %}{{ loop.index }}{% endfor %}{% if a %}A{% elif b %}B{% endif %}")
        .text,
    ).toBe("{% for i in xs %}{{ forloop.index }}{% endfor %}{% if a %}A{% elsif b %}B{% endif %}");
    expect(nunjucksToLiquid("{% set x = y | trim %}{# note #}").text).toBe(
      "{% assign x = y | strip %}{% comment %} note {% endcomment %}",
    );
    expect(nunjucksToLiquid("{% if not done %}{{ a ~ b }}{% endif %}").problems).toEqual([
      "`not` (Liquid has `unless` and `!=` instead)",
      "`~` string concatenation",
    ]);
    expect(nunjucksToLiquid("{{ title | title }}").problems).toEqual(["filter `title`"]);
  });

  it("maps provider ids to assay's two protocols, or says why not", () => {
    expect(mapModelId("openai:gpt-4o-mini")).toEqual({ model: { provider: "openai:gpt-4o-mini" } });
    expect(mapModelId("openai:chat:gpt-4o")).toEqual({ model: { provider: "openai:gpt-4o" } });
    expect(mapModelId("anthropic:messages:claude-3-5-sonnet-latest")).toEqual({
      model: { provider: "anthropic:claude-3-5-sonnet-latest" },
    });
    expect(mapModelId("groq:llama-3.3-70b-versatile")).toEqual({
      model: {
        provider: "openai:llama-3.3-70b-versatile",
        baseUrl: "https://api.groq.com/openai/v1",
        apiKeyEnv: "GROQ_API_KEY",
      },
    });
    expect(mapModelId("ollama:chat:llama3.1")).toMatchObject({ model: { provider: "openai:llama3.1" } });
    expect(mapModelId("openai:completion:gpt-3.5-turbo-instruct")).toMatchObject({
      caveat: expect.stringMatching(/completion API/),
    });
    expect(mapModelId("openai:embedding:text-embedding-3-small")).toHaveProperty("unsupported");
    expect(mapModelId("bedrock:anthropic.claude-v2")).toHaveProperty("unsupported");
  });

  it("expands array vars into every combination", () => {
    expect(expandVars({ a: [1, 2], b: "x", c: ["p", "q"] })).toEqual([
      { a: 1, b: "x", c: "p" },
      { a: 1, b: "x", c: "q" },
      { a: 2, b: "x", c: "p" },
      { a: 2, b: "x", c: "q" },
    ]);
  });
});

describe("the bundled assertion module (evaluators/promptfoo.mjs)", () => {
  type Result = { score: number | null; reason: string; details?: Record<string, unknown> };
  type Fn = (input: unknown, options: unknown) => Promise<Result>;
  let runtime: {
    assertions: Fn;
    javascript: (mod: unknown, input: unknown, options: unknown) => Promise<Result>;
  };

  beforeAll(async () => {
    const file = tmp.path("promptfoo-runtime.mjs");
    writeFileSync(file, RUNTIME_MODULE);
    runtime = await import(pathToFileURL(file).href);
  });

  const input = (text: string, checks: unknown[] | undefined, output: Record<string, unknown> = {}) => ({
    case: { id: "c1", input: { city: "Paris" }, tags: {} },
    output: { text, latencyMs: 120, ...output },
    expected: checks === undefined ? {} : { dim: checks },
  });
  const score = async (text: string, checks: unknown[], output?: Record<string, unknown>) =>
    (await runtime.assertions(input(text, checks, output), { dimension: "dim" })).score;

  it("scores each deterministic type as promptfoo does, with not- inverting it", async () => {
    const t = "Paris is the capital of France.";
    const cases: Array<[unknown, number]> = [
      [{ type: "contains", value: "Paris" }, 1],
      [{ type: "contains", value: "paris" }, 0],
      [{ type: "icontains", value: "PARIS" }, 1],
      [{ type: "contains", value: "Paris", negate: true }, 0],
      [{ type: "contains-any", value: ["Rome", "France"] }, 1],
      [{ type: "contains-all", value: ["Paris", "Rome"] }, 0],
      [{ type: "icontains-all", value: ["paris", "FRANCE"] }, 1],
      [{ type: "icontains-any", value: ["rome", "berlin"], negate: true }, 1],
      [{ type: "starts-with", value: "Paris" }, 1],
      [{ type: "ends-with", value: "France." }, 1],
      [{ type: "equals", value: t }, 1],
      [{ type: "equals", value: `${t} ` }, 0],
      [{ type: "regex", value: "^Paris\\b" }, 1],
      [{ type: "regex", value: "\\d", negate: true }, 1],
      [{ type: "is-json" }, 0],
      [{ type: "contains-json" }, 0],
      [{ type: "levenshtein", value: "Paris is the capital of Franc", threshold: 2 }, 1],
      [{ type: "levenshtein", value: "Rome is the capital of Italy.", threshold: 5 }, 0],
      [{ type: "latency", threshold: 100 }, 0],
      [{ type: "latency", threshold: 200 }, 1],
    ];
    for (const [check, want] of cases) expect(await score(t, [check]), JSON.stringify(check)).toBe(want);
    expect(await score('{"a": [1, {"b": 2}]}', [{ type: "equals", value: { a: [1, { b: 2 }] } }])).toBe(1);
    expect(await score('Here: {"a": 1} done', [{ type: "contains-json" }])).toBe(1);
    expect(await score('{"a": 1}', [{ type: "is-json" }])).toBe(1);
  });

  it("applies transforms, weighs checks, and leaves cases without the dimension's checks not applicable", async () => {
    const json = '  {"answer": "Paris", "n": 3}  ';
    expect(
      await score(json, [
        {
          type: "equals",
          value: "paris",
          transform: [{ op: "json" }, { op: "get", key: "answer" }, { op: "lower" }],
        },
      ]),
    ).toBe(1);
    const failed = await runtime.assertions(
      input("not json", [{ type: "equals", value: "x", transform: [{ op: "json" }] }]),
      {
        dimension: "dim",
      },
    );
    expect(failed.score).toBe(0);
    expect(failed.reason).toMatch(/transform failed/);
    expect(
      await score("Paris", [
        { type: "contains", value: "Paris", weight: 3 },
        { type: "contains", value: "Rome" },
      ]),
    ).toBe(0.75);
    const na = await runtime.assertions(input("Paris", undefined), { dimension: "dim" });
    expect(na).toMatchObject({ score: null, details: { unscored: "not-applicable" } });
    // no cost reported: the check cannot judge, the case is unscored (never 0)
    const noCost = await runtime.assertions(input("Paris", [{ type: "cost", threshold: 0.1 }]), {
      dimension: "dim",
    });
    expect(noCost.score).toBeNull();
    expect(await score("Paris", [{ type: "cost", threshold: 0.1 }], { costUsd: 0.05 })).toBe(1);
  });

  it("computes levenshtein distances within the band exactly", async () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const word = () =>
      Array.from({ length: Math.floor(rand() * 9) }, () => "abc"[Math.floor(rand() * 3)]).join("");
    const exact = (a: string, b: string) => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
      for (let j = 1; j <= b.length; j++) d[0][j] = j;
      for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++)
          d[i][j] = Math.min(
            d[i - 1][j] + 1,
            d[i][j - 1] + 1,
            d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
          );
      return d[a.length][b.length];
    };
    for (let k = 0; k < 300; k++) {
      const [a, b, max] = [word(), word(), Math.floor(rand() * 5)];
      const want = exact(a, b) <= max ? 1 : 0;
      expect(
        await score(a, [{ type: "levenshtein", value: b, threshold: max }]),
        `${a} ~ ${b} <= ${max}`,
      ).toBe(want);
    }
  });

  it("stops a regex that backtracks catastrophically: the case is unscored, later regexes still run", async () => {
    const evil = await runtime.assertions(
      input(`${"a".repeat(40)}!`, [{ type: "regex", value: "^(a+)+$" }]),
      {
        dimension: "dim",
      },
    );
    expect(evil.score).toBeNull();
    expect(evil.reason).toMatch(/took longer than/);
    expect(await score("abc123", [{ type: "regex", value: "\\d+$" }])).toBe(1);
  });

  it("runs javascript assertion modules with promptfoo's (output, context) and its result shapes", async () => {
    const mod = {
      default: (output: string, context: { vars: { city: string }; config: { min: number } }) =>
        output.includes(context.vars.city),
      ratio: (output: string, context: { config: { min: number } }) => output.length / context.config.min,
      graded: () => ({ pass: false, score: 0.3, reason: "too vague" }),
      boom: () => {
        throw new Error("kaput");
      },
    };
    const run = async (items: unknown[], exp?: string, text = "Paris!") =>
      runtime.javascript(mod, input(text, items), { dimension: "dim", ...(exp ? { export: exp } : {}) });
    expect((await run([{}])).score).toBe(1);
    expect((await run([{ negate: true }])).score).toBe(0);
    expect((await run([{ config: { min: 12 }, threshold: 0.5 }], "ratio")).score).toBe(1);
    expect((await run([{ config: { min: 60 }, threshold: 0.5 }], "ratio")).score).toBe(0);
    expect(await run([{}], "graded")).toMatchObject({ score: 0, reason: "too vague" });
    expect(await run([{}], "boom")).toMatchObject({
      score: 0,
      reason: expect.stringMatching(/threw: kaput/),
    });
    await expect(run([{}], "missing")).rejects.toThrow(/exports no function named missing/);
  });
});
