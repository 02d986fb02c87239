import { describe, expect, it } from "vitest";
import type { GateResult } from "../../src/compare/gate.ts";
import { gateJunit, gateMarkdown, renderDiff, renderGate } from "../../src/report/comparison.ts";

/** The gate's reports: what CI systems parse and what a reviewer reads. */

const GATE: GateResult = {
  verdict: "FAIL",
  exitCode: 1,
  warnings: 1,
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

  it("Markdown and terminal: verdict, every rule, escaped table cells", () => {
    const md = gateMarkdown(GATE);
    expect(md).toMatch(/^## assay gate: ❌ FAIL\n/);
    expect(md).toContain("`run-c` vs baseline `run-b`");
    expect(md.split("\n").filter((l) => /^\| (PASS|FAIL|WARN) \|/.test(l))).toHaveLength(3);
    expect(md).not.toContain("<a");
    const pass = gateMarkdown({
      ...GATE,
      verdict: "PASS",
      exitCode: 0,
      rules: [GATE.rules[0], GATE.rules[2]],
    });
    expect(pass).toMatch(/✅ PASS \(with warnings\)/);
    const text = renderGate(GATE);
    expect(text.split("\n")).toHaveLength(5);
    expect(text).toMatch(/FAIL \(1 warning\) — exit 1$/);
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
