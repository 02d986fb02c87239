import { createReadStream, existsSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import { isMap, isNode, isSeq, LineCounter, parseDocument } from "yaml";
import { InputError } from "../config/errors.ts";
import type { CaseSource } from "../core/case.ts";

/** One raw record from a dataset file, or the error that stopped it from being read. */
export type RawRecord = { raw: unknown; source: CaseSource } | { error: InputError; source: CaseSource };

export const DATASET_EXTENSIONS = [".jsonl", ".ndjson", ".json", ".yaml", ".yml", ".csv"];

export function readRecords(file: string): AsyncGenerator<RawRecord> {
  return flatten(readRecordBatches(file));
}

/**
 * The records of a file in batches (one per chunk read, or the whole of a JSON or YAML document):
 * a reader that handles a batch at a time awaits once per chunk instead of once per record.
 */
export function readRecordBatches(file: string): AsyncGenerator<RawRecord[]> {
  const ext = extname(file).toLowerCase();
  if (!existsSync(file)) throw new InputError("dataset file not found", { file });
  if (ext === ".jsonl" || ext === ".ndjson") return readJsonl(file);
  if (ext === ".json" || ext === ".yaml" || ext === ".yml") return readDocument(file);
  if (ext === ".csv") return readCsv(file);
  throw new InputError(`unsupported dataset format "${ext}" (use ${DATASET_EXTENSIONS.join(", ")})`, {
    file,
  });
}

async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/** The text without a leading UTF-8 byte-order mark (Excel and Notepad write one). */
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Bytes read at a time: a batch of some hundreds of lines. Every record of a batch is alive at
 * once while it is checked, so a larger read keeps more of them past a young-generation
 * collection, where they are promoted and die in the old space: at 1 MiB a 100k-case summary
 * peaked 30 MB higher, and was no faster.
 */
export const READ_CHUNK_BYTES = 1 << 16;

/** What ends a line, as readline reads it: \n, \r\n, or a lone \r. */
const LINE_END = /\r\n|\r|\n/;

/**
 * The lines of a text file, one batch per chunk read, split as readline splits them (which this
 * replaces: it costs a promise per line). Memory holds one chunk and the unfinished line.
 */
async function* lineBatches(file: string): AsyncGenerator<string[]> {
  let rest = "";
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: READ_CHUNK_BYTES })) {
    const text = rest + (chunk as string);
    // a \r at the very end may be the first half of a \r\n: it waits with the unfinished line
    const cut = text.charCodeAt(text.length - 1) === 13 ? text.length - 1 : text.length;
    const body = text.slice(0, cut);
    // splitting on one character is several times cheaper than on a pattern
    const lines = body.includes("\r") ? body.split(LINE_END) : body.split("\n");
    rest = (lines.pop() as string) + text.slice(cut);
    if (lines.length > 0) yield lines;
  }
  if (rest !== "") {
    const lines = rest.split(LINE_END);
    // "a\r" is one line, not a line and an empty one
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
    yield lines;
  }
}

/** JSON Lines, streamed a chunk at a time: memory does not grow with the file. */
async function* readJsonl(file: string): AsyncGenerator<RawRecord[]> {
  let line = 0;
  for await (const lines of lineBatches(file)) {
    const batch: RawRecord[] = [];
    for (const raw of lines) {
      line++;
      // a byte-order mark (files saved by Windows tools) is not part of the first record
      const text = line === 1 ? stripBom(raw) : raw;
      if (text.trim() === "") continue;
      const source = { file, line };
      try {
        batch.push({ raw: JSON.parse(text), source });
      } catch (err) {
        batch.push({ error: new InputError(`malformed JSON: ${(err as Error).message}`, source), source });
      }
    }
    yield batch;
  }
}

/**
 * JSON and YAML documents hold a list of cases (or `{cases: [...]}`). They are parsed whole,
 * through the YAML parser (JSON is YAML) so every case still gets its line number.
 */
async function* readDocument(file: string): AsyncGenerator<RawRecord[]> {
  // a byte-order mark (files saved by Windows tools) is not content: YAML would read it as text
  const text = stripBom(readFileSync(file, "utf8"));
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    // prettyErrors: false leaves linePos unset; the offset is always there.
    const source = { file, line: lineCounter.linePos(doc.errors[0].pos[0]).line };
    const error = new InputError(`malformed document: ${doc.errors[0].message.split("\n")[0]}`, source);
    yield [{ error, source }];
    return;
  }
  let seq = doc.contents;
  if (isMap(seq)) seq = seq.get("cases", true) as unknown as typeof seq;
  if (!isSeq(seq)) {
    const source = { file, line: 1 };
    yield [
      { error: new InputError("expected a list of cases (or an object with `cases:`)", source), source },
    ];
    return;
  }
  const batch: RawRecord[] = [];
  for (const item of seq.items) {
    const offset = (item as { range?: [number, number, number] }).range?.[0] ?? 0;
    const source = { file, line: lineCounter.linePos(offset).line };
    // toJS(doc), not toJSON(): an alias (`*name`) resolves only against its document.
    batch.push({ raw: isNode(item) ? item.toJS(doc) : item, source });
  }
  yield batch;
}

