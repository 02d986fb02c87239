import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { caseResults } from "../../src/scorecard/case-results.ts";
import type {
  CaseDetailResponse,
  CasesResponse,
  LabelResponse,
  QueueResponse,
} from "../../src/server/api-types.ts";
import { createApp } from "../../src/server/app.ts";
import { RunIndex } from "../../src/server/run-index.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import type { RunRecord, Store, StoredOutput, StoredScore } from "../../src/store/types.ts";
import { ids, syntheticRows } from "../support/synthetic-runs.ts";
import { tempDir } from "../support/temp.ts";
import { type BigRunCounts, writeBigRun } from "./support/big-run.ts";

/** The case API over a 100,000-case run: server-side filtering, sorting and paging. */

const N = 100_000;
const tmp = tempDir("assay-web-api-");
let store: Store;
let run: RunRecord & { counts: BigRunCounts };
let app: ReturnType<typeof createApp>["app"];

async function get<T>(path: string, status = 200): Promise<T> {
  const res = await app.request(path);
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(status);
  return body;
}

/** RunIndex's private sorting step, spied on to tell a filtered query from a cached one */
type SortsPositions = { sortPositions(positions: number[], sort: string): void };

const cases = (query: string) => get<CasesResponse>(`/api/runs/${run.id}/cases?${query}`);

beforeAll(async () => {
  store = openSqliteStore(tmp.path("assay.db"));
  // the case API reads no scorecard
  run = await writeBigRun(store, { n: N, keepScorecard: false });
  ({ app } = createApp({ store, webDir: tmp.path("no-web") }));
}, 120_000);

afterAll(async () => {
  await store.close();
  tmp.remove();
});

