import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { looksSecret } from "../../faults/secrets.ts";
import { safeJsonParse } from "../../util/json.ts";
import { ImportError, type ImportNote } from "../types.ts";
import { parseCsv } from "./csv.ts";
import { isObject } from "./names.ts";

/**
 * Where things are in the promptfoo sources: every value the importer reads keeps an Origin, so
 * a feature it cannot translate is reported with its file and line, whichever file it came from
 * (the config, a `file://` tests file, a CSV row, a JSONL line).
 */

export type Path = ReadonlyArray<string | number>;

export interface Where {
  file: string;
  line?: number;
}

/** A place in a source file; `at(path)` is the line of a value below it. */
export class Origin {
  constructor(
    readonly file: string,
    private readonly locate: (path: Path) => number | undefined,
    private readonly base: Path = [],
  ) {}

  at(path: Path = []): Where {
    const line = this.locate([...this.base, ...path]);
    return line === undefined ? { file: this.file } : { file: this.file, line };
  }

  child(path: Path): Origin {
    return new Origin(this.file, this.locate, [...this.base, ...path]);
  }

  /** A fixed line (a JSONL line, a CSV row): every path below it is on that line. */
  static line(file: string, line: number | undefined): Origin {
    return new Origin(file, () => line);
  }
}

/** A parsed YAML (or JSON) document: its plain value and the origin of its root. */
export interface LoadedDocument {
  value: unknown;
  origin: Origin;
}

type Ranged = { range?: [number, number, number] | null } | null | undefined;

/**
 * The line of the value at `path`: of its key when it sits in a map (`threshold:`, `config:`),
 * of the item when it sits in a list. A path that does not exist (a key added by a merge, an index
 * past the end) is reported at the nearest node that does.
 */
function lineOf(doc: Document, counter: LineCounter, path: Path): number | undefined {
  let node: unknown = doc.contents;
  let range = (node as Ranged)?.range;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      range = (pair.key as Ranged)?.range ?? range;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      node = node.items[seg];
      range = (node as Ranged)?.range ?? range;
    } else break;
  }
  return range ? counter.linePos(range[0]).line : undefined;
}

/** Reads a YAML or JSON file; a file that does not parse is an ImportError naming the line. */
export function loadDocument(file: string, display: string): LoadedDocument {
  const text = readText(file, display);
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    throw new ImportError(
      `not valid YAML/JSON: ${err.message.split("\n")[0]}`,
      display,
      counter.linePos(err.pos[0]).line,
    );
  }
  return { value: doc.toJS(), origin: new Origin(display, (path) => lineOf(doc, counter, path)) };
}

/** A JSON Lines file: one value per non-empty line, each with its line. */
export function loadJsonl(file: string, display: string): LoadedDocument[] {
  const out: LoadedDocument[] = [];
  readText(file, display)
    .split(/\r?\n/)
    .forEach((text, i) => {
      if (text.trim() === "") return;
      try {
        out.push({ value: safeJsonParse(text), origin: Origin.line(display, i + 1) });
      } catch (err) {
        throw new ImportError(`malformed JSON: ${(err as Error).message}`, display, i + 1);
      }
    });
  return out;
}

/** A CSV file with a header row: one record per row, each with the line it starts on. */
export function loadCsv(
  file: string,
  display: string,
): Array<{ row: Record<string, string>; origin: Origin }> {
  const rows = parseCsv(readText(file, display));
  const [header, ...body] = rows;
  if (!header) return [];
  const names = header.cells.map((c) => c.trim());
  return body
    .filter((r) => !(r.cells.length === 1 && r.cells[0].trim() === ""))
    .map((r) => {
      const row: Record<string, string> = {};
      names.forEach((name, i) => {
        row[name] = r.cells[i] ?? "";
      });
      return { row, origin: Origin.line(display, r.line) };
    });
}

