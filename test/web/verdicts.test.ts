import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calibrationReport, type RatingPair } from "../../src/calibrate/report.ts";
import { BINARY_SCALE } from "../../src/calibrate/scale.ts";
import type { RunRows } from "../../src/compare/compare.ts";
import { FAILURE_FLAG } from "../../src/labels/flags.ts";
import type { CaseDetailResponse, GateResponse, RunSummaryResponse } from "../../src/server/api-types.ts";
import { createApp } from "../../src/server/app.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import type { RunRecord, Store } from "../../src/store/types.ts";
import { runCliInProcess } from "../support/cli.ts";
import { discordantPair, type SyntheticRun, syntheticRows } from "../support/synthetic-runs.ts";
import { tempDir } from "../support/temp.ts";
import { ensureWebBuilt, webSession } from "./support/web.ts";

/**
 * The web app leads with verdicts (issue 9): the compare page's banner (the suite's gate when it
 * has a policy), what regressed before the flips, the case page's diff against expected and its
 * filtered prev / next, the heat map's small slices, and review for experts — a click labels
 * with a comment, and "flag as a failure" queues an output that `assay promote --flagged` takes.
 */

const tmp = tempDir("assay-web-verdicts-");
const db = tmp.path("assay.db");
const suiteFile = tmp.path("suite/assay.yaml");
let store: Store;
const web = webSession({ width: 1400, height: 900 });

/** The gate policy the compare banner applies; the suite's name matches the runs'. */
const SUITE_YAML = `suite: verdicts
dataset: cases.jsonl
targets:
  - id: v1
    exec: [node, v1.mjs]
  - id: v2
    exec: [node, v2.mjs]
dimensions:
  correct: { weight: 1, evaluator: json-field, with: { field: action } }
gate:
  baseline: v1
  maxRegression: 0.02
  floors: { aggregate: 0.3 }
`;

// 120 cases: 40 pass in the base and fail in the candidate, 1 the other way, 60 pass in both.
// Every category loses ~13 cases (regressed); `level=hard` has 5 cases (hatched on the heat map).
const N = 120;
const pair = discordantPair({
  n: N,
  passToFail: 40,
  failToPass: 1,
  bothPass: 60,
  tags: (i) => ({ category: ["a", "b", "c"][i % 3], level: i >= N - 5 ? "hard" : "easy" }),
});

/** JSON outputs, as a target would give them: the right action when the case passes. */
function withOutputs(cases: typeof pair.base) {
  return cases.map((c) => ({
    ...c,
    expected: { action: "complete" },
    output: JSON.stringify({ action: c.scores.correct ? "complete" : "create", id: c.id }),
  }));
}

/** Writes a synthetic run as `makeRun` does, after `patch` (lineage, epochs, parsed JSON). */
async function writeRun(spec: SyntheticRun, patch: (rows: RunRows) => void = () => {}): Promise<RunRecord> {
  const rows = syntheticRows(spec);
  for (const o of rows.outputs) if (o.text.startsWith("{")) o.json = JSON.parse(o.text);
  patch(rows);
  await store.createRun(rows.run);
  await store.putCases(
    rows.run.datasetVersion,
    rows.cases.map((c) => ({
      case: { id: c.id, input: c.input, expected: c.expected, tags: c.tags },
      ordinal: c.ordinal,
    })),
  );
  await store.writeResults({ outputs: rows.outputs, scores: rows.scores });
  return rows.run;
}

const withSuiteFile =
  (file: string | undefined, extra: Partial<RunRecord["lineage"]> = {}) =>
  (rows: RunRows) => {
    rows.run.lineage = { ...rows.run.lineage, suiteFile: file, ...extra };
  };

