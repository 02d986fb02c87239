import { mkdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calibrateRun, calibrationStatus } from "../../src/calibrate/stored.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess } from "../support/cli.ts";
import { ids } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";
import { addLabels, judgeDimension, makeJudgeRun } from "./support.ts";

/**
 * `assay calibrate` on too few labels: the report is shown with undefined figures as n/a, nothing
 * is stored for the gate (exit 2 says why), and the gate keeps the judge uncalibrated. Pairwise
 * refusals follow `--null-verdict`, named in the report.
 */

const FEW = "llm-judge@1#few";

describe("assay calibrate: minimum labels and refusals", { timeout: 90_000 }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const cli = (...args: string[]) => runCliInProcess(["--db", db, ...args], { cwd: tmp.dir });

  beforeAll(async () => {
    tmp = tempDir("assay-calibrate-few-");
    db = tmp.path("assay.db");
    const store = openSqliteStore(db);
    try {
      const caseIds = ids("c", 3);
      // a judge that passes everything; people fail one of three
      await makeJudgeRun(store, {
        id: "few-labels",
        datasetVersion: "dv-few",
        dimensions: { quality: judgeDimension(FEW) },
        cases: caseIds.map((id) => ({ id, scores: { quality: 1 } })),
      });
      await addLabels(
        store,
        "few-labels",
        "quality",
        "binary",
        caseIds.map((caseId, i) => ({ caseId, value: i === 1 ? 0 : 1 })),
      );
      await makeJudgeRun(store, {
        id: "cand-few",
        datasetVersion: "dv-cand-few",
        dimensions: { quality: judgeDimension(FEW) },
        cases: ids("k", 3).map((id) => ({ id, scores: { quality: 1 } })),
      });
    } finally {
      await store.close();
    }
    mkdirSync(tmp.path("suite"));
    tmp.write(
      "suite/assay.yaml",
      [
        "suite: synthetic",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: target",
        "    module: target.ts",
        "dimensions:",
        "  quality: { evaluator: json-field, with: { field: action } }",
        "gate:",
        "  calibration: { minKappa: 0 }",
        "",
      ].join("\n"),
    );
    tmp.write("suite/cases.jsonl", jsonl([{ id: "x", input: "x" }]));
  });
  afterAll(() => tmp.remove());

  it("3 labels: shows the report (n/a, not 0.000 [0.000, 0.000]), stores nothing, exits 2 saying why", async () => {
    const r = await cli(
      "calibrate",
      "--run",
      "few-labels",
      "--dimension",
      "quality",
      "--json",
      tmp.path("few.json"),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not stored: 3 label pairs is below the minimum of 30.*insufficient/);
    expect(r.stderr).toMatch(/--min-labels/);
    expect(r.stdout).not.toMatch(/\[0\.000, 0\.000\]/);
    expect(r.stdout).toMatch(/n\/a \(undefined in \d+ of 1000 resamples\)/);
    expect(r.stdout).not.toMatch(/stored calibration/);
    const json = JSON.parse(readFileSync(tmp.path("few.json"), "utf8"));
    expect(json).toMatchObject({ status: "insufficient", minLabels: 30, calibration: null, n: 3 });
    expect(json.intervals.cohenKappa.lower).toBeNull();

    const store = openSqliteStore(db);
    try {
      expect(await store.listCalibrations({ evaluator: FEW })).toHaveLength(0);
    } finally {
      await store.close();
    }
    const gate = await cli("gate", tmp.path("suite"), "--run", "cand-few", "--json", tmp.path("gate.json"));
    expect(gate.code).toBe(1);
    const rules = JSON.parse(readFileSync(tmp.path("gate.json"), "utf8")).rules as Array<{
      rule: string;
      status: string;
      message: string;
    }>;
    const cal = rules.find((x) => x.rule === "calibration");
    expect(cal?.status).toBe("fail");
    expect(cal?.message).toMatch(/uncalibrated/);
  });

  it("a record marked insufficient (stored by a library caller) never counts as the current calibration", async () => {
    const store = openSqliteStore(tmp.path("lib.db"));
    try {
      const run = await makeJudgeRun(store, {
        id: "lib-run",
        datasetVersion: "dv-lib",
        dimensions: { quality: judgeDimension("llm-judge@1#lib") },
        cases: ids("c", 3).map((id) => ({ id, scores: { quality: 1 } })),
      });
      await addLabels(
        store,
        "lib-run",
        "quality",
        "binary",
        ids("c", 3).map((caseId, i) => ({ caseId, value: i === 1 ? 0 : 1 })),
      );
      const few = await calibrateRun(store, run, { dimension: "quality", resamples: 0 });
      expect(few.status).toBe("insufficient");
      expect(few.record.metrics.status).toBe("insufficient");
      await store.putCalibration(few.record);
      const [status] = await calibrationStatus(store, run);
      expect(status.current).toBeNull();
      const enough = await calibrateRun(store, run, { dimension: "quality", resamples: 0, minLabels: 3 });
      expect(enough.status).toBe("ok");
      await store.putCalibration(enough.record);
      expect((await calibrationStatus(store, run))[0].current?.id).toBe(enough.record.id);
    } finally {
      await store.close();
    }
  });

  it("--min-labels lowers the bar on purpose; --no-store only looks; a bad value is exit 2", async () => {
    const look = await cli("calibrate", "--run", "few-labels", "--dimension", "quality", "--no-store");
    expect(look.code).toBe(0);
    const bad = await cli("calibrate", "--run", "few-labels", "--dimension", "quality", "--min-labels", "0");
    expect(bad.code).toBe(2);
    const ok = await cli("calibrate", "--run", "few-labels", "--dimension", "quality", "--min-labels", "3");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/stored calibration cal-/);
  });

  it("pairwise files: refusals are counted and the convention is stated; LLMBar's `wrong` on request", async () => {
    const labels = tmp.write(
      "pw-labels.jsonl",
      jsonl([
        { id: "p1", value: "a" },
        { id: "p2", value: "b" },
        { id: "p3", value: "a" },
      ]),
    );
    const preds = tmp.write(
      "pw-preds.jsonl",
      jsonl([
        { id: "p1", value: "a", swapped: false },
        { id: "p1", value: "a", swapped: true },
        { id: "p2", value: "b", swapped: false },
        { id: "p2", value: "", swapped: true },
        { id: "p3", value: "a", swapped: false },
        { id: "p3", value: "b", swapped: true },
      ]),
    );
    const args = ["calibrate", "--predictions", preds, "--labels", labels, "--scale", "pairwise"];
    const unscored = await cli(...args, "--json", tmp.path("pw-u.json"));
    expect(unscored.code).toBe(0);
    expect(unscored.stdout).toMatch(/3 labelled items judged \(3 with a shown first, 2 with b shown first\)/);
    expect(unscored.stdout).toMatch(/refusals \(no usable verdict\): 1 .*counted as unscored/);
    const u = JSON.parse(readFileSync(tmp.path("pw-u.json"), "utf8"));
    expect(u.nullVerdict).toBe("unscored");
    expect(u.pairwise.swapped).toMatchObject({ agree: 1, n: 2 });

    const wrong = await cli(...args, "--null-verdict", "wrong", "--json", tmp.path("pw-w.json"));
    expect(wrong.code).toBe(0);
    expect(wrong.stdout).toMatch(/counted as wrong/);
    const w = JSON.parse(readFileSync(tmp.path("pw-w.json"), "utf8"));
    expect(w.pairwise.swapped).toMatchObject({ agree: 1, n: 3 });
    expect(w.pairwise.original).toMatchObject({ agree: 3, n: 3 });

    const typo = await cli(...args, "--null-verdict", "wrongly");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/--null-verdict must be unscored, wrong, tie/);
  });
});
