import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSuite } from "../../src/config/load.ts";
import { type MonitorReport, runMonitorPass } from "../../src/monitor/run.ts";
import type { RecordDetailResponse } from "../../src/server/api-types.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import type { ProductionRecord } from "../../src/store/production.ts";
import type { Store } from "../../src/store/types.ts";
import { jsonl, tempDir } from "../support/temp.ts";
import { ensureWebBuilt, webSession } from "./support/web.ts";

/**
 * Issue 11 in the web app, in real Chromium against a real server and SQLite store: records
 * ingested through the store, a real monitor pass over a suite on disk (windows of 20 records, 3
 * reference windows, the later records failing so a CUSUM alert opens), then the monitors list,
 * the monitor page (series per dimension, CUSUM with h, alerts, drift tests, worst records) and
 * the record page (hostile output as text, online scores, "send to review").
 */

const tmp = tempDir("assay-web-monitor-");
let store: Store;
let report: MonitorReport;
let fresh: MonitorReport;
const web = webSession({ width: 1400, height: 1000 });

const IMG = "<img src=x onerror=window.__pwned=1>";
const RECORDS = 120;
const T0 = Date.parse("2025-03-01T00:00:00Z");

function record(i: number): ProductionRecord {
  // the first 80 records (four windows) pass both dimensions; after that every other one fails both
  const bad = i >= 80 && i % 2 === 0;
  const r: ProductionRecord = {
    id: `r${String(i).padStart(3, "0")}`,
    time: new Date(T0 + i * 60_000).toISOString(),
    input: { question: `where is ticket ${i}?` },
    output: bad ? `sorry ${IMG}` : JSON.stringify({ answer: `see TICKET-${i}` }),
    metadata: { app: "triage" },
    source: "jsonl",
  };
  if (i === 101) {
    r.model = "gpt-test-1";
    r.usage = { inputTokens: 321, outputTokens: 45 };
    r.latencyMs = 812;
    r.input = { messages: [{ role: "user", content: "open a ticket" }] };
    r.trace = {
      steps: [
        { type: "tool-call", toolCall: { name: "create_ticket", arguments: { title: "printer" } } },
        { type: "tool-result", result: { id: "TICKET-101" } },
      ],
    };
  }
  return r;
}

beforeAll(async () => {
  const built = ensureWebBuilt();
  tmp.write("cases.jsonl", jsonl([{ id: "c1", input: "unused: monitors score records" }]));
  tmp.write(
    "assay.yaml",
    [
      "suite: support-prod",
      "dataset: cases.jsonl",
      "targets:",
      "  - id: t",
      "    exec: [node, -e, \"process.stdout.write('{}')\"]",
      "dimensions:",
      "  format:",
      "    evaluator: json-valid",
      "    threshold: 1",
      "  ticket:",
      "    evaluator: regex",
      '    with: { pattern: "TICKET-\\\\d+" }',
      "    threshold: 1",
      "monitors:",
      "  prod:",
      "    window: 20",
      "    dimensions: [format, ticket]",
      "    reference: { windows: 3 }",
      "  fresh:",
      "    window: 20",
      "    dimensions: [format]",
      "    reference: { windows: 10 }",
      "",
    ].join("\n"),
  );
  const suite = await loadSuite(tmp.path("assay.yaml"));
  store = openSqliteStore(tmp.path("assay.db"));
  const put = await store.production.putRecords(
    Array.from({ length: RECORDS }, (_, i) => record(i)),
    new Date().toISOString(),
  );
  expect(put).toEqual({ inserted: RECORDS, duplicates: 0 });
  report = await runMonitorPass({ suite, store, name: "prod" });
  fresh = await runMonitorPass({ suite, store, name: "fresh" });
  await built;
  await web.start(store);
}, 180_000);

afterAll(async () => {
  await store?.close();
  tmp.remove();
});

const text = async (p: Page, testId: string) =>
  ((await p.getByTestId(testId).first().textContent()) ?? "").trim();

