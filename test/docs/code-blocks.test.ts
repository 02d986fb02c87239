import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.ts";
import {
  expectedExit,
  isAssayLine,
  type PageResult,
  parseBlocks,
  runPage,
  shellLines,
} from "./code-blocks.ts";

const DOCS = join(REPO_ROOT, "docs");
/** docs/reference/ is generated from the schemas and the CLI, and checked by its own test. */
const pages = readdirSync(DOCS)
  .filter((f) => f.endsWith(".md"))
  .sort();

/** Blocks that cannot run offline (a real provider, a server that stays up, workers on several machines) stay few. */
const MAX_NO_RUN = 11;

async function checkPage(file: string, markdown?: string): Promise<PageResult> {
  const result = await runPage(file, markdown);
  rmSync(result.root, { recursive: true, force: true });
  return result;
}

const failures = (r: PageResult) =>
  r.outcomes
    .filter((o) => !o.ok)
    .map((o) => `${o.at}: ${o.what}\n${o.detail}`)
    .join("\n\n");

describe("every code block in docs/ that is a command or a suite runs", () => {
  it("finds the pages", () => {
    for (const page of [
      "getting-started.md",
      "evaluators.md",
      "judges-and-calibration.md",
      "statistics.md",
      "ci.md",
      "agents.md",
      "runs.md",
      "architecture.md",
    ]) {
      expect(pages).toContain(page);
    }
  });

  let noRun = 0;
  for (const page of pages) {
    it(page, async () => {
      const result = await checkPage(join(DOCS, page));
      noRun += result.skipped;
      expect(failures(result)).toBe("");
      if (page !== "architecture.md") expect(result.commands + result.suites, page).toBeGreaterThan(0);
    });
  }

  it(`leaves at most ${MAX_NO_RUN} blocks unrun (no-run: network, API keys, servers)`, () => {
    expect(noRun).toBeLessThanOrEqual(MAX_NO_RUN);
  });
});

describe("the docs check itself", () => {
  it("fails when a documented command fails, and names the page and line", async () => {
    const page = ["# a page", "", "```bash", "npx assay --version", "npx assay show no-such-run", "```"].join(
      "\n",
    );
    const result = await checkPage("fake.md", page);
    expect(result.commands).toBe(2);
    expect(result.outcomes.map((o) => o.ok)).toEqual([true, false]);
    expect(failures(result)).toMatch(/^fake\.md:3: npx assay show no-such-run\nexpected exit 0, got 2/);
  });

  it("fails on a suite with an unknown key or evaluator option, and on a fragment that invents a gate key", async () => {
    const page = [
      "```yaml",
      "suite: demo",
      "dataset: cases.jsonl",
      "targets: [{ id: a, module: a.mjs }]",
      "dimensions:",
      "  exact: { evaluator: equals, with: { ignoreCase: true } }",
      "```",
      "",
      "```yaml",
      "gate:",
      "  maxRegresion: 0.02",
      "```",
      "",
      "```yaml",
      "gate:",
      "  maxRegression: 0.02",
      "```",
    ].join("\n");
    const result = await checkPage("fake.md", page);
    expect(result.suites).toBe(3);
    expect(result.outcomes.map((o) => o.ok)).toEqual([false, false, true]);
    expect(result.outcomes[0].detail).toMatch(/ignoreCase/);
    expect(result.outcomes[1].detail).toMatch(/maxRegresion/);
  });

  it("reads blocks, continuation lines, expected exit codes and attributes", () => {
    const blocks = parseBlocks("```bash no-run\nnpx assay view\n```\n\n```yaml file=a/b.yaml\nx: 1\n```\n");
    expect(blocks.map((b) => [b.line, b.lang, b.attrs])).toEqual([
      [1, "bash", { "no-run": true }],
      [5, "yaml", { file: "a/b.yaml" }],
    ]);
    expect(shellLines("npx assay gate \\\n  --md gate.md   # a comment (exit 1)\nnpm i\n")).toEqual([
      "npx assay gate --md gate.md   # a comment (exit 1)",
      "npm i",
    ]);
    expect(expectedExit("npx assay gate   # fails the build (exit 1)")).toBe(1);
    expect(expectedExit("npx assay gate")).toBe(0);
    expect(isAssayLine("npx assay run")).toBe(true);
    expect(isAssayLine("npm i -D assay")).toBe(false);
  });

  it("the pages it checks are all of docs/ but the generated reference", () => {
    for (const page of pages) expect(readFileSync(join(DOCS, page), "utf8").length).toBeGreaterThan(200);
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function headingsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
  return new Set([...withoutCode.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1])));
}

describe("links in docs/ and the README stay inside the repository and resolve", () => {
  const files = [...pages.map((p) => join(DOCS, p)), join(REPO_ROOT, "README.md")];
  for (const file of files) {
    it(relative(REPO_ROOT, file), () => {
      const markdown = readFileSync(file, "utf8").replace(/^```[\s\S]*?^```/gm, "");
      const problems: string[] = [];
      for (const [, target] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue; // https://… is outside by intent, and allowed
        const [path, anchor] = target.split("#");
        const abs = path === "" ? file : resolve(dirname(file), path);
        if (relative(REPO_ROOT, abs).startsWith("..")) problems.push(`${target}: outside the repository`);
        else if (!existsSync(abs)) problems.push(`${target}: no such file`);
        else if (anchor && abs.endsWith(".md") && !headingsOf(readFileSync(abs, "utf8")).has(anchor))
          problems.push(`${target}: no heading #${anchor}`);
      }
      expect(problems).toEqual([]);
    });
  }
});
