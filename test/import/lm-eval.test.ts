import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCliInProcess } from "../support/cli.ts";
import { type LlmServer, type RecordedRequest, reply, startOpenAIServer } from "../support/llm-servers.ts";
import { tempDir } from "../support/temp.ts";
import { type ReportRow, report } from "./support.ts";

/**
 * `assay import lm-eval` (issue 12) end to end: task YAML written by hand from lm-eval's public
 * format (gsm8k's and sciq's published shapes, and one covering every listed feature) is imported,
 * the report is checked for what was left out (file:line), and the imported suite is run against a
 * local OpenAI-protocol server reached through OPENAI_BASE_URL, with a model that answers right and
 * one that answers wrong.
 */

const FIXTURES = join(import.meta.dirname, "../fixtures/import/lm-eval");
const fixture = (p: string) => join(FIXTURES, p);
const KEY = "sk-lm-eval-import-0000";

let server: LlmServer;
/** what the fake model answers for a prompt; each test sets it */
let answer: (prompt: string, req: RecordedRequest) => string = () => "";
const tmp = tempDir("assay-import-lm-eval-");

beforeAll(async () => {
  server = await startOpenAIServer((req) => {
    const messages = (req.json?.messages ?? []) as Array<{ role: string; content: string }>;
    return reply.text(answer(messages.at(-1)?.content ?? "", req));
  });
});
afterAll(async () => {
  await server.close();
  tmp.remove();
});

let outs = 0;
async function importTask(...args: string[]) {
  const out = tmp.path(`out-${++outs}`);
  const res = await runCliInProcess(["import", "lm-eval", ...args, "--out", out]);
  return { ...res, out };
}

interface Card {
  cases: number;
  errors: { count: number };
  dimensions: Record<string, { mean: number; n: number; unscored: number }>;
}

async function runSuite(out: string): Promise<Card> {
  const card = join(out, `card-${++outs}.json`);
  const res = await runCliInProcess(["run", out, "--db", join(out, "assay.db"), "--json", card, "--quiet"], {
    env: { OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: KEY },
  });
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(readFileSync(card, "utf8")) as Card;
}

