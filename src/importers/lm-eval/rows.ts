import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { ImportError } from "../types.ts";
import type { Doc } from "./jinja.ts";

/**
 * The rows of a local data file, read the way Hugging Face `datasets` reads `json` and `csv`
 * datasets: JSON Lines or a JSON array (or the list under `field`), CSV with a header row and
 * pandas-style column types (a column of integers is integers, of numbers numbers; an empty cell
 * is null). Parquet and Arrow files need a reader this tool does not have: they are refused.
 */
export function readRows(file: string, shown: string, opts: { format?: string; field?: string } = {}): Doc[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImportError(
      code === "ENOENT" ? "data file not found" : `cannot read: ${(err as Error).message}`,
      shown,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ext = extname(file).toLowerCase();
  const format =
    opts.format ??
    (ext === ".csv" || ext === ".tsv" ? "csv" : ext === ".parquet" || ext === ".arrow" ? "binary" : "json");
  if (format === "binary" || format === "parquet" || format === "arrow") {
    throw new ImportError(
      `${ext || format} files cannot be read here: convert the split to JSON Lines or CSV`,
      shown,
    );
  }
  if (format === "csv") return readCsv(text, shown, ext === ".tsv" ? "\t" : ",");
  return readJson(text, shown, opts.field);
}

function readJson(text: string, shown: string, field: string | undefined): Doc[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  // a whole JSON document (an array, or an object holding the list under `field`)
  if (trimmed.startsWith("[") || (trimmed.startsWith("{") && field !== undefined)) {
    try {
      const v: unknown = JSON.parse(trimmed);
      const list =
        field !== undefined && v !== null && typeof v === "object" && !Array.isArray(v)
          ? (v as Record<string, unknown>)[field]
          : v;
      if (!Array.isArray(list))
        throw new ImportError(`expected a list of rows${field ? ` under "${field}"` : ""}`, shown);
      return list.map((row, i) => asDoc(row, shown, i + 1));
    } catch (err) {
      if (err instanceof ImportError) throw err;
      if (trimmed.startsWith("[")) throw new ImportError(`not valid JSON: ${(err as Error).message}`, shown);
    }
  }
  // JSON Lines
  const rows: Doc[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new ImportError(`malformed JSON: ${(err as Error).message}`, shown, i + 1);
    }
    rows.push(asDoc(v, shown, i + 1));
  });
  return rows;
}

function asDoc(v: unknown, shown: string, line: number): Doc {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new ImportError("each row must be a JSON object of columns", shown, line);
  }
  return v as Doc;
}

function readCsv(text: string, shown: string, sep: string): Doc[] {
  const records = parseCsv(text, sep);
  if (records.length === 0) return [];
  const [header, ...rows] = records;
  const body = rows.filter((r) => !(r.cells.length === 1 && r.cells[0] === ""));
  for (const r of body) {
    if (r.cells.length !== header.cells.length) {
      throw new ImportError(
        `expected ${header.cells.length} columns, found ${r.cells.length}`,
        shown,
        r.line,
      );
    }
  }
  const types = header.cells.map((_, c) => columnType(body.map((r) => r.cells[c])));
  return body.map((r) => {
    const doc: Doc = {};
    header.cells.forEach((name, c) => {
      const cell = r.cells[c];
      doc[name] = cell === "" ? null : types[c] === "string" ? cell : Number(cell);
    });
    return doc;
  });
}

/** pandas' inference, simplified: a column whose every non-empty cell is a number is numeric. */
function columnType(cells: string[]): "number" | "string" {
  const filled = cells.filter((c) => c !== "");
  return filled.length > 0 && filled.every((c) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(c.trim()))
    ? "number"
    : "string";
}

/** RFC 4180: quoted cells may hold separators, doubled quotes and line breaks. */
function parseCsv(text: string, sep: string): Array<{ cells: string[]; line: number }> {
  const out: Array<{ cells: string[]; line: number }> = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === "") quoted = true;
    else if (c === sep) {
      cells.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      cells.push(cell);
      out.push({ cells, line: start });
      cells = [];
      cell = "";
      line++;
      start = line;
    } else cell += c;
  }
  if (cell !== "" || cells.length > 0) {
    cells.push(cell);
    out.push({ cells, line: start });
  }
  return out;
}
