/**
 * `npm run docs`: writes docs/reference/*.md from the schemas, the evaluators' option schemas, the
 * commander program and the JSON field tables. test/docs/reference.test.ts fails when a page on
 * disk differs from what this would write.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { referencePages } from "./docs/pages.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
for (const [path, text] of Object.entries(referencePages(root))) {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${path}\n`);
}
