import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../support/cli.ts";

const DEMO = join(REPO_ROOT, "examples/task-api");

/**
 * A copy of the task-api demo in `dir` (suite file, both targets, schema) with every `every`-th case
 * of its dataset: the same suite, gate policy and offline targets, a fraction of the running time.
 * No `.assay/` comes along, so the copy starts with no store, as a fresh CI runner does.
 */
export function demoLikeSuite(dir: string, every = 3): string {
  mkdirSync(join(dir, "data"), { recursive: true });
  writeFileSync(join(dir, "assay.yaml"), readFileSync(join(DEMO, "assay.yaml"), "utf8"));
  cpSync(join(DEMO, "schemas"), join(dir, "schemas"), { recursive: true });
  cpSync(join(DEMO, "targets"), join(dir, "targets"), {
    recursive: true,
    filter: (src) => !src.endsWith(".test.ts"),
  });
  const lines = readFileSync(join(DEMO, "data/cases.jsonl"), "utf8").split("\n").filter(Boolean);
  writeFileSync(join(dir, "data/cases.jsonl"), `${lines.filter((_, i) => i % every === 0).join("\n")}\n`);
  return dir;
}
