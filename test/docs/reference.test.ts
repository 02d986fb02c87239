import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { evaluatorsPage, KEPT_END, KEPT_START, keptSection } from "../../scripts/docs/evaluators-page.ts";
import { REFERENCE_DIR, referencePages, staleReferencePages } from "../../scripts/docs/pages.ts";
import { builtinEvaluators } from "../../src/evaluators/registry.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { tempDir } from "../support/temp.ts";
import { runPage } from "./code-blocks.ts";

const EVALUATORS_MD = join(REPO_ROOT, REFERENCE_DIR, "evaluators.md");

describe("generated reference pages (docs/reference)", () => {
  const dirs: Array<{ remove(): void }> = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });

  it("are what `npm run docs` writes now (run npm run docs when this fails)", () => {
    const stale = staleReferencePages(REPO_ROOT);
    expect(stale, `stale: ${stale.join(", ")}; run npm run docs`).toEqual([]);
    expect(Object.keys(referencePages(REPO_ROOT)).sort()).toEqual(
      ["cli.md", "evaluators.md", "json.md", "suite.md"].map((p) => `${REFERENCE_DIR}/${p}`),
    );
  });

  it("a page edited by hand, or missing, is reported stale", () => {
    const tmp = tempDir("assay-docs-ref-");
    dirs.push(tmp);
    mkdirSync(join(tmp.dir, REFERENCE_DIR), { recursive: true });
    copyFileSync(EVALUATORS_MD, join(tmp.dir, REFERENCE_DIR, "evaluators.md"));
    for (const [path, text] of Object.entries(referencePages(tmp.dir)))
      writeFileSync(join(tmp.dir, path), text);
    expect(staleReferencePages(tmp.dir)).toEqual([]);
    const suite = join(tmp.dir, REFERENCE_DIR, "suite.md");
    writeFileSync(suite, readFileSync(suite, "utf8").replace("the suite's name", "the name"));
    rmSync(join(tmp.dir, REFERENCE_DIR, "cli.md"));
    expect(staleReferencePages(tmp.dir).sort()).toEqual([
      `${REFERENCE_DIR}/cli.md`,
      `${REFERENCE_DIR}/suite.md`,
    ]);
  });

  it("evaluators.md lists every kind with each option, and keeps its hand-written section", () => {
    const page = readFileSync(EVALUATORS_MD, "utf8");
    for (const [kind, factory] of builtinEvaluators) {
      const section = page.slice(
        page.indexOf(`\n## ${kind}\n`),
        page.indexOf("\n## ", page.indexOf(`\n## ${kind}\n`) + 1),
      );
      expect(section, kind).toContain(`Version ${factory.version}: ${factory.description}`);
      for (const option of Object.keys((factory.options as { shape?: object }).shape ?? {})) {
        expect(section, `${kind}.${option}`).toContain(`| \`${option}\` |`);
      }
    }
    const written = `${KEPT_START}\nhand-written words\n${KEPT_END}`;
    expect(evaluatorsPage(`generated text\n${written}\n`)).toContain(written);
    expect(() => evaluatorsPage("no markers")).toThrow(/hand-written section/);
  });

  it("the custom evaluator and module target examples run as written", async () => {
    const section = keptSection(readFileSync(EVALUATORS_MD, "utf8"));
    const result = await runPage(EVALUATORS_MD, section);
    dirs.push({ remove: () => rmSync(result.root, { recursive: true, force: true }) });
    const failures = result.outcomes.filter((o) => !o.ok).map((o) => `${o.at}: ${o.what}\n${o.detail}`);
    expect(failures).toEqual([]);
    expect(result.commands).toBeGreaterThanOrEqual(1);
    expect(result.suites).toBeGreaterThanOrEqual(1);
    // the module target answered and the custom evaluator scored, as the page says
    const card = JSON.parse(readFileSync(join(result.root, "project", "scorecard.json"), "utf8"));
    expect(card.errors.count).toBe(0);
    expect(card.dimensions.keywords.unscored).toBe(0);
    expect(card.dimensions.keywords.mean).toBeCloseTo(2 / 3, 10);
    expect(card.worst[0].failing[0].reason).toBe("missing: tracking");
  });
});