describe("GET /api/runs/:id/cases on 100,000 cases", () => {
  it("pages through every case in dataset order", async () => {
    const first = await cases("");
    expect(first.total).toBe(N);
    expect(first.matched).toBe(N);
    expect(first.rows).toHaveLength(100);
    expect(first.rows[0].id).toBe("case-000000");
    expect(first.rows[99].id).toBe("case-000099");
    const next = await cases("offset=100&limit=250");
    expect(next.rows).toHaveLength(250);
    expect(next.rows[0].id).toBe("case-000100");
    const tail = await cases(`offset=${N - 30}&limit=100`);
    expect(tail.rows.map((r) => r.id)).toEqual(
      Array.from({ length: 30 }, (_, i) => `case-${String(N - 30 + i).padStart(6, "0")}`),
    );
    const past = await cases(`offset=${N + 5}`);
    expect(past.rows).toEqual([]);
    expect((await cases("limit=100000")).rows).toHaveLength(1000);
  }, 60_000);

  it("filters by status, overall and per dimension", async () => {
    const counts = run.counts.status;
    const failing = await cases("status=fail&limit=1000");
    expect(failing.matched).toBe(counts.fail);
    expect(failing.rows.every((r) => r.status === "fail")).toBe(true);
    expect((await cases("status=pass")).matched).toBe(counts.pass);

    const errors = await cases("status=error");
    expect(errors.matched).toBe(counts.error);
    expect(errors.rows.every((r) => r.errorClass === "timeout" || r.errorClass === "server-error")).toBe(
      true,
    );

    const dim = run.counts.dims.action;
    expect((await cases("dimension=action&status=pass")).matched).toBe(dim.pass);
    const failAction = await cases("dimension=action&status=fail&limit=1000");
    expect(failAction.matched).toBe(dim.fail);
    expect(failAction.rows.every((r) => r.dims.action.passed === false)).toBe(true);
    expect((await cases("dimension=format&status=unscored")).matched).toBe(run.counts.dims.format.unscored);
    // an errored case is "error" on every dimension
    expect((await cases("dimension=format&status=error")).matched).toBe(counts.error);

    // several statuses at once
    expect((await cases("status=pass,error")).matched).toBe(counts.pass + counts.error);
    expect((await cases("status=pass&status=fail")).matched).toBe(counts.pass + counts.fail);
  }, 60_000);

  it("filters by slice and text, and combines filters", async () => {
    const create = await cases("slice=category=create&limit=1000");
    expect(create.matched).toBe(N / 5);
    expect(create.rows.every((r) => r.tags.category === "create")).toBe(true);
    const both = await cases("slice=category=create&slice=level=easy");
    // i ≡ 0 (mod 5) and i ≡ 0 (mod 3)
    expect(both.matched).toBe(Math.ceil(N / 15));

    const one = await cases(`q=${encodeURIComponent("item number 12345")}`);
    expect(one.matched).toBe(1);
    expect(one.rows[0].id).toBe("case-012345");
    expect(one.rows[0].input).toContain("item number 12345");

    const byId = await cases("q=CASE-099999");
    expect(byId.rows.map((r) => r.id)).toEqual(["case-099999"]);

    const combined = await cases("q=budget&slice=category=delete&status=fail&limit=1000");
    expect(combined.matched).toBeGreaterThan(0);
    for (const r of combined.rows) {
      expect(r.status).toBe("fail");
      expect(r.tags.category).toBe("delete");
      expect(`${r.input} ${r.output}`.toLowerCase()).toContain("budget");
    }
    expect((await cases("q=no-such-text-anywhere")).matched).toBe(0);
  }, 60_000);

  it("sorts on the server, missing values last", async () => {
    const slow = await cases("sort=-latency&limit=500");
    const lat = slow.rows.map((r) => r.latencyMs as number);
    expect(lat.every((v, i) => i === 0 || lat[i - 1] >= v)).toBe(true);
    const fast = await cases("sort=latency&limit=500");
    expect(fast.rows[0].latencyMs).toBeLessThanOrEqual(fast.rows[499].latencyMs as number);
    // errored cases have no latency: last either way
    const lastPage = await cases(`sort=-latency&offset=${N - 10}`);
    expect(lastPage.rows.every((r) => r.latencyMs === null)).toBe(true);

    const worst = await cases("sort=score:action&limit=50");
    expect(worst.rows.every((r) => r.dims.action.score === 0)).toBe(true);
    const ids = await cases("sort=-id&limit=3");
    expect(ids.rows.map((r) => r.id)).toEqual(["case-099999", "case-099998", "case-099997"]);
  }, 60_000);

  it("filters and sorts a new query once on the warm index; its later pages come from the query cache", async () => {
    // how fast that is on 100,000 cases is measured by `npm run bench` (bench/ui-load.ts), not here
    await cases("");
    const sorts = vi.spyOn(RunIndex.prototype as unknown as SortsPositions, "sortPositions");
    try {
      const first = await cases("q=review&status=fail&sort=-latency");
      expect(sorts).toHaveBeenCalledTimes(1);
      const later = await cases("q=review&status=fail&sort=-latency&offset=1000");
      expect(sorts).toHaveBeenCalledTimes(1);
      expect(later.matched).toBe(first.matched);
      expect(first.matched).toBeGreaterThan(1000);
      expect(later.rows[0].id).not.toBe(first.rows[0].id);
      // a different query is filtered afresh
      await cases("q=review&status=pass&sort=-latency");
      expect(sorts).toHaveBeenCalledTimes(2);
    } finally {
      sorts.mockRestore();
    }
  }, 60_000);

  it("rejects bad parameters with 400 and names the problem", async () => {
    const bad = async (query: string, message: RegExp) => {
      const body = await get<{ error: string }>(`/api/runs/${run.id}/cases?${query}`, 400);
      expect(body.error).toMatch(message);
    };
    await bad("status=bogus", /status must be/);
    await bad("dimension=nope", /no dimension "nope"/);
    await bad("sort=nope", /cannot sort by/);
    await bad("sort=score:nope", /no dimension/);
    await bad("offset=-1", /offset/);
    await bad("slice=novalue", /key=value/);
    expect((await get<{ error: string }>("/api/runs/no-such-run/cases", 404)).error).toMatch(/no run/);
  }, 60_000);

  it("serves one case in full: input, expected, outputs, every score", async () => {
    const detail = await get<CaseDetailResponse>(`/api/runs/${run.id}/cases/case-000007`);
    expect(detail.case.input).toBe(detail.case.input as string);
    expect(String(detail.case.input)).toContain("item number 7");
    expect(detail.case.expected).toMatchObject({ action: "reschedule" });
    expect(detail.outputs).toHaveLength(1);
    expect(detail.prev).toBe("case-000006");
    expect(detail.next).toBe("case-000008");
    if (!detail.outputs[0].error)
      expect(detail.scores.map((s) => s.dimension)).toEqual(["action", "fields", "format"]);
    await get(`/api/runs/${run.id}/cases/nope`, 404);
  });
});

