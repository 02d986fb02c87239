import { existsSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { loadSuite } from "../../src/config/load.ts";
import { runMonitorPass } from "../../src/monitor/run.ts";
import { parseRecord } from "../../src/records/parse.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import { runCli, runCliInProcess, startCli } from "../support/cli.ts";
import { startServer } from "../support/http-server.ts";
import { waitForCount } from "../support/poll.ts";
import { jsonl } from "../support/temp.ts";
import { monitorSuite, records } from "./support.ts";

/** `assay ingest` + `assay monitor`: online scoring exactly once, drift alerts, webhooks, OTel events. */

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON, read field by field by the assertions
type Loose = any;

function readJson(path: string): Record<string, Loose> {
  return JSON.parse(readFileSync(path, "utf8"));
}

describe("assay monitor --once", () => {
  it("scores each record once across passes, reports windows with intervals, and alerts on a drop in pass rate", async () => {
    const tmp = monitorSuite();
    cleanups.push(() => tmp.remove());
    // 200 records: the first 120 all good, then every other one bad; 20 of app=other are filtered
    const recs = records({
      n: 200,
      bad: (i) => i >= 120 && i % 2 === 0,
      metadata: (i) => (i % 10 === 9 ? { app: "other" } : {}),
    });
    tmp.write("records.jsonl", jsonl(recs));
    const ingest = await runCliInProcess(["ingest", "records.jsonl"], { cwd: tmp.dir });
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toContain("ingested 200 records");

    const first = await runCliInProcess(["monitor", "prod", "--once", "--json", "pass1.json"], {
      cwd: tmp.dir,
    });
    expect(first.code, first.stderr).toBe(0);
    const r1 = readJson(tmp.path("pass1.json"));
    expect(r1.monitor).toBe("prod");
    expect(r1.scoring).toEqual({ visited: 200, scored: 180, filtered: 20, unsampled: 0 });
    // 180 scored records in windows of 20
    expect(r1.windows).toHaveLength(9);
    expect(r1.windows.reduce((a: number, w: { n: number }) => a + w.n, 0)).toBe(180);
    const w0 = r1.windows[0];
    expect(w0.start).toBe("2026-12-01T00:00:00.000Z");
    expect(w0.dimensions.format).toMatchObject({ mean: 1, passRate: 1, n: 20 });
    const last = r1.windows[8];
    expect(last.dimensions.format.mean).toBeLessThan(0.7);
    expect(last.dimensions.format.ci[0]).toBeLessThan(last.dimensions.format.mean);
    expect(last.dimensions.format.ci[1]).toBeGreaterThan(last.dimensions.format.mean);
    // the CUSUM is stated and alarms on both dimensions; the alert names its window
    expect(r1.cusum.map((c: { dimension: string }) => c.dimension)).toEqual(["format", "polite"]);
    for (const c of r1.cusum) {
      expect(c.arl0).toBeGreaterThanOrEqual(500);
      expect(c.h).toBeGreaterThan(0);
      expect(c.open).toBe(true);
    }
    const cusumAlerts = r1.alerts.filter((a: { kind: string }) => a.kind === "cusum");
    expect(cusumAlerts.map((a: { dimension: string }) => a.dimension).sort()).toEqual(["format", "polite"]);
    for (const a of cusumAlerts) {
      expect(typeof a.window).toBe("string");
      expect(a.statistic).toBeGreaterThan(0);
    }
    expect(first.stdout).toContain("ALERT format (cusum)");
    // failing records went to review
    expect(r1.reviews.pending).toBeGreaterThan(0);

    // the second pass scores nothing new, and reports the same windows
    const second = await runCliInProcess(
      ["monitor", "prod", "--once", "--json", "pass2.json", "--fail-on-alert"],
      {
        cwd: tmp.dir,
      },
    );
    expect(second.code).toBe(1); // --fail-on-alert with an open alert
    const r2 = readJson(tmp.path("pass2.json"));
    expect(r2.scoring).toEqual({ visited: 0, scored: 0, filtered: 0, unsampled: 0 });
    expect(r2.totals).toEqual({ scored: 180, filtered: 20, unsampled: 0 });
    expect(r2.windows).toEqual(r1.windows);
    // the alerts are the same episodes, not new ones
    expect(r2.opened).toEqual([]);
    expect(r2.alerts.map((a: { id: string }) => a.id).sort()).toEqual(
      r1.alerts.map((a: { id: string }) => a.id).sort(),
    );

    const store = openSqliteStore(tmp.path(".assay/assay.db"));
    try {
      const scores = await store.production.listRecordScores("prod");
      expect(scores).toHaveLength(180 * 2);
      expect(new Set(scores.map((s) => `${s.recordId}/${s.dimension}`)).size).toBe(360);
      // the same evaluator ids as a gated run of the suite would record
      expect(r2.evaluators.format).toMatch(/^json-valid@/);
      expect(new Set(scores.filter((s) => s.dimension === "format").map((s) => s.evaluator))).toEqual(
        new Set([r2.evaluators.format]),
      );
    } finally {
      await store.close();
    }
  }, 60_000);

  it("exits 0 with --fail-on-alert when nothing drifted, and says when the baseline is still forming", async () => {
    const tmp = monitorSuite();
    cleanups.push(() => tmp.remove());
    tmp.write("records.jsonl", jsonl(records({ n: 50 })));
    expect((await runCliInProcess(["ingest", "records.jsonl"], { cwd: tmp.dir })).code).toBe(0);
    const res = await runCliInProcess(
      ["monitor", "prod", "--once", "--fail-on-alert", "--json", "out.json"],
      {
        cwd: tmp.dir,
      },
    );
    expect(res.code).toBe(0);
    const out = readJson(tmp.path("out.json"));
    expect(out.alerts).toEqual([]);
    expect(out.reference).toMatchObject({ windows: 3, needed: 3, complete: false });
    expect(res.stdout).toContain("baseline: 3 of 3 reference windows so far");
  });

  it("refuses an unknown monitor and a monitor naming no dimension, naming the file and field", async () => {
    const tmp = monitorSuite();
    cleanups.push(() => tmp.remove());
    const unknown = await runCliInProcess(["monitor", "prd", "--once"], { cwd: tmp.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no monitor "prd"');
    expect(unknown.stderr).toContain('did you mean "prod"');

    const bad = monitorSuite({ monitorYaml: "  prod:\n    dimensions: [format, tone]" });
    cleanups.push(() => bad.remove());
    const res = await runCliInProcess(["monitor", "prod", "--once"], { cwd: bad.dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/assay\.yaml:\d+:\d+/);
    expect(res.stderr).toContain("monitors.prod.dimensions[1]");
    expect(res.stderr).toContain('no dimension "tone"');
  });
});

describe("assay monitor NAME (the loop)", () => {
  it("scores records that arrive while it runs, pass after pass, and stops cleanly on SIGTERM", async () => {
    const tmp = monitorSuite();
    cleanups.push(() => tmp.remove());
    tmp.write("a.jsonl", jsonl(records({ n: 30 })));
    expect((await runCli(["ingest", "a.jsonl"], { cwd: tmp.dir })).code).toBe(0);
    const db = tmp.path(".assay/assay.db");
    const loop = startCli(["monitor", "prod", "--interval", "200ms"], { cwd: tmp.dir });
    await waitForCount(db, "SELECT count(*) AS n FROM monitor_records", 30, loop.child);
    // records ingested while the loop runs are scored by a later pass, without a restart
    tmp.write("b.jsonl", jsonl(records({ n: 25, idPrefix: "b", start: "2026-12-02T00:00:00Z" })));
    expect((await runCli(["ingest", "b.jsonl"], { cwd: tmp.dir })).code).toBe(0);
    await waitForCount(db, "SELECT count(*) AS n FROM monitor_records", 55, loop.child);
    loop.child.kill("SIGTERM");
    const done = await loop.done;
    expect(done.code).toBe(0);
    expect(done.stdout.match(/^monitor prod/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
    const store = openSqliteStore(db);
    try {
      expect(await store.production.listRecordScores("prod")).toHaveLength(55 * 2);
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe("a monitor killed mid-scoring", () => {
  it("scores the rest on the next pass, and no record twice", async () => {
    // a custom evaluator that logs every record it scores, slowly enough to be killed mid-way
    const tmp = monitorSuite({
      extraDimensions: "  logged: { evaluator: custom, with: { module: log-score.mjs } }",
      monitorYaml: "  prod:\n    window: 50\n    dimensions: [logged]\n    reference: { windows: 2 }",
    });
    cleanups.push(() => tmp.remove());
    tmp.write(
      "log-score.mjs",
      [
        'import { appendFileSync } from "node:fs";',
        "export default async function (input) {",
        `  appendFileSync(${JSON.stringify(tmp.path("scored.log"))}, input.case.id + "\\n");`,
        "  await new Promise((r) => setTimeout(r, 15));",
        "  return 1;",
        "}",
      ].join("\n"),
    );
    tmp.write("records.jsonl", jsonl(records({ n: 400 })));
    expect((await runCli(["ingest", "records.jsonl"], { cwd: tmp.dir })).code).toBe(0);

    const db = tmp.path(".assay/assay.db");
    const first = startCli(["monitor", "prod", "--once", "--concurrency", "2"], { cwd: tmp.dir });
    await waitForCount(db, "SELECT count(*) AS n FROM monitor_records", 1, first.child);
    first.child.kill("SIGKILL");
    await first.done;

    const store = openSqliteStore(db);
    const visitedBefore = new Set((await store.production.listRecordScores("prod")).map((s) => s.recordId));
    await store.close();
    expect(visitedBefore.size).toBeGreaterThan(0);
    expect(visitedBefore.size).toBeLessThan(400);
    const logBefore = tmp.read("scored.log").trim().split("\n").length;

    const second = await runCli(["monitor", "prod", "--once", "--json", "out.json"], { cwd: tmp.dir });
    expect(second.code, second.stderr).toBe(0);
    const rerun = tmp.read("scored.log").trim().split("\n").slice(logBefore);
    // the rerun scored exactly the records not stored before the kill, each once
    expect(rerun.length).toBe(new Set(rerun).size);
    const expected = records({ n: 400 })
      .map((r) => r.id as string)
      .filter((id) => !visitedBefore.has(id));
    expect(new Set(rerun)).toEqual(new Set(expected));
    const after = openSqliteStore(db);
    try {
      const scores = await after.production.listRecordScores("prod");
      expect(scores).toHaveLength(400);
      expect(new Set(scores.map((s) => s.recordId)).size).toBe(400);
    } finally {
      await after.close();
    }
  }, 120_000);
});

describe("alerts and evaluation events leave the process", () => {
  it("POSTs one webhook per alert episode, retries a failed delivery, and exports gen_ai.evaluation.result events", async () => {
    const hooks: Array<Record<string, Loose>> = [];
    let failNext = true;
    const hook = await startServer((req, res, body) => {
      if (failNext) {
        failNext = false;
        res.statusCode = 503;
        res.end("down");
        return;
      }
      hooks.push({ path: req.url, body: JSON.parse(body) });
      res.end("ok");
    });
    const logs: Array<Record<string, Loose>> = [];
    const collector = await startServer((req, res, body) => {
      logs.push({ path: req.url, type: req.headers["content-type"], body: JSON.parse(body) });
      res.setHeader("content-type", "application/json");
      res.end("{}");
    });
    cleanups.push(
      () => hook.close(),
      () => collector.close(),
    );
    const tmp = monitorSuite({
      monitorYaml: [
        "  prod:",
        "    window: 20",
        "    dimensions: [format]",
        "    reference: { windows: 3 }",
        `    alert: { webhook: "${hook.url}/hook", cooldown: 6h }`,
        `    otlp: { endpoint: "${collector.url}/v1/logs" }`,
      ].join("\n"),
    });
    cleanups.push(() => tmp.remove());
    tmp.write("a.jsonl", jsonl(records({ n: 100, bad: (i) => i >= 60 && i % 2 === 0 })));
    expect((await runCliInProcess(["ingest", "a.jsonl"], { cwd: tmp.dir })).code).toBe(0);

    // pass 1: the alert opens; the webhook is down, so the delivery fails and is reported
    const p1 = await runCliInProcess(["monitor", "prod", "--once", "--json", "p1.json"], { cwd: tmp.dir });
    expect(p1.code).toBe(0);
    const a1 = readJson(tmp.path("p1.json")).alerts.find((a: { kind: string }) => a.kind === "cusum");
    expect(a1.notifyError).toContain("503");
    expect(p1.stderr).toContain("not delivered");
    const cusumHooks = () => hooks.filter((h) => h.body.alert.kind === "cusum");
    expect(cusumHooks()).toHaveLength(0);

    // pass 2: more drifting records, same episode: the failed delivery is retried, once
    tmp.write(
      "b.jsonl",
      jsonl(records({ n: 40, start: "2026-12-01T02:00:00Z", idPrefix: "b", bad: (i) => i % 2 === 0 })),
    );
    expect((await runCliInProcess(["ingest", "b.jsonl"], { cwd: tmp.dir })).code).toBe(0);
    const p2 = await runCliInProcess(["monitor", "prod", "--once", "--json", "p2.json"], { cwd: tmp.dir });
    expect(p2.code).toBe(0);
    expect(cusumHooks()).toHaveLength(1);
    expect(cusumHooks()[0].path).toBe("/hook");
    expect(cusumHooks()[0].body).toMatchObject({
      monitor: "prod",
      suite: "monitor-test",
      alert: { dimension: "format" },
    });
    expect(cusumHooks()[0].body.detail).toMatch(/CUSUM .* > h = /);
    expect(readJson(tmp.path("p2.json")).alerts.find((a: { kind: string }) => a.kind === "cusum").id).toBe(
      a1.id,
    );

    // pass 3: still the same episode: nothing more is sent
    const p3 = await runCliInProcess(["monitor", "prod", "--once"], { cwd: tmp.dir });
    expect(p3.code).toBe(0);
    expect(cusumHooks()).toHaveLength(1);

    // every online score went out as an OTel evaluation event
    const events = logs.flatMap((l) => l.body.resourceLogs[0].scopeLogs[0].logRecords);
    expect(logs.every((l) => l.path === "/v1/logs" && l.type === "application/json")).toBe(true);
    expect(events).toHaveLength(140);
    const attrs = (e: Loose) =>
      Object.fromEntries(e.attributes.map((a: Loose) => [a.key, Object.values(a.value)[0]]));
    const sample = attrs(events[0]);
    expect(events[0].eventName).toBe("gen_ai.evaluation.result");
    expect(sample["gen_ai.evaluation.name"]).toBe("format");
    expect(sample["gen_ai.evaluation.score.value"]).toBe(1);
    expect(sample["gen_ai.evaluation.score.label"]).toBe("pass");
    expect(typeof sample["gen_ai.evaluation.explanation"]).toBe("string");
    expect(events.filter((e: Loose) => attrs(e)["gen_ai.evaluation.score.label"] === "fail").length).toBe(40);
  }, 60_000);

  it("runs the alert command (argv, no shell) with the alert as JSON on stdin, and reports one that fails", async () => {
    const tmp = monitorSuite({
      monitorYaml: [
        "  prod:",
        "    window: 20",
        "    dimensions: [format]",
        "    reference: { windows: 3 }",
        "    alert: { command: [node, page.mjs, 'two words; $(touch pwned)'], cooldown: 1h }",
      ].join("\n"),
    });
    cleanups.push(() => tmp.remove());
    tmp.write(
      "page.mjs",
      [
        'import { appendFileSync, readFileSync } from "node:fs";',
        'const notice = JSON.parse(readFileSync(0, "utf8"));',
        'appendFileSync("paged.jsonl", JSON.stringify({ argv: process.argv.slice(2), notice }) + "\\n");',
      ].join("\n"),
    );
    tmp.write("a.jsonl", jsonl(records({ n: 100, bad: (i) => i >= 60 && i % 2 === 0 })));
    expect((await runCliInProcess(["ingest", "a.jsonl"], { cwd: tmp.dir })).code).toBe(0);
    const res = await runCliInProcess(["monitor", "prod", "--once"], { cwd: tmp.dir });
    expect(res.code, res.stderr).toBe(0);
    const paged = tmp
      .read("paged.jsonl")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const cusum = paged.filter((p) => p.notice.alert.kind === "cusum");
    expect(cusum).toHaveLength(1);
    // the argument arrived as one argv entry, never through a shell
    expect(cusum[0].argv).toEqual(["two words; $(touch pwned)"]);
    expect(existsSync(tmp.path("pwned"))).toBe(false);
    expect(cusum[0].notice).toMatchObject({ monitor: "prod", alert: { dimension: "format", kind: "cusum" } });

    // a command that fails is reported on the alert and as a warning, and the pass still succeeds
    tmp.write("page.mjs", 'process.stderr.write("pager down"); process.exit(3);');
    tmp.write(
      "b.jsonl",
      jsonl(records({ n: 20, idPrefix: "b", start: "2026-12-01T03:00:00Z", bad: () => true })),
    );
    const store = openSqliteStore(tmp.path(".assay/assay.db"));
    try {
      // close the open episodes so the next alarm is a new one (and past the cooldown)
      for (const a of await store.production.listAlerts("prod", { open: true })) {
        await store.production.putAlert({
          ...a,
          closedAt: "2026-12-01T00:00:00.000Z",
          notifiedAt: "2026-12-01T00:00:00.000Z",
        });
      }
    } finally {
      await store.close();
    }
    expect((await runCliInProcess(["ingest", "b.jsonl"], { cwd: tmp.dir })).code).toBe(0);
    const failed = await runCliInProcess(["monitor", "prod", "--once", "--json", "out.json"], {
      cwd: tmp.dir,
    });
    expect(failed.code).toBe(0);
    expect(failed.stderr).toContain("pager down");
    const open = readJson(tmp.path("out.json")).alerts.find((a: { kind: string }) => a.kind === "cusum");
    expect(open.notifyError).toMatch(/exited 3: pager down/);
  }, 60_000);

  it("opens one notification per episode and waits out the cooldown before the next", async () => {
    // the CUSUM's episodes (the two-window tests alarm too; their notifications are left out here)
    const hooks: unknown[] = [];
    const hook = await startServer((_req, res, body) => {
      const notice = JSON.parse(body);
      if (notice.alert.kind === "cusum") hooks.push(notice);
      res.end("ok");
    });
    cleanups.push(() => hook.close());
    const tmp = monitorSuite({
      monitorYaml: [
        "  prod:",
        "    window: 20",
        "    dimensions: [format]",
        "    reference: { windows: 2 }",
        `    alert: { webhook: "${hook.url}/hook", cooldown: 2h }`,
      ].join("\n"),
    });
    cleanups.push(() => tmp.remove());
    const suite = await loadSuite(tmp.path("assay.yaml"));
    const store = openSqliteStore(tmp.path("assay.db"));
    cleanups.push(() => store.close());
    const put = (recs: Array<Record<string, unknown>>) =>
      store.production.putRecords(
        recs.map((r) => parseRecord(r, "jsonl")),
        "2026-12-07T00:00:00Z",
      );
    let clock = Date.parse("2026-12-07T00:00:00Z");
    const pass = () => runMonitorPass({ suite, store, name: "prod", now: () => new Date(clock) });
    const minutes = (m: number) => {
      clock += m * 60_000;
    };
    // baseline: 2 good windows
    await put(records({ n: 40, idPrefix: "g" }));
    expect((await pass()).alerts).toEqual([]);
    // a bad window opens an episode: one notification
    await put(records({ n: 20, idPrefix: "x", start: "2026-12-01T01:00:00Z", bad: () => true }));
    expect((await pass()).alerts.map((a) => a.kind)).toContain("cusum");
    expect(hooks).toHaveLength(1);
    // good windows bring the statistic back under h: the episode closes, nothing is sent
    minutes(30);
    await put(records({ n: 600, idPrefix: "y", start: "2026-12-01T02:00:00Z" }));
    const closed = await pass();
    expect(closed.alerts.filter((a) => a.kind === "cusum")).toEqual([]);
    expect(closed.closed.length).toBeGreaterThan(0);
    expect(hooks).toHaveLength(1);
    // a second episode inside the cooldown opens an alert but sends nothing
    minutes(30);
    await put(records({ n: 20, idPrefix: "z", start: "2026-12-01T12:00:00Z", bad: () => true }));
    const second = await pass();
    expect(second.opened.length).toBeGreaterThan(0);
    expect(hooks).toHaveLength(1);
    // the episode goes on past the cooldown: its notification goes out then, once
    minutes(120);
    await put(records({ n: 20, idPrefix: "w", start: "2026-12-01T13:00:00Z", bad: () => true }));
    await pass();
    expect(hooks).toHaveLength(2);
    await pass();
    expect(hooks).toHaveLength(2);
  }, 60_000);
});
