import { randomBytes } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { findOrder, refundDecision, searchKb } from "../../examples/support-agent/tools/policy.ts";
import tools from "../../examples/support-agent/tools/store.ts";
import { openStore } from "../../src/store/open.ts";
import type { StoredScore } from "../../src/store/types.ts";
import { type CliResult, REPO_ROOT, runCli } from "../support/cli.ts";
import { type LlmServer, type Reply, reply, startOpenAIServer } from "../support/llm-servers.ts";
import { tempDir } from "../support/temp.ts";
import {
  caseKey,
  dataBlocks,
  type RequestKind,
  requestKind,
  scriptedReply,
  stepOf,
  usageFor,
} from "./support-agent-model.ts";

/**
 * examples/support-agent, end to end and offline: the real CLI in child processes, the real
 * OpenAI SDK, and a local OpenAI-protocol server whose scripted "model" plays the agent and the
 * judges (support-agent-model.ts). The example points at Ollama; each test runs a copy whose
 * base URLs point at the local server instead.
 */

const EXAMPLE = join(REPO_ROOT, "examples", "support-agent");
const OLLAMA = "http://127.0.0.1:11434/v1";
const MODEL = "openai:qwen2.5:7b-instruct";
const SECRET = `sk-test-${randomBytes(16).toString("hex")}`;
const DIMENSIONS = ["tool_use", "grounding", "refusal", "tone", "session_helpfulness", "tool_errors"];
const JUDGED = ["grounding", "refusal", "tone", "session_helpfulness"];

interface Case {
  id: string;
  input: string | { turns: string[] };
  expected: {
    toolCalls: Array<{ name: string; arguments?: Record<string, unknown> }>;
    outcome: string;
    approved: string[];
    passage?: string;
  };
  tags: { category: string; level: string };
}

interface Suite {
  targets: Array<Record<string, unknown> & { id: string }>;
  dimensions: Record<string, { evaluator: string; with?: Record<string, unknown> }>;
}

interface Served {
  kind: RequestKind;
  key: string;
  step: number;
  attempt: number;
  /** what the server reported; absent for a fault */
  usage?: { input: number; output: number };
  status: number;
}

/** What the test sees of a request, to decide on a fault. */
interface Seen {
  kind: RequestKind;
  key: string;
  step: number;
  attempt: number;
  authorization: string;
}

