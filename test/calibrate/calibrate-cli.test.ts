import { mkdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { runCliInProcess } from "../support/cli.ts";
import { ids } from "../support/synthetic-runs.ts";
import { jsonl, tempDir } from "../support/temp.ts";
import { addLabels, judgeDimension, makeJudgeRun } from "./support.ts";

/** `assay calibrate` (stored and file modes) and the gate's calibration rule. */

const GOOD = "llm-judge@1#good";
const BAD = "llm-judge@1#bad";
const RATING = "llm-judge@1#rating";
const NEW = "llm-judge@2#new";

const score = (i: number) => ((i * 37) % 100) / 100;
const humanPass = (i: number) => ((i === 3 || i === 11 ? score(i) < 0.45 : score(i) >= 0.45) ? 1 : 0);
const rawRating = (i: number) => 1 + (i % 5);

interface GateJson {
  verdict: string;
  rules: Array<{
    rule: string;
    subject: string;
    status: string;
    message: string;
    values: Record<string, unknown>;
  }>;
}

describe("assay calibrate", { timeout: 90_000 }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const cli = (...args: string[]) => runCliInProcess(["--db", db, ...args], { cwd: tmp.dir });
  const readJson = <T = Record<string, unknown>>(name: string) =>
    JSON.parse(readFileSync(tmp.path(name), "utf8")) as T;
  let n = 0;
  const suiteDir = (calibration: string) => {
    const name = `suite-${++n}`;
    mkdirSync(tmp.path(name));
    tmp.write(
      `${name}/assay.yaml`,
      [
        "suite: synthetic",
        "dataset: cases.jsonl",
        "targets:",
        "  - id: target",
        "    module: target.ts",
        "dimensions:",
        "  quality:",
        "    evaluator: json-field",
        "    with: { field: action }",
        "gate:",
        `  calibration: ${calibration}`,
        "",
      ].join("\n"),
    );
    tmp.write(`${name}/cases.jsonl`, jsonl([{ id: "x", input: "x" }]));
    return tmp.path(name);
  };
  const gate = async (dir: string, run: string) => {
    const out = `gate-${++n}.json`;
    const r = await cli("gate", dir, "--run", run, "--json", tmp.path(out));
    const json = r.code === 0 || r.code === 1 ? readJson<GateJson>(out) : null;
    return { ...r, json, calibration: json?.rules.filter((x) => x.rule === "calibration") ?? [] };
  };

  beforeAll(async () => {
    tmp = tempDir("assay-calibrate-cli-");
    db = tmp.path("assay.db");
    const store = openSqliteStore(db);
    try {
      const caseIds = ids("c", 40);
      await makeJudgeRun(
        store,
        {
          id: "judge-a",
          datasetVersion: "dv-a",
          dimensions: {
            quality: judgeDimension(GOOD),
            rating: { ...judgeDimension(RATING), with: { scale: [1, 5] } },
          },
          cases: caseIds.map((id, i) => ({
            id,
            tags: { cat: i % 2 ? "b" : "a" },
            scores: { quality: score(i), rating: (rawRating(i) - 1) / 4 },
          })),
        },
        (s) => (s.dimension === "rating" ? { rawScore: rawRating(Number(s.caseId.slice(2))) } : undefined),
      );
      await addLabels(
        store,
        "judge-a",
        "quality",
        "binary",
        caseIds.map((caseId, i) => ({ caseId, value: humanPass(i) })),
      );
      await addLabels(store, "judge-a", "rating", "ordinal", [
        ...caseIds.map((caseId, i) => ({
          caseId,
          value: i % 9 === 0 ? Math.min(5, rawRating(i) + 1) : rawRating(i),
        })),
        ...caseIds.slice(0, 12).map((caseId, i) => ({ caseId, labeller: "bob", value: rawRating(i) })),
      ]);

      await makeJudgeRun(store, {
        id: "judge-b",
        datasetVersion: "dv-b",
        dimensions: { quality: judgeDimension(BAD) },
        cases: ids("b", 30).map((id, i) => ({ id, scores: { quality: score(i) } })),
      });
      await addLabels(
        store,
        "judge-b",
        "quality",
        "binary",
        ids("b", 30).map((caseId, i) => ({ caseId, value: (i * 7) % 3 === 0 ? 1 : 0 })),
      );
      for (const [id, evaluator] of [
        ["cand-good", GOOD],
        ["cand-bad", BAD],
        ["cand-new", NEW],
      ]) {
        await makeJudgeRun(store, {
          id,
          datasetVersion: `dv-${id}`,
          dimensions: { quality: judgeDimension(evaluator) },
          cases: ids("k", 5).map((cid) => ({ id: cid, scores: { quality: 1 } })),
        });
      }
    } finally {
      await store.close();
    }
  });
  afterAll(() => tmp.remove());

  it("calibrates a stored judge against stored labels and records it for the evaluator", async () => {
    const r = await cli(
      "calibrate",
      "--run",
      "judge-a",
      "--dimension",
      "quality",
      "--json",
      tmp.path("q.json"),
      "--seed",
      "3",
    );
    expect(r.stderr).toBe(`store: ${db}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/calibration of llm-judge@1#good on "quality"/);
    expect(r.stdout).toMatch(/Cohen's kappa/);
    expect(r.stdout).toMatch(
      /best threshold \(by agreement\): pass when score ≥ 0\.47 \(any cut in \(0\.44, 0\.47\] gives the same\)/,
    );
    expect(r.stdout).toMatch(/stored calibration cal-/);
    const q = readJson("q.json");
    for (const field of [
      "n",
      "agreement",
      "cohenKappa",
      "weightedKappa",
      "krippendorffAlpha",
      "spearman",
      "kendallTauB",
      "confusion",
      "bias",
    ]) {
      expect(q, field).toHaveProperty(field);
    }
    expect(q).toHaveProperty("weightedKappa.linear");
    expect(q).toHaveProperty("weightedKappa.quadratic");
    expect(q.n).toBe(40);
    expect(q.cohenKappa as number).toBeGreaterThan(0.6);
    expect((q.confusion as { labels: number[] }).labels).toEqual([0, 1]);
    expect(q).toHaveProperty("threshold.best.threshold", 0.47);
    expect(q).toHaveProperty("bias.direction", "harsher"); // threshold 0.5 fails what people pass from 0.45
    expect(q).toHaveProperty("slices.cat=a.n", 20);
    expect(q).toHaveProperty("calibration.evaluator", GOOD);

    const store = openSqliteStore(db);
    try {
      const records = await store.listCalibrations({ evaluator: GOOD });
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ dimension: "quality", runId: "judge-a", n: 40 });
      expect(records[0].labelSetHash).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      await store.close();
    }
  });

  it("maps an ordinal judge's raw score onto the declared scale, with the human ceiling", async () => {
    const r = await cli(
      "calibrate",
      "--run",
      "judge-a",
      "--dimension",
      "rating",
      "--json",
      tmp.path("r.json"),
      "--no-store",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/stored calibration/);
    const q = readJson("r.json");
    expect(q).toHaveProperty("scale.values", [1, 2, 3, 4, 5]);
    expect(q.n).toBe(52);
    expect(q.spearman as number).toBeGreaterThan(0.8);
    expect(q.kendallTauB as number).toBeGreaterThan(0.7);
    expect(q.weightedKappa).toMatchObject({ linear: expect.any(Number), quadratic: expect.any(Number) });
    expect(q).toHaveProperty("humanAgreement.items", 12);
    expect(q).toHaveProperty("humanAgreement.labellers", ["ann", "bob"]);
    expect(q).toHaveProperty("bias.direction", "harsher");

    const bob = await cli(
      "calibrate",
      "--run",
      "judge-a",
      "--dimension",
      "rating",
      "--labeller",
      "bob",
      "--json",
      tmp.path("rb.json"),
      "--no-store",
    );
    expect(bob.code).toBe(0);
    expect(readJson("rb.json").n).toBe(12);
    expect(readJson("rb.json").cohenKappa).toBe(1);
  });

  it("calibrates any two files and names the line of a bad rating", async () => {
    const preds = tmp.write(
      "preds.csv",
      "id,value,score,tags.lang\nx1,pass,0.9,en\nx2,fail,0.2,en\nx3,pass,0.7,fr\nx4,fail,0.4,fr\nx5,,,fr\n",
    );
    const labels = tmp.write(
      "labels.jsonl",
      jsonl([
        { id: "x1", value: 1, labeller: "ann" },
        { id: "x2", value: 0, labeller: "ann" },
        { id: "x3", value: 0, labeller: "ann" },
        { id: "x4", value: 0, labeller: "ann" },
        { id: "x5", value: 1, labeller: "ann" },
        { id: "x1", value: 1, labeller: "bob" },
        { id: "x9", value: 1, labeller: "bob" },
      ]),
    );
    const r = await cli(
      "calibrate",
      "--predictions",
      preds,
      "--labels",
      labels,
      "--scale",
      "binary",
      "--json",
      tmp.path("f.json"),
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/left out: 1 labels without a prediction, 1 labels whose prediction is blank/);
    const f = readJson("f.json");
    expect(f.n).toBe(5);
    expect(f.agreement).toBeCloseTo(0.8, 12);
    expect(f).toHaveProperty("counts.unscored", 1);
    expect(f).toHaveProperty("slices.lang=fr.n", 2);
    expect(f).toHaveProperty("threshold.best.threshold", 0.9);
    expect(f).toHaveProperty("humanAgreement.items", 1);

    const bad = tmp.write("bad.csv", "id,value\nx1,1\nx2,7\n");
    const e = await cli("calibrate", "--predictions", bad, "--labels", labels, "--scale", "binary");
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/bad\.csv:3 value: "7" is not a binary label/);
    const noScale = await cli("calibrate", "--predictions", preds, "--labels", labels);
    expect(noScale.code).toBe(2);
    expect(noScale.stderr).toMatch(/--scale is required/);
  });

  it("gate: passes a calibrated judge, fails an uncalibrated one, warns when told to", async () => {
    const strict = suiteDir("{ minKappa: 0.6, minLabels: 20 }");
    const good = await gate(strict, "cand-good");
    expect(good.code).toBe(0);
    expect(good.calibration).toHaveLength(1);
    expect(good.calibration[0]).toMatchObject({ subject: "quality", status: "pass" });
    expect(good.calibration[0].message).toMatch(/40 labels ≥ 20, κ 0\.\d+ ≥ 0\.6/);

    const missing = await gate(strict, "cand-new");
    expect(missing.code).toBe(1);
    expect(missing.calibration[0].status).toBe("fail");
    expect(missing.calibration[0].message).toMatch(/llm-judge@2#new is uncalibrated/);
    expect(missing.stdout).toMatch(/uncalibrated/);

    const lenient = suiteDir("{ minKappa: 0.6, failOnMissing: false }");
    const warned = await gate(lenient, "cand-new");
    expect(warned.code).toBe(0);
    expect(warned.calibration[0].status).toBe("warn");
  });

  it("gate: fails a judge whose kappa is below the minimum, or with too few labels", async () => {
    const strict = suiteDir("{ minKappa: 0.6, minAlpha: 0.5 }");
    const before = await gate(strict, "cand-bad");
    expect(before.code).toBe(1);
    expect(before.calibration[0].message).toMatch(/uncalibrated/);
    const c = await cli("calibrate", "--run", "judge-b", "--dimension", "quality", "--resamples", "0");
    expect(c.code).toBe(0);
    const after = await gate(strict, "cand-bad");
    expect(after.code).toBe(1);
    expect(after.calibration[0].status).toBe("fail");
    expect(after.calibration[0].message).toMatch(/κ -?0\.\d+ < minimum 0\.6; α -?0\.\d+ < minimum 0\.5/);

    const many = suiteDir("{ minLabels: 100 }");
    const few = await gate(many, "cand-good");
    expect(few.code).toBe(1);
    expect(few.calibration[0].message).toMatch(/40 labels < minimum 100/);
  });

  it("gate: a new label makes the calibration stale until it is recalibrated", async () => {
    const dir = suiteDir("{ minKappa: 0.6 }");
    const extra = tmp.write("late.csv", "id,labeller,value\nc-005,carol,pass\n");
    const imp = await cli("labels", "import", extra, "--run", "judge-a", "--dimension", "quality");
    expect(imp.code).toBe(0);
    const stale = await gate(dir, "cand-good");
    expect(stale.code).toBe(1);
    expect(stale.calibration[0].message).toMatch(/is stale \(its labels changed since\)/);
    expect(stale.calibration[0].values).toMatchObject({ stale: true });

    const again = await cli("calibrate", "--run", "judge-a", "--dimension", "quality", "--resamples", "0");
    expect(again.code).toBe(0);
    const fresh = await gate(dir, "cand-good");
    expect(fresh.code).toBe(0);
    expect(fresh.calibration[0].values).toMatchObject({ n: 41 });
  });

  it("rejects bad invocations with exit 2", async () => {
    const both = await cli("calibrate", "--run", "judge-a", "--predictions", "p.csv", "--labels", "l.csv");
    expect(both.code).toBe(2);
    const noDim = await cli("calibrate", "--run", "judge-a", "--dimension", "nope");
    expect(noDim.code).toBe(2);
    expect(noDim.stderr).toMatch(/no dimension "nope"/);
    const typo = await cli("gate", suiteDir("{ dimensions: [qualty] }"), "--run", "cand-good");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/assay\.yaml:\d+:\d+ .*no dimension "qualty" \(dimensions: quality\)/);
  });
});
