import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temp folder with helpers to write files into it; remove() when done. */
export function tempDir(prefix = "assay-test-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (name: string) => join(dir, name),
    write(name: string, content: string) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    read(name: string): string {
      return readFileSync(join(dir, name), "utf8");
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function jsonl(records: unknown[]): string {
  return `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;
}