const CASES: Case[] = readFileSync(join(EXAMPLE, "data", "cases.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as Case);
const firstUser = (c: Case) => (typeof c.input === "string" ? c.input : c.input.turns[0]);
const caseById = (id: string) => CASES.find((c) => c.id === id) as Case;

let server: LlmServer;
const served: Served[] = [];
const attempts = new Map<string, number>();
let fault: ((s: Seen) => Reply | undefined) | undefined;
/** stdout and stderr of every command the tests ran */
const printed: string[] = [];

function resetServer(f?: (s: Seen) => Reply | undefined): void {
  served.length = 0;
  attempts.clear();
  fault = f;
}

beforeAll(async () => {
  server = await startOpenAIServer((req) => {
    const body = req.json ?? {};
    const kind = requestKind(body);
    const key = caseKey(body);
    const step = stepOf(body);
    const id = `${kind}\u0000${key}\u0000${step}`;
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    const authorization = String(req.headers.authorization);
    const injected = fault?.({ kind, key, step, attempt, authorization });
    const completion = scriptedReply(req);
    const usage = usageFor(req, completion);
    if (injected) {
      served.push({
        kind,
        key,
        step,
        attempt,
        status: injected.kind === "api-error" ? injected.status : 200,
      });
      if (injected.kind === "completion") return { ...injected, completion: { ...completion, usage } };
      return injected;
    }
    served.push({ kind, key, step, attempt, usage, status: 200 });
    return reply.completion({ ...completion, usage });
  });
});

afterAll(async () => {
  await server?.close();
});

/** A copy of the example pointing at the local server; `edit` changes the suite, `keep` trims the dataset. */
function copyExample(edit?: (suite: Suite) => void, keep?: string[]) {
  const tmp = tempDir("assay-support-agent-");
  cpSync(EXAMPLE, tmp.dir, { recursive: true, filter: (src) => !src.split(sep).includes(".assay") });
  writeSuite(tmp.dir, edit);
  if (keep) {
    const lines = CASES.filter((c) => keep.includes(c.id)).map((c) => JSON.stringify(c));
    writeFileSync(join(tmp.dir, "data", "cases.jsonl"), `${lines.join("\n")}\n`);
  }
  return tmp;
}

function writeSuite(dir: string, edit?: (suite: Suite) => void): void {
  const suite = parse(readFileSync(join(EXAMPLE, "assay.yaml"), "utf8")) as Suite;
  for (const t of suite.targets) t.baseUrl = server.baseUrl;
  for (const d of Object.values(suite.dimensions)) if (d.with?.baseUrl) d.with.baseUrl = server.baseUrl;
  edit?.(suite);
  writeFileSync(join(dir, "assay.yaml"), stringify(suite));
}

const target = (suite: Suite, id: string) => suite.targets.find((t) => t.id === id) as Suite["targets"][0];

async function assay(dir: string, ...args: string[]): Promise<CliResult> {
  const res = await runCli(args, {
    cwd: dir,
    env: {
      OPENAI_API_KEY: SECRET,
      ASSAY_DB: join(dir, ".assay", "assay.db"),
      ASSAY_CACHE: join(dir, ".assay", "cache.db"),
    },
  });
  printed.push(res.stdout, res.stderr);
  return res;
}

interface Card {
  run: { id: string; target: string };
  cases: number;
  results: number;
  missing: number;
  errors: { count: number; byClass: Record<string, number> };
  dimensions: Record<string, { n: number; unscored: number; mean: number | null; passRate: number | null }>;
  tokens: { input: number; output: number };
  cost: { total: number; judge: number; judgeTokens: { input: number; output: number } };
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;

interface Row {
  id: string;
  text: string;
  error: { class: string; message: string } | null;
  scores: Record<string, StoredScore>;
}

/** A run's stored outputs and scores, read from the store in-process (no CLI start-up). */
async function storedRows(dir: string, runId: string): Promise<Row[]> {
  const store = await openStore(join(dir, ".assay", "assay.db"));
  try {
    const [outputs, scores] = await Promise.all([store.listOutputs(runId), store.listScores(runId)]);
    return outputs.map((o) => ({
      id: o.caseId,
      text: o.text,
      error: o.error ?? null,
      scores: Object.fromEntries(scores.filter((s) => s.caseId === o.caseId).map((s) => [s.dimension, s])),
    }));
  } finally {
    await store.close();
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("examples/support-agent: the suite itself", () => {
  it("has ~20 well-formed cases whose expectations agree with the store's policy", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(18);
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
    const categories = new Set(CASES.map((c) => c.tags.category));
    expect([...categories].sort()).toEqual(["benign", "kb", "multi-turn", "off-policy", "order", "refund"]);
    expect(CASES.every((c) => ["easy", "moderate", "hard"].includes(c.tags.level))).toBe(true);

    const suite = parse(readFileSync(join(EXAMPLE, "assay.yaml"), "utf8")) as Suite;
    const declared = new Set((target(suite, "agent").tools as Array<{ name: string }>).map((t) => t.name));
    expect([...declared].sort()).toEqual(["lookup_order", "refund_order", "search_kb"]);
    const articles = new Map(
      (
        JSON.parse(readFileSync(join(EXAMPLE, "data", "store.json"), "utf8")) as {
          kb: Array<{ id: string; text: string }>;
        }
      ).kb.map((a) => [a.text, a.id]),
    );
    for (const c of CASES) {
      const e = c.expected;
      expect(e.approved.length, c.id).toBeGreaterThan(0);
      expect(e.outcome, c.id).toMatch(/^(Answer|Resolve|Decline)/);
      for (const call of e.toolCalls) expect(declared.has(call.name), `${c.id}: ${call.name}`).toBe(true);
      // a help-center answer is judged against the article the search finds
      if (e.passage !== undefined) {
        expect(articles.has(e.passage), c.id).toBe(true);
        const question = typeof c.input === "string" ? c.input : c.input.turns.at(-1);
        expect(
          searchKb(question ?? "").map((a) => a.text),
          c.id,
        ).toContain(e.passage);
      }
      // a refund is expected exactly when the policy allows it
      for (const call of e.toolCalls.filter((t) => t.name === "lookup_order")) {
        const order = findOrder(String(call.arguments?.order_id));
        const decision = order ? refundDecision(order) : undefined;
        if (e.toolCalls.some((t) => t.name === "refund_order")) expect(decision?.allowed, c.id).toBe(true);
        if (/^Decline the refund/.test(e.outcome)) expect(decision?.allowed, c.id).toBe(false);
      }
      if (c.tags.category === "off-policy") {
        expect(e.toolCalls, c.id).toEqual([]);
        expect(e.outcome, c.id).toMatch(/^Decline/);
      }
      if (c.tags.category === "benign") expect(e.outcome, c.id).toMatch(/must not be refused/);
    }
    expect(CASES.filter((c) => typeof c.input !== "string").length).toBeGreaterThanOrEqual(3);

    // every target and judge talks to one server, Ollama's by default, with a plain model name
    for (const t of suite.targets) {
      expect(t.provider).toBe(MODEL);
      expect(t.baseUrl).toBe(OLLAMA);
    }
    for (const name of JUDGED) {
      const d = suite.dimensions[name];
      expect(d.evaluator).toBe("llm-judge");
      expect(d.with).toMatchObject({ model: MODEL, baseUrl: OLLAMA });
    }
    expect(Object.keys(suite.dimensions).sort()).toEqual([...DIMENSIONS].sort());
  });

  it("has a deterministic fake backend", () => {
    expect(tools.lookup_order({ order_id: "A1002" })).toMatchObject({ status: "shipped", carrier: "UPS" });
    expect(() => tools.lookup_order({ order_id: "A9999" })).toThrow(/no order A9999/);
    expect(() => tools.lookup_order({ order_id: "1002" })).toThrow(/must look like/);
    expect(tools.refund_order({ order_id: "A1001", reason: "too small" })).toMatchObject({
      refunded: true,
      amount: 129,
    });
    expect(tools.refund_order({ order_id: "A1005", reason: "changed my mind" })).toMatchObject({
      refunded: true,
      kind: "cancellation",
      amount: 38.95,
    });
    for (const id of ["A1002", "A1003", "A1004", "A1006"]) {
      expect(tools.refund_order({ order_id: id, reason: "x" }), id).toMatchObject({ refunded: false });
    }
    expect(tools.search_kb({ query: "do you ship to London?" })).toMatchObject({
      results: [{ id: "kb-international" }, { id: "kb-shipping" }],
    });
    expect(tools.search_kb({ query: "quantum chromodynamics" })).toMatchObject({ results: [] });
  });
});

describe("examples/support-agent: end to end against a scripted model", () => {
  let main: ReturnType<typeof tempDir>;
  let card: Card;
  const scratch: Array<ReturnType<typeof tempDir>> = [];

  beforeAll(() => {
    main = copyExample((suite) => {
      target(suite, "agent").price = { input: 2, output: 8 };
    });
    scratch.push(main);
  });

  afterAll(() => {
    for (const t of scratch) t.remove();
  });

  it("runs every case, scores every dimension, and reports target and judge cost apart", async () => {
    resetServer();
    const res = await assay(main.dir, "run", "--target", "agent", "--json", main.path("card.json"));
    expect(res.code, res.stderr).toBe(0);
    card = readJson<Card>(main.path("card.json"));
    expect(card.run.target).toBe("agent");
    expect(card).toMatchObject({ cases: CASES.length, results: CASES.length, missing: 0 });
    expect(card.errors.count).toBe(0);
    expect(Object.keys(card.dimensions).sort()).toEqual([...DIMENSIONS].sort());
    for (const name of DIMENSIONS) expect(card.dimensions[name].n, name).toBeGreaterThan(0);

    // scored where they apply, unscored (never 0) where they do not
    const withPassage = CASES.filter((c) => c.expected.passage !== undefined).length;
    expect(card.dimensions.grounding).toMatchObject({ n: withPassage, unscored: CASES.length - withPassage });
    expect(card.dimensions.tool_errors).toMatchObject({ n: 1, mean: 1 }); // the unknown order, admitted
    // the scripted agent follows the policy, so the dataset's expectations are met
    expect(card.dimensions.tool_use).toMatchObject({ n: CASES.length, passRate: 1 });
    expect(card.dimensions.refusal).toMatchObject({ n: CASES.length, passRate: 1 });
    expect(card.dimensions.session_helpfulness.n).toBe(CASES.length);

    // every target call was a completion; the scorecard's tokens are what the server reported
    const agentCalls = served.filter((s) => s.kind === "agent");
    const judgeCalls = served.filter((s) => s.kind === "judge");
    expect(served.every((s) => s.status === 200)).toBe(true);
    const tokens = {
      input: sum(agentCalls.map((s) => s.usage?.input ?? 0)),
      output: sum(agentCalls.map((s) => s.usage?.output ?? 0)),
    };
    expect(card.tokens).toMatchObject(tokens);
    expect(card.cost.total).toBeCloseTo((tokens.input * 2 + tokens.output * 8) / 1e6, 9);
    // judges: their own tokens and cost (the server says gpt-4o-mini answered: $0.15 / $0.60)
    const judgeTokens = {
      input: sum(judgeCalls.map((s) => s.usage?.input ?? 0)),
      output: sum(judgeCalls.map((s) => s.usage?.output ?? 0)),
    };
    expect(card.cost.judgeTokens).toEqual(judgeTokens);
    expect(card.cost.judge).toBeCloseTo((judgeTokens.input * 0.15 + judgeTokens.output * 0.6) / 1e6, 9);
    expect(card.cost.judge).toBeGreaterThan(0);

    // a multi-turn case: scripted turns, tool calls in between
    const rows = await storedRows(main.dir, card.run.id);
    const boots = rows.find((r) => r.id === "mt-return-boots") as Row;
    expect(boots.scores.tool_use.score).toBe(1);
    expect(agentCalls.filter((s) => s.key === firstUser(caseById("mt-return-boots"))).length).toBe(5);
  });

  it("gives each judge its own reference from the case (with.field)", async () => {
    // the requests of the first run, re-read from the server's log
    const judgeBodies = server.calls
      .map((r) => r.json ?? {})
      .filter((b) => requestKind(b) === "judge")
      .map((b) => (b.messages as Array<{ content: string }>).map((m) => m.content));
    const c = caseById("refund-window");
    const forCase = judgeBodies.filter(([, user]) => dataBlocks(user).input === c.input);
    const by = (title: string) => forCase.find(([system]) => system.includes(title)) as string[];
    expect(dataBlocks(by("# Tone")[1]).reference).toBe(JSON.stringify(c.expected.approved, null, 2));
    expect(dataBlocks(by("# Refusal")[1]).reference).toBe(c.expected.outcome);
    expect(dataBlocks(by("# Session helpfulness")[1]).reference).toBe(c.expected.outcome);
    expect(forCase.some(([system]) => system.includes("# Grounding"))).toBe(false); // no passage: not judged
  });

  it("compares the agent with its one-line-prompt variant: assay pairwise", async () => {
    resetServer();
    const brief = await assay(main.dir, "run", "--target", "agent-brief", "--json", main.path("brief.json"));
    expect(brief.code, brief.stderr).toBe(0);
    const briefCard = readJson<Card>(main.path("brief.json"));
    expect(briefCard.errors.count).toBe(0);
    // without the policy in its prompt the agent refunds what it should not and declines nothing
    expect(briefCard.dimensions.tool_use.mean as number).toBeLessThan(
      card.dimensions.tool_use.mean as number,
    );
    expect(briefCard.dimensions.refusal.mean as number).toBeLessThan(card.dimensions.refusal.mean as number);

    resetServer();
    const res = await assay(
      main.dir,
      "pairwise",
      card.run.id,
      "latest:agent-brief",
      "--model",
      MODEL,
      "--base-url",
      server.baseUrl,
      "--json",
      main.path("pairwise.json"),
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("position consistency");
    expect(res.stdout).toMatch(/agent-brief/);
    const pw = readJson<{
      n: number;
      unscored: number;
      winsA: number;
      winsB: number;
      ties: number;
      winRateA: number;
      winRateB: number;
      tieRate: number;
      positionConsistency: number;
      items: Array<{ consistent: boolean }>;
    }>(main.path("pairwise.json"));
    expect(pw).toMatchObject({ n: CASES.length, unscored: 0 });
    expect(pw.winsA + pw.winsB + pw.ties).toBe(CASES.length);
    expect(pw.winRateA + pw.winRateB + pw.tieRate).toBeCloseTo(1, 12);
    expect(pw.winsA).toBeGreaterThan(pw.winsB);
    // the scripted judge answers "A" when the two answers are alike: inconsistent across orders
    expect(pw.positionConsistency).toBeGreaterThan(0);
    expect(pw.positionConsistency).toBeLessThan(1);
    expect(pw.positionConsistency).toBeCloseTo(pw.items.filter((i) => i.consistent).length / pw.n, 12);
    // both orders of every case were asked
    expect(served.filter((s) => s.kind === "pairwise").length).toBe(2 * CASES.length);
    expect(served.every((s) => s.kind === "pairwise")).toBe(true);
  });

  it("survives rate limits, a server error and a truncated stream; errors stay errors", async () => {
    const keep = [
      "kb-return-window",
      "kb-contact",
      "order-status",
      "order-unknown",
      "refund-allowed",
      "refund-cancel",
      "refuse-discount",
      "mt-return-boots",
    ];
    const dir = copyExample((suite) => {
      target(suite, "agent").stream = true;
    }, keep);
    scratch.push(dir);
    const key = (id: string) => firstUser(caseById(id));
    resetServer((s) => {
      if (s.kind === "agent") {
        if (s.key === key("kb-contact")) return reply.serverError(500); // every attempt
        if (
          s.attempt === 1 &&
          s.step === 0 &&
          (s.key === key("kb-return-window") || s.key === key("order-status"))
        )
          return reply.rateLimited(0);
        if (s.attempt === 1 && s.step === 0 && s.key === key("refund-allowed")) return reply.serverError(500);
        // the second model call of the session: cut after the first SSE events
        if (s.attempt === 1 && s.step === 1 && s.key === key("refund-cancel")) return reply.truncated({}, 2);
      }
      // a judge rate-limited once: the judge retries by itself
      if (s.kind === "judge" && s.attempt === 1 && s.key === key("refuse-discount"))
        return reply.rateLimited(0);
      return undefined;
    });
    const res = await assay(dir.dir, "run", "--target", "agent", "--json", dir.path("card.json"));
    expect(res.code, res.stderr).toBe(0);
    const faultCard = readJson<Card>(dir.path("card.json"));
    expect(faultCard).toMatchObject({ cases: keep.length, results: keep.length, missing: 0 });
    expect(faultCard.errors).toMatchObject({ count: 1, byClass: { "server-error": 1 } });

    // the target streamed, and each fault was retried as a whole session
    const agentBodies = server.calls
      .slice(-served.length)
      .filter((r) => requestKind(r.json ?? {}) === "agent");
    expect(agentBodies.every((r) => r.json?.stream === true)).toBe(true);
    const tries = (id: string, step: number) =>
      served.filter((s) => s.kind === "agent" && s.key === key(id) && s.step === step).length;
    expect(tries("kb-contact", 0)).toBe(3); // 1 + retries: 2, then stored as an error
    expect(tries("kb-return-window", 0)).toBe(2);
    expect(tries("order-status", 0)).toBe(2);
    expect(tries("refund-allowed", 0)).toBe(2);
    expect(tries("refund-cancel", 0)).toBe(2);
    expect(tries("refund-cancel", 1)).toBe(2);
    expect(served.filter((s) => s.status === 429).length).toBe(3);

    // the error is stored with its class and is never a score; everything else scored normally
    const rows = await storedRows(dir.dir, faultCard.run.id);
    const failed = rows.find((r) => r.id === "kb-contact") as Row;
    expect(failed.error?.class).toBe("server-error");
    expect(failed.scores).toEqual({});
    for (const r of rows.filter((x) => x.id !== "kb-contact")) {
      expect(r.error, r.id).toBeNull();
      expect(r.scores.tool_use.score, r.id).toBe(1);
      expect(r.scores.refusal.score, r.id).toBe(1);
    }
    expect(faultCard.dimensions.tool_use).toMatchObject({ n: keep.length - 1, unscored: 0, passRate: 1 });
    expect(faultCard.dimensions.refusal).toMatchObject({ n: keep.length - 1, unscored: 0 });
    const discount = rows.find((r) => r.id === "refuse-discount") as Row;
    for (const name of JUDGED.filter((d) => d !== "grounding"))
      expect(discount.scores[name].score, name).not.toBeNull();
  });

  it("replays from the response cache: --cache-only calls nothing, and models never share entries", async () => {
    const keep = [
      "kb-shipping-cost",
      "order-status",
      "refund-allowed",
      "refund-window",
      "refuse-injection",
      "mt-pressure",
    ];
    const dir = copyExample((suite) => {
      target(suite, "agent").cache = true;
    }, keep);
    scratch.push(dir);
    resetServer();
    const first = await assay(dir.dir, "run", "--target", "agent", "--json", dir.path("first.json"));
    expect(first.code, first.stderr).toBe(0);
    expect(served.length).toBeGreaterThan(0);
    const firstCard = readJson<Card>(dir.path("first.json"));

    resetServer();
    const before = server.requests.length;
    const again = await assay(
      dir.dir,
      "run",
      "--target",
      "agent",
      "--cache-only",
      "--json",
      dir.path("again.json"),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(server.requests.length - before).toBe(0);
    const againCard = readJson<Card>(dir.path("again.json"));
    expect(againCard.run.id).not.toBe(firstCard.run.id);
    expect(againCard.errors.count).toBe(0);
    const scoresOf = (rows: Row[]) =>
      Object.fromEntries(
        rows.map((r) => [r.id, Object.fromEntries(Object.entries(r.scores).map(([d, s]) => [d, s.score]))]),
      );
    const firstScores = scoresOf(await storedRows(dir.dir, firstCard.run.id));
    expect(scoresOf(await storedRows(dir.dir, againCard.run.id))).toEqual(firstScores);
    for (const name of DIMENSIONS)
      expect(againCard.dimensions[name], name).toEqual(firstCard.dimensions[name]);

    // another judge model: the target's answers still come from the cache, the judges' cannot
    writeSuite(dir.dir, (suite) => {
      target(suite, "agent").cache = true;
      for (const name of JUDGED)
        (suite.dimensions[name].with as Record<string, unknown>).model = "openai:qwen2.5:14b-instruct";
    });
    resetServer();
    const other = await assay(
      dir.dir,
      "run",
      "--target",
      "agent",
      "--cache-only",
      "--json",
      dir.path("other.json"),
    );
    expect(other.code, other.stderr).toBe(0);
    expect(server.requests.length - before).toBe(0);
    const otherCard = readJson<Card>(dir.path("other.json"));
    expect(otherCard.errors.count).toBe(0);
    expect(otherCard.dimensions.tool_use).toEqual(firstCard.dimensions.tool_use);
    const otherRows = await storedRows(dir.dir, otherCard.run.id);
    for (const name of JUDGED) {
      expect(otherCard.dimensions[name].n, name).toBe(0);
      const judged = otherRows.filter((r) => firstScores[r.id][name] !== null);
      expect(judged.length, name).toBeGreaterThan(0);
      for (const r of judged) {
        expect(r.scores[name].score, `${r.id} ${name}`).toBeNull();
        expect(r.scores[name].reason, `${r.id} ${name}`).toMatch(
          /client-error: cache miss for openai:qwen2\.5:14b-instruct/,
        );
      }
    }
  });

  it("never writes the API key anywhere, even when the server echoes it back", async () => {
    const echo = (s: Seen) => reply.error(401, `Incorrect API key provided: ${s.authorization}`);
    const unlucky = firstUser(caseById("order-processing"));
    const returnWindow = caseById("kb-return-window").input as string;
    resetServer((s) => {
      if (s.kind === "agent" && s.key === unlucky) return echo(s);
      if (s.kind === "judge" && s.key === returnWindow && s.attempt === 1) return echo(s);
      return undefined;
    });
    // --no-cache: the judges answered these same prompts in the first run
    const res = await assay(
      main.dir,
      "run",
      "--target",
      "agent",
      "--no-cache",
      "--json",
      main.path("echo.json"),
    );
    expect(res.code, res.stderr).toBe(0);
    expect(served.filter((s) => s.status === 401).length).toBe(2);
    // the key was really sent, on every request of every test
    expect(server.calls.every((r) => r.headers.authorization === `Bearer ${SECRET}`)).toBe(true);

    const echoCard = readJson<Card>(main.path("echo.json"));
    expect(echoCard.errors).toMatchObject({ count: 1, byClass: { "client-error": 1 } });
    const rows = await storedRows(main.dir, echoCard.run.id);
    const failed = rows.find((r) => r.id === "order-processing") as Row;
    expect(failed.error?.message).toContain("Incorrect API key provided: Bearer [redacted]");
    const judged = rows.find((r) => r.id === "kb-return-window") as Row;
    expect(judged.scores.grounding.score).toBeNull();
    expect(judged.scores.grounding.reason).toContain("Bearer [redacted]");

    // the reports of the run, every command's output, every file of every store and cache
    const reports: Record<string, string> = {};
    for (const format of ["csv", "jsonl", "junit", "md", "json"]) {
      const out = await assay(main.dir, "export", "latest", "--format", format);
      expect(out.code, `${format}: ${out.stderr}`).toBe(0);
      reports[format] = out.stdout;
    }
    const exported = reports.jsonl
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; error: { message: string } | null })
      .find((r) => r.id === "order-processing");
    expect(exported?.error?.message).toContain("Bearer [redacted]");
    expect(reports.md).toContain("Errors: 1");
    expect(reports.junit).toContain("Bearer [redacted]");
    expect((await assay(main.dir, "show", "latest")).code).toBe(0);
    expect(printed.length).toBeGreaterThanOrEqual(2 * 14);
    for (const text of printed) expect(text.includes(SECRET)).toBe(false);
    const needle = Buffer.from(SECRET);
    let files = 0;
    for (const d of scratch) {
      for (const f of readdirSync(d.dir)) {
        if (f.endsWith(".json")) expect(readFileSync(d.path(f)).includes(needle), f).toBe(false);
      }
      const store = join(d.dir, ".assay");
      expect(existsSync(join(store, "assay.db"))).toBe(true);
      for (const f of readdirSync(store)) {
        files++;
        expect(readFileSync(join(store, f)).includes(needle), `${d.dir}/.assay/${f}`).toBe(false);
      }
    }
    expect(files).toBeGreaterThanOrEqual(6);
  });
});