/** `file:line` of the first line of a fixture holding `needle`, as the report shows it. */
function at(file: string, needle: string): string {
  const lines = readFileSync(fixture(file), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in ${file}`);
  return `${join("test/fixtures/import/lm-eval", file)}:${i + 1}`;
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

function casesOf(out: string, file: string): Array<{ id: string; input: string; expected?: string }> {
  return readFileSync(join(out, file), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

const GSM_TEST = readFileSync(fixture("gsm8k/gsm8k-test.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { question: string; answer: string });
const GSM_TRAIN = readFileSync(fixture("gsm8k/gsm8k-train.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { question: string; answer: string });

/** The question a prompt ends with (after its few-shot examples). */
function lastQuestion(prompt: string, marker: RegExp): string {
  const all = [...prompt.matchAll(marker)];
  return all.at(-1)?.[1]?.trim() ?? "";
}

describe("assay import lm-eval: gsm8k's published shape (Hub dataset, 5-shot, two filters)", () => {
  const data = [
    "--data",
    `test=${fixture("gsm8k/gsm8k-test.jsonl")}`,
    "--data",
    `train=${fixture("gsm8k/gsm8k-train.jsonl")}`,
  ];

  it("exits 2 naming the --data flag when the Hub split is not supplied", async () => {
    const res = await importTask(fixture("gsm8k/gsm8k.yaml"));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("Hugging Face Hub");
    expect(res.stderr).toContain("--data test=FILE");
    expect(res.stderr).toMatch(/gsm8k\.yaml:4/);
  });

  it("imports the prompts lm-eval builds and scores right and wrong answers as lm-eval would", async () => {
    const res = await importTask(fixture("gsm8k/gsm8k.yaml"), ...data, "--model", "openai:gsm-model");
    expect(res.code, res.stderr).toBe(0);
    const suite = suiteOf(res.out);
    expect(suite.targets).toEqual([
      {
        id: "gsm-model",
        provider: "openai:gsm-model",
        options: { stop: ["Question:", "</s>", "<|im_end|>"], temperature: 0, maxTokens: 256 },
      },
    ]);
    expect(Object.keys(suite.dimensions)).toEqual([
      "exact_match.strict-match",
      "exact_match.flexible-extract",
    ]);
    expect(suite.dimensions["exact_match.flexible-extract"].weight).toBe(0);
    expect(report(res.out).text).toContain("Everything in the source was translated.");

    const cases = casesOf(res.out, "datasets/gsm8k.jsonl");
    expect(cases.map((c) => c.id)).toEqual(["gsm8k-0", "gsm8k-1", "gsm8k-2", "gsm8k-3"]);
    // few-shot examples as Python's random.Random(1234).sample(train, 5) draws them, doc after doc
    const drawn = [
      [6, 3, 0, 4, 5],
      [6, 4, 0, 5, 3],
    ];
    drawn.forEach((indices, doc) => {
      const expected =
        indices
          .map((i) => `Question: ${GSM_TRAIN[i].question}\nAnswer: ${GSM_TRAIN[i].answer}\n\n`)
          .join("") + `Question: ${GSM_TEST[doc].question}\nAnswer:`;
      expect(cases[doc].input).toBe(expected);
    });
    expect(cases[0].expected).toBe(GSM_TEST[0].answer);

    const final = new Map(GSM_TEST.map((d) => [d.question, d.answer.split("#### ")[1]]));
    const before = server.calls.length;
    answer = (prompt) =>
      `Let me think step by step.\nSo the total is ${final.get(lastQuestion(prompt, /Question: (.*)\n/g))}.\n#### ${final.get(lastQuestion(prompt, /Question: (.*)\n/g))}`;
    const right = await runSuite(res.out);
    expect(right.errors).toMatchObject({ count: 0 });
    expect(right.dimensions["exact_match.strict-match"]).toMatchObject({ mean: 1, n: 4 });
    expect(right.dimensions["exact_match.flexible-extract"]).toMatchObject({ mean: 1, n: 4 });
    // the requests carried the task's generation settings and the imported prompt as is
    const sent = server.calls.slice(before);
    expect(sent).toHaveLength(4);
    for (const r of sent) {
      expect(r.json?.model).toBe("gsm-model");
      expect(r.json?.stop).toEqual(["Question:", "</s>", "<|im_end|>"]);
      expect(r.json?.temperature).toBe(0);
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    }
    const prompts = sent
      .map((r) => (r.json?.messages as Array<{ content: string }> | undefined)?.[0]?.content ?? "")
      .sort();
    expect(prompts).toEqual(cases.map((c) => c.input).sort());

    // no "#### " line: strict-match finds nothing, flexible-extract takes the last number
    answer = (prompt) => `The answer is ${final.get(lastQuestion(prompt, /Question: (.*)\n/g))}`;
    const loose = await runSuite(res.out);
    expect(loose.dimensions["exact_match.strict-match"].mean).toBe(0);
    expect(loose.dimensions["exact_match.flexible-extract"].mean).toBe(1);

    answer = () => "#### 12345";
    const wrong = await runSuite(res.out);
    expect(wrong.dimensions["exact_match.strict-match"].mean).toBe(0);
    expect(wrong.dimensions["exact_match.flexible-extract"].mean).toBe(0);
  });

  it("names the placeholder target in the report when no --model is given", async () => {
    const res = await importTask(fixture("gsm8k/gsm8k.yaml"), ...data);
    expect(res.code, res.stderr).toBe(0);
    expect(suiteOf(res.out).targets[0].provider).toBe("openai:your-model");
    const row = rowFor(report(res.out).rows, "model");
    expect(row.why).toContain("openai:your-model");
    expect(row.why).toContain("--model provider:name");
    expect(row.where).toBe(at("gsm8k/gsm8k.yaml", "task: gsm8k"));
  });
});

describe("assay import lm-eval: sciq's published shape (multiple choice)", () => {
  it("asks the choices as lettered options and scores the letter", async () => {
    const res = await importTask(
      fixture("sciq/sciq.yaml"),
      "--data",
      `test=${fixture("sciq/sciq-test.jsonl")}`,
      "--model",
      "openai:mc-model",
    );
    expect(res.code, res.stderr).toBe(0);
    const { rows } = report(res.out);
    expect(rowFor(rows, "output_type: multiple_choice").where).toBe(at("sciq/sciq.yaml", "output_type:"));
    expect(rowFor(rows, "output_type: multiple_choice").why).toContain("log-probabilities");
    expect(rowFor(rows, "acc_norm").where).toBe(at("sciq/sciq.yaml", "metric: acc_norm"));
    const cases = casesOf(res.out, "datasets/sciq.jsonl");
    expect(cases).toHaveLength(3);
    // support.lstrip() as Python's; the choices in doc_to_choice's order; doc_to_target: 3 → D
    expect(cases[1].input.startsWith("But transgenic animals")).toBe(true);
    expect(cases[1].input).toContain("\nA. phenotype\nB. genome\nC. adult\nD. clone\n");
    expect(cases.map((c) => c.expected)).toEqual(["D", "D", "D"]);

    answer = (prompt) => {
      const correct = /D\. (.*)\n/.exec(prompt)?.[1];
      return correct ? "D" : "A";
    };
    expect((await runSuite(res.out)).dimensions.acc).toMatchObject({ mean: 1, n: 3 });
    answer = () => "B. It is B.";
    expect((await runSuite(res.out)).dimensions.acc.mean).toBe(0);
  });
});

