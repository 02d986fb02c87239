import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess } from "../support/cli.ts";
import { ids } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";
import { judgeDimension, makeJudgeRun } from "./support.ts";

/** `assay labels import` / `assay labels export` as a labelling team meets them. */

describe("assay labels", { timeout: 60_000 }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  let db2: string;
  const cli = (args: string[], database = db) =>
    runCliInProcess(["--db", database, ...args], { cwd: tmp.dir });
  const cases = ids("c", 6).map((id, i) => ({
    id,
    tags: { cat: i % 2 ? "odd" : "even" },
    scores: { quality: i % 2 },
  }));
  const spec = {
    id: "lab-run",
    datasetVersion: "dv-lab",
    dimensions: { quality: judgeDimension("llm-judge@1#lab"), tone: judgeDimension("llm-judge@1#tone") },
    cases: cases.map((c) => ({ ...c, scores: { quality: c.scores.quality, tone: 1 } })),
  };

  beforeAll(async () => {
    tmp = tempDir("assay-labels-cli-");
    db = tmp.path("assay.db");
    db2 = tmp.path("other.db");
    for (const file of [db, db2]) {
      const store = openSqliteStore(file);
      try {
        await makeJudgeRun(store, spec);
      } finally {
        await store.close();
      }
    }
  });
  afterAll(() => tmp.remove());

  const labels = async (opts: { history?: boolean } = {}) => {
    const store = openSqliteStore(db);
    try {
      return await store.listLabels({ runId: "lab-run", history: opts.history });
    } finally {
      await store.close();
    }
  };

  it("imports CSV labels, then a re-import supersedes them and keeps history", async () => {
    const file = tmp.write(
      "ann.csv",
      'id,labeller,value,comment\nc-000,ann,pass,fine\nc-001,ann,fail,"wrong, badly"\nc-002,ann,1,\n',
    );
    const r = await cli(["labels", "import", file, "--run", "lab-run", "--dimension", "quality"]);
    expect(r.stderr).toBe(`store: ${db}\n`); // the store it wrote to, and nothing else
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/imported 3 labels into run lab-run \(quality 3\)/);
    let current = await labels();
    expect(current.map((l) => [l.caseId, l.value, l.kind])).toEqual([
      ["c-000", 1, "binary"],
      ["c-001", 0, "binary"],
      ["c-002", 1, "binary"],
    ]);
    expect(current[1].comment).toBe("wrong, badly");

    const again = tmp.write(
      "ann2.jsonl",
      jsonl([{ id: "c-001", labeller: "ann", value: true, comment: "on second thought" }]),
    );
    const r2 = await cli(["labels", "import", again, "--run", "lab-run", "--dimension", "quality"]);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toMatch(/1 replace earlier labels \(history kept\)/);
    current = await labels();
    expect(current).toHaveLength(3);
    const c1 = current.find((l) => l.caseId === "c-001");
    expect(c1?.value).toBe(1);
    const history = await labels({ history: true });
    expect(history).toHaveLength(4);
    const old = history.find((l) => l.caseId === "c-001" && l.value === 0);
    expect(c1?.supersedes).toBe(old?.id);

    // another labeller of the same output is a separate label, not an edit
    const bob = tmp.write("bob.csv", "id,value\nc-001,0\n");
    const r3 = await cli([
      "labels",
      "import",
      bob,
      "--run",
      "lab-run",
      "--dimension",
      "quality",
      "--labeller",
      "bob",
    ]);
    expect(r3.code).toBe(0);
    expect(r3.stdout).not.toMatch(/replace/);
    expect(await labels()).toHaveLength(4);
  });

  it("names file, line and field for bad records, and stores nothing from the file", async () => {
    const before = (await labels({ history: true })).length;
    const cases: Array<[string, string, RegExp]> = [
      [
        "unknown.csv",
        "id,labeller,value\nc-000,ann,1\nnope-9,ann,1\n",
        /unknown\.csv:3 id: unknown case id "nope-9" for run lab-run/,
      ],
      [
        "badvalue.csv",
        "id,labeller,value\nc-000,ann,maybe\n",
        /badvalue\.csv:2 value: "maybe" is not a binary label/,
      ],
    ];
    for (const [name, content, message] of cases) {
      const file = tmp.write(name, content);
      const r = await cli(["labels", "import", file, "--run", "lab-run", "--dimension", "quality"]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(message);
    }
    expect((await labels({ history: true })).length).toBe(before);
  });

  it("ordinal labels are numbers on the scale", async () => {
    const bad = tmp.write("ord-bad.csv", "id,labeller,value\nc-003,ann,6\n");
    const r = await cli([
      "labels",
      "import",
      bad,
      "--run",
      "lab-run",
      "--dimension",
      "tone",
      "--kind",
      "ordinal",
      "--scale",
      "1-5",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ord-bad\.csv:2 value: 6 is not on the scale 1-5/);
    const good = tmp.write("ord.csv", "id,labeller,value\nc-003,ann,4\nc-004,ann,2\n");
    const ok = await cli([
      "labels",
      "import",
      good,
      "--run",
      "lab-run",
      "--dimension",
      "tone",
      "--kind",
      "ordinal",
      "--scale",
      "1-5",
    ]);
    expect(ok.code).toBe(0);
  });

  for (const format of ["csv", "jsonl"]) {
    it(`export round-trips (${format}): exported labels import unchanged into another store`, async () => {
      const out = tmp.path(`export.${format}`);
      const e = await cli(["labels", "export", "--run", "lab-run", "--format", format, "--out", out]);
      expect(e.code).toBe(0);
      const target = tmp.path(`roundtrip-${format}.db`);
      {
        const store = openSqliteStore(target);
        await makeJudgeRun(store, spec);
        await store.close();
      }
      const i = await cli(["labels", "import", out, "--run", "lab-run"], target);
      expect(i.stderr).toBe(`store: ${target}\n`);
      expect(i.code).toBe(0);
      const first = await cli(["labels", "export", "--run", "lab-run", "--format", format]);
      const second = await cli(["labels", "export", "--run", "lab-run", "--format", format], target);
      expect(second.stdout).toBe(first.stdout);
      expect(first.stdout.split("\n").filter(Boolean).length).toBe(format === "csv" ? 7 : 6);
    }, 60_000);
  }

  it("exports history with superseded labels marked", async () => {
    const r = await cli([
      "labels",
      "export",
      "--run",
      "lab-run",
      "--format",
      "jsonl",
      "--history",
      "--dimension",
      "quality",
    ]);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            id: string;
            labeller: string;
            value: number;
            current: boolean;
            supersedes?: string;
            label_id: string;
          },
      );
    const c1 = rows.filter((x) => x.id === "c-001" && x.labeller === "ann");
    expect(c1.map((x) => [x.value, x.current])).toEqual([
      [0, false],
      [1, true],
    ]);
    expect(c1[1].supersedes).toBe(c1[0].label_id);
    const csv = await cli(["labels", "export", "--run", "lab-run", "--history"]);
    expect(csv.stdout.split("\n")[0]).toBe(
      "id,labeller,value,dimension,run,epoch,comment,kind,other_run,created_at,label_id,supersedes,current",
    );
  });
});
