import { mkdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSuite } from "../../src/config/load.ts";
import { type CliResult, runCli } from "../support/cli.ts";
import { type LlmServer, type RecordedRequest, reply, startLlmServer } from "../support/llm-servers.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * Variants (issue 13, item 2), end to end: a 2 prompts × 2 models × 2 temperatures matrix over two
 * local provider servers (OpenAI and Anthropic protocols) whose answers depend on the prompt, the
 * model and the temperature deterministically. `assay run` runs the 8 generated targets;
 * `assay compare` over their runs gives the leaderboard and main effects equal to a direct
 * computation from the answer rule below.
 */

const CASES = 12;
const PROMPTS = ["a", "b"] as const;
const MODELS = ["m1", "m2"] as const;
const TEMPS = [0, 0.7] as const;
const KEY = "sk-variants-test-0000";

/** Whether the fake model answers case i correctly: each factor shifts the chance, with interactions. */
function correct(prompt: string, model: string, temperature: number, i: number): boolean {
  const threshold =
    4 +
    (prompt === "b" ? 3 : 0) +
    (model === "m2" ? 1 : 0) -
    (temperature > 0 ? 2 : 0) +
    (prompt === "b" && model === "m2" ? 1 : 0);
  return (i * 7 + (prompt === "b" ? 3 : 0) + (temperature > 0 ? 5 : 0)) % 12 < threshold;
}

function answer(req: RecordedRequest) {
  const prompt = /PROMPT=([ab])/.exec(req.body)?.[1] ?? "?";
  const i = Number(/case-(\d+)/.exec(req.body)?.[1] ?? -1);
  const model = String(req.json?.model);
  const temperature = Number(req.json?.temperature ?? -1);
  return reply.text(correct(prompt, model, temperature, i) ? `ok-${i}` : "wrong", {
    usage: { input: 10, output: 2 },
  });
}

let openai: LlmServer;
let anthropic: LlmServer;
const tmp = tempDir("assay-variants-");
const env = {
  OPENAI_API_KEY: KEY,
  ANTHROPIC_API_KEY: KEY,
  ASSAY_DB: tmp.path(".assay/assay.db"),
  ASSAY_CACHE: "",
};
const assay = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env });

const idOf = (p: string, m: string, t: number) => `assistant.prompt-${p}.model-${m}.temperature-${t}`;

beforeAll(async () => {
  openai = await startLlmServer("openai", answer);
  anthropic = await startLlmServer("anthropic", answer);
  tmp.write(
    "cases.jsonl",
    jsonl(
      Array.from({ length: CASES }, (_, i) => ({ id: `c${i}`, input: `case-${i}`, expected: `ok-${i}` })),
    ),
  );
  mkdirSync(tmp.path("prompts"));
  tmp.write("prompts/a.md", "PROMPT=a\n{{ input }}\n");
  tmp.write("prompts/b.md", "PROMPT=b\n{{ input }}\n");
  tmp.write(
    "assay.yaml",
    [
      "suite: variants",
      "dataset: cases.jsonl",
      "variants:",
      "  - id: assistant",
      "    prompt: [prompts/a.md, prompts/b.md]",
      "    model:",
      `      - { provider: "openai:m1", label: m1, baseUrl: "${openai.baseUrl}" }`,
      `      - { provider: "anthropic:m2", label: m2, baseUrl: "${anthropic.baseUrl}" }`,
      "    temperature: [0, 0.7]",
      "    target: { options: { maxTokens: 50 }, price: { input: 1, output: 2 } }",
      "dimensions:",
      "  exact: { evaluator: equals, threshold: 1 }",
    ].join("\n"),
  );
});

afterAll(async () => {
  await openai?.close();
  await anthropic?.close();
  tmp.remove();
});

interface Effect {
  factor: string;
  a: string | number;
  b: string | number;
  delta: number;
  ci: [number, number] | null;
  n: number;
}

