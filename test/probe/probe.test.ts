import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Case } from "../../src/core/case.ts";
import { TargetFailure } from "../../src/core/output.ts";
import { pickRateLimitHeaders } from "../../src/faults/rate-limit-headers.ts";
import { findKnee, recommend, retriesFor, summarizeStep } from "../../src/probe/analyze.ts";
import { parseDuration, parseSteps } from "../../src/probe/parse.ts";
import { runProbe } from "../../src/probe/ramp.ts";
import type { ProbeOptions, ProbeReport, ProbeSample } from "../../src/probe/types.ts";
import type { Target } from "../../src/targets/types.ts";
import { runCliInProcess } from "../support/cli.ts";
import { startServer } from "../support/http-server.ts";
import { reply, startLlmServer } from "../support/llm-servers.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * A rate-limited API: above 16 requests in flight it answers 429 with Retry-After and
 * x-ratelimit-* headers; above 32 in flight every answer is slow as well.
 */
async function limitedServer() {
  const counts = { requests: 0, ok: 0, limited: 0, maxInFlight: 0 };
  let inFlight = 0;
  const finish = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string>) => {
    inFlight--; // before the answer leaves, so the client's next request never finds it counted
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const server = await startServer((_req, res, body) => {
    counts.requests++;
    inFlight++;
    counts.maxInFlight = Math.max(counts.maxInFlight, inFlight);
    const limited = inFlight > 16;
    const delayMs = inFlight > 32 ? 250 : 15;
    const text = (JSON.parse(body) as { text: string }).text;
    setTimeout(() => {
      if (limited) {
        counts.limited++;
        finish(
          res,
          429,
          { error: "slow down" },
          {
            "retry-after": "1",
            "x-ratelimit-limit-requests": "16",
            "x-ratelimit-remaining-requests": "0",
            "set-cookie": "session=do-not-report",
          },
        );
      } else {
        counts.ok++;
        finish(
          res,
          200,
          { result: text.toUpperCase() },
          {
            "x-ratelimit-limit-requests": "16",
            "x-request-id": "not-a-rate-limit-header",
          },
        );
      }
    }, delayMs);
  });
  return { server, counts };
}

function writeSuite(tmp: ReturnType<typeof tempDir>, url: string): void {
  tmp.write("cases.jsonl", jsonl(["alpha", "beta", "gamma"].map((w, i) => ({ id: `c${i}`, input: w }))));
  tmp.write(
    "assay.yaml",
    [
      "suite: probe",
      "dataset: cases.jsonl",
      "retries: 3",
      "targets:",
      "  - id: api",
      `    http: { url: "${url}/answer", body: { text: "{{ input }}" }, output: "$.result" }`,
      "dimensions:",
      "  exact: { evaluator: equals }",
    ].join("\n"),
  );
}

