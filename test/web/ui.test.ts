import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/index.ts";
import type { Store } from "../../src/store/types.ts";
import {
  discordantPair,
  ids,
  makeRun,
  type SyntheticCase,
  syntheticRows,
} from "../support/synthetic-runs.ts";
import { tempDir } from "../support/temp.ts";
import { ensureWebBuilt, webSession } from "./support/web.ts";

/** The web app in real Chromium against a real server and SQLite store. */

const tmp = tempDir("assay-web-ui-");
let store: Store;
const web = webSession({ width: 1400, height: 1000 });

const IMG = `<img src=x onerror="window.__pwned=1">`;
const LINK = "[click](javascript:window.__pwned=2)";
const SCRIPT = "<script>window.__pwned=3</script>";

beforeAll(async () => {
  const built = ensureWebBuilt();
  store = openSqliteStore(tmp.path("assay.db"));
  const pair = discordantPair({
    n: 40,
    passToFail: 3,
    failToPass: 5,
    bothPass: 20,
    tags: (i) => ({ category: i % 2 === 0 ? "even" : "odd" }),
  });
  const errored: SyntheticCase = { id: "c-err", scores: { correct: null }, error: "timeout" };
  // outputs that differ word by word between the runs, for the diff
  const base = pair.base.map((c) => ({
    ...c,
    output: `the answer for ${c.id} is ${c.scores.correct ? "right" : "wrong"}`,
  }));
  const cand = pair.candidate.map((c) => ({
    ...c,
    output: `our answer for ${c.id} is ${c.scores.correct ? "right" : "wrong"} today`,
  }));
  await makeRun(store, { id: "base-run", suite: "ui", target: "v1", cases: [...base, errored] });
  await makeRun(store, {
    id: "cand-run",
    suite: "ui",
    target: "v2",
    tags: ["candidate"],
    cases: [...cand, errored],
  });
  await store.createQueue({
    id: "q-review",
    runId: "cand-run",
    dimension: "correct",
    kind: "binary",
    labellers: ["ann"],
    createdAt: new Date().toISOString(),
    items: ids("c", 6).map((caseId) => ({ caseId, epoch: 0, labellers: ["ann"] })),
  });

  // untrusted text everywhere the app shows text: input, expected, output, reason, judge reasoning, label
  const xss = syntheticRows({
    id: "xss-run",
    suite: "ui",
    target: "evil",
    datasetVersion: "dv-xss",
    cases: [
      {
        id: "x-1",
        input: `${IMG} ${SCRIPT}`,
        expected: { html: SCRIPT },
        output: `${IMG}\n${LINK}\n${SCRIPT}`,
        scores: { correct: 0, grounded: null },
      },
    ],
  });
  xss.scores[0].reason = `judge says ${IMG}`;
  xss.scores[0].details = { judge: { reasoning: `step 1: ${SCRIPT} then ${LINK}` } };
  // an unscored reason is untrusted text too: the run page lists it in the dimension table
  xss.scores[1].reason = `judge refused: ${SCRIPT}`;
  xss.scores[1].details = { unscored: IMG };
  await store.createRun(xss.run);
  await store.putCases(
    "dv-xss",
    xss.cases.map((c) => ({ case: c, ordinal: c.ordinal })),
  );
  await store.writeResults({ outputs: xss.outputs, scores: xss.scores });
  await store.addLabels([
    {
      id: "l-xss",
      runId: "xss-run",
      caseId: "x-1",
      epoch: 0,
      dimension: "correct",
      kind: "binary",
      value: 0,
      labeller: "mallory",
      comment: SCRIPT,
      createdAt: new Date().toISOString(),
    },
  ]);
  await store.putCalibration({
    id: "cal-1",
    evaluator: "llm-judge@3",
    dimension: "correct",
    runId: "cand-run",
    labelSetHash: "abcdef0123456789",
    n: 40,
    metrics: { kappa: 0.71, agreement: 0.9 },
    createdAt: new Date().toISOString(),
  });

  await built;
  await web.start(store);
}, 120_000);

afterAll(async () => {
  await store?.close();
  tmp.remove();
});

const open = (path: string): Promise<Page> => web.open(path);

const rowIds = (p: Page) => p.$$eval("tr[data-case]", (rows) => rows.map((r) => r.getAttribute("data-case")));

