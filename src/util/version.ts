import { readFileSync } from "node:fs";
import { packagePath } from "./package-root.ts";

let cached: string | undefined;

/**
 * assay's version, from its package.json. A module of its own, importing only node:fs, so that
 * `assay --version` and start-up load nothing else for it (engine/lineage.ts re-exports it).
 */
export function toolVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as {
      version: string;
    };
    cached = pkg.version;
  }
  return cached;
}
