import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summarizeDataset } from "../../src/dataset/dataset.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { ReviewQueue } from "../../src/store/types.ts";
import { runCliInProcess } from "../support/cli.ts";
import { ids } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";
import { judgeDimension, makeJudgeRun } from "./support.ts";

/** `assay review create` and `assay promote`. */

const CATS = ["billing", "shipping", "returns", "account", "other"];

describe("assay review create", { timeout: 90_000 }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const cli = (...args: string[]) => runCliInProcess(["--db", db, ...args], { cwd: tmp.dir });
  const queueJson = (name: string) =>
    JSON.parse(readFileSync(tmp.path(name), "utf8")) as ReviewQueue & { seed: string; url: string };

  beforeAll(async () => {
    tmp = tempDir("assay-review-cli-");
    db = tmp.path("assay.db");
    const store = openSqliteStore(db);
    try {
      // 80 cases; "other" is rare (2 cases) so proportional sampling alone would miss it
      const cases = ids("r", 80).map((id, i) => ({
        id,
        tags: { cat: i < 2 ? "other" : CATS[i % 4] },
        scores: { quality: i % 2 },
      }));
      await makeJudgeRun(store, {
        id: "rev-a",
        datasetVersion: "dv-rev",
        dimensions: { quality: judgeDimension("llm-judge@1#rev") },
        cases,
      });
      await makeJudgeRun(store, {
        id: "rev-b",
        datasetVersion: "dv-rev",
        dimensions: { quality: judgeDimension("llm-judge@1#rev") },
        cases: cases.map((c, i) => (i === 5 ? { ...c, error: true as const } : c)),
      });
    } finally {
      await store.close();
    }
  });
  afterAll(() => tmp.remove());

  it("samples, stratifies over every tag value, assigns overlap to two labellers", async () => {
    const args = [
      "review",
      "create",
      "--run",
      "rev-a",
      "--dimension",
      "quality",
      "--sample",
      "20",
      "--stratify-by",
      "cat",
    ];
    const r = await cli(
      ...args,
      "--labellers",
      "ann,bob,cat",
      "--overlap",
      "0.25",
      "--seed",
      "7",
      "--json",
      tmp.path("q1.json"),
    );
    expect(r.stderr).toBe(`store: ${db}\n`);
    expect(r.code).toBe(0);
    const q = queueJson("q1.json");
    expect(r.stdout).toContain(`created review queue ${q.id}: 20 of 80 outputs of run rev-a`);
    expect(r.stdout).toContain(`/review/${q.id}`);
    expect(q.url).toBe(`/review/${q.id}`);
    expect(q.items).toHaveLength(20);
    const tagOf = (caseId: string) =>
      Number(caseId.slice(2)) < 2 ? "other" : CATS[Number(caseId.slice(2)) % 4];
    expect(new Set(q.items.map((i) => tagOf(i.caseId)))).toEqual(new Set(CATS));
    expect(new Set(q.items.map((i) => i.caseId)).size).toBe(20);
    const doubles = q.items.filter((i) => i.labellers.length >= 2);
    expect(doubles).toHaveLength(5);
    for (const d of doubles) expect(new Set(d.labellers).size).toBe(2);
    expect(q.items.every((i) => i.labellers.length >= 1)).toBe(true);

    // stored, and the same seed gives the same sample
    const store = openSqliteStore(db);
    try {
      expect((await store.getQueue(q.id))?.items).toEqual(q.items);
    } finally {
      await store.close();
    }
    const again = await cli(
      ...args,
      "--labellers",
      "ann,bob,cat",
      "--overlap",
      "0.25",
      "--seed",
      "7",
      "--json",
      tmp.path("q2.json"),
    );
    expect(again.code).toBe(0);
    const q2 = queueJson("q2.json");
    expect(q2.id).not.toBe(q.id);
    expect(q2.items).toEqual(q.items);
    const other = await cli(...args, "--seed", "8", "--json", tmp.path("q3.json"));
    expect(other.code).toBe(0);
    expect(queueJson("q3.json").items.map((i) => i.caseId)).not.toEqual(q.items.map((i) => i.caseId));
  });

  it("pairwise queues randomise the order per item and skip errored outputs", async () => {
    const r = await cli(
      "review",
      "create",
      "--run",
      "rev-a",
      "--dimension",
      "quality",
      "--pairwise",
      "rev-b",
      "--seed",
      "1",
      "--json",
      tmp.path("pw.json"),
    );
    expect(r.code).toBe(0);
    const q = queueJson("pw.json");
    expect(q.kind).toBe("pairwise");
    expect(q.otherRunId).toBe("rev-b");
    expect(q.items).toHaveLength(79);
    expect(q.items.some((i) => i.caseId === "r-005")).toBe(false);
    const swapped = q.items.filter((i) => i.swapped === true).length;
    expect(swapped).toBeGreaterThan(20);
    expect(swapped).toBeLessThan(59);
    expect(r.stdout).toMatch(/presentation order randomised/);
  });

  it("rejects an unknown tag and overlap without two labellers", async () => {
    const tag = await cli(
      "review",
      "create",
      "--run",
      "rev-a",
      "--dimension",
      "quality",
      "--stratify-by",
      "colour",
    );
    expect(tag.code).toBe(2);
    expect(tag.stderr).toMatch(/no case of run rev-a has the tag "colour" \(tags: cat\)/);
    const overlap = await cli(
      "review",
      "create",
      "--run",
      "rev-a",
      "--dimension",
      "quality",
      "--overlap",
      "0.3",
      "--labellers",
      "ann",
    );
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toMatch(/--overlap needs at least two --labellers/);
  });
});

