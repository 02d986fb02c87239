import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  docToChoice,
  docToTarget,
  docToText,
  parseListLiteral,
  renderTemplate,
  TemplateError,
} from "./jinja.ts";
import { PythonRandom } from "./python-random.ts";
import { readRows } from "./rows.ts";

describe("PythonRandom reproduces CPython's random module", () => {
  // expected values printed by CPython 3: random.Random(seed).getrandbits(32) / .sample(range(n), k)
  it("matches getrandbits(32) for the seeds lm-eval and others use", () => {
    const r = new PythonRandom(1234);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([4150886329, 3342196574, 1892932127]);
    expect(new PythonRandom(2 ** 40 + 5).nextUint32()).toBe(2166296868);
  });

  it("matches sample() on small pools (swap algorithm) and large ones (rejection set), draw after draw", () => {
    const r = new PythonRandom(1234);
    const ten = [...Array(10).keys()];
    expect([r.sample(ten, 3), r.sample(ten, 3), r.sample(ten, 3)]).toEqual([
      [7, 1, 0],
      [1, 0, 9],
      [1, 5, 3],
    ]);
    const r2 = new PythonRandom(1234);
    const hundred = [...Array(100).keys()];
    expect([r2.sample(hundred, 6), r2.sample(hundred, 6)]).toEqual([
      [99, 56, 14, 0, 11, 74],
      [4, 85, 88, 10, 12, 98],
    ]);
    const r3 = new PythonRandom(42);
    expect(r3.sample([...Array(7473).keys()], 5)).toEqual([5238, 912, 204, 6074, 2253]);
    expect(r3.sample([...Array(30).keys()], 8)).toEqual([7, 29, 4, 23, 3, 21, 26, 17]);
    expect(() => r3.sample([1, 2], 3)).toThrow(/larger than population/);
  });
});

describe("lm-eval's Jinja, rendered as lm-eval renders it", () => {
  const doc = {
    support: "  Mesophiles grow best in moderate temperature.",
    question: "What?",
    choices: { text: ["x", "y"], label: ["A", "B"] },
    answerKey: "B",
    answer: "step one\n#### 1,234 ",
  };

  it("has Python's string methods, negative indexes, list.index, and keeps the trailing newline", () => {
    expect(renderTemplate("{{support.lstrip()}}\nQ: {{question}}", doc)).toBe(
      "Mesophiles grow best in moderate temperature.\nQ: What?",
    );
    expect(renderTemplate("{{answer.split('####')[-1].strip()}}", doc)).toBe("1,234");
    expect(renderTemplate("{{choices.label.index(answerKey)}}", doc)).toBe("1");
    expect(renderTemplate("Answer briefly.\n\n", doc)).toBe("Answer briefly.\n\n");
    // Python Jinja's defaults: no trim_blocks, no lstrip_blocks
    expect(renderTemplate("{% for c in choices.text %}\n- {{ c }}\n{% endfor %}\n", doc)).toBe(
      "\n- x\n\n- y\n\n",
    );
  });

  it("reaches no JavaScript from a template", () => {
    expect(renderTemplate("{{ question.constructor }}{{ doc.__proto__ }}", doc)).toBe("");
    expect(() => renderTemplate("{{ question.constructor('return 1')() }}", doc)).toThrow(TemplateError);
  });

  it("reads columns, indexes and list literals as lm-eval does", () => {
    const columns = new Set(Object.keys(doc));
    expect(docToText("question", doc, columns, false)).toBe("What?");
    expect(docToTarget(3, doc, columns, true)).toBe(3);
    expect(docToTarget("{{ 1 + 1 }}", doc, columns, true)).toBe(2);
    expect(docToTarget("{{ 1 + 1 }}", doc, columns, false)).toBe("2");
    expect(docToChoice("{{choices.text}}", doc, columns)).toEqual(["x", "y"]);
    expect(docToChoice({ a: "no", b: "yes" }, doc, columns)).toEqual(["no", "yes"]);
    expect(parseListLiteral(`['a', "b's", 3, True, None]`)).toEqual(["a", "b's", 3, true, null]);
    expect(parseListLiteral("['a' 'b']")).toBeUndefined();
    expect(() => docToChoice("{{question}}", doc, columns)).toThrow(/not a list/);
  });
});

describe("data files as Hugging Face datasets reads them", () => {
  it("reads CSV with typed numeric columns, JSON arrays, rows under a field, and JSON Lines", () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-lm-rows-"));
    try {
      writeFileSync(join(dir, "a.csv"), 'q,label,score\n"Is it, really?",1,0.5\nNo,0,\n');
      expect(readRows(join(dir, "a.csv"), "a.csv")).toEqual([
        { q: "Is it, really?", label: 1, score: 0.5 },
        { q: "No", label: 0, score: null },
      ]);
      writeFileSync(join(dir, "b.json"), '[{"x": 1}, {"x": 2}]');
      expect(readRows(join(dir, "b.json"), "b.json")).toEqual([{ x: 1 }, { x: 2 }]);
      writeFileSync(join(dir, "c.json"), '{"version": 1, "rows": [{"x": 3}]}');
      expect(readRows(join(dir, "c.json"), "c.json", { field: "rows" })).toEqual([{ x: 3 }]);
      writeFileSync(join(dir, "d.json"), '{"x": 4}\n\n{"x": 5}\n');
      expect(readRows(join(dir, "d.json"), "d.json")).toEqual([{ x: 4 }, { x: 5 }]);
      writeFileSync(join(dir, "e.jsonl"), '{"x": 4}\nnot json\n');
      expect(() => readRows(join(dir, "e.jsonl"), "e.jsonl")).toThrow(/e\.jsonl:2: malformed JSON/);
      expect(() => readRows(join(dir, "f.parquet"), "f.parquet")).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
