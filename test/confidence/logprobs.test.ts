import { readFileSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.ts";
import { loadSuite } from "../../src/config/load.ts";
import { LogprobAccumulator, logprobConfidence, summarizeLogprobs } from "../../src/llm/logprobs.ts";
import { OpenAIChatClient } from "../../src/llm/openai/index.ts";
import type { ConfidenceReport } from "../../src/scorecard/operating.ts";
import type { Scorecard } from "../../src/scorecard/types.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { createTarget, TargetConfigError } from "../../src/targets/index.ts";
import { type CliResult, runCli } from "../support/cli.ts";
import { type LlmServer, type RecordedRequest, reply, startLlmServer } from "../support/llm-servers.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * `confidence: logprobs` (issue 13): an OpenAI provider target asks for token log-probabilities and
 * its output's confidence is exp(mean token logprob) of the answer. End to end against the local
 * OpenAI-protocol server, whose answers carry `choices[0].logprobs.content` as the real API's do:
 * the scorecard's ECE, MCE and Brier equal a direct computation from the logprobs the server sent.
 */

const KEY = "sk-logprobs-test-0000";
const CASES = 12;
/** wrong answers (the rest are right) */
const WRONG = new Set([2, 5, 7, 10]);
/** the server sends no log-probabilities for this case (a server without them): no confidence */
const NO_LOGPROBS = 11;

/** The tokens and log-probabilities the server sends for case i (deterministic, varied). */
function tokensOf(i: number): Array<{ token: string; logprob: number }> {
  if (WRONG.has(i)) {
    return [
      { token: "wr", logprob: -0.15 * (i % 4) - 0.05 },
      { token: "ong", logprob: -0.4 - 0.03 * i },
    ];
  }
  return [
    { token: "ok", logprob: -0.01 - 0.02 * i },
    { token: "-", logprob: -0.005 },
    { token: String(i), logprob: -0.07 * ((i * 5) % 7) - 0.01 },
  ];
}

/** The confidence computed directly: the geometric mean of the token probabilities. */
function directConfidence(i: number): number {
  const lps = tokensOf(i).map((t) => t.logprob);
  return Math.exp(lps.reduce((a, b) => a + b, 0) / lps.length);
}

function answer(req: RecordedRequest) {
  const i = Number(/case-(\d+)/.exec(req.body)?.[1] ?? -1);
  const text = WRONG.has(i) ? "wrong" : `ok-${i}`;
  return reply.text(
    text,
    { usage: { input: 10, output: 3 }, ...(i === NO_LOGPROBS ? {} : { logprobs: tokensOf(i) }) },
    { headers: { "x-ratelimit-remaining-requests": "99" } },
  );
}

/** scikit-learn's calibration_curve bins ((lo, hi], the first holding 0), ECE, MCE and Brier, from scratch. */
function directCalibration(p: number[], y: boolean[], bins = 10) {
  const n = Array(bins).fill(0);
  const sumP = Array(bins).fill(0);
  const sumY = Array(bins).fill(0);
  p.forEach((pi, k) => {
    let b = 0;
    while (b < bins - 1 && pi > (b + 1) / bins) b++;
    n[b]++;
    sumP[b] += pi;
    sumY[b] += y[k] ? 1 : 0;
  });
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < bins; b++) {
    if (n[b] === 0) continue;
    const gap = Math.abs(sumY[b] / n[b] - sumP[b] / n[b]);
    ece += (n[b] / p.length) * gap;
    mce = Math.max(mce, gap);
  }
  const brier = p.reduce((s, pi, k) => s + (pi - (y[k] ? 1 : 0)) ** 2, 0) / p.length;
  return { ece, mce, brier, n };
}

type Card = Scorecard & { confidence: ConfidenceReport };

describe("token log-probabilities, summarised", () => {
  it("takes the geometric mean of the token probabilities, not their product", () => {
    const s = summarizeLogprobs({
      content: [
        { token: "a", logprob: Math.log(0.9), bytes: [97], top_logprobs: [] },
        { token: "b", logprob: Math.log(0.4), bytes: [98], top_logprobs: [] },
      ],
      refusal: null,
    });
    expect(s?.tokens).toBe(2);
    expect(logprobConfidence(s)).toBeCloseTo(Math.sqrt(0.9 * 0.4), 12);
    // the product would fall with length: 50 tokens at 0.99 each is 0.605 jointly, 0.99 per token
    const long = new LogprobAccumulator();
    long.addContent(Array.from({ length: 50 }, () => ({ token: "x", logprob: Math.log(0.99) })));
    expect(logprobConfidence(long.result())).toBeCloseTo(0.99, 12);
  });

  it("gives no summary (never 0) for no tokens, null, or a malformed entry", () => {
    expect(summarizeLogprobs(null)).toBeUndefined();
    expect(summarizeLogprobs({ content: null })).toBeUndefined();
    expect(summarizeLogprobs({ content: [] })).toBeUndefined();
    expect(summarizeLogprobs({ content: [{ token: "a", logprob: "-0.1" }] })).toBeUndefined();
    expect(summarizeLogprobs({ content: [{ token: "a", logprob: 0.5 }] })).toBeUndefined();
    expect(logprobConfidence(undefined)).toBeUndefined();
  });
});