beforeAll(async () => {
  const built = ensureWebBuilt();
  mkdirSync(tmp.path("suite"), { recursive: true });
  writeFileSync(suiteFile, SUITE_YAML);
  store = openSqliteStore(db);
  const common = { suite: "verdicts", datasetVersion: "dv-verdicts" };
  await writeRun(
    {
      ...common,
      id: "base-v1",
      target: "v1",
      startedAt: "2025-03-01T10:00:00.000Z",
      cases: withOutputs(pair.base),
    },
    withSuiteFile(suiteFile),
  );
  await writeRun(
    {
      ...common,
      id: "cand-v2",
      target: "v2",
      startedAt: "2025-03-01T11:00:00.000Z",
      cases: withOutputs(pair.candidate),
    },
    (rows) => {
      withSuiteFile(suiteFile, { gitCommit: "0123456789abcdef0123" })(rows);
      rows.run.finishedAt = "2025-03-01T11:01:35.000Z";
    },
  );
  // the same outputs under a suite whose file was never recorded: no gate can apply
  const other = { suite: "verdicts-elsewhere", datasetVersion: "dv-verdicts" };
  await writeRun({ ...other, id: "loose-base", target: "v1", cases: withOutputs(pair.base) });
  await writeRun({ ...other, id: "loose-cand", target: "v2", cases: withOutputs(pair.candidate) });
  // two epochs, one case passing once and failing once: flaky
  await writeRun(
    {
      suite: "flaky",
      id: "flaky-run",
      datasetVersion: "dv-flaky",
      cases: [
        { id: "f-1", scores: { correct: 1 } },
        { id: "f-2", scores: { correct: 1 } },
      ],
    },
    (rows) => {
      rows.run.epochs = 2;
      const [o] = rows.outputs;
      rows.outputs.push({ ...o, epoch: 1 });
      const [s] = rows.scores;
      rows.scores.push({ ...s, epoch: 1, score: 0, passed: false, reason: "correct scored 0" });
    },
  );
  await store.createQueue({
    id: "q-experts",
    runId: "cand-v2",
    dimension: "correct",
    kind: "binary",
    labellers: ["ann", "bob"],
    createdAt: "2025-03-02T09:00:00.000Z",
    items: ["c-000", "c-001", "c-002", "c-003"].map((caseId, i) => ({
      caseId,
      epoch: 0,
      labellers: i < 3 ? ["ann"] : ["bob"],
    })),
  });
  // a calibration as `assay calibrate` stores it: the judge agrees on 34 of 40 items
  const pairs: RatingPair[] = Array.from({ length: 40 }, (_, i) => ({
    item: `c-${i}`,
    labeller: "ann",
    human: i < 20 ? 1 : 0,
    judge: i < 17 || (i >= 20 && i < 23) ? 1 : 0,
  }));
  const report = calibrationReport(pairs, { scale: BINARY_SCALE, resamples: 200 });
  await store.putCalibration({
    id: "cal-judge",
    evaluator: "llm-judge@2#5e1f0c",
    dimension: "correct",
    runId: "cand-v2",
    labelSetHash: "f00d",
    n: report.n,
    metrics: { ...report, status: "ok" },
    createdAt: "2025-03-03T09:00:00.000Z",
  });
  await built;
  await web.start(store);
}, 120_000);

afterAll(async () => {
  await store?.close();
  tmp.remove();
});

const open = (path: string): Promise<Page> => web.open(path);

const top = async (p: Page, testId: string) => (await p.getByTestId(testId).first().boundingBox())?.y ?? -1;

