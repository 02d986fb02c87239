import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCliInProcess } from "../support/cli.ts";
import { type LlmServer, type RecordedRequest, reply, startOpenAIServer } from "../support/llm-servers.ts";
import { tempDir } from "../support/temp.ts";
import { type ReportRow, report } from "./support.ts";

/**
 * `assay import openai-evals` (issue 12) end to end: hosted Evals API exports (an eval with its run
 * in a folder, an eval definition with items given by --data, recorded samples) and the
 * open-source registry (the published test-match shape, and a file covering Includes, FuzzyMatch,
 * JsonMatch and model-graded specs), written by hand from the public formats. Each import's report
 * is checked for what was left out (file:line), and the suite is run against a local
 * OpenAI-protocol server reached through OPENAI_BASE_URL: a model (and judges) answering right,
 * then wrong.
 */

const FIXTURES = join(import.meta.dirname, "../fixtures/import/openai-evals");
const fixture = (p: string) => join(FIXTURES, p);
const KEY = "sk-openai-evals-import-0000";

interface Message {
  role: string;
  content: string;
}
let server: LlmServer;
/** the fake model's answer to a target call */
let answer: (messages: Message[], req: RecordedRequest) => string = () => "";
/** the fake judge's verdict (the text after "score":), given its prompt */
let verdict: (system: string, user: string, req: RecordedRequest) => string = () => '"pass"';
const tmp = tempDir("assay-import-openai-evals-");

const isJudge = (messages: Message[]) => messages[0]?.content.startsWith("You are an impartial evaluator");

beforeAll(async () => {
  server = await startOpenAIServer((req) => {
    const messages = (req.json?.messages ?? []) as Message[];
    if (isJudge(messages)) {
      return reply.text(
        `{"reasoning": "checked", "score": ${verdict(messages[0].content, messages[1]?.content ?? "", req)}}`,
      );
    }
    return reply.text(answer(messages, req));
  });
});
afterAll(async () => {
  await server.close();
  tmp.remove();
});

let outs = 0;
async function importEval(...args: string[]) {
  const out = tmp.path(`out-${++outs}`);
  const res = await runCliInProcess(["import", "openai-evals", ...args, "--out", out]);
  return { ...res, out };
}

interface Dim {
  mean: number;
  n: number;
  unscored: number;
  passRate: number;
}
interface Card {
  cases: number;
  dimensions: Record<string, Dim>;
}

async function runSuite(out: string, ...flags: string[]): Promise<Card> {
  const card = join(out, `card-${++outs}.json`);
  const res = await runCliInProcess(
    ["run", out, "--db", join(out, "assay.db"), "--json", card, "--quiet", ...flags],
    {
      env: { OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: KEY },
    },
  );
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(readFileSync(card, "utf8")) as Card;
}

/** `file:line` of the first line of a fixture holding `needle` (after the line holding `after`, when given). */
function at(file: string, needle: string, after?: string): string {
  const lines = readFileSync(fixture(file), "utf8").split("\n");
  const from = after ? lines.findIndex((l) => l.includes(after)) : 0;
  const i = lines.findIndex((l, j) => j >= from && l.includes(needle));
  if (i < 0 || from < 0) throw new Error(`${needle} not in ${file}`);
  return `${join("test/fixtures/import/openai-evals", file)}:${i + 1}`;
}

function rowFor(rows: ReportRow[], feature: string): ReportRow {
  const row = rows.find((r) => r.feature.includes(feature));
  if (!row) throw new Error(`no report row for ${feature}: ${JSON.stringify(rows, null, 1)}`);
  return row;
}

// biome-ignore lint/suspicious/noExplicitAny: the imported suite is read as loose YAML
function suiteOf(out: string): Record<string, any> {
  return parse(readFileSync(join(out, "assay.yaml"), "utf8"));
}

interface CaseLine {
  id: string;
  // biome-ignore lint/suspicious/noExplicitAny: inputs are strings or objects, read loosely
  input: any;
  expected?: unknown;
  tags?: Record<string, string>;
}

