import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../../test/support/temp.ts";
import {
  anchoredLevels,
  BUILTIN_RUBRICS_DIR,
  builtinRubricNames,
  checkAnchors,
  loadRubric,
  rubricPromptText,
} from "./rubric.ts";

const tmp = tempDir("assay-rubric-");
afterAll(() => tmp.remove());

const LEVELS = ["1", "2", "3", "4", "5"];

describe("rubric anchors", () => {
  it("recognises the usual anchor forms", () => {
    const text = [
      "5: colon",
      "- 4 — em dash in a list",
      "* **3** – bold, en dash",
      "### 2 - heading, hyphen",
      "Score 1 = word score",
      "pass: good",
      "- **fail**: bad",
    ].join("\n");
    expect(anchoredLevels(text, LEVELS)).toEqual(LEVELS);
    expect(anchoredLevels(text, ["pass", "fail"])).toEqual(["pass", "fail"]);
  });

  it("does not take numbered lists, ranges, prose or other levels for anchors", () => {
    const text = "1. first step\n2) second\n3-4 points\nLevel 5 is best\n10: ten\n5:\n";
    expect(anchoredLevels(text, LEVELS)).toEqual([]);
    expect(anchoredLevels("10: ten", ["1", "10"])).toEqual(["10"]);
  });

  it("ignores anchors inside HTML comments, which never reach the judge", () => {
    const raw = "Criterion.\n<!-- note for people\n5: hidden\n-->\n4: shown\n";
    expect(rubricPromptText(raw)).toBe("Criterion.\n\n4: shown");
    expect(anchoredLevels(rubricPromptText(raw), ["4", "5"])).toEqual(["4"]);
  });

  it("checkAnchors names the file and the missing levels", async () => {
    const file = tmp.write("r.md", "Criterion\n\n5: a\n4: b\n1: e\n");
    const rubric = await loadRubric("r.md", tmp.dir);
    expect(() => checkAnchors(rubric, LEVELS)).toThrow(
      `rubric file ${file} has no anchor for score levels 2, 3`,
    );
    let caught: unknown;
    try {
      checkAnchors(rubric, ["pass", "fail"]);
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).name).toBe("EvaluatorConfigError");
    expect((caught as { field?: string }).field).toBe("rubric");
  });

  it("an empty rubric (or one that is only comments) is an error", async () => {
    tmp.write("empty.md", "<!-- nothing -->\n");
    await expect(loadRubric("empty.md", tmp.dir)).rejects.toThrow(/is empty/);
  });
});

describe("built-in rubrics", () => {
  const EXPECTED = [
    "factuality",
    "grounding",
    "instruction-following",
    "pairwise",
    "refusal",
    "relevance",
    "session-helpfulness",
    "summarization-coverage",
    "tone",
    "tool-use",
  ];

  it("ship in rubrics/ at the package root", async () => {
    expect(await builtinRubricNames()).toEqual(EXPECTED);
  });

  for (const name of EXPECTED) {
    it(`${name}: has a criterion, a note on use and an anchor for every level`, async () => {
      const rubric = await loadRubric(name, "/nonexistent");
      expect(rubric.builtin).toBe(true);
      expect(rubric.file).toBe(join(BUILTIN_RUBRICS_DIR, `${name}.md`));
      expect(rubric.text).toMatch(/## Criterion\n\n\S/);
      const raw = await readFile(rubric.file, "utf8");
      expect(raw).toMatch(/<!--\s*\nUse: /);
      const levels = name === "pairwise" ? ["A", "B", "tie"] : name === "refusal" ? ["pass", "fail"] : LEVELS;
      expect(() => checkAnchors(rubric, levels)).not.toThrow();
      // a judge reading the rubric must not find a verdict in it
      expect(rubric.text).not.toMatch(/^\s*(SCORE|WINNER)\s*:/im);
    });
  }
});
