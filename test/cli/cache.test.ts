import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { type CliResult, runCli } from "../support/cli.ts";
import { type LlmServer, reply, startOpenAIServer } from "../support/llm-servers.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * Cache accounting (issue 8, item 5), end to end: an LLM target (cache: true) and an llm-judge
 * against a local OpenAI-protocol server, run twice. The second run is answered by the response
 * cache — the server sees nothing — and its scorecard says so (`cache.hits`, `cache.savedCost`);
 * `--refresh-cache` calls everything again and overwrites the entries; `assay cache stats|clear`.
 */

const CASES = ["refund", "hours", "shipping"];
const TARGET_MODEL = "agent-model";
const JUDGE_MODEL = "judge-model";
const KEY = "sk-cache-accounting-0000";

interface Card {
  run: { id: string };
  cost: { total: number; judge: number };
  cache: { hits: number; savedCost: number; outputs: number; judgeCalls: number };
  dimensions: Record<string, { n: number; unscored: number }>;
}

let server: LlmServer;
const tmp = tempDir("assay-cache-accounting-");
const cacheFile = tmp.path(".assay/cache.db");

beforeAll(async () => {
  let n = 0;
  server = await startOpenAIServer((req) => {
    n++;
    if (req.json?.model === JUDGE_MODEL) {
      return reply.text(`{"reasoning": "answers the question (${n})", "score": "pass"}`, {
        usage: { input: 300, output: 30 },
      });
    }
    return reply.text(`the answer, call ${n}`, { usage: { input: 100, output: 20 } });
  });
  tmp.write("cases.jsonl", jsonl(CASES.map((id) => ({ id, input: `a question about ${id}` }))));
  tmp.write("rubric.md", "Does the answer address the question?\n\npass: it does\nfail: it does not\n");
  tmp.write(
    "assay.yaml",
    [
      "suite: cache-accounting",
      "dataset: cases.jsonl",
      "targets:",
      "  - id: agent",
      `    provider: openai:${TARGET_MODEL}`,
      `    baseUrl: "${server.baseUrl}"`,
      "    cache: true",
      "    price: { input: 1, output: 2 }",
      "dimensions:",
      "  helpful:",
      "    evaluator: llm-judge",
      `    with: { model: openai:${JUDGE_MODEL}, baseUrl: "${server.baseUrl}", rubric: rubric.md, scale: binary, price: { input: 3, output: 4 } }`,
      "    threshold: 1",
    ].join("\n"),
  );
});

afterAll(async () => {
  await server.close();
  tmp.remove();
});

const env = { OPENAI_API_KEY: KEY, ASSAY_DB: tmp.path(".assay/assay.db"), ASSAY_CACHE: "" };
const assay = (...args: string[]): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env });

async function run(name: string, ...flags: string[]): Promise<{ card: Card; res: CliResult; calls: number }> {
  const before = server.calls.length;
  const res = await assay("run", ".", "--quiet", "--json", tmp.path(`${name}.json`), ...flags);
  expect(res.code, res.stderr).toBe(0);
  const card = JSON.parse(readFileSync(tmp.path(`${name}.json`), "utf8")) as Card;
  return { card, res, calls: server.calls.length - before };
}

