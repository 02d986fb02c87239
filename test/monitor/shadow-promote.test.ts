import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/index.ts";
import { runCliInProcess } from "../support/cli.ts";
import { startServer } from "../support/http-server.ts";
import { jsonl } from "../support/temp.ts";
import { monitorSuite, records } from "./support.ts";

/** Shadow mode on recorded traffic, and failures promoted to regression cases. */

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("assay shadow", () => {
  it("sends 500 recorded inputs to a candidate and reports the paired comparison with compare's statistics", async () => {
    // the candidate answers politely but not in JSON for ticket numbers 0 and 1: a format regression
    let calls = 0;
    const candidate = await startServer((_req, res, body) => {
      calls++;
      const text = JSON.parse(body).text as string;
      const n = Number(/(\d+)$/.exec(text)?.[1]);
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({ result: n <= 1 ? "thanks, done" : JSON.stringify({ ok: true, note: "thanks" }) }),
      );
    });
    cleanups.push(() => candidate.close());
    const tmp = monitorSuite({
      targets: `  - id: next\n    http: { url: "${candidate.url}/answer", body: { text: "{{ input }}" }, output: "$.result" }`,
    });
    cleanups.push(() => tmp.remove());
    tmp.write("records.jsonl", jsonl(records({ n: 520, metadata: (i) => (i < 20 ? { app: "other" } : {}) })));
    expect((await runCliInProcess(["ingest", "records.jsonl"], { cwd: tmp.dir })).code).toBe(0);

    const res = await runCliInProcess(
      ["shadow", "--monitor", "prod", "--candidate", "next", "--json", "shadow.json", "--limit", "500"],
      { cwd: tmp.dir },
    );
    expect(res.code, res.stderr).toBe(1); // the candidate regressed on format
    const out = JSON.parse(readFileSync(tmp.path("shadow.json"), "utf8"));
    // only the monitor's records (its filter drops app=other), each sent once
    expect(calls).toBe(500);
    expect(out.pairs).toBe(500);
    expect(out.shadow).toMatchObject({ monitor: "prod", records: 500 });
    expect(out.base).toBe(out.shadow.incumbent.run);
    expect(out.candidate).toBe(out.shadow.candidate.run);
    // compare's shape: per dimension base, candidate, delta, interval, test, p, verdict
    const format = out.dimensions.format;
    expect(format.verdict).toBe("regressed");
    expect(format.base).toBe(1);
    // ticket numbers 0 and 1 (i % 7) are 2 of every 7 records
    const failing = records({ n: 520 })
      .slice(20)
      .filter((r) => /number [01]$/.test(r.input as string)).length;
    expect(format.candidate).toBeCloseTo(1 - failing / 500, 10);
    expect(format.delta).toBeCloseTo(-failing / 500, 10);
    expect(format.ci[1]).toBeLessThan(0);
    expect(typeof format.test).toBe("string");
    expect(format.p).toBeLessThan(0.001);
    expect(out.dimensions.polite.verdict).toBe("no-change");
    expect(out.flips.length).toBe(failing);
    // latency and cost side by side: the incumbent's recorded latencies are 100–109 ms
    expect(out.shadow.incumbent.latencyMs.p50).toBeGreaterThanOrEqual(100);
    expect(out.shadow.incumbent.latencyMs.p50).toBeLessThanOrEqual(109);
    expect(out.shadow.candidate.latencyMs.p50).not.toBeNull();
    expect(res.stdout).toContain("production");

    // both sides are ordinary runs: `assay compare` on them gives the same numbers
    const again = await runCliInProcess(["compare", out.base, out.candidate, "--json", "cmp.json"], {
      cwd: tmp.dir,
    });
    expect(again.code).toBe(1);
    const cmp = JSON.parse(readFileSync(tmp.path("cmp.json"), "utf8"));
    expect(cmp.dimensions.format.delta).toBe(format.delta);
    expect(cmp.dimensions.format.p).toBe(format.p);
  }, 120_000);
});

describe("assay records promote", () => {
  it("turns confirmed reviews into regression cases with provenance and refuses near-duplicates", async () => {
    const tmp = monitorSuite();
    cleanups.push(() => tmp.remove());
    const recs = [
      { id: "a", input: "The invoice for March is wrong, please fix it", output: "no" },
      { id: "b", input: "the invoice for march is WRONG please fix it!!", output: "no" },
      { id: "c", input: "Cancel my subscription today", output: "no" },
    ].map((r, i) => ({ ...r, time: `2026-12-01T00:0${i}:00Z`, metadata: { app: "triage" } }));
    tmp.write("records.jsonl", jsonl(recs));
    tmp.write(
      "regressions.jsonl",
      `${JSON.stringify({ id: "old-1", input: "Cancel my subscription today." })}\n`,
    );
    expect((await runCliInProcess(["ingest", "records.jsonl"], { cwd: tmp.dir })).code).toBe(0);
    // a pass queues the failing records; a person confirms them
    expect((await runCliInProcess(["monitor", "prod", "--once"], { cwd: tmp.dir })).code).toBe(0);
    const queue = await runCliInProcess(["records", "review", "--monitor", "prod", "--json"], {
      cwd: tmp.dir,
    });
    expect(
      JSON.parse(queue.stdout)
        .map((r: { recordId: string }) => r.recordId)
        .sort(),
    ).toEqual(["a", "b", "c"]);
    const confirm = await runCliInProcess(
      ["records", "confirm", "a", "b", "c", "--monitor", "prod", "--by", "ann"],
      {
        cwd: tmp.dir,
      },
    );
    expect(confirm.code).toBe(0);
    const missing = await runCliInProcess(["records", "confirm", "zzz", "--monitor", "prod", "--by", "ann"], {
      cwd: tmp.dir,
    });
    expect(missing.code).toBe(2);

    const res = await runCliInProcess(
      ["records", "promote", "--monitor", "prod", "--to", "regressions.jsonl", "--by", "ann", "--json"],
      { cwd: tmp.dir },
    );
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.promoted.map((p: { recordId: string }) => p.recordId)).toEqual(["a"]);
    // b differs from a only in case and punctuation; c repeats a case already in the file
    expect(
      out.refused.map((r: { recordId: string; similarTo: string }) => [r.recordId, r.similarTo]).sort(),
    ).toEqual([
      ["b", "prod-a"],
      ["c", "old-1"],
    ]);
    const lines = tmp
      .read("regressions.jsonl")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      id: "prod-a",
      input: recs[0].input,
      tags: { source: "production", monitor: "prod" },
      metadata: {
        promotedFrom: {
          record: "a",
          time: "2026-12-01T00:00:00.000Z",
          monitor: "prod",
          by: "ann",
          reason: "threshold",
        },
      },
    });
    const store = openSqliteStore(tmp.path(".assay/assay.db"));
    try {
      const promoted = await store.production.listReviews({ monitor: "prod", status: "promoted" });
      expect(promoted.map((r) => r.promotedTo)).toEqual([`${tmp.path("regressions.jsonl")}#prod-a`]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