function casesOf(out: string, file: string): CaseLine[] {
  return readFileSync(join(out, file), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

const TICKETS: Record<string, string> = {
  "My monitor won't turn on!": "Hardware",
  "I'm in vim and I can't quit!": "Software",
  "Best restaurants in Cleveland?": "Other",
};

describe("assay import openai-evals: a hosted eval with its run (a folder of the API's JSON)", () => {
  it("translates every grader it can, reports the rest, and scores right and wrong answers", async () => {
    const res = await importEval(fixture("hosted-folder"));
    expect(res.code, res.stderr).toBe(0);
    const suite = suiteOf(res.out);
    // the run → a provider target: developer → system, {{ item.x }} → Liquid over the case, sampling_params → options
    expect(suite.targets).toEqual([
      {
        id: "Categorization-text-run",
        provider: "openai:gpt-4.1",
        messages: [
          {
            role: "system",
            content: expect.stringContaining(
              "categorize the request into one of Hardware, Software, or Other",
            ),
          },
          { role: "user", content: "{{ case.input.ticket_text }}" },
        ],
        options: { temperature: 1, topP: 1, seed: 42, maxTokens: 2048 },
      },
    ]);
    const dims = suite.dimensions;
    expect(Object.keys(dims)).toEqual([
      "Match-output-to-human-label",
      "Not-a-refusal",
      "Mentions-the-label",
      "Mentions-the-label-any-case",
      "Close-to-the-label",
      "ROUGE-L",
      "Label-quality",
      "Grader-agrees",
    ]);
    expect(dims["Match-output-to-human-label"]).toMatchObject({ evaluator: "equals", with: { trim: false } });
    expect(dims["Not-a-refusal"]).toMatchObject({ evaluator: "equals", with: { negate: true } });
    expect(dims["Mentions-the-label-any-case"]).toMatchObject({
      evaluator: "contains",
      with: { caseInsensitive: true },
    });
    expect(dims["Close-to-the-label"]).toMatchObject({ evaluator: "levenshtein", threshold: 0.8 });
    expect(dims["ROUGE-L"]).toMatchObject({ evaluator: "rouge-l", threshold: 0.5 });
    // score_model: range [1, 7], pass_threshold 5 → 4/6 of the range
    expect(dims["Label-quality"]).toMatchObject({
      evaluator: "llm-judge",
      with: { model: "openai:o3-mini", scale: [1, 7], threshold: 5, temperature: 0 },
    });
    expect(dims["Label-quality"].threshold).toBeCloseTo(4 / 6, 10);
    expect(dims["Grader-agrees"]).toMatchObject({
      evaluator: "llm-judge",
      with: { model: "openai:gpt-4o-2024-08-06", scale: "binary" },
    });
    // the grader's messages are the rubric, its templates pointing at the judge's blocks
    const rubric = readFileSync(join(res.out, "rubrics/Label-quality.md"), "utf8");
    expect(rubric).toContain("Rate from 1 to 7 how well the label fits the ticket.");
    expect(rubric).toContain("Ticket: [the input's `ticket_text`]\nLabel: [the answer under judgment]");
    expect(readFileSync(join(res.out, "rubrics/Grader-agrees.md"), "utf8")).toContain(
      '- pass — the label the instructions lead to is one of "correct"',
    );
    // references differ (an item field, a literal): each dimension reads its own from the expected object
    const cases = casesOf(res.out, "datasets/items.jsonl");
    expect(cases[0]).toMatchObject({
      id: "item-1",
      input: { ticket_text: "My monitor won't turn on!", correct_label: "Hardware" },
      expected: { "Match-output-to-human-label": "Hardware", "Not-a-refusal": "I cannot help with that." },
    });

    const { rows } = report(res.out);
    const file = "hosted-folder/ticket-eval.json";
    expect(rowFor(rows, "cosine").where).toBe(at(file, '"evaluation_metric": "cosine"'));
    expect(rowFor(rows, 'python "Custom check"').where).toBe(at(file, '"source"'));
    expect(rowFor(rows, 'python "Custom check"').why).toContain("never executed");
    expect(rowFor(rows, 'multi "Combined"').where).toBe(at(file, '"calculate_output"'));
    expect(rowFor(rows, "sampling_params.seed").where).toBe(
      at(file, '"sampling_params": { "temperature": 0, "seed": 42 }'),
    );
    expect(rowFor(rows, "fuzzy_match").why).toContain("Levenshtein");

    // right answers, and judges that agree
    answer = (messages) => TICKETS[messages.at(-1)?.content ?? ""] ?? "?";
    verdict = (system) => (system.includes("Rate from 1 to 7") ? "7" : '"pass"');
    const before = server.calls.length;
    const right = await runSuite(res.out);
    for (const [name, d] of Object.entries(right.dimensions)) expect(d.mean, name).toBe(1);
    const targetCalls = server.calls.slice(before).filter((r) => !isJudge(r.json?.messages as Message[]));
    expect(targetCalls).toHaveLength(3);
    for (const r of targetCalls) {
      expect(r.json).toMatchObject({
        model: "gpt-4.1",
        temperature: 1,
        top_p: 1,
        seed: 42,
        max_tokens: 2048,
      });
      expect((r.json?.messages as Message[] | undefined)?.[0]?.role).toBe("system");
    }
    const judgeCalls = server.calls.slice(before).filter((r) => isJudge(r.json?.messages as Message[]));
    expect(new Set(judgeCalls.map((r) => r.json?.model))).toEqual(new Set(["o3-mini", "gpt-4o-2024-08-06"]));
    expect(
      judgeCalls.some(
        (r) =>
          (r.json?.messages as Message[] | undefined)?.[1]?.content ??
          "".includes("I'm in vim and I can't quit!"),
      ),
    ).toBe(true);

    // a refusal, and judges that disagree
    answer = () => "I cannot help with that.";
    verdict = (system) => (system.includes("Rate from 1 to 7") ? "2" : '"fail"');
    const wrong = await runSuite(res.out);
    expect(wrong.dimensions["Match-output-to-human-label"].mean).toBe(0);
    expect(wrong.dimensions["Not-a-refusal"].mean).toBe(0);
    expect(wrong.dimensions["Mentions-the-label"].mean).toBe(0);
    expect(wrong.dimensions["Label-quality"].mean).toBeCloseTo(1 / 6, 10);
    expect(wrong.dimensions["Label-quality"].passRate).toBe(0);
    expect(wrong.dimensions["Grader-agrees"].mean).toBe(0);
  });
});

describe("assay import openai-evals: an eval definition without a run", () => {
  it("exits 2 without items; takes them from --data items or the JSONL beside it, behind a placeholder or --model target", async () => {
    // alone in a folder: no items anywhere
    const lonely = tmp.write("qa-eval.yaml", readFileSync(fixture("hosted-file/qa-eval.yaml"), "utf8"));
    const none = await importEval(lonely);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--data items=FILE");

    const res = await importEval(lonely, "--data", `items=${fixture("hosted-file/capitals-items.jsonl")}`);
    expect(res.code, res.stderr).toBe(0);
    const suite = suiteOf(res.out);
    expect(suite.targets).toEqual([{ id: "your-model", provider: "openai:your-model" }]);
    const { rows } = report(res.out);
    expect(rowFor(rows, "runs").why).toContain("openai:your-model");
    expect(rowFor(rows, "runs").why).toContain("--model provider:name");
    expect(rowFor(rows, "meteor").why).toContain("not imported");
    // one reference template for every grader: the expected value is its text
    expect(casesOf(res.out, "datasets/items.jsonl").map((c) => c.expected)).toEqual(["Paris", "Tokyo"]);

    // beside its items file, the eval needs no --data
    const withModel = await importEval(fixture("hosted-file/qa-eval.yaml"), "--model", "openai:qa-model");
    expect(withModel.code, withModel.stderr).toBe(0);
    expect(suiteOf(withModel.out).targets[0].provider).toBe("openai:qa-model");
    expect(rowFor(report(withModel.out).rows, "meteor").where).toBe(
      at("hosted-file/qa-eval.yaml", "evaluation_metric: meteor"),
    );
    // the item goes as JSON; the fake reads the question from it
    answer = (messages) => {
      const item = JSON.parse(messages.at(-1)?.content ?? "{}") as { question?: string };
      return item.question?.includes("France") ? "Paris" : "Kyoto";
    };
    const card = await runSuite(withModel.out);
    expect(card.dimensions.exact.mean).toBe(0.5);
    expect(card.dimensions.exact.n).toBe(2);
  });

  it("scores answers recorded with the items (a jsonl run) through a replay target, calling no model", async () => {
    // the items are a file on OpenAI's servers (file_id): without it, nothing to import
    const lonely = tmp.write(
      "recorded-eval.json",
      readFileSync(fixture("recorded/recorded-eval.json"), "utf8"),
    );
    const none = await importEval(lonely);
    expect(none.code).toBe(2);
    const res = await importEval(lonely, "--data", `file-Recorded123=${fixture("recorded/recorded.jsonl")}`);
    expect(res.code, res.stderr).toBe(0);
    expect(suiteOf(res.out).targets).toEqual([
      { id: "recorded", description: expect.any(String), replay: "datasets/recorded-samples.jsonl" },
    ]);
    expect(casesOf(res.out, "datasets/items.jsonl").map((c) => c.id)).toEqual(["r1", "r2"]);
    const before = server.calls.length;
    const card = await runSuite(res.out);
    expect(card.dimensions.exact.mean).toBe(0.5);
    expect(server.calls.length).toBe(before);
  });
});

describe("assay import openai-evals: the open-source registry", () => {
  it("imports the published test-match shape (Match: the answer starts with the ideal)", async () => {
    const res = await importEval(fixture("registry/evals/test-match.yaml"), "--model", "openai:reg-model");
    expect(res.code, res.stderr).toBe(0);
    const suite = suiteOf(res.out);
    expect(suite.suite).toBe("test-match");
    expect(suite.dimensions).toEqual({
      accuracy: {
        evaluator: "contains",
        with: { field: "ideal", position: "start" },
        description: expect.any(String),
      },
    });
    expect(suite.targets).toEqual([
      { id: "reg-model", provider: "openai:reg-model", options: { temperature: 0 } },
    ]);
    const cases = casesOf(res.out, "datasets/samples.jsonl");
    expect(cases[0].input).toEqual({
      messages: [
        { role: "system", content: "Complete the phrase as concisely as possible." },
        { role: "user", content: "Once upon a " },
      ],
    });
    expect(report(res.out).text).toContain("Everything in the source was translated.");
    const ideal: Record<string, string> = {
      "Once upon a ": "time",
      "The first US president was ": "George Washington",
      "OpenAI was founded in 20": "15",
    };
    answer = (messages) => `${ideal[messages.at(-1)?.content ?? ""]}, I believe.`;
    expect((await runSuite(res.out)).dimensions.accuracy).toMatchObject({ mean: 1, n: 3 });
    answer = (messages) => `I believe ${ideal[messages.at(-1)?.content ?? ""]}`;
    expect((await runSuite(res.out)).dimensions.accuracy.mean).toBe(0);
  });

  it("imports Includes, FuzzyMatch, JsonMatch and model-graded specs from one file, each on its own samples", async () => {
    const res = await importEval(fixture("registry/evals/mixed.yaml"), "--model", "openai:geo-model");
    expect(res.code, res.stderr).toBe(0);
    const suite = suiteOf(res.out);
    expect(Object.keys(suite.dimensions)).toEqual([
      "geo-includes.accuracy",
      "geo-fuzzy.accuracy",
      "geo-fuzzy.f1_score",
      "geo-json.accuracy",
      "geo-fact.geo-fact",
      "geo-quality.quality",
    ]);
    expect(suite.dimensions["geo-fact.geo-fact"].with).toMatchObject({
      model: "openai:geo-model",
      scale: "binary",
      reference: true,
      field: "geo-fact.ideal",
    });
    expect(suite.dimensions["geo-quality.quality"].with.scale).toEqual([0, 2]);
    const factRubric = readFileSync(join(res.out, "rubrics/geo-fact.md"), "utf8");
    expect(factRubric).toContain("[Submission]: [the answer under judgment]");
    expect(factRubric).toContain("[Expert]: [the reference answer]");
    expect(factRubric).toContain('- pass — the choice the instructions lead to is "A" (score 1).');
    // the spec's own arguments are filled in
    expect(readFileSync(join(res.out, "rubrics/quality.md"), "utf8")).toContain(
      "conciseness: Is the answer short and to the point?",
    );

    const cases = casesOf(res.out, "datasets/samples.jsonl");
    const includes = cases.filter((c) => c.tags?.eval === "geo-includes");
    expect(includes).toHaveLength(2);
    // one few-shot sample before the last input message
    expect(includes[0].input.messages.map((m: Message) => m.content)).toEqual([
      "Answer the question.",
      "What is the capital of Italy?",
      "Rome",
      "What is the capital of France?",
    ]);
    expect(includes[0].expected).toEqual({ "geo-includes": { ideal: ["Paris", "Paris, France"] } });

    const { rows } = report(res.out);
    expect(rowFor(rows, "geo-includes.dev.v1").where).toBe(
      at("registry/evals/mixed.yaml", "geo-includes.dev.v1:"),
    );
    expect(rowFor(rows, "GeoSolverEval").where).toBe(
      at("registry/evals/mixed.yaml", "class: evals.elsuite.solvers.custom:GeoSolverEval"),
    );
    expect(rowFor(rows, "{country_code}").where).toBe(
      `${join("test/fixtures/import/openai-evals", "registry/modelgraded/geo-fact.yaml")}:2`,
    );
    expect(rowFor(rows, "quality among several evals").why).toContain("every case");

    const capital = (text: string) =>
      text.includes("France") ? "Paris" : text.includes("Japan") ? "Tokyo" : "Rome";
    answer = (messages) => {
      const q = messages.at(-1)?.content ?? "";
      if (q.includes("JSON"))
        return JSON.stringify({ capital: capital(q), country: q.includes("France") ? "France" : "Japan" });
      return `The capital is ${capital(q).toLowerCase()}.`;
    };
    verdict = (system) => (system.includes("same city") ? '"pass"' : "2");
    const right = await runSuite(res.out);
    expect(right.cases).toBe(10);
    for (const name of [
      "geo-includes.accuracy",
      "geo-fuzzy.accuracy",
      "geo-json.accuracy",
      "geo-fact.geo-fact",
    ]) {
      // each dimension scores its own eval's two samples; the others' cases are not its business
      expect(right.dimensions[name], name).toMatchObject({ mean: 1, n: 2 });
    }
    expect(right.dimensions["geo-fuzzy.f1_score"].n).toBe(2);
    expect(right.dimensions["geo-quality.quality"]).toMatchObject({ mean: 1, n: 10 });

    answer = (messages) =>
      (messages.at(-1)?.content ?? "").includes("JSON") ? '{"capital": "Lyon"}' : "Lyon";
    verdict = (system) => (system.includes("same city") ? '"fail"' : "0");
    const wrong = await runSuite(res.out);
    for (const name of [
      "geo-includes.accuracy",
      "geo-fuzzy.accuracy",
      "geo-json.accuracy",
      "geo-fact.geo-fact",
      "geo-quality.quality",
    ]) {
      expect(wrong.dimensions[name].mean, name).toBe(0);
    }
  });

  it("exits 2 for a file that is neither kind, and for a registry eval with nothing importable", async () => {
    const bad = await importEval(fixture("registry/data/test_match/samples.jsonl"));
    expect(bad.code).toBe(2);
    const nothing = tmp.write(
      "only-python.yaml",
      "x:\n  id: x.v0\nx.v0:\n  class: evals.elsuite.custom:Mine\n  args: {samples_jsonl: nowhere.jsonl}\n",
    );
    const res = await importEval(nothing);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("no eval of this file could be imported");
  });
});
