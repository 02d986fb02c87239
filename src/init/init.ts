import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { InputError } from "../config/errors.ts";
import { TEMPLATE_NAMES, type TemplateName, templateFiles } from "./templates.ts";

export interface InitOptions {
  template?: string;
  /** overwrite files that exist */
  force?: boolean;
}

export interface InitResult {
  dir: string;
  written: string[];
  /** files added to rather than written (only `.gitignore`, which gets `.assay/` when missing) */
  appended: string[];
}

/**
 * Writes a working suite into `dir`: assay.yaml, a small dataset, a target stub (or a provider
 * stanza and a rubric), `.assay/` in `.gitignore`, and a CI workflow that runs the gate. Refuses
 * to overwrite any file unless `force`, naming every file that is in the way — before writing any.
 */
export function initSuite(dirArg: string | undefined, opts: InitOptions = {}): InitResult {
  const name = (opts.template ?? "basic") as TemplateName;
  if (!TEMPLATE_NAMES.includes(name)) {
    throw new InputError(`unknown template "${opts.template}" (templates: ${TEMPLATE_NAMES.join(", ")})`);
  }
  const dir = resolve(dirArg ?? ".");
  const files = templateFiles(name, ".");
  const gitignorePath = join(dir, ".gitignore");
  const inTheWay = files
    .filter((f) => f.path !== ".gitignore" && existsSync(join(dir, f.path)))
    .map((f) => f.path);
  if (inTheWay.length > 0 && !opts.force) {
    throw new InputError(
      `${dir}: ${inTheWay.join(", ")} already exist${inTheWay.length === 1 ? "s" : ""}; nothing was written (--force overwrites)`,
    );
  }
  const written: string[] = [];
  const appended: string[] = [];
  for (const f of files) {
    const target = join(dir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    // A .gitignore is the user's: merged into, never replaced (not even with --force).
    if (f.path === ".gitignore" && existsSync(gitignorePath)) {
      const current = readFileSync(gitignorePath, "utf8");
      if (!/^\/?\.assay\/?\s*$/m.test(current)) {
        writeFileSync(
          gitignorePath,
          `${current}${current.endsWith("\n") || current === "" ? "" : "\n"}${f.content}`,
        );
        appended.push(f.path);
      }
      continue;
    }
    writeFileSync(target, f.content);
    written.push(f.path);
  }
  return { dir, written, appended };
}
