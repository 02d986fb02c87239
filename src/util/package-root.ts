import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * A path inside assay's own package (package.json, rubrics/, web/dist/). Found by walking up from
 * this module to the nearest package.json, because the module sits at different depths: src/util/
 * when run from source, dist/util/ when built, dist/cli/ in the CLI's bundle. Imports only
 * node built-ins, so `assay --version` loads nothing else for it.
 */
export function packagePath(...parts: string[]): string {
  if (root === undefined) {
    const start = dirname(fileURLToPath(import.meta.url));
    let dir = start;
    while (!existsSync(join(dir, "package.json"))) {
      const up = dirname(dir);
      if (up === dir) throw new Error(`assay's package.json was not found above ${start}`);
      dir = up;
    }
    root = dir;
  }
  return join(root, ...parts);
}