describe("the OpenAI client asks for log-probabilities and reads them", () => {
  let server: LlmServer;
  beforeAll(async () => {
    server = await startLlmServer("openai", () => reply.text("ok-1", { logprobs: tokensOf(1) }));
  });
  afterAll(() => server?.close());

  it.each([false, true])("stream %s: sends logprobs: true and sums every content token", async (stream) => {
    const client = new OpenAIChatClient({
      model: "m",
      baseUrl: server.baseUrl,
      env: { OPENAI_API_KEY: KEY },
    });
    const signal = new AbortController().signal;
    const res = await client.complete(
      { messages: [{ role: "user", content: "case-1" }], logprobs: true, stream },
      { signal },
    );
    expect(server.calls.at(-1)?.json?.logprobs).toBe(true);
    expect(res.message.content).toBe("ok-1");
    expect(res.logprobs?.tokens).toBe(3);
    expect(logprobConfidence(res.logprobs)).toBeCloseTo(directConfidence(1), 12);
    // not asked: not sent, and the server answers logprobs: null
    const plain = await client.complete(
      { messages: [{ role: "user", content: "case-1" }], stream },
      { signal },
    );
    expect(server.calls.at(-1)?.json?.logprobs).toBeUndefined();
    expect(plain.logprobs).toBeUndefined();
  });
});