describe("response cache accounting across runs", () => {
  let first: Awaited<ReturnType<typeof run>>;
  let second: Awaited<ReturnType<typeof run>>;
  let refreshed: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    first = await run("first");
    second = await run("second");
    refreshed = await run("refreshed", "--refresh-cache");
  });

  it("a fresh run calls the server for every target output and judge verdict, and counts no hits", () => {
    expect(first.calls).toBe(CASES.length * 2);
    expect(first.card.cache).toEqual({ hits: 0, savedCost: 0, outputs: 0, judgeCalls: 0 });
    expect(first.card.dimensions.helpful).toMatchObject({ n: CASES.length, unscored: 0 });
    expect(first.card.cost.total).toBeGreaterThan(0);
    expect(first.card.cost.judge).toBeGreaterThan(0);
    expect(first.res.stdout).not.toMatch(/^cache /m);
  });

  it("the second run is answered by the cache: no requests, hits counted, the saved cost is what the calls cost", () => {
    expect(second.calls).toBe(0);
    expect(second.card.cache.outputs).toBe(CASES.length);
    expect(second.card.cache.judgeCalls).toBe(CASES.length);
    expect(second.card.cache.hits).toBe(CASES.length * 2);
    expect(second.card.cache.savedCost).toBeGreaterThan(0);
    expect(second.card.cache.savedCost).toBeCloseTo(first.card.cost.total + first.card.cost.judge, 12);
    expect(second.res.stdout).toMatch(
      /^cache\s+6 hits, saved \$0\.\d+ \(3 target outputs, 3 judge calls\)$/m,
    );
  });

  it("the outputs remember they came from the cache (stored, read back)", async () => {
    const store = openSqliteStore(tmp.path(".assay/assay.db"));
    try {
      const fresh = await store.listOutputs(first.card.run.id);
      const cached = await store.listOutputs(second.card.run.id);
      expect(fresh.map((o) => o.cached)).toEqual([undefined, undefined, undefined]);
      expect(cached.map((o) => o.cached)).toEqual([true, true, true]);
    } finally {
      await store.close();
    }
  });

  it("--refresh-cache calls everything again (hits 0) and overwrites the entries", async () => {
    expect(refreshed.calls).toBe(CASES.length * 2);
    expect(refreshed.card.cache.hits).toBe(0);
    // the next run is served from the refreshed entries: the answers of the refresh, not the first run
    const after = await run("after-refresh");
    expect(after.calls).toBe(0);
    expect(after.card.cache.hits).toBe(CASES.length * 2);
    const store = openSqliteStore(tmp.path(".assay/assay.db"));
    try {
      const texts = async (id: string) => (await store.listOutputs(id)).map((o) => o.text);
      expect(await texts(after.card.run.id)).toEqual(await texts(refreshed.card.run.id));
      expect(await texts(after.card.run.id)).not.toEqual(await texts(first.card.run.id));
    } finally {
      await store.close();
    }
  });

  it("rescore reads the judges' verdicts from the cache; rescore --refresh-cache asks the judges again", async () => {
    const id = first.card.run.id;
    let before = server.calls.length;
    const cached = await assay("rescore", id, "--json", tmp.path("rescored.json"));
    expect(cached.code, cached.stderr).toBe(0);
    expect(server.calls.length - before).toBe(0);
    const card = JSON.parse(readFileSync(tmp.path("rescored.json"), "utf8")) as Card;
    expect(card.cache).toMatchObject({ hits: CASES.length, judgeCalls: CASES.length, outputs: 0 });
    before = server.calls.length;
    const fresh = await assay("rescore", id, "--refresh-cache", "--json", tmp.path("refreshed-scores.json"));
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(server.calls.length - before).toBe(CASES.length);
    expect(server.calls.slice(before).every((c) => c.json?.model === JUDGE_MODEL)).toBe(true);
    const refreshedCard = JSON.parse(readFileSync(tmp.path("refreshed-scores.json"), "utf8")) as Card;
    expect(refreshedCard.cache.hits).toBe(0);
  });

  it("--refresh-cache with --cache-only is a usage error", async () => {
    const res = await assay("run", ".", "--quiet", "--refresh-cache", "--cache-only");
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--cache-only and --refresh-cache contradict each other/);
  });
});

describe("assay cache stats | clear", () => {
  it("stats: entries by provider and model, with the cache file on stderr", async () => {
    const res = await assay("cache", "stats", "--json");
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`store: ${cacheFile}`);
    const stats = JSON.parse(res.stdout) as {
      entries: number;
      bytes: number;
      oldest: string;
      newest: string;
      byModel: Array<{ provider: string; model: string; entries: number }>;
    };
    // the refresh re-asked the judges about new answers: their prompts, and so their keys, are new
    expect(stats.entries).toBe(CASES.length * 3);
    expect(stats.bytes).toBeGreaterThan(0);
    expect(stats.oldest <= stats.newest).toBe(true);
    expect(stats.byModel.map((m) => `${m.provider}:${m.model}=${m.entries}`).sort()).toEqual([
      `openai:${TARGET_MODEL}=${CASES.length}`,
      `openai:${JUDGE_MODEL}=${CASES.length * 2}`,
    ]);
    const text = await assay("cache", "stats");
    expect(text.stdout).toMatch(/^entries\s+9$/m);
    expect(text.stdout).toContain(JUDGE_MODEL);
  });

  it("clear --older-than keeps recent entries; --model removes one model's; clear empties it", async () => {
    const old = await assay("cache", "clear", "--older-than", "30");
    expect(old.code, old.stderr).toBe(0);
    expect(old.stderr).toContain(`store: ${cacheFile}`);
    expect(old.stdout).toMatch(/cleared 0 entries \(older than 30 days\); 9 left/);
    const judge = await assay("cache", "clear", "--model", `openai:${JUDGE_MODEL}`);
    expect(judge.stdout).toMatch(/cleared 6 entries .*; 3 left/);
    const bare = await assay("cache", "clear", "--model", TARGET_MODEL);
    expect(bare.stdout).toMatch(/cleared 3 entries .*; 0 left/);
    const bad = await assay("cache", "clear", "--older-than", "soon");
    expect(bad.code).toBe(2);
  });

  it("stats on a missing cache file exits 2 and creates nothing", async () => {
    const empty = tempDir("assay-cache-missing-");
    try {
      const missing = empty.path(".assay/cache.db");
      const res = await runCli(["cache", "stats"], {
        cwd: empty.dir,
        env: { ASSAY_DB: empty.path(".assay/assay.db"), ASSAY_CACHE: "" },
      });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`no response cache at ${missing}`);
      expect(existsSync(missing)).toBe(false);
      expect(existsSync(empty.path(".assay"))).toBe(false);
      const cleared = await runCli(["cache", "clear"], {
        cwd: empty.dir,
        env: { ASSAY_DB: empty.path(".assay/assay.db"), ASSAY_CACHE: "" },
      });
      expect(cleared.code).toBe(0);
      expect(cleared.stdout).toMatch(/nothing to clear/);
      expect(existsSync(missing)).toBe(false);
    } finally {
      empty.remove();
    }
  });
});