/** The main effect computed directly from the answer rule: per case, mean over the other factors. */
function directEffect(factor: "prompt" | "model" | "temperature"): { delta: number; diffs: number[] } {
  const diffs: number[] = [];
  for (let i = 0; i < CASES; i++) {
    let sum = 0;
    let count = 0;
    for (const p of PROMPTS)
      for (const m of MODELS)
        for (const t of TEMPS) {
          const at = (level: string | number) =>
            Number(
              correct(
                factor === "prompt" ? (level as string) : p,
                factor === "model" ? (level as string) : m,
                factor === "temperature" ? (level as number) : t,
                i,
              ),
            );
          // visit each combination of the other factors once (at the factor's first level)
          const first = factor === "prompt" ? p === "a" : factor === "model" ? m === "m1" : t === 0;
          if (!first) continue;
          const [a, b] = factor === "prompt" ? PROMPTS : factor === "model" ? MODELS : TEMPS;
          sum += at(b) - at(a);
          count++;
        }
    diffs.push(sum / count);
  }
  return { delta: diffs.reduce((s, x) => s + x, 0) / CASES, diffs };
}

describe("variants: a 2 × 2 × 2 matrix", () => {
  it("expands into 8 provider targets with their factors", async () => {
    const suite = await loadSuite(tmp.path("assay.yaml"));
    const ids = suite.config.targets.map((t) => t.id);
    expect(ids).toHaveLength(8);
    expect(ids).toContain(idOf("b", "m2", 0.7));
    const t = suite.config.targets.find((x) => x.id === idOf("b", "m2", 0.7));
    expect(t).toMatchObject({
      provider: "anthropic:m2",
      prompt: "prompts/b.md",
      baseUrl: anthropic.baseUrl,
      options: { maxTokens: 50, temperature: 0.7 },
      factors: { prompt: "prompts/b.md", model: "m2", temperature: 0.7 },
    });
  });

  it("runs them, and compare gives a leaderboard and main effects equal to a direct computation", async () => {
    const run = await assay("run", ".", "--quiet", "--json", tmp.path("run.json"));
    expect(run.code, run.stderr).toBe(0);
    const cards = JSON.parse(readFileSync(tmp.path("run.json"), "utf8")).scorecards as Array<{
      run: { target: string };
      dimensions: { exact: { mean: number } };
    }>;
    expect(cards).toHaveLength(8);
    // each target's score is what the answer rule says: the factors reached the servers
    for (const p of PROMPTS)
      for (const m of MODELS)
        for (const t of TEMPS) {
          const card = cards.find((c) => c.run.target === idOf(p, m, t));
          const expected = Array.from({ length: CASES }, (_, i) => Number(correct(p, m, t, i)));
          expect(card?.dimensions.exact.mean, idOf(p, m, t)).toBeCloseTo(
            expected.reduce((s, x) => s + x, 0) / CASES,
            10,
          );
        }
    expect(openai.calls.length).toBe(4 * CASES);
    expect(anthropic.calls.length).toBe(4 * CASES);

    const refs = PROMPTS.flatMap((p) => MODELS.flatMap((m) => TEMPS.map((t) => `latest:${idOf(p, m, t)}`)));
    const cmp = await assay("compare", ...refs, "--json", tmp.path("cmp.json"), "--md", tmp.path("cmp.md"));
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toContain("main effects");
    const lb = JSON.parse(readFileSync(tmp.path("cmp.json"), "utf8")) as {
      entries: Array<{ target: string; factors: Record<string, unknown>; vsBest: unknown }>;
      mainEffects: Effect[];
    };
    expect(lb.entries).toHaveLength(8);
    expect(lb.entries.filter((e) => e.vsBest === null)).toHaveLength(1);
    expect(lb.entries.every((e) => Object.keys(e.factors).length === 3)).toBe(true);

    expect(lb.mainEffects.map((m) => m.factor).sort()).toEqual(["model", "prompt", "temperature"]);
    for (const factor of ["prompt", "model", "temperature"] as const) {
      const got = lb.mainEffects.find((m) => m.factor === factor) as Effect;
      const direct = directEffect(factor);
      expect(got.n).toBe(CASES);
      expect(got.delta, factor).toBeCloseTo(direct.delta, 10);
      // t interval from the per-case differences, computed here without the stats module
      const mean = direct.delta;
      const sd = Math.sqrt(direct.diffs.reduce((s, x) => s + (x - mean) ** 2, 0) / (CASES - 1));
      const t11 = 2.200985160082949; // Student t quantile 0.975, 11 degrees of freedom
      const half = (t11 * sd) / Math.sqrt(CASES);
      expect(got.ci?.[0], factor).toBeCloseTo(mean - half, 8);
      expect(got.ci?.[1], factor).toBeCloseTo(mean + half, 8);
    }
    const prompt = lb.mainEffects.find((m) => m.factor === "prompt") as Effect;
    expect([prompt.a, prompt.b]).toEqual(["prompts/a.md", "prompts/b.md"]);
    expect(prompt.delta).toBeGreaterThan(0);

    const md = readFileSync(tmp.path("cmp.md"), "utf8");
    expect(md).toContain("### Main effects");
    expect(md).toMatch(/\| prompt \| prompts\/b\.md vs prompts\/a\.md \|/);
  });

  it("reports a bad variants block at its line", async () => {
    const bad = tempDir("assay-variants-bad-");
    try {
      bad.write("cases.jsonl", jsonl([{ id: "x", input: "y" }]));
      bad.write(
        "assay.yaml",
        [
          "suite: bad",
          "dataset: cases.jsonl",
          "variants:",
          "  id: v",
          "  model: [openai:gpt-4o, openai:gpt-4o]",
          "  temprature: [0, 1]",
          "dimensions:",
          "  d: { evaluator: equals }",
        ].join("\n"),
      );
      await expect(loadSuite(bad.path("assay.yaml"))).rejects.toMatchObject({
        line: 6,
        message: expect.stringMatching(/unknown field "temprature".*did you mean "temperature"/),
      });
      bad.write(
        "assay.yaml",
        [
          "suite: bad",
          "dataset: cases.jsonl",
          "variants:",
          "  id: v",
          "  model: [openai:gpt-4o, openai:gpt-4o]",
          "dimensions:",
          "  d: { evaluator: equals }",
        ].join("\n"),
      );
      await expect(loadSuite(bad.path("assay.yaml"))).rejects.toMatchObject({
        line: 5,
        message: expect.stringContaining('give one id part "openai-gpt-4o"'),
      });
      bad.write(
        "assay.yaml",
        [
          "suite: bad",
          "dataset: cases.jsonl",
          "variants:",
          "  id: v",
          "  model: [openai:gpt-4o, gemini:pro]",
          "dimensions:",
          "  d: { evaluator: equals }",
        ].join("\n"),
      );
      await expect(loadSuite(bad.path("assay.yaml"))).rejects.toMatchObject({
        line: 5,
        message: expect.stringContaining("expected openai:<model> or anthropic:<model>"),
      });
      bad.write(
        "assay.yaml",
        [
          "suite: bad",
          "dataset: cases.jsonl",
          "targets:",
          "  - { id: v, exec: [node, t.mjs] }",
          "variants:",
          "  - { id: w, model: [openai:a] }",
          "  - { id: v, model: [openai:b] }",
          "dimensions:",
          "  d: { evaluator: equals }",
        ].join("\n"),
      );
      await expect(loadSuite(bad.path("assay.yaml"))).rejects.toMatchObject({
        line: 7,
        message: expect.stringContaining('duplicate target id "v" (also targets[0])'),
      });
    } finally {
      bad.remove();
    }
  });
});
