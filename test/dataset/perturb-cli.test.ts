import { mkdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCases } from "../../src/dataset/upkeep/cases.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess } from "../support/cli.ts";
import { type LlmServer, reply, startOpenAIServer } from "../support/llm-servers.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * `assay dataset perturb` and `assay dataset robustness` as a user runs them: perturb the suite's
 * dataset, run a real module target over the perturbed file, and read the drop per kind — checked
 * against the stored scores directly. Paraphrases come from a local OpenAI-compatible server.
 */

const ITEMS = [
  "buy groceries",
  "call the plumber",
  "renew the passport",
  "book flights to Lisbon",
  "water the plants",
  "file the quarterly taxes",
  "pick up the dry cleaning",
  "email the landlord about the heating",
  "schedule the dentist appointment",
  "return the library books",
];

// a brittle target: it recognises "Add a task to" only as written, and takes the rest as the title
const TARGET = `export default async (input) => {
  const m = /^Add a task to (.+)$/.exec(input);
  return JSON.stringify(m ? { action: "create", title: m[1] } : { action: "unknown" });
};
`;

const SUITE = (dataset: string) =>
  [
    "suite: brittle",
    `dataset: ${dataset}`,
    "targets: [{id: parser, module: target.mjs}]",
    "dimensions:",
    "  action: {evaluator: json-field, with: {field: action}, threshold: 1}",
    "  title: {evaluator: token-f1, with: {field: title}, threshold: 0.8}",
    "",
  ].join("\n");

