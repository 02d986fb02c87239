import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cliPage } from "./cli-page.ts";
import { evaluatorsPage } from "./evaluators-page.ts";
import { jsonPage } from "./json-page.ts";
import { suitePage } from "./suite-page.ts";

export const REFERENCE_DIR = "docs/reference";

/**
 * Every generated reference page, by its path under the repository root, as `npm run docs` would
 * write it now. evaluators.md keeps its hand-written section from the page on disk.
 */
export function referencePages(repoRoot: string): Record<string, string> {
  const evaluatorsFile = join(repoRoot, REFERENCE_DIR, "evaluators.md");
  const current = existsSync(evaluatorsFile) ? readFileSync(evaluatorsFile, "utf8") : "";
  return {
    [`${REFERENCE_DIR}/suite.md`]: suitePage(),
    [`${REFERENCE_DIR}/evaluators.md`]: evaluatorsPage(current),
    [`${REFERENCE_DIR}/cli.md`]: cliPage(),
    [`${REFERENCE_DIR}/json.md`]: jsonPage(),
  };
}

/** The pages under `repoRoot` that differ from what `npm run docs` would write (or are missing). */
export function staleReferencePages(repoRoot: string): string[] {
  return Object.entries(referencePages(repoRoot))
    .filter(([path, text]) => {
      const file = join(repoRoot, path);
      return !existsSync(file) || readFileSync(file, "utf8") !== text;
    })
    .map(([path]) => path);
}