describe("assay import lm-eval: every listed feature", () => {
  it("resolves includes and local json data, renders Jinja, applies filters and exact_match options, reports the rest", async () => {
    const res = await importTask(fixture("features/capitals.yaml"), "--model", "openai:geo-model");
    expect(res.code, res.stderr).toBe(0);
    const suite = suiteOf(res.out);
    // repeats → epochs; generation_kwargs (from the included file) → options; until → stop
    expect(suite.epochs).toBe(3);
    expect(suite.targets[0].options).toEqual({ stop: ["\n\n", "Q:"], temperature: 0, maxTokens: 32 });
    expect(suite.dimensions["exact_match.get-answer"]).toEqual({
      evaluator: "equals",
      with: {
        trim: false,
        caseInsensitive: true,
        ignore: ["^the ", "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]"],
        extract: { pattern: "The answer is (\\w[\\w ]*)", select: 0 },
      },
      reduce: "majority",
    });
    const cases = casesOf(res.out, "datasets/capitals.jsonl");
    // description, then the first two training rows (sampler: first_n), then the question (| trim applied)
    expect(cases[0].input).toBe(
      "Answer with the capital city.\n\nQ: What is the capital of Italy?\nA: Rome\n\nQ: What is the capital of Chile?\nA: Santiago\n\nQ: What is the capital of France?\nA:",
    );
    expect(cases.map((c) => c.expected)).toEqual(["Paris", "Tokyo", "Nairobi", "Lima"]);

    const { rows, text } = report(res.out);
    expect(text).toContain("capitals.yaml");
    expect(text).toContain("_base.yaml");
    expect(rowFor(rows, "process_docs").where).toBe(at("features/capitals.yaml", "process_docs:"));
    expect(rowFor(rows, "process_docs").why).toContain("never executed");
    expect(rowFor(rows, "utils.my_filter").where).toBe(at("features/capitals.yaml", "- function: custom"));
    expect(rowFor(rows, "utils.my_metric").where).toBe(at("features/capitals.yaml", "utils.my_metric"));
    expect(rowFor(rows, "metric_list: chrf").where).toBe(at("features/capitals.yaml", "metric: chrf"));
    expect(rowFor(rows, "weird_key").where).toBe(at("features/capitals.yaml", "weird_key"));
    // a key from the included file is reported at its own file and line
    expect(rowFor(rows, "generation_kwargs.top_k").where).toBe(at("features/_base.yaml", "top_k"));
    expect(rows.some((r) => r.feature.includes("take_first"))).toBe(false);

    const capital = new Map([
      ["France", "Paris"],
      ["Japan", "Tokyo"],
      ["Kenya", "Nairobi"],
      ["Peru", "Lima"],
    ]);
    const country = (prompt: string) => lastQuestion(prompt, /capital of (.*)\?/g);
    // "The Paris." → the regex filter takes "Paris" … ; "the " and punctuation are ignored, case too
    answer = (prompt) => `The answer is the ${capital.get(country(prompt))?.toUpperCase()}.`;
    const right = await runSuite(res.out);
    expect(right.cases).toBe(4);
    expect(right.dimensions["exact_match.get-answer"].mean).toBe(1);
    // the unfiltered pipeline compares the whole output: not equal
    expect(right.dimensions["exact_match.python-filter"].mean).toBe(0);
    answer = () => "The answer is Atlantis";
    expect((await runSuite(res.out)).dimensions["exact_match.get-answer"].mean).toBe(0);
  });

  it("reads CSV data files (a single file is the train split), column names and doc_to_choice with an index target", async () => {
    const res = await importTask(fixture("features/yesno.yaml"), "--model", "openai:yn-model");
    expect(res.code, res.stderr).toBe(0);
    const cases = casesOf(res.out, "datasets/yesno.jsonl");
    expect(cases.map((c) => [c.input, c.expected])).toEqual([
      ["Is water wet? Answer yes or no.", "yes"],
      ["Is fire cold? Answer yes or no.", "no"],
      ["Is the sky, on a clear day, blue? Answer yes or no.", "yes"],
    ]);
    expect(suiteOf(res.out).targets[0].options.stop).toEqual(["\n"]);
    answer = (prompt) => (prompt.includes("cold") ? "No" : "YES");
    expect((await runSuite(res.out)).dimensions.exact_match.mean).toBe(1);
    answer = () => "yes";
    expect((await runSuite(res.out)).dimensions.exact_match.mean).toBeCloseTo(2 / 3, 10);
  });

  it("exits 2 when nothing can be imported: a group, a log-likelihood task, a missing file", async () => {
    const group = await importTask(fixture("features/group.yaml"));
    expect(group.code).toBe(2);
    expect(group.stderr).toContain("group of tasks");
    const ll = await importTask(fixture("features/perplexity.yaml"));
    expect(ll.code).toBe(2);
    expect(ll.stderr).toContain("log-probabilities");
    expect(ll.stderr).toMatch(/perplexity\.yaml:7/);
    const missing = await importTask(fixture("features/nope.yaml"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
  });
});