describe("the compare page", () => {
  it("leads with the gate's verdict, then what regressed, then the flips", async () => {
    const p = await open("/compare/base-v1/cand-v2");
    const banner = p.getByTestId("verdict-banner");
    await banner.and(p.locator("[data-verdict=FAIL]")).waitFor();
    const summary = await p.getByTestId("verdict-summary").textContent();
    // the aggregate is compared as a dimension too
    expect(summary).toMatch(/^gate FAIL: \d+ of \d+ rules — 2 dimensions regressed, 4 slices regressed/);
    expect(await p.getByTestId("failing-rules").textContent()).toContain("maxRegression");
    expect(await banner.textContent()).toContain(suiteFile);

    // the order on the page: verdict, what regressed, the verdict tables, and the flips last
    await p.getByTestId("flip").first().waitFor();
    const [bannerY, regressedY, flipsY] = [
      await top(p, "verdict-banner"),
      await top(p, "regressed"),
      await top(p, "flip"),
    ];
    expect(bannerY).toBeGreaterThan(0);
    expect(regressedY).toBeGreaterThan(bannerY);
    expect(flipsY).toBeGreaterThan(regressedY);
    // regressed lists the dimensions, then the slices, nothing else
    const regressed = p.getByTestId("regressed").locator("tbody tr");
    const slices = ["category=a", "category=b", "category=c", "level=easy"];
    expect(await regressed.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-subject")))).toEqual([
      "correct",
      "aggregate",
      ...slices.flatMap((s) => [`${s} · correct`, `${s} · aggregate`]),
    ]);
    // the slice table puts the regressed rows first (level=hard, all failing in both runs, last)
    const sliceRows = await p
      .getByTestId("verdicts-slice")
      .locator("tbody tr")
      .evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute("data-subject"), r.getAttribute("data-verdict")]),
      );
    expect(sliceRows.slice(0, 8).map(([, v]) => v)).toEqual(Array(8).fill("regressed"));
    expect(sliceRows.slice(8)).toEqual([
      ["level=hard · correct", "no-change"],
      ["level=hard · aggregate", "no-change"],
    ]);

    // in points, and p in scientific notation when small, as the CLI prints them
    const correct = p.getByTestId("verdicts-dimension").locator("tr[data-subject=correct] td");
    const cells = await correct.allTextContents();
    expect(cells[1]).toBe("83.3"); // base: 100 of 120 pass
    expect(cells[2]).toBe("50.8"); // candidate: 61 of 120
    expect(cells[3]).toBe("-32.5");
    expect(cells[6]).toMatch(/^\d\.\de-\d+$/);

    // filters by verdict, kept in the address
    await p.getByTestId("verdict-filter").locator("[data-verdict=regressed]").click();
    await expect.poll(() => p.url()).toContain("verdict=regressed");
    const shown = await p
      .locator("[data-testid^=verdicts-] tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-verdict")));
    expect(shown.length).toBe(10);
    expect(new Set(shown)).toEqual(new Set(["regressed"]));
  });

  it("falls back to the comparison's own verdict, and says why, when no suite policy can apply", async () => {
    const p = await open("/compare/loose-base/loose-cand");
    const banner = p.getByTestId("verdict-banner");
    await banner.getByText(/no gate applied/).waitFor();
    expect(await banner.getAttribute("data-verdict")).toBe("regressed");
    expect(await p.getByTestId("verdict-summary").textContent()).toMatch(
      /^2 dimensions and 4 slices regressed/,
    );
    expect(await banner.textContent()).toContain("the runs do not record their suite file");
  });
});

describe("the gate endpoint", () => {
  it("applies only a readable YAML suite of the same name, and says why otherwise", async () => {
    const { app } = createApp({ store, webDir: tmp.path("no-web") });
    const gate = async (base: string, cand: string) =>
      (await (await app.request(`/api/compare/${base}/${cand}/gate`)).json()) as GateResponse;
    const ok = await gate("base-v1", "cand-v2");
    expect(ok.gate?.verdict).toBe("FAIL");
    expect(ok.gate?.regressed).toEqual({
      dimensions: ["correct", "aggregate"],
      slices: ["category=a", "category=b", "category=c", "level=easy"],
    });
    expect(ok.suiteFile).toBe(suiteFile);

    // a suite module is code: viewing a page never runs it
    const mod = tmp.path("suite/assay.config.mjs");
    writeFileSync(mod, "globalThis.__ran = true; export default {};\n");
    await writeRun(
      {
        suite: "verdicts",
        id: "mod-cand",
        target: "v2",
        datasetVersion: "dv-verdicts",
        cases: withOutputs(pair.candidate),
      },
      withSuiteFile(mod),
    );
    const fromModule = await gate("base-v1", "mod-cand");
    expect(fromModule.gate).toBeNull();
    expect(fromModule.reason).toMatch(/suite module: the web app does not run suite code/);
    expect((globalThis as { __ran?: boolean }).__ran).toBeUndefined();

    // a file that is gone, and one that is now another suite
    await writeRun(
      {
        suite: "verdicts",
        id: "gone-cand",
        target: "v2",
        datasetVersion: "dv-verdicts",
        cases: withOutputs(pair.candidate),
      },
      withSuiteFile(tmp.path("suite/moved.yaml")),
    );
    expect((await gate("base-v1", "gone-cand")).reason).toMatch(/moved\.yaml is not readable here/);
    const renamed = tmp.path("suite/renamed.yaml");
    writeFileSync(renamed, SUITE_YAML.replace("suite: verdicts", "suite: something-else"));
    await writeRun(
      {
        suite: "verdicts",
        id: "renamed-cand",
        target: "v2",
        datasetVersion: "dv-verdicts",
        cases: withOutputs(pair.candidate),
      },
      withSuiteFile(renamed),
    );
    expect((await gate("base-v1", "renamed-cand")).reason).toMatch(/is now suite "something-else"/);
  });
});