describe("confidence: logprobs is refused where it cannot work", () => {
  const tmp = tempDir("assay-logprobs-");
  afterAll(() => tmp.remove());

  const loadError = async (yaml: string): Promise<InputError> => {
    tmp.write("assay.yaml", yaml);
    tmp.write("cases.jsonl", jsonl([{ id: "a", input: "x" }]));
    const err = await loadSuite(tmp.path("assay.yaml")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  };

  it("names the file, line and field for an Anthropic target", async () => {
    const err = await loadError(
      [
        "suite: s",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: claude",
        "    provider: anthropic:claude-x",
        "    confidence: logprobs",
        "dimensions:",
        "  exact: { evaluator: equals }",
      ].join("\n"),
    );
    expect(err.file).toBe(tmp.path("assay.yaml"));
    expect(err.line).toBe(6);
    expect(err.field).toBe("targets[0].confidence");
    expect(err.message).toContain("anthropic does not return token log-probabilities");
  });

  it("names the variants block when a generated Anthropic target would ask for them", async () => {
    const err = await loadError(
      [
        "suite: s",
        "dataset: cases.jsonl",
        "variants:",
        "  id: v",
        '  model: ["openai:a", "anthropic:b"]',
        "  target: { confidence: logprobs }",
        "dimensions:",
        "  exact: { evaluator: equals }",
      ].join("\n"),
    );
    expect(err.line).toBe(6);
    expect(err.field).toBe("variants.target.confidence");
    expect(err.message).toContain('"anthropic:b"');
  });

  it("refuses it on a target that is no provider target, and keeps JSONPaths working", async () => {
    const err = await loadError(
      [
        "suite: s",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: mod",
        "    module: t.mjs",
        "    confidence: logprobs",
        "dimensions:",
        "  exact: { evaluator: equals }",
      ].join("\n"),
    );
    expect(err.line).toBe(6);
    expect(err.field).toBe("targets[0].confidence");
    expect(() =>
      createTarget({ id: "m", module: "t.mjs", confidence: "logprobs" }, { baseDir: tmp.dir }),
    ).toThrow(TargetConfigError);
    expect(() =>
      createTarget({ id: "c", provider: "anthropic:c", confidence: "logprobs" }, { baseDir: tmp.dir }),
    ).toThrow(/anthropic does not return token log-probabilities/);
    // the JSONPath form on a provider target: read from the answer's JSON, no logprobs asked for
    const t = createTarget(
      { id: "o", provider: "openai:o", confidence: "$.confidence" },
      { baseDir: tmp.dir },
    );
    expect(t.describe()).toMatchObject({ confidence: "$.confidence" });
  });

  it("rejects an escalation.dimension that names no dimension, at its line", async () => {
    const err = await loadError(
      [
        "suite: s",
        "dataset: cases.jsonl",
        "targets:",
        "  - { id: o, provider: openai:o, confidence: logprobs }",
        "dimensions:",
        "  exact: { evaluator: equals }",
        "escalation:",
        "  targetAccuracy: 0.9",
        "  dimension: exactt",
      ].join("\n"),
    );
    expect(err.file).toBe(tmp.path("assay.yaml"));
    expect(err.line).toBe(9);
    expect(err.field).toBe("escalation.dimension");
    expect(err.message).toContain('no dimension "exactt"');
    expect(err.message).toContain('did you mean "exact"');
  });
});

describe("assay run with confidence: logprobs", () => {
  let server: LlmServer;
  const tmp = tempDir("assay-logprobs-run-");
  const env = {
    OPENAI_API_KEY: KEY,
    ASSAY_DB: tmp.path(".assay/assay.db"),
    ASSAY_CACHE: tmp.path(".assay/cache.db"),
  };
  const assay = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env });
  let cards: Card[];

  beforeAll(async () => {
    server = await startLlmServer("openai", answer);
    tmp.write(
      "cases.jsonl",
      jsonl(
        Array.from({ length: CASES }, (_, i) => ({ id: `c${i}`, input: `case-${i}`, expected: `ok-${i}` })),
      ),
    );
    tmp.write(
      "assay.yaml",
      [
        "suite: logprobs",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: plain",
        "    provider: openai:m",
        `    baseUrl: "${server.baseUrl}"`,
        "    confidence: logprobs",
        "    cache: true",
        "  - id: streamed",
        "    provider: openai:m",
        `    baseUrl: "${server.baseUrl}"`,
        "    confidence: logprobs",
        "    stream: true",
        "dimensions:",
        "  exact: { evaluator: equals, threshold: 1 }",
        "escalation: { targetAccuracy: 0.9, dimension: exact }",
      ].join("\n"),
    );
    const res = await assay("run", "--json", tmp.path("card.json"));
    expect(res.code, res.stderr).toBe(0);
    cards = JSON.parse(readFileSync(tmp.path("card.json"), "utf8")).scorecards as Card[];
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    tmp.remove();
  });

  it("asks for logprobs on every call", () => {
    expect(server.calls.length).toBe(2 * CASES);
    for (const c of server.calls) expect(c.json?.logprobs).toBe(true);
  });

  it("has ECE, MCE and Brier equal to a direct computation from the server's logprobs", () => {
    const ids = Array.from({ length: CASES }, (_, i) => i).filter((i) => i !== NO_LOGPROBS);
    const p = ids.map(directConfidence);
    const y = ids.map((i) => !WRONG.has(i));
    const direct = directCalibration(p, y);
    expect(cards.map((c) => c.run.target).sort()).toEqual(["plain", "streamed"]);
    for (const card of cards) {
      const conf = card.confidence;
      expect(conf, card.run.target).toBeDefined();
      expect(conf.n).toBe(CASES - 1);
      // the case whose answer had no logprobs has no confidence: left out, not counted as 0
      expect(conf.missing).toBe(1);
      expect(conf.ece).toBeCloseTo(direct.ece, 12);
      expect(conf.mce).toBeCloseTo(direct.mce, 12);
      expect(conf.brier).toBeCloseTo(direct.brier, 12);
      expect(conf.bins.map((b) => b.n)).toEqual(direct.n);
    }
  });

  it("stores each output's confidence, and the response cache gives it back", async () => {
    const before = server.calls.length;
    const again = await assay("run", "--target", "plain", "--json", tmp.path("again.json"));
    expect(again.code, again.stderr).toBe(0);
    // every answer came from the cache
    expect(server.calls.length).toBe(before);
    // one target: the JSON is its scorecard
    const card = JSON.parse(readFileSync(tmp.path("again.json"), "utf8")) as Card;
    expect(card.run.target).toBe("plain");
    expect(card.cache.hits).toBe(CASES);
    const first = cards.find((c) => c.run.target === "plain")!;
    expect(card.confidence.ece).toBe(first.confidence.ece);
    expect(card.confidence.brier).toBe(first.confidence.brier);

    // the cache keeps the log-probabilities (so the confidence), never the quota headers
    const cache = new BetterSqlite3(env.ASSAY_CACHE, { readonly: true });
    const entries = cache.prepare("SELECT response FROM responses").all() as Array<{ response: string }>;
    cache.close();
    expect(entries).toHaveLength(CASES);
    expect(entries.filter((e) => e.response.includes('"meanLogprob"'))).toHaveLength(CASES - 1);
    for (const e of entries) expect(e.response).not.toContain("x-ratelimit");

    const store = openSqliteStore(env.ASSAY_DB);
    try {
      for (const runId of [first.run.id, card.run.id]) {
        const outputs = await store.listOutputs(runId);
        expect(outputs).toHaveLength(CASES);
        for (const o of outputs) {
          const i = Number(o.caseId.slice(1));
          if (i === NO_LOGPROBS) expect(o.confidence).toBeUndefined();
          else expect(o.confidence).toBeCloseTo(directConfidence(i), 12);
        }
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});