/**
 * CSV with a header row: `id`, `input`, `cluster`, `expected` (JSON or text), `expected.<field>`,
 * `tags.<key>`. Streamed; quoted fields may hold commas, quotes ("") and newlines.
 */
async function* readCsv(file: string): AsyncGenerator<RawRecord[]> {
  let header: string[] | undefined;
  for await (const rows of csvRows(file)) {
    const batch: RawRecord[] = [];
    for (const { cells, line } of rows) {
      if (!header) {
        header = cells.map((c) => c.trim());
        continue;
      }
      if (cells.length === 1 && cells[0].trim() === "") continue;
      const source = { file, line };
      if (cells.length !== header.length) {
        const msg = `expected ${header.length} columns, found ${cells.length}`;
        batch.push({ error: new InputError(msg, source), source });
        continue;
      }
      batch.push({ raw: csvRecord(header, cells), source });
    }
    yield batch;
  }
}

function csvRecord(header: string[], cells: string[]): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  const tags: Record<string, string> = {};
  header.forEach((col, i) => {
    const cell = cells[i];
    if (col.startsWith("expected.")) {
      if (cell !== "") expected[col.slice(9)] = csvScalar(cell);
    } else if (col.startsWith("tags.")) {
      if (cell !== "") tags[col.slice(5)] = cell;
    } else if (col === "expected" || col === "input") {
      if (cell !== "") rec[col] = col === "expected" ? jsonOrText(cell) : cell;
    } else if (cell !== "") {
      rec[col] = cell;
    }
  });
  if (Object.keys(expected).length > 0) {
    rec.expected =
      rec.expected && typeof rec.expected === "object" ? { ...rec.expected, ...expected } : expected;
  }
  if (Object.keys(tags).length > 0) rec.tags = tags;
  return rec;
}

function csvScalar(cell: string): unknown {
  if (cell === "null") return null;
  if (cell === "true") return true;
  if (cell === "false") return false;
  return cell;
}

function jsonOrText(cell: string): unknown {
  const t = cell.trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(t);
    } catch {
      return cell;
    }
  }
  return cell;
}

/** RFC 4180 rows, streamed by chunk (the rows each chunk ends); `line` is where a row starts. */
async function* csvRows(file: string): AsyncGenerator<Array<{ cells: string[]; line: number }>> {
  let rows: Array<{ cells: string[]; line: number }> = [];
  let cells: string[] = [];
  let cell = "";
  let inQuotes = false;
  let quotePending = false; // saw a quote inside quotes: either "" or the closing quote
  let line = 1;
  let rowLine = 1;
  let started = false;
  let first = true;
  for await (const chunk of openStream(file)) {
    // a byte-order mark would otherwise stick to the first header name ("\uFEFFid")
    const text = first ? stripBom(chunk as string) : (chunk as string);
    first = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (quotePending) {
        quotePending = false;
        if (ch === '"') {
          cell += '"';
          continue;
        }
        inQuotes = false;
      }
      if (inQuotes) {
        if (ch === '"') quotePending = true;
        else {
          if (ch === "\n") line++;
          cell += ch;
        }
        continue;
      }
      if (ch === '"' && cell === "") {
        inQuotes = true;
        started = true;
      } else if (ch === ",") {
        cells.push(cell);
        cell = "";
        started = true;
      } else if (ch === "\n") {
        cells.push(cell.endsWith("\r") ? cell.slice(0, -1) : cell);
        rows.push({ cells, line: rowLine });
        cells = [];
        cell = "";
        started = false;
        line++;
        rowLine = line;
      } else {
        cell += ch;
        started = true;
      }
    }
    if (rows.length > 0) {
      yield rows;
      rows = [];
    }
  }
  if (started || cell !== "" || cells.length > 0) {
    cells.push(cell.endsWith("\r") ? cell.slice(0, -1) : cell);
    yield [{ cells, line: rowLine }];
  }
}

function openStream(file: string) {
  const stream = createReadStream(file, { encoding: "utf8" });
  return stream;
}