export function readText(file: string, display: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError(
      code === "ENOENT" ? "no such file" : `cannot read: ${(err as Error).message}`,
      display,
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** `file://path[:suffix]` → the path and what follows a colon after the extension (a function name). */
export function parseFileRef(ref: string): { path: string; suffix?: string } | undefined {
  if (!ref.startsWith("file://")) return undefined;
  const rest = ref.slice("file://".length);
  // `file://assert.js:scoreIt`, `file://gen.py:create_tests`; not the colon of `C:\…`
  const m = /^(.*\.[A-Za-z0-9]+):([A-Za-z_$][\w$]*)$/.exec(rest);
  return m ? { path: m[1], suffix: m[2] } : { path: rest };
}

const GLOB_CHARS = /[*?[]/;

function globRegex(segment: string): RegExp {
  let re = "";
  for (const ch of segment) {
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * The files a `file://` path names, relative to `baseDir`: the file itself, or every match of a
 * glob (`*`, `?`, `**`), sorted. No match is an empty list.
 */
export function expandFiles(path: string, baseDir: string): string[] {
  const abs = isAbsolute(path) ? path : resolve(baseDir, path);
  if (!GLOB_CHARS.test(path)) return existsSync(abs) ? [abs] : [];
  const parts = abs.split(sep);
  const first = parts.findIndex((p) => GLOB_CHARS.test(p));
  const root = parts.slice(0, first).join(sep) || sep;
  const matches: string[] = [];
  const walk = (dir: string, rest: string[]): void => {
    if (rest.length === 0) {
      matches.push(dir);
      return;
    }
    const [head, ...tail] = rest;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    if (head === "**") {
      walk(dir, tail);
      for (const e of entries) {
        const p = join(dir, e);
        if (isDir(p)) walk(p, rest);
      }
      return;
    }
    const re = globRegex(head);
    for (const e of entries.sort()) {
      if (!re.test(e)) continue;
      const p = join(dir, e);
      if (tail.length === 0 ? !isDir(p) : isDir(p)) walk(p, tail);
    }
  };
  walk(root, parts.slice(first));
  return [...new Set(matches)].sort();
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * What the importer tells the user: notes (each once), the source files it read, and how file
 * names are shown (relative to where the import was run when below it).
 */
export class ImportContext {
  readonly notes: ImportNote[] = [];
  readonly sources: string[] = [];
  private readonly seen = new Set<string>();

  constructor(
    readonly cwd: string,
    /** `--data KEY=FILE`: rows for test sources that need the network (a Hugging Face dataset) */
    readonly data: Record<string, string> = {},
  ) {}

  display(file: string): string {
    const rel = relative(this.cwd, file);
    return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : rel;
  }

  read(file: string): string {
    const shown = this.display(file);
    if (!this.sources.includes(shown)) this.sources.push(shown);
    return shown;
  }

  /** The notes by file (in the order the files were read), then by line. */
  sortedNotes(): ImportNote[] {
    const rank = (n: ImportNote) => {
      const i = this.sources.indexOf(n.file);
      return i < 0 ? this.sources.length : i;
    };
    return [...this.notes].sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0));
  }

  note(where: Where, feature: string, reason: string): void {
    const key = `${where.file}:${where.line ?? ""}:${feature}:${reason}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.notes.push({
      file: where.file,
      ...(where.line !== undefined ? { line: where.line } : {}),
      feature,
      reason,
    });
  }
}

/** The directory a display name's file lives in (display names may be relative to cwd). */
export function dirOf(cwd: string, display: string): string {
  return dirname(resolve(cwd, display));
}

/**
 * Config copied into the suite (a provider module's, a javascript assertion's) without the values
 * under secret-looking keys (`apiKey`, `token`, `password`…), each reported: secrets never go into
 * suite files; the code should read them from the environment.
 */
export function withoutSecrets(
  config: Record<string, unknown>,
  origin: Origin,
  ctx: ImportContext,
  owner: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (looksSecret(key) && typeof value === "string") {
      ctx.note(
        origin.at([key]),
        `${owner} config.${key}`,
        "a secret is never copied into the suite: read it from the environment in the code",
      );
    } else out[key] = isObject(value) ? withoutSecrets(value, origin.child([key]), ctx, owner) : value;
  }
  return out;
}
