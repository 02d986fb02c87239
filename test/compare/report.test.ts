import { describe, expect, it } from "vitest";
import type { GateResult } from "../../src/compare/gate.ts";
import { gateJunit, gateMarkdown, renderDiff, renderGate } from "../../src/report/comparison.ts";
import { scorecardMarkdown } from "../../src/report/markdown.ts";
import { renderScorecard } from "../../src/report/terminal.ts";
import { buildScorecard } from "../../src/scorecard/build.ts";
import { ids, syntheticRows } from "../support/synthetic-runs.ts";

/** The gate's reports: what CI systems parse and what a reviewer reads. */

const GATE: GateResult = {
  verdict: "FAIL",
  exitCode: 1,
  warnings: 1,
  failed: 1,
  checks: 3,
  regressed: { dimensions: [], slices: ['kind=<a & "b">'] },
  summary: "gate FAIL: 1 of 3 rules — 1 slice regressed, 1 warning",
  candidate: "run-c",
  baseline: "run-b",
  rules: [
    { rule: "minCases", subject: "cases", status: "pass", message: "40 cases ≥ minimum 10", values: {} },
    {
      rule: "maxRegression",
      subject: 'kind=<a & "b"> · correct',
      status: "fail",
      message: 'kind=<a & "b"> · correct: regressed beyond 2.0 pts',
      values: {},
    },
    { rule: "latency", subject: "baseline", status: "warn", message: "latency: no <baseline>", values: {} },
  ],
};

describe("gate reports", () => {
  it("JUnit: one escaped testcase per rule, failures counted, warnings noted", () => {
    const xml = gateJunit(GATE);
    expect(xml).toContain('tests="3" failures="1"');
    expect((xml.match(/<testcase /g) ?? []).length).toBe(3);
    expect((xml.match(/<failure /g) ?? []).length).toBe(1);
    expect(xml).toContain('name="kind=&lt;a &amp; &quot;b&quot;&gt; · correct"');
    expect(xml).toContain("<system-out>WARN: latency: no &lt;baseline&gt;</system-out>");
    // no raw markup characters inside attribute values
    for (const attr of xml.match(/="[^"]*"/g) ?? []) expect(attr.slice(2, -1)).not.toMatch(/[<>]/);
  });

  it("Markdown: verdict and failing rules first, the rest folded, every rule once, markup escaped", () => {
    const md = gateMarkdown(GATE);
    const lines = md.split("\n");
    expect(lines[0]).toBe("## assay gate: ❌ FAIL");
    expect(lines[1]).toContain("gate FAIL: 1 of 3 rules");
    expect(lines[1]).toContain("`run-c` vs baseline `run-b`");
    const ruleLines = lines.filter((l) => /^- \*\*(PASS|FAIL|WARN)\*\* /.test(l));
    expect(ruleLines).toHaveLength(3);
    // the failing rule comes before the fold, the others inside it
    const fold = lines.indexOf("<details><summary>1 warning, 1 passed</summary>");
    expect(fold).toBeGreaterThan(0);
    expect(lines.findIndex((l) => l.startsWith("- **FAIL**"))).toBeLessThan(fold);
    expect(lines.findIndex((l) => l.startsWith("- **WARN**"))).toBeGreaterThan(fold);
    expect(lines.findIndex((l) => l.startsWith("- **PASS**"))).toBeGreaterThan(fold);
    expect(md.trimEnd().endsWith("</details>")).toBe(true);
    expect(md).not.toContain("<a");
    const pass = gateMarkdown({
      ...GATE,
      verdict: "PASS",
      exitCode: 0,
      failed: 0,
      summary: "gate PASS: 2 rules — 1 warning",
      rules: [GATE.rules[0], GATE.rules[2]],
    });
    expect(pass).toMatch(/^## assay gate: ✅ PASS \(with warnings\)\n/);
  });

  it("terminal: the summary line first, failing rules, the rest counted unless verbose", () => {
    const lines = renderGate(GATE).split("\n");
    expect(lines[0]).toBe("gate FAIL: 1 of 3 rules — 1 slice regressed, 1 warning");
    expect(lines[1]).toBe("candidate run-c vs baseline run-b");
    expect(lines[2]).toMatch(
      /^ {2}FAIL {2}maxRegression {2}kind=<a & "b"> · correct: regressed beyond 2\.0 pts$/,
    );
    expect(lines[3]).toBe("1 warning (latency) · 1 passed (minCases) — --verbose lists them");
    expect(lines).toHaveLength(4);
    const verbose = renderGate(GATE, { verbose: true }).split("\n");
    expect(verbose[0]).toBe(lines[0]);
    expect(verbose.slice(2).map((l) => l.trim().split(/\s+/)[0])).toEqual(["FAIL", "WARN", "PASS"]);
  });

  it("renderDiff marks removed and added words", () => {
    expect(
      renderDiff([
        [0, "pay the "],
        [-1, "rent "],
        [1, "bill "],
        [0, "today"],
      ]),
    ).toBe("pay the [-rent-] {+bill+} today");
  });
});

describe("flaky cases on the scorecards", () => {
  /** Two epochs of 12 cases: f-000 passes then fails, f-001 fails then passes; the rest agree. */
  function twoEpochCard() {
    const rows = syntheticRows({
      id: "epochs",
      cases: ids("f", 12).map((id) => ({ id, scores: { correct: id === "f-001" ? 0 : 1 } })),
    });
    rows.run.epochs = 2;
    // the second epoch: the same outputs, with f-000 and f-001 scored the other way
    const flipped = new Set(["f-000", "f-001"]);
    rows.outputs = [...rows.outputs, ...rows.outputs.map((o) => ({ ...o, epoch: 1 }))];
    rows.scores = [
      ...rows.scores,
      ...rows.scores.map((sc) => {
        const score = flipped.has(sc.caseId) ? 1 - (sc.score as number) : sc.score;
        return { ...sc, epoch: 1, score, passed: score === 1 };
      }),
    ];
    return buildScorecard(rows);
  }

  it("the terminal and Markdown scorecards list them with each epoch's verdict", () => {
    const card = twoEpochCard();
    expect(card.flaky.map((f) => f.caseId).sort()).toEqual(["f-000", "f-001"]);
    const text = renderScorecard(card);
    expect(text).toMatch(/^flaky {6}2 cases changed verdict between epochs/m);
    expect(text).toContain("  f-000 · correct: pass fail");
    expect(text).toContain("  f-001 · correct: fail pass");
    const md = scorecardMarkdown(card);
    expect(md).toMatch(/^### Flaky: 2 case × dimension verdicts changed between epochs$/m);
    expect(md).toContain("- `f-000` correct: pass fail");
    expect(md).toContain("- `f-001` correct: fail pass");
  });

  it("a card with no flaky case says nothing about it", () => {
    const card = buildScorecard(
      syntheticRows({ cases: ids("g", 5).map((id) => ({ id, scores: { correct: 1 } })) }),
    );
    expect(card.flaky).toEqual([]);
    expect(renderScorecard(card)).not.toMatch(/flaky/i);
    expect(scorecardMarkdown(card)).not.toMatch(/flaky/i);
  });
});