describe("labels", () => {
  it("a label is saved at once, an edit supersedes it, and the case table sees it", async () => {
    await store.createQueue({
      id: "q-big",
      runId: run.id,
      dimension: "action",
      kind: "binary",
      labellers: ["ann"],
      createdAt: new Date().toISOString(),
      items: [
        { caseId: "case-000001", epoch: 0, labellers: ["ann"] },
        { caseId: "case-000002", epoch: 0, labellers: ["ann"] },
      ],
    });
    const before = await cases("q=case-000001");
    expect(before.rows[0].labels).toBe(0);

    const post = (body: unknown) =>
      app.request("/api/queues/q-big/labels", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const first = await post({ caseId: "case-000001", value: 1, labeller: "ann" });
    expect(first.status).toBe(201);
    const edit = await post({
      caseId: "case-000001",
      value: 0,
      labeller: "ann",
      comment: "on second thought",
    });
    const edited = (await edit.json()) as LabelResponse;
    expect(edited.label.supersedes).toBe(((await first.json()) as LabelResponse).label.id);

    const current = await store.listLabels({ queueId: "q-big" });
    expect(current.map((l) => [l.caseId, l.value])).toEqual([["case-000001", 0]]);
    expect(await store.listLabels({ queueId: "q-big", history: true })).toHaveLength(2);

    // the index's label counts were invalidated: the row shows the current label
    expect((await cases("q=case-000001")).rows[0].labels).toBe(1);

    // the queue view is blind: no scores, no reasons, and carries the labeller's own label
    const q = await get<QueueResponse>("/api/queues/q-big?labeller=ann");
    expect(JSON.stringify(q)).not.toMatch(/"score"|"passed"|matches|differs/);
    expect(q.items[0].label?.value).toBe(0);
    expect(q.items[0].previous?.value).toBe(1);

    expect((await post({ caseId: "case-000001", value: 7, labeller: "ann" })).status).toBe(400);
    expect((await post({ caseId: "case-099999", value: 1, labeller: "ann" })).status).toBe(400);
    expect((await post({ caseId: "case-000001", value: 1 })).status).toBe(400);
    const notJson = await app.request("/api/queues/q-big/labels", { method: "POST", body: "value=1" });
    expect(notJson.status).toBe(415);
  }, 60_000);
});

describe("the case index", () => {
  it("reduces epochs and aggregates exactly as the scorecard does", () => {
    const base = syntheticRows({
      id: "epochs",
      dimensions: {
        m: { reduce: "mean", threshold: 0.5, weight: 2 },
        j: { reduce: "majority" },
        x: { reduce: "max", threshold: 0.7 },
        a: { reduce: "all", weight: 0 },
      },
      cases: ids("e", 12).map((id) => ({ id, scores: { m: 1, j: 1, x: 1, a: 1 } })),
    });
    // three epochs per case with varied scores, an unscored epoch and an errored epoch here and there
    const rows = {
      ...base,
      run: { ...base.run, epochs: 3 },
      outputs: [] as StoredOutput[],
      scores: [] as StoredScore[],
    };
    let k = 0;
    for (const c of base.cases) {
      for (let epoch = 2; epoch >= 0; epoch--) {
        const failed = c.ordinal === 3 || (c.ordinal === 4 && epoch === 1);
        rows.outputs.push({
          ...base.outputs[0],
          caseId: c.id,
          epoch,
          ...(failed ? { error: { class: "timeout", message: "t" } } : {}),
        });
        if (failed) continue;
        for (const dimension of ["m", "j", "x", "a"]) {
          const score = (k++ * 7919) % 5 === 0 ? null : ((k * 31) % 11) / 10;
          rows.scores.push({
            runId: "epochs",
            caseId: c.id,
            epoch,
            dimension,
            evaluator: "json-field@1",
            score,
            passed: score === null ? null : score >= rows.run.dimensions[dimension].threshold,
            reason: "",
          });
        }
      }
    }
    const index = RunIndex.fromRows(rows.run, rows);
    const expected = caseResults(rows.run, rows.cases, rows.outputs, rows.scores);
    expect(Array.from({ length: index.size }, (_, i) => index.idAt(i))).toEqual(expected.map((r) => r.c.id));
    for (const [i, r] of expected.entries()) {
      const row = index.row(i);
      expect(row.aggregate).toBe(r.aggregate);
      for (const [name, d] of r.dims) {
        expect(row.dims[name].score, `${r.c.id} ${name}`).toBe(d.score);
        expect(row.dims[name].passed, `${r.c.id} ${name}`).toBe(r.errored ? null : d.passed);
      }
      expect(row.status === "error").toBe(r.errored);
    }
    expect(index.row(3).status).toBe("error");
    expect(index.row(4).status).not.toBe("error");
  });
});

describe("the first page before the run's index is built", () => {
  it("is answered from the store with the same rows, totals and labels as the index gives", async () => {
    // a fresh server: no index yet (labels were given to case-000001 above)
    // the store's reads, in order: the first page must not wait for the index's whole-run reads
    const reads: string[] = [];
    const watched = new Proxy(store, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          reads.push(String(key));
          return value.apply(target, args);
        };
      },
    });
    const cold = createApp({ store: watched, webDir: tmp.path("no-web") }).app;
    const page = async (a: typeof app, query: string) =>
      (await (await a.request(`/api/runs/${run.id}/cases?${query}`)).json()) as CasesResponse;
    const fromStore = await page(cold, "offset=0&limit=100");
    const pageRead = reads.indexOf("pageResults");
    expect(pageRead, reads.join(", ")).toBeGreaterThanOrEqual(0);
    expect(reads.slice(0, pageRead)).not.toContain("listOutputs");
    const later = await page(cold, "offset=99950&limit=100");
    expect(fromStore.rows[1].labels).toBeGreaterThan(0);
    // a filter needs the index: built now, and the same pages then come from it
    await page(cold, "status=fail");
    expect(await page(cold, "offset=0&limit=100")).toEqual(fromStore);
    expect(await page(cold, "offset=99950&limit=100")).toEqual(later);
    expect(later.rows).toHaveLength(50);
  }, 60_000);
});