describe("assay promote", { timeout: 90_000 }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const cli = (...args: string[]) => runCliInProcess(["--db", db, ...args], { cwd: tmp.dir });

  beforeAll(async () => {
    tmp = tempDir("assay-promote-cli-");
    db = tmp.path("assay.db");
    const store = openSqliteStore(db);
    try {
      await makeJudgeRun(store, {
        id: "prod-run",
        datasetVersion: "dv-prod",
        dimensions: { quality: judgeDimension("llm-judge@1#p") },
        cases: [
          {
            id: "p-1",
            input: "Mark the budget review as done",
            expected: { action: "complete" },
            tags: { category: "action", source: "prod" },
            scores: { quality: 0 },
            output: '{"action":"create"}',
          },
          {
            id: "p-2",
            input: "Delete the draft",
            expected: { action: "delete" },
            tags: { category: "action" },
            scores: { quality: 0 },
          },
        ],
      });
    } finally {
      await store.close();
    }
  });
  afterAll(() => tmp.remove());

  it("appends the case with source=failure and provenance, and the dataset version changes", async () => {
    const file = tmp.write(
      "regressions.jsonl",
      jsonl([{ id: "old-1", input: "hello", tags: { source: "curated" } }]),
    );
    const before = await summarizeDataset([file]);
    const r = await cli("promote", "prod-run", "p-1", "--to", file, "--label", "wrong action");
    expect(r.stderr).toBe(`store: ${db}\n`);
    expect(r.code).toBe(0);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2);
    const rec = JSON.parse(lines[1]);
    expect(rec).toMatchObject({
      id: "p-1",
      input: "Mark the budget review as done",
      expected: { action: "complete" },
      tags: { category: "action", source: "failure" },
      metadata: {
        promotedFrom: {
          run: "prod-run",
          label: "wrong action",
          output: { epoch: 0, text: '{"action":"create"}' },
        },
      },
    });
    expect(Date.parse(rec.metadata.promotedFrom.at)).not.toBeNaN();
    const after = await summarizeDataset([file]);
    expect(after.count).toBe(2);
    expect(after.version).not.toBe(before.version);
    expect(r.stdout).toContain(`regressions.jsonl:2`);
    expect(r.stdout).toContain(`dataset version ${before.version} → ${after.version}`);
  });

  it("refuses a duplicate id, naming its line; --id promotes it under another", async () => {
    const file = tmp.path("regressions.jsonl");
    const dup = await cli("promote", "prod-run", "p-1", "--to", file);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/regressions\.jsonl:2 id: case "p-1" is already in this file/);
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(2);
    const renamed = await cli(
      "promote",
      "prod-run",
      "p-1",
      "--to",
      file,
      "--id",
      "p-1-again",
      "--expected",
      '{"action":"complete"}',
    );
    expect(renamed.code).toBe(0);
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(3);
  });

  it("creates a new dataset file and rejects unknown cases", async () => {
    const file = tmp.path("new/failures.jsonl");
    const r = await cli("promote", "prod-run", "p-2", "--to", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/new dataset, version [0-9a-f]{16} · 1 cases/);
    const missing = await cli("promote", "prod-run", "p-9", "--to", file);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run prod-run has no case "p-9"/);
  });
});