describe("the flag endpoint", () => {
  it("refuses what it cannot store, naming the field", async () => {
    const { app } = createApp({ store, webDir: tmp.path("no-web") });
    const post = async (run: string, body: unknown) => {
      const res = await app.request(`/api/runs/${run}/flags`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, error: ((await res.json()) as { error?: string }).error };
    };
    const ok = { caseId: "c-005", labeller: "ann" };
    expect(await post("cand-v2", { caseId: "c-005" })).toEqual({
      status: 400,
      error: "labeller: a name of 1 to 100 characters",
    });
    expect(await post("cand-v2", { ...ok, caseId: "nope" })).toEqual({
      status: 400,
      error: 'run cand-v2 has no output for case "nope"',
    });
    expect(await post("cand-v2", { ...ok, epoch: 3 })).toEqual({
      status: 400,
      error: 'case "c-005" has no output at epoch 3',
    });
    expect(await post("cand-v2", { ...ok, flagged: "yes" })).toMatchObject({ status: 400 });
    expect(await post("base-v1", { ...ok, queueId: "q-experts" })).toEqual({
      status: 400,
      error: 'queueId: no review queue "q-experts" of run base-v1',
    });
    expect((await post("no-such-run", ok)).status).toBe(404);
    expect(await store.listLabels({ dimension: FAILURE_FLAG })).toEqual([]);
  });
});