describe("assay dataset perturb and robustness", () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  let server: LlmServer;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCliInProcess(["--db", db, ...args], { cwd: tmp.dir, env });
  const readJson = (name: string) => JSON.parse(readFileSync(tmp.path(name), "utf8"));

  beforeAll(async () => {
    tmp = tempDir("assay-perturb-cli-");
    db = tmp.path("assay.db");
    tmp.write("assay.yaml", SUITE("cases.jsonl"));
    tmp.write("target.mjs", TARGET);
    tmp.write(
      "cases.jsonl",
      jsonl(
        ITEMS.map((item, i) => ({
          id: `c-${i}`,
          input: `Add a task to ${item}`,
          expected: { action: "create", title: item },
          tags: { level: i < 5 ? "simple" : "moderate", source: "curated" },
        })),
      ),
    );
    mkdirSync(tmp.path("p"));
    tmp.write("p/assay.yaml", SUITE("../perturbed.jsonl"));
    tmp.write("p/target.mjs", TARGET);
    server = await startOpenAIServer();
  });

  afterAll(async () => {
    await server.close();
    tmp.remove();
  });

  it("writes the same file for the same seed, another for another seed", async () => {
    const kinds = "typo,case,whitespace";
    expect(
      (await cli(["dataset", "perturb", "--kinds", kinds, "--seed", "7", "--out", "a.jsonl"])).code,
    ).toBe(0);
    expect(
      (await cli(["dataset", "perturb", "--kinds", kinds, "--seed", "7", "--out", "b.jsonl"])).code,
    ).toBe(0);
    expect(
      (await cli(["dataset", "perturb", "--kinds", kinds, "--seed", "8", "--out", "c.jsonl"])).code,
    ).toBe(0);
    expect(tmp.read("a.jsonl")).toBe(tmp.read("b.jsonl"));
    expect(tmp.read("a.jsonl")).not.toBe(tmp.read("c.jsonl"));
    const cases = await readCases([tmp.path("a.jsonl")]);
    expect(cases).toHaveLength(ITEMS.length * 4);
    for (const kind of ["typo", "case", "whitespace"]) {
      const copy = cases.find((c) => c.id === `c-3~${kind}`);
      expect(copy?.tags).toEqual({ level: "simple", source: "curated", perturbation: kind });
      expect(copy?.expected).toEqual({ action: "create", title: ITEMS[3] });
      expect(copy?.input).not.toBe(`Add a task to ${ITEMS[3]}`);
    }
    expect(cases.find((c) => c.id === "c-3")?.tags.perturbation).toBe("none");
    // people see where each copy came from
    expect(JSON.parse(tmp.read("a.jsonl").split("\n")[1]).metadata).toEqual({
      source: "c-0",
      perturbation: "typo",
      seed: 7,
    });
  });

  it("reports the score drop per kind, paired, as a direct computation from the stored scores gives it", async () => {
    expect(
      (
        await cli([
          "dataset",
          "perturb",
          "--kinds",
          "case,whitespace",
          "--seed",
          "3",
          "--out",
          "perturbed.jsonl",
        ])
      ).code,
    ).toBe(0);
    const run = await cli(["run", "p", "--quiet", "--json", "run.json"]);
    expect(run.code).toBe(0);
    const runId = readJson("run.json").run.id;
    const res = await cli(["dataset", "robustness", "--run", runId, "--json", "robustness.json"]);
    expect(res.code).toBe(0);
    const report = readJson("robustness.json");
    expect(Object.keys(report.kinds)).toEqual(["case", "whitespace"]);

    const store = openSqliteStore(db);
    const scores = await store.listScores(runId);
    await store.close();
    const score = (id: string, dim: string) =>
      scores.find((s) => s.caseId === id && s.dimension === dim)?.score;
    const T_975_DF9 = 2.2621571627409915; // scipy.stats.t.ppf(0.975, 9)
    for (const kind of ["case", "whitespace"]) {
      for (const dim of ["action", "title"]) {
        const d = ITEMS.map(
          (_, i) => (score(`c-${i}`, dim) as number) - (score(`c-${i}~${kind}`, dim) as number),
        );
        const mean = d.reduce((a, b) => a + b, 0) / d.length;
        const sd = Math.sqrt(d.reduce((a, x) => a + (x - mean) ** 2, 0) / (d.length - 1));
        const m = report.kinds[kind].dimensions[dim];
        expect(m.n).toBe(ITEMS.length);
        expect(m.drop).toBeCloseTo(mean, 12);
        expect(m.ci[0]).toBeCloseTo(mean - (T_975_DF9 * sd) / Math.sqrt(d.length), 9);
        expect(m.ci[1]).toBeCloseTo(mean + (T_975_DF9 * sd) / Math.sqrt(d.length), 9);
      }
    }
    // the brittle target does drop: a leading space or a recased "Add" loses the action
    expect(report.kinds.whitespace.dimensions.action.drop).toBeGreaterThan(0);
    expect(report.kinds.case.dimensions.action.passToFail).toBeGreaterThan(0);
    expect(res.stdout).toContain("robustness of parser");
  });

  it("pairs copies with a run over the originals (--base) when the file left them out", async () => {
    expect((await cli(["run", "--quiet", "--json", "orig.json"])).code).toBe(0);
    tmp.write("p/assay.yaml", SUITE("../copies.jsonl"));
    expect(
      (await cli(["dataset", "perturb", "--kinds", "whitespace", "--no-originals", "--out", "copies.jsonl"]))
        .code,
    ).toBe(0);
    expect(tmp.read("copies.jsonl").trim().split("\n")).toHaveLength(ITEMS.length);
    expect((await cli(["run", "p", "--quiet", "--json", "copies-run.json"])).code).toBe(0);
    const copies = readJson("copies-run.json").run.id;
    const alone = await cli(["dataset", "robustness", "--run", copies]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--base/);
    const res = await cli([
      "dataset",
      "robustness",
      "--run",
      copies,
      "--base",
      readJson("orig.json").run.id,
      "--json",
    ]);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.base).toBe(readJson("orig.json").run.id);
    expect(report.kinds.whitespace.pairs).toBe(ITEMS.length);
    tmp.write("p/assay.yaml", SUITE("../perturbed.jsonl"));
  });

  it("paraphrases through an OpenAI-compatible server, one call per text", async () => {
    server.handle((req) => {
      const messages = (req.json?.messages ?? []) as Array<{ role: string; content: string }>;
      const text = messages.find((m) => m.role === "user")?.content ?? "";
      return reply.text(`"${text.replace("Add a task to", "Please remember to")}"`);
    });
    const before = server.calls.length;
    const res = await cli(
      [
        "dataset",
        "perturb",
        "--kinds",
        "paraphrase",
        "--model",
        "openai:para-mini",
        "--base-url",
        server.baseUrl,
        "--no-cache",
        "--out",
        "para.jsonl",
        "--json",
        "para-report.json",
      ],
      { OPENAI_API_KEY: "sk-test-paraphrase" },
    );
    expect(res.code).toBe(0);
    const calls = server.calls.slice(before);
    expect(calls).toHaveLength(ITEMS.length);
    const body = calls[0].json as {
      model: string;
      temperature: number;
      messages: Array<{ role: string; content: string }>;
    };
    expect(body.model).toBe("para-mini");
    expect(body.temperature).toBe(0);
    expect(body.messages[0]).toMatchObject({ role: "system" });
    expect(body.messages[0].content).toMatch(/means exactly the same/);
    expect(calls[0].headers.authorization).toBe("Bearer sk-test-paraphrase");
    const cases = await readCases([tmp.path("para.jsonl")]);
    const copy = cases.find((c) => c.id === "c-0~paraphrase");
    // the model's quotes are taken off; the answer is data, written as it came
    expect(copy?.input).toBe("Please remember to buy groceries");
    expect(copy?.tags.perturbation).toBe("paraphrase");
    expect(readJson("para-report.json").counts.paraphrase).toEqual({ written: 10, unchanged: 0, failed: 0 });
  });

  it("exits 3 when every paraphrase fails, 2 without a key or a model, and calls nothing then", async () => {
    server.handle(() => reply.error(400, "model not found"));
    const args = ["dataset", "perturb", "--kinds", "paraphrase", "--base-url", server.baseUrl, "--no-cache"];
    const failed = await cli([...args, "--model", "openai:gone", "--out", "x.jsonl"], {
      OPENAI_API_KEY: "k",
    });
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/paraphrase of case c-0 failed/);

    const before = server.calls.length;
    const noKey = await cli([...args, "--model", "openai:m", "--out", "y.jsonl"], { OPENAI_API_KEY: "" });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/OPENAI_API_KEY/);
    const noModel = await cli([...args, "--out", "y.jsonl"], { OPENAI_API_KEY: "k" });
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/--model/);
    const csv = await cli(["dataset", "perturb", "--kinds", "typo", "--out", "z.csv"]);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toMatch(/JSON Lines/);
    expect(server.calls.length).toBe(before);
  });
});
