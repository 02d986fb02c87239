import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { RunRecord, StoredOutput, StoredScore } from "../../src/store/types.ts";
import { type CliResult, runCliInProcess, startCli, unlessExited } from "../support/cli.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * Evaluators run isolated and bounded (issue 8, item 2): a user's regular expression cannot
 * backtrack for minutes, an evaluator that hangs or throws leaves its score unscored with the
 * reason and the run goes on, and Ctrl-C or SIGTERM stops a run whose evaluators hang.
 */

const CASES = 20;
const REDOS_INPUT = `${"a".repeat(40)}!`;
const HANGING_CASE = "c07";
const THROWING_CASE = "c11";

function writeSuite(tmp: ReturnType<typeof tempDir>, dimensions: string[], extra: string[] = []): void {
  const cases = Array.from({ length: CASES }, (_, i) => {
    const id = `c${String(i).padStart(2, "0")}`;
    return { id, input: i === 3 ? REDOS_INPUT : "a".repeat(i + 1) };
  });
  tmp.write("cases.jsonl", jsonl(cases));
  // The target echoes its input at once: what is timed here is the evaluators.
  tmp.write("echo.mjs", "export default async (input) => input;\n");
  tmp.write(
    "assay.yaml",
    [
      "suite: bounded",
      "dataset: cases.jsonl",
      "targets:",
      "  - id: echo",
      "    module: echo.mjs",
      "concurrency: 4",
      ...extra,
      "dimensions:",
      ...dimensions.map((d) => `  ${d}`),
    ].join("\n"),
  );
}

async function readStore(
  tmp: ReturnType<typeof tempDir>,
): Promise<{ run: RunRecord; outputs: StoredOutput[]; scores: StoredScore[] }> {
  const store = openSqliteStore(tmp.path(".assay/assay.db"));
  try {
    const [run] = await store.listRuns();
    return { run, outputs: await store.listOutputs(run.id), scores: await store.listScores(run.id) };
  } finally {
    await store.close();
  }
}

describe("bounded evaluators in a run", () => {
  const tmp = tempDir();
  let result: CliResult;
  let scores: StoredScore[];
  let run: RunRecord;

  beforeAll(async () => {
    tmp.write(
      "hang.mjs",
      `export default (input) => (input.case.id === "${HANGING_CASE}" ? new Promise(() => {}) : 1);\n`,
    );
    tmp.write(
      "throws.mjs",
      `export default (input) => {\n  if (input.case.id === "${THROWING_CASE}") throw new Error("cannot grade this one");\n  return 1;\n};\n`,
    );
    writeSuite(tmp, [
      'redos: { evaluator: regex, with: { pattern: "^(a+)+$" } }',
      "hangs: { evaluator: custom, with: { module: hang.mjs }, evaluatorTimeoutMs: 300 }",
      "throws: { evaluator: custom, with: { module: throws.mjs } }",
    ]);
    result = await runCliInProcess(["run", tmp.dir, "--quiet"]);
    ({ run, scores } = await readStore(tmp));
  });

  afterAll(() => tmp.remove());

  const of = (dimension: string) => scores.filter((s) => s.dimension === dimension);

  it("completes with exit 0", () => {
    expect(result.code, result.stderr).toBe(0);
    expect(run.status).toBe("completed");
  });

  it("a catastrophic-backtracking regex scores all 20 cases (linear-time engine)", () => {
    const redos = of("redos");
    expect(redos).toHaveLength(CASES);
    expect(redos.every((s) => s.score !== null)).toBe(true);
    expect(redos.find((s) => s.caseId === "c03")?.score).toBe(0);
    expect(redos.find((s) => s.caseId === "c00")?.score).toBe(1);
    expect(run.dimensions.redos.evaluator).toMatch(/^regex@2/);
  });

  it("an evaluator that never settles: 19 scored, 1 unscored with evaluator-timeout", () => {
    const hangs = of("hangs");
    expect(hangs.filter((s) => s.score !== null)).toHaveLength(CASES - 1);
    const [timedOut] = hangs.filter((s) => s.score === null);
    expect(timedOut.caseId).toBe(HANGING_CASE);
    expect(timedOut.reason).toBe("evaluator-timeout: no score within 300 ms");
    expect(timedOut.details).toEqual({ unscored: "evaluator-timeout" });
    expect(run.dimensions.hangs.evaluatorTimeoutMs).toBe(300);
    expect(run.dimensions.throws.evaluatorTimeoutMs).toBe(10_000);
  });

  it("an evaluator that throws: 19 scored, 1 unscored with evaluator-error and the message", () => {
    const throws = of("throws");
    expect(throws.filter((s) => s.score !== null)).toHaveLength(CASES - 1);
    const [failed] = throws.filter((s) => s.score === null);
    expect(failed.caseId).toBe(THROWING_CASE);
    expect(failed.reason).toBe("evaluator-error: cannot grade this one");
    expect(failed.details).toEqual({ unscored: "evaluator-error" });
  });

  it("export shows the unscored reasons", async () => {
    const exported = await runCliInProcess(["export", run.id, "--format", "jsonl"], { cwd: tmp.dir });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain("evaluator-timeout: no score within 300 ms");
    expect(exported.stdout).toContain("evaluator-error: cannot grade this one");
  });
});

describe("stopping a run whose evaluators hang", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} stops it promptly with exit 3; nothing half-scored is stored`, async () => {
      const tmp = tempDir();
      try {
        // Every evaluation announces itself on stderr, then never settles (limit: 10 minutes).
        tmp.write(
          "forever.mjs",
          [
            "export default (input) => {",
            '  process.stderr.write("evaluating " + input.case.id + "\\n");',
            "  return new Promise(() => {});",
            "};",
          ].join("\n"),
        );
        writeSuite(
          tmp,
          ["forever: { evaluator: custom, with: { module: forever.mjs } }"],
          ["evaluatorTimeoutMs: 600000"],
        );
        const { child, done } = startCli(["run", tmp.dir, "--quiet"]);
        const evaluating = new Promise<void>((resolve) => {
          let seen = "";
          child.stderr?.on("data", (d) => {
            seen += d;
            if (seen.includes("evaluating ")) resolve();
          });
        });
        await unlessExited(evaluating, done);
        const sentAt = Date.now();
        child.kill(signal);
        const stopped = await done;
        // The behaviour under test is "within 2 s"; the bound is 5× that, for a busy machine.
        expect(Date.now() - sentAt).toBeLessThan(10_000);
        expect(stopped.code, stopped.stderr).toBe(3);
        expect(stopped.stderr).toContain(`interrupted (${signal})`);
        expect(stopped.stderr).toMatch(/--resume/);

        const { run, outputs, scores } = await readStore(tmp);
        expect(run.status).toBe("interrupted");
        expect(outputs).toEqual([]);
        expect(scores).toEqual([]);
      } finally {
        tmp.remove();
      }
    });
  }
});