describe("the run and case pages", () => {
  it("shows n and the interval on hover, hatches small slices, and a click scrolls to that slice's failures", async () => {
    const p = await open("/runs/cand-v2");
    const cell = p.locator('td[data-cell="category=a|correct"] button');
    await cell.waitFor();
    const title = (await cell.getAttribute("title")) ?? "";
    expect(title).toMatch(
      /^category=a × correct · mean 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\] · pass \d+% \[\d+%, \d+%\] · n 40$/,
    );
    expect(await p.locator('td[data-cell="level=hard|correct"]').getAttribute("class")).toContain(
      "heat-small",
    );
    expect(await p.locator('td[data-cell="level=easy|correct"]').getAttribute("class")).not.toContain(
      "heat-small",
    );
    expect(await p.locator('td[data-cell="level=hard|correct"] button').getAttribute("title")).toContain(
      "fewer than 10 cases",
    );

    // below the fold until the click brings it up
    await p.getByTestId("case-count").getByText("120 of 120 cases").waitFor();
    expect((await p.getByTestId("case-table").boundingBox())?.y).toBeGreaterThan(900);
    await cell.click();
    await expect.poll(() => p.url()).toMatch(/slice=category%3Da.*dimension=correct.*status=fail/);
    // category a's 20 failing cases (14 that regressed, 6 failing in both runs), the table in view
    await p.getByTestId("case-count").getByText("20 of 120 cases").waitFor();
    await expect
      .poll(async () => {
        const box = await p.getByTestId("case-table").boundingBox();
        return box !== null && box.y >= 0 && box.y < 900;
      })
      .toBe(true);
    expect(
      await p
        .locator("tr[data-case]")
        .evaluateAll((rows) => rows.every((r) => r.className.includes("status-fail"))),
    ).toBe(true);

    // the runs list: aggregate, duration and commit
    await p.goto(`${web.origin}/`);
    const row = p.locator("tr[data-run=cand-v2]");
    await row.getByTestId("run-aggregate").getByText("0.508").waitFor();
    expect(await row.textContent()).toContain("1 min 35 s");
    expect(await row.textContent()).toContain("01234567");
  });

  it("lists flaky cases on the run page", async () => {
    const p = await open("/runs/flaky-run");
    const flaky = p.getByTestId("flaky");
    await flaky.waitFor();
    expect(
      await flaky
        .locator("tr[data-case]")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-case"))),
    ).toEqual(["f-1"]);
    expect(await flaky.textContent()).toContain("✓ ✗");
  });

  it("diffs the output against expected, pretty-prints JSON, keeps the filter in prev / next, and links to other runs", async () => {
    const p = await open("/runs/cand-v2/cases/c-000?status=fail");
    const diff = p.getByTestId("expected-diff");
    await diff.waitFor();
    expect(await diff.locator("mark.del").allTextContents()).toEqual([expect.stringContaining('"complete"')]);
    expect((await diff.locator("mark.ins").allTextContents()).join("")).toContain('"create"');
    // the output was compact JSON: shown indented, the raw text one click away
    expect(await p.getByTestId("case-output").textContent()).toBe(
      '{\n  "action": "create",\n  "id": "c-000"\n}',
    );
    expect(await p.getByTestId("case-output-raw").textContent()).toBe('{"action":"create","id":"c-000"}');

    // c-000 is the first failing case; the next failing one is c-001 (then c-002 …)
    const failing = N - 61;
    expect(await p.getByTestId("case-position").textContent()).toBe(`1 of ${failing} matching cases`);
    expect(await p.getByTestId("case-prev").count()).toBe(0);
    await p.getByTestId("case-next").click();
    await p.waitForURL(/\/runs\/cand-v2\/cases\/c-001\?status=fail$/);
    await p.getByTestId("case-position").getByText(`2 of ${failing} matching cases`).waitFor();

    // further on, the filter skips the cases that pass in the candidate: c-040 … c-100
    const api = (await (
      await fetch(`${web.origin}/api/runs/cand-v2/cases/c-039?status=fail`)
    ).json()) as CaseDetailResponse;
    expect([api.prev, api.next, api.position]).toEqual(["c-038", "c-101", { index: 39, matched: failing }]);
    // without a filter, neighbours are in dataset order
    const plain = (await (
      await fetch(`${web.origin}/api/runs/cand-v2/cases/c-039`)
    ).json()) as CaseDetailResponse;
    expect([plain.prev, plain.next, plain.position]).toEqual(["c-038", "c-040", undefined]);

    // the same case in the other run of the suite on this dataset version
    const others = p.getByTestId("other-runs");
    expect(await others.textContent()).toContain("base-v1");
    expect(await others.textContent()).not.toContain("loose-base");
    await others.getByRole("link").first().click();
    await p.waitForURL(/\/runs\/base-v1\/cases\/c-001$/);
    await p.getByTestId("case-id").getByText("c-001").waitFor();
  });
});