describe("assay probe against a rate-limited server", () => {
  let api: Awaited<ReturnType<typeof limitedServer>>;
  let tmp: ReturnType<typeof tempDir>;
  let report: ProbeReport;
  let stdout: string;
  const MAX_REQUESTS = 1400;

  beforeAll(async () => {
    api = await limitedServer();
    tmp = tempDir("assay-probe-");
    writeSuite(tmp, api.server.url);
    const res = await runCliInProcess([
      "probe",
      "api",
      "--suite",
      tmp.dir,
      "--steps",
      "1,2,4,…,64",
      // long enough that --max-requests ends every step (the duration bound is tested below)
      "--duration",
      "30s",
      "--max-requests",
      String(MAX_REQUESTS),
      // the knee here is the server's rate limit (the error-rate rule); the latency rule is tested
      // on fixed samples below, since latency measured on a busy CI machine is noise
      "--latency-factor",
      "1000",
      "--json",
      tmp.path("probe.json"),
      "--quiet",
    ]);
    expect(res.code, res.stderr).toBe(0);
    stdout = res.stdout;
    report = JSON.parse(readFileSync(tmp.path("probe.json"), "utf8")) as ProbeReport;
  }, 60_000);

  afterAll(async () => {
    await api.server.close();
    tmp.remove();
  });

  it("ramps through every step, in order", () => {
    expect(report.steps.map((s) => s.concurrency)).toEqual([1, 2, 4, 8, 16, 32, 64]);
  });

  it("finds the knee at 16 and states the rule", () => {
    expect(report.knee.concurrency).toBe(16);
    expect(report.knee.firstFailing?.concurrency).toBe(32);
    expect(report.knee.reason).toMatch(/error rate exceeds 0\.01/);
    expect(report.knee.reason).toMatch(/1000× the first step's \(and by ≥ 250 ms\)/);
  });

  it("sees no errors up to 16 in flight, and counts every 429 the server sent", () => {
    for (const s of report.steps.filter((s) => s.concurrency <= 16)) {
      expect(s.errorRate, `concurrency ${s.concurrency}`).toBe(0);
      expect(s.errors.byStatus).toEqual({});
    }
    const counted429 = report.steps.reduce((n, s) => n + (s.errors.byStatus["429"] ?? 0), 0);
    const rateLimited = report.steps.reduce((n, s) => n + (s.errors.byClass["rate-limited"] ?? 0), 0);
    expect(counted429).toBe(api.counts.limited);
    expect(rateLimited).toBe(api.counts.limited);
    expect(report.steps.find((s) => s.concurrency === 32)!.errors.byStatus["429"]).toBeGreaterThan(0);
  });

  it("makes each call once (no retries) and stays within --max-requests", () => {
    expect(report.steps.every((s) => s.stoppedBy === "max-requests" && s.unfinished === 0)).toBe(true);
    expect(report.requests).toBe(api.counts.requests);
    expect(api.counts.requests).toBeLessThanOrEqual(MAX_REQUESTS);
    // the budget is shared out: no step takes more than an even share of what was left
    let left = MAX_REQUESTS;
    report.steps.forEach((s, i) => {
      expect(s.requests).toBeLessThanOrEqual(Math.floor(left / (report.steps.length - i)));
      left -= s.requests;
    });
    expect(report.steps.reduce((n, s) => n + s.requests, 0)).toBe(api.counts.requests);
    // never more calls in flight than the step asked for
    expect(api.counts.maxInFlight).toBeLessThanOrEqual(64);
  });

  it("echoes the rate-limit headers, and no other header", () => {
    expect(report.headers["retry-after"]).toBe("1");
    expect(report.headers["x-ratelimit-limit-requests"]).toBe("16");
    expect(report.headers["x-ratelimit-remaining-requests"]).toBe("0");
    expect(JSON.stringify(report)).not.toContain("do-not-report");
    expect(JSON.stringify(report)).not.toContain("not-a-rate-limit-header");
    expect(report.steps.find((s) => s.concurrency === 32)!.headers["retry-after"]).toBe("1");
  });

  it("reports the latency percentiles and throughput of each step", () => {
    for (const s of report.steps) {
      const { p50, p95, p99 } = s.latencyMs;
      expect(p50).not.toBeNull();
      expect(p50!).toBeLessThanOrEqual(p95!);
      expect(p95!).toBeLessThanOrEqual(p99!);
      expect(s.throughput).toBeGreaterThan(0);
    }
  });

  it("recommends the best throughput under the error limit, with a retry policy", () => {
    const under = report.steps.filter((s) => s.errorRate <= 0.01);
    const best = Math.max(...under.map((s) => s.throughput));
    expect(report.recommendation.concurrency).toBe(under.find((s) => s.throughput === best)!.concurrency);
    expect(report.recommendation.concurrency).toBeLessThanOrEqual(16);
    expect(report.recommendation.retries).toBeGreaterThanOrEqual(1);
    expect(report.recommendation.reason).toMatch(/Retry-After/);
  });

  it("prints a table with the knee and the recommendation", () => {
    expect(stdout).toMatch(/concurrency\s+requests\s+ok\/s\s+p50\s+p95\s+p99/);
    expect(stdout).toContain("knee: concurrency 16");
    expect(stdout).toMatch(/recommendation: concurrency: \d+, retries: \d+/);
    expect(stdout).toContain("retry-after: 1");
  });
});

describe.each(["openai", "anthropic"] as const)("assay probe against an %s provider", (flavor) => {
  const header =
    flavor === "openai" ? "x-ratelimit-remaining-requests" : "anthropic-ratelimit-requests-remaining";
  it("sees the 429s and their headers straight from the API (no limiter, no retries, no cache)", async () => {
    let inFlight = 0;
    let limited = 0;
    const server = await startLlmServer(flavor, async () => {
      inFlight++;
      const over = inFlight > 16;
      await new Promise((r) => setTimeout(r, 15));
      inFlight--;
      if (!over) return reply.text("ok");
      limited++;
      return reply.error(429, "Rate limit reached for requests", {
        retryAfter: 2,
        headers: { [header]: "0", "x-request-id": "req_not_reported" },
      });
    });
    const tmp = tempDir("assay-probe-");
    try {
      tmp.write("cases.jsonl", jsonl([{ id: "a", input: "hello" }]));
      tmp.write(
        "assay.yaml",
        [
          "suite: probe-llm",
          "dataset: cases.jsonl",
          "targets:",
          "  - id: model",
          `    provider: ${flavor}:probe-model`,
          `    baseUrl: "${server.baseUrl}"`,
          "    cache: true",
          "    limits: { concurrency: 2 }",
          "dimensions:",
          "  exact: { evaluator: equals }",
        ].join("\n"),
      );
      const res = await runCliInProcess(
        [
          "probe",
          "model",
          "--suite",
          tmp.dir,
          "--steps",
          "8,16,32",
          // long enough that --max-requests ends every step
          "--duration",
          "30s",
          "--max-requests",
          "300",
          // only the 429s may mark the knee here: on a busy machine the 16-in-flight step's p95
          // can pass 3 × the first step's, which would put the knee at 8 for a reason not under test
          "--latency-factor",
          "1000",
          "--json",
          tmp.path("p.json"),
          "-q",
        ],
        { env: { OPENAI_API_KEY: "sk-probe-test-key", ANTHROPIC_API_KEY: "sk-probe-test-key" } },
      );
      expect(res.code, res.stderr).toBe(0);
      const out = JSON.parse(readFileSync(tmp.path("p.json"), "utf8")) as ProbeReport;
      expect(out.knee.concurrency, out.knee.reason).toBe(16);
      expect(out.knee.reason).toMatch(/concurrency 32 had error rate/);
      // every call reached the server: the suite's limits (concurrency 2) and cache do not apply
      expect(out.requests).toBe(server.calls.length);
      expect(out.steps[2]!.errors.byStatus["429"]).toBe(limited);
      expect(limited).toBeGreaterThan(0);
      expect(out.headers).toMatchObject({ "retry-after": "2", [header]: "0" });
      expect(JSON.stringify(out)).not.toContain("req_not_reported");
      expect(JSON.stringify(out)).not.toContain("sk-probe-test-key");
    } finally {
      tmp.remove();
      await server.close();
    }
  }, 30_000);
});

describe("assay probe usage", () => {
  it("exits 2 for an unknown target or bad steps", async () => {
    const tmp = tempDir("assay-probe-");
    try {
      writeSuite(tmp, "http://127.0.0.1:9");
      const unknown = await runCliInProcess(["probe", "nope", "--suite", tmp.dir]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('no target "nope"');
      const bad = await runCliInProcess(["probe", "api", "--suite", tmp.dir, "--steps", "1,x"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("--steps");
    } finally {
      tmp.remove();
    }
  });

  it("exits 3 when every call failed, and still writes the JSON", async () => {
    const down = await startServer((_req, res) => {
      res.writeHead(503, { "retry-after": "7" });
      res.end("down");
    });
    const tmp = tempDir("assay-probe-");
    try {
      writeSuite(tmp, down.url);
      const res = await runCliInProcess([
        "probe",
        "api",
        "--suite",
        tmp.dir,
        "--steps",
        "1,2",
        "--max-requests",
        "10",
        "--json",
        tmp.path("p.json"),
        "-q",
      ]);
      expect(res.code).toBe(3);
      const out = JSON.parse(readFileSync(tmp.path("p.json"), "utf8")) as ProbeReport;
      // the first step already failed badly: the ramp stops there (--stop-error-rate 0.9)
      expect(out.steps).toHaveLength(1);
      expect(out.stoppedEarly).toMatch(/error rate/);
      expect(out.steps[0]!.errors.byClass["server-error"]).toBe(5);
      expect(out.steps[0]!.errors.byStatus).toEqual({ "503": 5 });
      expect(out.headers).toEqual({ "retry-after": "7" });
      expect(out.knee.concurrency).toBeNull();
      expect(out.recommendation.concurrency).toBeNull();
    } finally {
      tmp.remove();
      await down.close();
    }
  });
});

/** A clock that moves only when a fake call says so: bounds are checked by counting, not timing. */
function fakeTarget(clock: { t: number }, costMs: (inFlight: number) => number) {
  let inFlight = 0;
  const seen = { calls: 0, maxInFlight: 0 };
  const target: Target = {
    id: "fake",
    kind: "module",
    describe: () => ({}),
    async call() {
      seen.calls++;
      inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, inFlight);
      await Promise.resolve();
      clock.t += costMs(inFlight);
      inFlight--;
      return { output: "ok" };
    },
  };
  return { target, seen };
}

const CASES: Case[] = [{ id: "a", input: "x", expected: undefined, tags: {} } as unknown as Case];
const OPTS: ProbeOptions = {
  mode: "concurrency",
  steps: [1, 2, 4],
  durationMs: 100,
  maxRequests: 1000,
  maxErrorRate: 0.01,
  latencyFactor: 3,
  latencyFloorMs: 10,
  timeoutMs: 5000,
  stopErrorRate: 0.5,
};

describe("runProbe bounds", () => {
  it("starts no call after a step's duration", async () => {
    const clock = { t: 0 };
    const { target, seen } = fakeTarget(clock, () => 10);
    const report = await runProbe(target, CASES, { ...OPTS, steps: [1] }, { now: () => clock.t });
    // each call moves the clock 10 ms: calls start at 0, 10, …, 90 and none at 100
    expect(seen.calls).toBe(10);
    expect(report.steps[0]!.stoppedBy).toBe("duration");
  });

  it("shares --max-requests out among the steps and never passes it", async () => {
    const clock = { t: 0 };
    const { target, seen } = fakeTarget(clock, () => 0);
    const report = await runProbe(target, CASES, { ...OPTS, maxRequests: 10 }, { now: () => clock.t });
    expect(report.steps.map((s) => s.requests)).toEqual([3, 3, 4]);
    expect(seen.calls).toBe(10);
    expect(report.steps.every((s) => s.stoppedBy === "max-requests")).toBe(true);
  });

  it("holds the step's concurrency", async () => {
    const clock = { t: 0 };
    const { target, seen } = fakeTarget(clock, () => 1);
    await runProbe(target, CASES, { ...OPTS, steps: [4] }, { now: () => clock.t });
    expect(seen.maxInFlight).toBe(4);
  });

  it("in rate mode starts calls at the stated rate, bounded by the duration", async () => {
    // On a clock the test moves (timers and performance.now), not the machine's: a busy machine
    // that stalls the event loop would otherwise let the step's end come before its calls.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    try {
      const startedAt: number[] = [];
      const target: Target = {
        id: "fast",
        kind: "module",
        describe: () => ({}),
        async call() {
          startedAt.push(performance.now());
          return { output: "ok" };
        },
      };
      const t0 = performance.now();
      const probing = runProbe(target, CASES, { ...OPTS, mode: "rate", steps: [50], durationMs: 200 });
      await vi.advanceTimersByTimeAsync(250);
      const report = await probing;
      // 50/s for 200 ms: calls at 0, 20, …, 180 ms, and none at 200
      expect(startedAt.map((t) => Math.round(t - t0))).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
      expect(report.steps[0]!.rate).toBe(50);
      expect(report.steps[0]!.requests).toBe(10);
      expect(report.knee.rate).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("cuts the calls in flight at the step's end and counts them as unfinished, not as errors", async () => {
    let started = 0;
    let aborted = 0;
    const hanging: Target = {
      id: "hanging",
      kind: "module",
      describe: () => ({}),
      call: ({ signal }) =>
        new Promise((_resolve, reject) => {
          started++;
          signal.addEventListener("abort", () => {
            aborted++;
            reject(signal.reason);
          });
        }),
    };
    const report = await runProbe(hanging, CASES, { ...OPTS, steps: [3, 5], durationMs: 50 });
    expect(started).toBe(8);
    expect(aborted).toBe(8);
    expect(report.steps.map((s) => [s.requests, s.unfinished, s.ok, s.errorRate])).toEqual([
      [3, 3, 0, 0],
      [5, 5, 0, 0],
    ]);
    expect(report.steps[0]!.errors.byClass).toEqual({});
    expect(report.recommendation.concurrency).toBeNull();
  });

  it("gives a failed call's status, class and headers, once (no retries)", async () => {
    let calls = 0;
    const target: Target = {
      id: "limited",
      kind: "module",
      describe: () => ({}),
      async call() {
        calls++;
        throw new TargetFailure("rate-limited", "429", {
          status: 429,
          retryAfterMs: 2000,
          headers: { "retry-after": "2" },
        });
      },
    };
    const report = await runProbe(target, CASES, { ...OPTS, steps: [1], maxRequests: 3 });
    expect(calls).toBe(3);
    expect(report.steps[0]!.errors).toEqual({ byClass: { "rate-limited": 3 }, byStatus: { "429": 3 } });
    expect(report.headers).toEqual({ "retry-after": "2" });
  });
});

const sample = (latencyMs: number, ok = true): ProbeSample =>
  ok ? { ok, latencyMs } : { ok, latencyMs, errorClass: "rate-limited", status: 429 };
const step = (concurrency: number, samples: ProbeSample[]) =>
  summarizeStep(samples, { concurrency, elapsedMs: 1000, stoppedBy: "duration" });

describe("knee and recommendation", () => {
  it("puts the knee before the first step whose p95 rises past the factor", () => {
    const steps = [
      step(
        1,
        Array.from({ length: 20 }, () => sample(10)),
      ),
      step(
        2,
        Array.from({ length: 20 }, () => sample(25)),
      ),
      step(
        4,
        Array.from({ length: 20 }, () => sample(31)),
      ),
    ];
    const knee = findKnee(steps, OPTS);
    expect(knee.concurrency).toBe(2);
    expect(knee.firstFailing?.p95Ms).toBe(31);
    expect(knee.reason).toContain("p95 31 ms > 3 × 10 ms");
  });

  it("ignores a rise smaller than the floor", () => {
    const steps = [step(1, [sample(10)]), step(2, [sample(35)])];
    expect(findKnee(steps, { ...OPTS, latencyFloorMs: 30 }).concurrency).toBeNull();
    expect(findKnee(steps, { ...OPTS, latencyFloorMs: 25 }).concurrency).toBe(1);
  });

  it("has no knee when every step is within both limits", () => {
    const steps = [step(1, [sample(10)]), step(2, [sample(12)])];
    expect(findKnee(steps, OPTS).concurrency).toBeNull();
    expect(findKnee(steps, OPTS).reason).toMatch(/no step did/);
  });

  it("recommends the best throughput among steps within the error limit", () => {
    const steps = [
      step(
        1,
        Array.from({ length: 10 }, () => sample(10)),
      ),
      step(
        2,
        Array.from({ length: 30 }, () => sample(10)),
      ),
      step(4, [...Array.from({ length: 50 }, () => sample(10)), sample(1, false)]),
    ];
    // step 4: 50 ok/s but 1 error in 51 (> 0.01): out
    expect(recommend(steps, OPTS)).toMatchObject({ concurrency: 2, throughput: 30, errorRate: 0 });
  });

  it("sizes retries to the errors left", () => {
    expect(retriesFor(0)).toBe(2);
    expect(retriesFor(0.01)).toBe(1);
    expect(retriesFor(0.05)).toBe(3);
    expect(retriesFor(0.5)).toBe(5);
  });
});

describe("option parsers", () => {
  it("reads steps, with an ellipsis continuing the series", () => {
    expect(parseSteps("1,2,4,…,128")).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    expect(parseSteps("1,2,4,...,20")).toEqual([1, 2, 4, 8, 16, 20]);
    expect(parseSteps("5,10,…,30")).toEqual([5, 10, 20, 30]);
    expect(parseSteps("3, 6")).toEqual([3, 6]);
    expect(parseSteps("1,2,4,…")).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    expect(() => parseSteps("0")).toThrow(/≥ 1/);
    expect(() => parseSteps("…,4")).toThrow(/two values/);
    expect(() => parseSteps("1,2,…,x")).toThrow(/two values/);
  });

  it("reads durations", () => {
    expect(parseDuration("20s")).toBe(20_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("1.5")).toBe(1500);
    expect(() => parseDuration("soon")).toThrow(/duration/);
  });

  it("keeps only rate-limit headers", () => {
    expect(
      pickRateLimitHeaders([
        ["Retry-After", "3"],
        ["anthropic-ratelimit-requests-remaining", "0"],
        ["ratelimit-policy", "100;w=60"],
        ["authorization", "Bearer sk-secret"],
        ["set-cookie", ["a=1", "b=2"]],
      ]),
    ).toEqual({
      "retry-after": "3",
      "anthropic-ratelimit-requests-remaining": "0",
      "ratelimit-policy": "100;w=60",
    });
    expect(pickRateLimitHeaders([["content-type", "text/plain"]])).toBeUndefined();
  });
});