describe("the monitor pass behind the pages", () => {
  it("has six windows, three after the reference, and an open CUSUM alert", () => {
    expect(report.windows).toHaveLength(RECORDS / 20);
    expect(report.reference.complete).toBe(true);
    expect(report.alerts.some((a) => a.kind === "cusum" && a.dimension === "format")).toBe(true);
    expect(report.worst.length).toBeGreaterThan(0);
    expect(fresh.reference.complete).toBe(false);
  });
});

describe("monitors in the web app", () => {
  it("the navigation leads to the monitors list, which links each monitor", async () => {
    const p = await web.open("/");
    await p.getByRole("link", { name: "Monitors" }).click();
    await p.waitForURL(/\/monitors$/);
    const row = p.locator('tr[data-monitor="prod"]');
    await row.waitFor();
    expect(await row.getByTestId("monitor-open-alerts").textContent()).toBe(String(report.alerts.length));
    expect(await p.locator('tr[data-monitor="fresh"]').count()).toBe(1);
    await row.getByRole("link", { name: "prod" }).click();
    await p.waitForURL(/\/monitors\/prod$/);
    await p.getByTestId("monitor-name").waitFor();
  });

  it("the monitor page charts every window per dimension, with the CUSUM and its h", async () => {
    const p = await web.open("/monitors/prod");
    await p.getByTestId("monitor-chart").first().waitFor();
    for (const d of ["format", "ticket"]) {
      const chart = p.locator(`[data-testid="monitor-chart"][data-dimension="${d}"]`);
      expect(await chart.getByTestId("window-point").count()).toBe(report.windows.length);
      // CUSUM bars exist for the windows after the reference only
      const bars = chart.getByTestId("cusum-bar");
      expect(await bars.count()).toBe(report.windows.filter((w) => w.cusum?.[d] !== undefined).length);
      expect(await bars.count()).toBe(report.windows.length - report.reference.needed);
      const h = report.cusum.find((c) => c.dimension === d)?.h;
      expect(await chart.getByTestId("cusum-h").getAttribute("data-h")).toBe(String(h));
      expect(await chart.locator("rect.bar-alarm").count()).toBeGreaterThan(0);
    }
    const design = await text(p, "cusum-design");
    const c = report.cusum[0];
    expect(design).toContain(`p0 = ${(c.p0 * 100).toFixed(1)}%`);
    expect(design).toContain(`p1 = ${(c.p1 * 100).toFixed(1)}%`);
    expect(design).toContain(`k = ${c.k.toFixed(2)}`);
    expect(design).toContain(`h = ${c.h.toFixed(2)}`);
    expect(design).toContain(`ARL0 = ${Math.round(c.arl0)}`);
    expect(design).toContain(`ARL1 = ${c.arl1.toFixed(1)}`);
    expect(await p.getByTestId("reference-complete").count()).toBe(1);
    expect(await text(p, "review-pending")).toBe(String(report.reviews.pending));
  });

  it("lists the alerts with their kind and the drift tests with their Holm-adjusted p", async () => {
    const p = await web.open("/monitors/prod");
    const alerts = p.getByTestId("alerts");
    await alerts.waitFor();
    const cusum = alerts.locator('tr[data-alert-kind="cusum"]');
    expect(await cusum.count()).toBe(report.alerts.filter((a) => a.kind === "cusum").length);
    const row = cusum.first();
    expect(await row.getAttribute("data-alert-open")).toBe("yes");
    expect(await row.textContent()).toContain(report.alerts.find((a) => a.kind === "cusum")?.window);

    const tests = p.getByTestId("drift-tests");
    expect(await tests.locator("tbody tr").count()).toBe(report.tests.length);
    const format = tests.locator('tr[data-test-name="format"]');
    expect(await format.textContent()).toContain("alarm");
  });

  it("links the worst recent records to the record page, where a hostile output stays text", async () => {
    const p = await web.open("/monitors/prod");
    const worst = p.getByTestId("worst-records");
    await worst.waitFor();
    expect(await worst.locator("tbody tr").count()).toBe(report.worst.length);
    const first = report.worst[0].recordId;
    await worst.getByRole("link", { name: first }).click();
    await p.waitForURL(new RegExp(`/records/${first}$`));
    await p.getByTestId("record-scores").waitFor();

    expect(await text(p, "record-output")).toBe(`sorry ${IMG}`);
    expect(await p.locator("main img").count()).toBe(0);
    expect(await p.evaluate("window.__pwned")).toBeUndefined();
    const scores = p.getByTestId("record-scores");
    expect(await scores.locator('tr[data-score="prod|format"]').textContent()).toContain(
      "output is not JSON",
    );
    expect(await scores.locator('tr[data-score="prod|ticket"]').textContent()).toContain("fail");
    // a failing record was put in the queue by the pass itself
    expect(await p.getByTestId("record-reviews").locator('tr[data-review="prod"]').count()).toBe(1);
  });

  it("shows a record's model, usage, latency, metadata and trace", async () => {
    const p = await web.open("/records/r101");
    await p.getByTestId("trace").waitFor();
    const meta = await text(p, "record-meta");
    expect(meta).toContain("model gpt-test-1");
    expect(meta).toContain("321 in / 45 out tokens");
    expect(meta).toContain("latency 812 ms");
    expect(await text(p, "record-metadata")).toContain("app=triage");
    const trace = await text(p, "trace");
    expect(trace).toContain("create_ticket");
    expect(trace).toContain("TICKET-101");
    // JSON output is pretty-printed
    expect(await text(p, "record-output")).toBe(JSON.stringify({ answer: "see TICKET-101" }, null, 2));
  });

  it("sends a record to the review queue from the form", async () => {
    const before = await store.production.listReviews({ monitor: "prod" });
    expect(before.some((r) => r.recordId === "r010")).toBe(false);
    const p = await web.open("/records/r010");
    const form = p.getByTestId("flag-form");
    await form.waitFor();
    // the record was scored by both monitors: both queues are offered
    expect(await form.getByTestId("flag-monitor").locator("option").allTextContents()).toEqual([
      "fresh",
      "prod",
    ]);
    await form.getByTestId("flag-monitor").selectOption("prod");
    await form.getByTestId("flag-note").fill(`looks off ${IMG}`);
    await form.getByTestId("flag-by").fill("ann");
    await form.getByTestId("flag-submit").click();
    await p.getByTestId("flag-result").waitFor();
    expect(await text(p, "flag-result")).toBe("Sent to the review queue of prod.");
    // the page reloads its record: the review is listed, its note as text
    const review = p.getByTestId("record-reviews").locator('tr[data-review="prod"]');
    await review.waitFor();
    expect(await review.textContent()).toContain(`looks off ${IMG}`);
    expect(await p.locator("main img").count()).toBe(0);

    const res = await fetch(`${web.origin}/api/records/r010`);
    const body = (await res.json()) as RecordDetailResponse;
    expect(body.reviews).toEqual([
      expect.objectContaining({
        recordId: "r010",
        monitor: "prod",
        reason: "person",
        status: "pending",
        by: "ann",
        detail: `looks off ${IMG}`,
      }),
    ]);
    const after = await store.production.listReviews({ monitor: "prod", status: "pending" });
    expect(after.filter((r) => r.recordId === "r010")).toHaveLength(1);

    // a second send to the same queue adds nothing, and says so
    await form.getByTestId("flag-submit").click();
    await p.getByText("Already in the review queue of prod: nothing added.").waitFor();
    expect(
      (await store.production.listReviews({ monitor: "prod" })).filter((r) => r.recordId === "r010"),
    ).toHaveLength(1);
  });

  it("says when the baseline is not complete", async () => {
    const p = await web.open("/monitors/fresh");
    await p.getByTestId("reference-incomplete").waitFor();
    expect(await text(p, "reference-incomplete")).toContain(
      `${fresh.windows.length} of the ${fresh.reference.needed} reference windows`,
    );
    const chart = p.locator('[data-testid="monitor-chart"][data-dimension="format"]');
    expect(await chart.getByTestId("window-point").count()).toBe(fresh.windows.length);
    expect(await chart.getByTestId("cusum-bar").count()).toBe(0);
    expect(await p.getByTestId("alerts").count()).toBe(0);
  });
});
