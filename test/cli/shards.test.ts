import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inShard } from "../../src/engine/run-target.ts";
import { runCli, runCliInProcess } from "../support/cli.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/** Shards by case-id hash on separate stores, merged: the same scorecard as one unsharded run. */
describe("shards and merge", () => {
  const tmp = tempDir("assay-shards-");
  const N = 60;
  beforeAll(() => {
    const cases = Array.from({ length: N }, (_, i) => ({
      id: `s${i}`,
      input: `q${i}`,
      expected: i % 3 === 0 ? "no" : "yes",
      tags: { part: i % 2 === 0 ? "even" : "odd" },
    }));
    tmp.write("cases.jsonl", jsonl(cases));
    // Deterministic: answers "yes" unless the case id ends in 5.
    tmp.write(
      "target.mjs",
      "export default async (input, ctx) => (ctx.case.id.endsWith('5') ? 'no' : 'yes');\n",
    );
    tmp.write(
      "assay.yaml",
      [
        "suite: shards",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: t",
        "    module: target.mjs",
        "dimensions:",
        "  answer: { evaluator: equals }",
      ].join("\n"),
    );
  });
  afterAll(() => tmp.remove());

  it("every case falls in exactly one shard, stably", () => {
    for (let i = 0; i < 200; i++) {
      const id = `case-${i}`;
      const hits = [1, 2, 3].filter((index) => inShard(id, { index, count: 3 }));
      expect(hits).toHaveLength(1);
      expect(inShard(id, { index: hits[0], count: 3 })).toBe(true);
    }
  });

  it("three shard stores merged give the unsharded scorecard; mismatches are refused", async () => {
    const whole = await runCliInProcess([
      "run",
      tmp.dir,
      "--db",
      tmp.path("whole.db"),
      "--json",
      tmp.path("whole.json"),
    ]);
    expect(whole.code, whole.stderr).toBe(0);
    // Three machines of a CI matrix, in parallel processes, each with its own store.
    const shards = await Promise.all(
      [1, 2, 3].map((i) =>
        runCli([
          "run",
          tmp.dir,
          "--shard",
          `${i}/3`,
          "--run-id",
          "matrix-1",
          "--db",
          tmp.path(`shard${i}.db`),
          "--quiet",
        ]),
      ),
    );
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    const merged = await runCliInProcess([
      "merge",
      tmp.path("shard1.db"),
      tmp.path("shard2.db"),
      tmp.path("shard3.db"),
      "--into",
      tmp.path("merged.db"),
    ]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/matrix-1: 60 results from 3 sources · completed/);
    const show = await runCliInProcess([
      "show",
      "matrix-1",
      "--db",
      tmp.path("merged.db"),
      "--json",
      tmp.path("merged.json"),
    ]);
    expect(show.code, show.stderr).toBe(0);
    const a = JSON.parse(tmp.read("whole.json"));
    const b = JSON.parse(tmp.read("merged.json"));
    expect(b.run.status).toBe("completed");
    for (const key of ["cases", "results", "errors", "dimensions", "aggregate", "slices", "flaky"]) {
      expect(b[key], key).toEqual(a[key]);
    }

    // A shard of the same run made with other evaluator settings is refused, and nothing is written.
    tmp.write(
      "assay.yaml",
      [
        "suite: shards",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: t",
        "    module: target.mjs",
        "dimensions:",
        "  answer: { evaluator: equals, with: { caseInsensitive: true } }",
      ].join("\n"),
    );
    const odd = await runCliInProcess([
      "run",
      tmp.dir,
      "--shard",
      "2/3",
      "--run-id",
      "matrix-1",
      "--db",
      tmp.path("odd.db"),
    ]);
    expect(odd.code, odd.stderr).toBe(0);
    const refused = await runCliInProcess([
      "merge",
      tmp.path("shard1.db"),
      tmp.path("odd.db"),
      "--into",
      tmp.path("never.db"),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/run matrix-1: .*shard1\.db and .*odd\.db differ in evaluator ids/);
    expect(existsSync(tmp.path("never.db"))).toBe(false);

    // Two shards only: merged, but not completed.
    const partial = await runCliInProcess([
      "merge",
      tmp.path("shard1.db"),
      tmp.path("shard2.db"),
      "--into",
      tmp.path("partial.db"),
    ]);
    expect(partial.code).toBe(3);
    expect(partial.stdout).toMatch(
      /matrix-1: \d+ results from 2 sources · failed \(merged \d+ of 60 results: a shard is missing\)/,
    );
  });
});