describe("review for experts", () => {
  it("labels with a click and a comment, shows the rubric keys as buttons and everyone's progress", async () => {
    const p = await open("/review/q-experts?labeller=ann");
    await p.getByTestId("review-item").waitFor();
    expect(await p.getByTestId("review-item").getAttribute("data-case")).toBe("c-000");
    await p.getByTestId("review-comment").fill("invents a status the user never asked for");
    await p.getByTestId("keys").getByRole("button", { name: /fail/ }).click();
    await p.getByTestId("progress").getByText("1 / 3 labelled").waitFor();
    await p.getByText("saved", { exact: true }).waitFor();
    const [label] = await store.listLabels({ queueId: "q-experts", dimension: "correct" });
    expect([label.caseId, label.value, label.labeller, label.comment]).toEqual([
      "c-000",
      0,
      "ann",
      "invents a status the user never asked for",
    ]);
    // on to the next item, its comment box empty
    expect(await p.getByTestId("review-item").getAttribute("data-case")).toBe("c-001");
    expect(await p.getByTestId("review-comment").inputValue()).toBe("");
    const overview = p.getByTestId("labeller-progress");
    expect(await overview.locator("li[data-labeller=ann]").textContent()).toContain("1 / 3");
    expect(await overview.locator("li[data-labeller=bob]").textContent()).toContain("0 / 1");
  });

  it("flags an output as a failure, and `assay promote --flagged` appends it with its provenance", async () => {
    const p = await open("/review/q-experts?labeller=ann");
    await p.getByTestId("review-item").waitFor();
    const caseId = await p.getByTestId("review-item").getAttribute("data-case");
    expect(caseId).toBe("c-001");
    await p.getByTestId("flag-failure").click();
    await p.getByTestId("flag-reason").fill("marks the task as created instead of done");
    await p.getByTestId("flag-confirm").click();
    await p.getByTestId("flagged").waitFor();
    const [flag] = await store.listLabels({ runId: "cand-v2", dimension: FAILURE_FLAG });
    expect([flag.caseId, flag.value, flag.labeller, flag.queueId, flag.comment]).toEqual([
      "c-001",
      1,
      "ann",
      "q-experts",
      "marks the task as created instead of done",
    ]);
    // the queue overview counts it; the case page shows it
    await p.goto(`${web.origin}/`);
    await p.getByTestId("queue-progress-q-experts").waitFor();
    expect(await p.locator("tr", { has: p.getByTestId("queue-progress-q-experts") }).textContent()).toMatch(
      /1$/,
    );
    const detail = (await (
      await fetch(`${web.origin}/api/runs/cand-v2/cases/c-001`)
    ).json()) as CaseDetailResponse;
    expect(detail.labels.some((l) => l.dimension === FAILURE_FLAG && l.current)).toBe(true);

    const regression = tmp.path("regression.jsonl");
    const promoted = await runCliInProcess([
      "--db",
      db,
      "promote",
      "cand-v2",
      "--flagged",
      "--to",
      regression,
    ]);
    expect(promoted.stderr).not.toMatch(/error/i);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toContain("1 of 1 flagged outputs promoted from run cand-v2");
    const [line, ...rest] = readFileSync(regression, "utf8").trim().split("\n");
    expect(rest).toEqual([]);
    const record = JSON.parse(line);
    expect(record.id).toBe("c-001");
    expect(record.tags).toEqual({ category: "b", level: "easy", source: "failure" });
    expect(record.metadata.promotedFrom.run).toBe("cand-v2");
    expect(record.metadata.promotedFrom.output.text).toBe('{"action":"create","id":"c-001"}');
    expect(record.metadata.promotedFrom.label).toMatch(
      /^flagged as a failure by ann in review queue q-experts at \S+: marks the task as created instead of done$/,
    );
    // running it again after more flags promotes only what is new
    const again = await runCliInProcess(["--db", db, "promote", "cand-v2", "--flagged", "--to", regression]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("skipped c-001: already in");

    // withdrawing the flag takes the output off the list
    await p.goto(`${web.origin}/review/q-experts?labeller=ann`);
    await p.getByTestId("review-item").waitFor();
    await p.getByTestId("flag-withdraw").click();
    await p.getByTestId("flag-failure").waitFor();
    const none = await runCliInProcess(["--db", db, "promote", "cand-v2", "--flagged", "--to", regression]);
    expect(none.stdout).toContain("nothing to promote");
  });
});

describe("the calibration page", () => {
  it("names the statistics, gives their intervals, and shows the confusion matrix as a table", async () => {
    const p = await open("/calibration");
    const row = p.getByTestId("calibration-table").locator("tr[data-record=cal-judge]");
    await row.waitFor();
    const text = (await row.textContent()) ?? "";
    expect(text).toContain("llm-judge, version 2");
    // Cohen's kappa with its bootstrap interval: (0.85 − 0.5) / (1 − 0.5) = 0.700
    expect(text).toMatch(/Cohen's κ 0\.700 \[0\.\d{3}, 0\.\d{3}\]/);
    const detail = p.locator("#cal-cal-judge");
    expect(await detail.textContent()).toContain("agreement85.0%");
    // rows are what people said, columns what the judge said: 17 and 17 agree, 3 and 3 do not
    const cells = await p
      .getByTestId("confusion-cal-judge")
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    expect(cells).toEqual([
      ["fail (0)", "17", "3", "20"],
      ["pass (1)", "3", "17", "20"],
    ]);
  });
});

describe("the run summary endpoint", () => {
  it("gives the scorecard's own aggregate", async () => {
    const res = await fetch(`${web.origin}/api/runs/base-v1/summary`);
    const body = (await res.json()) as RunSummaryResponse;
    expect(body.aggregate.mean).toBeCloseTo(100 / 120, 12);
    expect(body.aggregate.n).toBe(N);
    expect(body.cases).toBe(N);
  });
});