describe("the web app", () => {
  it("lists runs, opens one, filters its case table by status and text, and opens a case", async () => {
    const p = await open("/");
    await p.getByTestId("runs-table").getByText("cand-run").waitFor();
    expect(await p.locator("tr[data-run]").count()).toBe(3);
    await p.getByTestId("filter-target").selectOption("v2");
    await expect.poll(() => p.locator("tr[data-run]").count()).toBe(1);
    expect(p.url()).toContain("target=v2");

    await p.getByRole("link", { name: "cand-run" }).click();
    await p.waitForURL(/\/runs\/cand-run$/);
    await p.getByTestId("case-count").getByText("41 of 41 cases").waitFor();
    expect((await rowIds(p)).slice(0, 3)).toEqual(["c-000", "c-001", "c-002"]);
    await p.getByTestId("heatmap").waitFor();
    await p.getByText("aggregate", { exact: true }).first().waitFor();

    // sorting is the server's: a header click sets it in the address
    const header = p.getByRole("button", { name: /^aggregate/ });
    await header.click();
    await expect.poll(() => p.url()).toContain("sort=aggregate");
    await header.click();
    await expect.poll(() => p.url()).toContain("sort=-aggregate");
    await expect.poll(() => p.locator("tr[data-case]").first().getAttribute("data-case")).toBe("c-003");
    expect(await p.locator("[aria-sort=descending]").textContent()).toContain("aggregate");
    await header.click();
    await expect.poll(() => p.url()).not.toContain("sort=");

    await p.getByTestId("filter-status").locator("[data-status=fail]").click();
    await p.getByTestId("case-count").getByText("15 of 41 cases").waitFor();
    await expect.poll(() => p.locator("tr[data-case]").first().getAttribute("data-case")).toBe("c-000");
    const failing = await p.$$eval("tr[data-case]", (rows) => rows.map((r) => r.className));
    expect(failing.length).toBe(15);
    expect(failing.every((c) => c.includes("status-fail"))).toBe(true);

    await p.getByTestId("filter-status").locator("[data-status=error]").click();
    await p.getByTestId("case-count").getByText("1 of 41 cases").waitFor();
    expect(await rowIds(p)).toEqual(["c-err"]);

    await p.getByTestId("filter-status").locator("[data-status=all]").click();
    await p.getByTestId("case-count").getByText("41 of 41 cases").waitFor();
    await p.getByTestId("filter-q").fill("c-039");
    await expect.poll(() => rowIds(p)).toEqual(["c-039"]);
    expect(await p.getByTestId("case-count").textContent()).toBe("1 of 41 cases");
    expect(p.url()).toContain("q=c-039");

    // the case keeps the table's filter in its address, so its prev / next walk the filtered list
    await p.getByRole("link", { name: "c-039" }).click();
    await p.waitForURL(/\/runs\/cand-run\/cases\/c-039\?q=c-039$/);
    await p.getByTestId("case-id").getByText("c-039").waitFor();
    expect(await p.getByTestId("case-output").textContent()).toBe("our answer for c-039 is wrong today");
    expect(await p.getByTestId("scores").textContent()).toContain("correct scored 0");
  });

  it("labels five items with the keyboard alone, saving each at once; edits and undo supersede", async () => {
    const p = await open("/review/q-review?labeller=ann");
    await p.getByTestId("review-item").waitFor();
    expect(await p.getByTestId("progress").textContent()).toBe("0 / 6 labelled");
    expect(await p.getByTestId("rubric").textContent()).toContain("correct");
    // blind: no evaluator score or reason on the page
    expect(await p.locator("main").textContent()).not.toContain("scored");

    for (const [i, key] of ["1", "0", "1", "1", "0"].entries()) {
      expect(await p.getByTestId("review-item").getAttribute("data-case")).toBe(`c-00${i}`);
      await p.keyboard.press(key);
    }
    await p.getByTestId("progress").getByText("5 / 6 labelled").waitFor();
    await p.getByText("saved", { exact: true }).waitFor();
    const stored = await store.listLabels({ queueId: "q-review" });
    expect(stored.map((l) => [l.caseId, l.value, l.labeller, l.dimension])).toEqual([
      ["c-000", 1, "ann", "correct"],
      ["c-001", 0, "ann", "correct"],
      ["c-002", 1, "ann", "correct"],
      ["c-003", 1, "ann", "correct"],
      ["c-004", 0, "ann", "correct"],
    ]);

    // k goes back; a new label supersedes; u restores the one before
    expect(await p.getByTestId("review-item").getAttribute("data-case")).toBe("c-005");
    await p.keyboard.press("k");
    expect(await p.getByTestId("review-item").getAttribute("data-case")).toBe("c-004");
    await p.keyboard.press("1");
    await p.keyboard.press("u");
    await p
      .getByTestId("note")
      .getByText(/undone: c-004 is back to 0/)
      .waitFor();
    await p.getByText("saved", { exact: true }).waitFor();
    const current = await store.listLabels({ queueId: "q-review" });
    expect(current.find((l) => l.caseId === "c-004")?.value).toBe(0);
    const history = (await store.listLabels({ queueId: "q-review", history: true })).filter(
      (l) => l.caseId === "c-004",
    );
    expect(history.map((l) => l.value)).toEqual([0, 1, 0]);
    expect(history[2].supersedes).toBe(history[1].id);
    await p.keyboard.press("j");
    expect(await p.getByTestId("review-item").getAttribute("data-case")).toBe("c-005");
  });

  it("randomises sides in pairwise mode and stores the preference for the right run", async () => {
    await store.createQueue({
      id: "q-pair",
      runId: "cand-run",
      otherRunId: "base-run",
      dimension: "correct",
      kind: "pairwise",
      labellers: ["bob"],
      createdAt: new Date().toISOString(),
      items: ["c-010", "c-011", "c-012"].map((caseId, i) => ({
        caseId,
        epoch: 0,
        labellers: ["bob"],
        swapped: i === 0,
      })),
    });
    const p = await open("/review/q-pair?labeller=bob");
    await p.getByTestId("review-item").waitFor();
    // swapped: the other run (base, "the answer …") on the left
    expect(await p.getByTestId("review-left").textContent()).toMatch(/^the answer for c-010/);
    expect(await p.getByTestId("review-right").textContent()).toMatch(/^our answer for c-010/);
    await p.keyboard.press("1");
    expect(await p.getByTestId("review-left").textContent()).toMatch(/^our answer for c-011/);
    await p.keyboard.press("2");
    await p.keyboard.press("3");
    await p.getByTestId("progress").getByText("3 / 3 labelled").waitFor();
    await p.getByText("saved", { exact: true }).waitFor();
    const stored = await store.listLabels({ queueId: "q-pair" });
    // a = cand-run (the queue's run), b = base-run: left on a swapped item is b
    expect(stored.map((l) => [l.caseId, l.value, l.otherRunId])).toEqual([
      ["c-010", "b", "base-run"],
      ["c-011", "b", "base-run"],
      ["c-012", "tie", "base-run"],
    ]);
  });

  it("compares two runs picked on the runs page and shows the flips with a word diff", async () => {
    const p = await open("/");
    await p.getByLabel("pick base-run to compare").check();
    await p.getByLabel("pick cand-run to compare").check();
    await p.getByTestId("compare-picked").click();
    await p.waitForURL(/\/compare\/base-run\/cand-run$/);
    await p.getByTestId("flip").first().waitFor();
    const flips = p.getByTestId("flip");
    expect(await flips.count()).toBe(8);
    expect(await flips.first().textContent()).toContain("pass→fail");
    expect(await flips.nth(3).textContent()).toContain("fail→pass");
    expect(await flips.first().locator("mark.del").first().textContent()).toContain("the");
    expect(await flips.first().locator("mark.ins").first().textContent()).toContain("our");
    expect(await p.getByTestId("verdicts-dimension").textContent()).toContain("correct");
    await p.getByRole("button", { name: "fail→pass" }).click();
    expect(await flips.count()).toBe(5);
  });

  it("shows markup, scripts and javascript: links in untrusted text as text, never running them", async () => {
    const p = await open("/runs/xss-run");
    await p.locator("tr[data-case=x-1]").waitFor();
    expect(await p.locator("tr[data-case=x-1]").textContent()).toContain("<img src=x");
    // the dimension table's top unscored reasons, as text
    expect(await p.getByTestId("unscored-reasons-grounded").textContent()).toBe(`${IMG} ×1`);
    expect(await p.getByTestId("unscored-reasons-correct").textContent()).toBe("");
    expect(await p.locator("main img, main script").count()).toBe(0);

    await p.goto(`${web.origin}/runs/xss-run/cases/x-1`);
    await p.getByTestId("case-output").waitFor();
    const output = await p.getByTestId("case-output").textContent();
    expect(output).toBe(`${IMG}\n${LINK}\n${SCRIPT}`);
    expect(await p.getByTestId("case-input").textContent()).toBe(`${IMG} ${SCRIPT}`);
    expect(await p.getByTestId("judge-reasoning").textContent()).toBe(`step 1: ${SCRIPT} then ${LINK}`);
    expect(await p.getByTestId("scores").textContent()).toContain(`judge says ${IMG}`);
    expect(await p.getByTestId("labels").textContent()).toContain(SCRIPT);
    expect(await p.getByTestId("case-expected").textContent()).toContain("<script>");
    // an injected <img src=x> would fire its onerror once its request fails: wait for the
    // network to settle (an event) rather than for a fixed time
    await p.waitForLoadState("networkidle");
    const pwned = await p.evaluate("window.__pwned");
    expect(pwned).toBeUndefined();
    expect(await p.locator("main img, main script, main iframe").count()).toBe(0);
    expect(await p.locator('a[href^="javascript:"]').count()).toBe(0);
  });

  it("lists calibration records under readable names", async () => {
    const p = await open("/calibration");
    const table = p.getByTestId("calibration-table");
    await table.waitFor();
    const row = table.locator("tr[data-record=cal-1]");
    expect(await row.textContent()).toContain("llm-judge, version 3");
    // the evaluator id the record is bound to stays visible beside its name
    expect(await row.textContent()).toContain("llm-judge@3");
    expect(await row.textContent()).toContain("κ 0.710");
    // an older record holds bare numbers only: shown under readable names too
    expect(await p.locator("#cal-cal-1").textContent()).toContain("agreement90.0%");
  });
});
