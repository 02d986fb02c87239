import { afterAll, describe, expect, it } from "vitest";
import { jsonl, tempDir } from "../../test/support/temp.ts";
import { InputError } from "../config/errors.ts";
import type { Case, SourcedCase } from "../core/case.ts";
import { type ReadOptions, readDataset, resolveDatasetFiles, summarizeDataset } from "./dataset.ts";
import { READ_CHUNK_BYTES } from "./readers.ts";

const tmp = tempDir("assay-dataset-");
afterAll(() => tmp.remove());

let counter = 0;
/** Writes `content` to a fresh file with the given extension and returns its path. */
function write(ext: string, content: string): string {
  return tmp.write(`f${++counter}.${ext}`, content);
}

async function collect(files: string[], opts?: ReadOptions): Promise<SourcedCase[]> {
  const out: SourcedCase[] = [];
  for await (const c of readDataset(files, opts)) out.push(c);
  return out;
}

async function cases(files: string[], opts?: ReadOptions): Promise<Case[]> {
  return (await collect(files, opts)).map((c) => c.case);
}

/** The InputError reading `files` stops with; fails the test when it reads cleanly or throws anything else. */
async function readError(files: string[]): Promise<InputError> {
  const err = await collect(files).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

const THREE: Case[] = [
  {
    id: "act-001",
    input: "Mark the budget review as done",
    expected: { action: "complete", title: "budget review" },
    tags: { category: "action_recognition" },
  },
  {
    id: "act-002",
    input: 'Add "call mom", tomorrow',
    expected: { action: "create", title: "call mom" },
    tags: { category: "entity_extraction" },
  },
  {
    id: "act-003",
    input: "Delete the dentist reminder",
    expected: { action: "delete", title: "dentist" },
    tags: { category: "action_recognition" },
  },
];

const THREE_JSONL = jsonl(THREE);
const THREE_JSON = `[
  {
    "id": "act-001",
    "input": "Mark the budget review as done",
    "expected": { "action": "complete", "title": "budget review" },
    "tags": { "category": "action_recognition" }
  },
  {
    "id": "act-002",
    "input": "Add \\"call mom\\", tomorrow",
    "expected": { "action": "create", "title": "call mom" },
    "tags": { "category": "entity_extraction" }
  },
  {
    "id": "act-003",
    "input": "Delete the dentist reminder",
    "expected": { "action": "delete", "title": "dentist" },
    "tags": { "category": "action_recognition" }
  }
]
`;
const THREE_YAML = `# three cases
- id: act-001
  input: Mark the budget review as done
  expected: { action: complete, title: budget review }
  tags: { category: action_recognition }

- id: act-002
  input: 'Add "call mom", tomorrow'
  expected:
    action: create
    title: call mom
  tags:
    category: entity_extraction
- id: act-003
  input: Delete the dentist reminder
  expected: { action: delete, title: dentist }
  tags: { category: action_recognition }
`;
const THREE_CSV = `id,input,expected.action,expected.title,tags.category
act-001,Mark the budget review as done,complete,budget review,action_recognition
act-002,"Add ""call mom"", tomorrow",create,call mom,entity_extraction
act-003,Delete the dentist reminder,delete,dentist,action_recognition
`;

describe("readers: every format yields the same cases", () => {
  const files = {
    jsonl: write("jsonl", THREE_JSONL),
    json: write("json", THREE_JSON),
    yaml: write("yaml", THREE_YAML),
    csv: write("csv", THREE_CSV),
  };

  it.each(Object.entries(files))("%s", async (_format, file) => {
    expect(await cases([file])).toEqual(THREE);
  });

  it("each case names its file and the line it starts on", async () => {
    const lines = async (file: string) => (await collect([file])).map((c) => [c.source.file, c.source.line]);
    expect(await lines(files.jsonl)).toEqual([
      [files.jsonl, 1],
      [files.jsonl, 2],
      [files.jsonl, 3],
    ]);
    expect(await lines(files.json)).toEqual([
      [files.json, 2],
      [files.json, 8],
      [files.json, 14],
    ]);
    expect(await lines(files.yaml)).toEqual([
      [files.yaml, 2],
      [files.yaml, 7],
      [files.yaml, 14],
    ]);
    expect(await lines(files.csv)).toEqual([
      [files.csv, 2],
      [files.csv, 3],
      [files.csv, 4],
    ]);
  });

  it("every format has the same dataset version, count and slices", async () => {
    const summaries = await Promise.all(Object.values(files).map((f) => summarizeDataset([f])));
    expect(summaries[0].version).toMatch(/^[0-9a-f]{16}$/);
    for (const s of summaries) {
      expect(s).toEqual({
        version: summaries[0].version,
        count: 3,
        invalid: 0,
        slices: { category: { action_recognition: 2, entity_extraction: 1 } },
      });
    }
  });

  it("a JSON object with `cases:` reads like a list", async () => {
    const file = write("json", `{"description": "wrapped", "cases": ${JSON.stringify(THREE)}}`);
    expect(await cases([file])).toEqual(THREE);
    expect((await summarizeDataset([file])).version).toBe((await summarizeDataset([files.jsonl])).version);
  });

  it(".ndjson and .yml are read too", async () => {
    expect(await cases([write("ndjson", THREE_JSONL)])).toEqual(THREE);
    expect(await cases([write("yml", THREE_YAML)])).toEqual(THREE);
  });

  it("a UTF-8 byte-order mark at the start of a file is ignored", async () => {
    const bom = "\uFEFF";
    expect(await cases([write("jsonl", bom + THREE_JSONL)])).toEqual(THREE);
    expect(await cases([write("csv", bom + THREE_CSV)])).toEqual(THREE);
    expect(await cases([write("json", bom + THREE_JSON)])).toEqual(THREE);
    expect(await cases([write("yaml", bom + THREE_YAML)])).toEqual(THREE);
  });

  it("YAML anchors and aliases resolve to their values", async () => {
    const file = write(
      "yaml",
      `- id: a
  input: &greeting hello there
  expected: &exp { action: complete, fields: [1, 2] }
- id: b
  input: *greeting
  expected: *exp
`,
    );
    expect(await cases([file])).toEqual([
      { id: "a", input: "hello there", expected: { action: "complete", fields: [1, 2] }, tags: {} },
      { id: "b", input: "hello there", expected: { action: "complete", fields: [1, 2] }, tags: {} },
    ]);
  });
});

describe("dataset version", () => {
  const base = async (records: unknown[]) =>
    (await summarizeDataset([write("jsonl", jsonl(records))])).version;

  it("changes when one case's expected changes", async () => {
    const edited = structuredClone(THREE);
    edited[1].expected = { action: "create", title: "call dad" };
    expect(await base(edited)).not.toBe(await base(THREE));
  });

  it("changes when a tag, an input or the set of cases changes", async () => {
    const v = await base(THREE);
    const tag = structuredClone(THREE);
    tag[0].tags.category = "other";
    const input = structuredClone(THREE);
    input[2].input = "Delete the dentist reminders";
    expect(await base(tag)).not.toBe(v);
    expect(await base(input)).not.toBe(v);
    expect(await base(THREE.slice(0, 2))).not.toBe(v);
  });

  it("is independent of line order and key order", async () => {
    const v = await base(THREE);
    expect(await base([THREE[2], THREE[0], THREE[1]])).toBe(v);
    const reordered = THREE.map((c) => ({
      tags: c.tags,
      expected: Object.fromEntries(Object.entries(c.expected as Record<string, unknown>).reverse()),
      input: c.input,
      id: c.id,
    }));
    expect(await base(reordered)).toBe(v);
  });

  it("is the version earlier releases computed, so stored runs stay comparable", async () => {
    // computed by the implementation before the summary pass was made cheaper (issue 14)
    expect(await base(THREE)).toBe("528b1ae9f3a8b098");
    const mixed = [
      {
        id: "m1",
        input: { messages: [{ role: "user", content: "hi" }] },
        expected: { z: 1, a: [3, { y: 1, x: 2 }], "10": "ten", "2": "two" },
        tags: { lang: "en", n: 3 },
        cluster: 7,
      },
      { id: 5, input: { question: "q", context: ["b", "a"] }, expected: "plain" },
    ];
    expect(await base(mixed)).toBe("fb2a2f85820171b0");
  });

  it("is independent of how the cases are split across files", async () => {
    const a = write("jsonl", jsonl(THREE.slice(0, 1)));
    const b = write(
      "yaml",
      THREE_YAML.split("- id: act-002")[0].replace(/act-001[\s\S]*/, "act-000\n  input: x\n"),
    );
    const c = write(
      "csv",
      THREE_CSV.split("\n")
        .filter((l) => !l.startsWith("act-001"))
        .join("\n"),
    );
    const all = write("jsonl", jsonl([{ id: "act-000", input: "x" }, ...THREE]));
    const split = await summarizeDataset([a, b, c]);
    expect(split.count).toBe(4);
    expect(split.version).toBe((await summarizeDataset([all])).version);
  });
});

describe("JSONL line endings", () => {
  it("\\n, \\r\\n and a lone \\r each end a line, as readline reads them", async () => {
    const [a, b, c] = THREE.map((x) => JSON.stringify(x));
    const file = write("jsonl", `${a}\r\n\r\n${b}\r${c}\r`);
    expect((await collect([file])).map((x) => [x.case.id, x.source.line])).toEqual([
      ["act-001", 1],
      ["act-002", 3],
      ["act-003", 4],
    ]);
  });

  it("a line end or a character split between two reads is read whole", async () => {
    // every read boundary is a multiple of the read size: at 1 MiB if reads are larger
    const MiB = Math.max(READ_CHUNK_BYTES, 1024 * 1024);
    expect(MiB % READ_CHUNK_BYTES).toBe(0);
    let text = "";
    let bytes = 0;
    const inputs: string[] = [];
    const add = (input: string, end: string) => {
      const line = `${JSON.stringify({ id: `c${inputs.length}`, input })}${end}`;
      text += line;
      bytes += Buffer.byteLength(line);
      inputs.push(input);
    };
    /** Filler lines, then one line whose input ends with `last`, its first byte at offset `at`. */
    const landAt = (at: number, last: string, end: string) => {
      while (bytes + 300 < at) add("x".repeat(100), "\n");
      const head = Buffer.byteLength(`{"id":"c${inputs.length}","input":"`);
      add(`${"x".repeat(at - bytes - head)}${last}`, end);
    };
    // `"}` closes the line at MiB-3 and MiB-2: the \r is the last byte of the first read, the \n the first of the second
    landAt(MiB - 3, "", "\r\n");
    landAt(2 * MiB - 1, "é", "\n"); // é's two bytes are split between reads 2 and 3
    landAt(3 * MiB - 3, "", "\r"); // a lone \r ends read 3; the next line starts read 4
    add("last", "\n");
    const buf = Buffer.from(text);
    expect([buf[MiB - 1], buf[MiB]]).toEqual([13, 10]);
    expect(buf.subarray(2 * MiB - 1, 2 * MiB + 1).toString()).toBe("é");
    expect([buf[3 * MiB - 1], buf[3 * MiB]]).toEqual([13, "{".charCodeAt(0)]);

    const file = write("jsonl", text);
    const read = await collect([file]);
    expect(read.map((x) => x.case.input)).toEqual(inputs);
    expect(read.map((x) => x.source.line)).toEqual(inputs.map((_, i) => i + 1));
    expect((await summarizeDataset([file])).count).toBe(inputs.length);
  });
});

describe("JSONL errors", () => {
  it("a malformed line names the file and the line", async () => {
    const file = write(
      "jsonl",
      `${JSON.stringify(THREE[0])}\n{"id": "x", "input": \n${JSON.stringify(THREE[1])}\n`,
    );
    const err = await readError([file]);
    expect(err.file).toBe(file);
    expect(err.line).toBe(2);
    expect(err.message).toMatch(new RegExp(`^${escapeRe(file)}:2 malformed JSON`));
  });

  it("blank lines before a malformed line still count", async () => {
    const file = write(
      "jsonl",
      `${JSON.stringify(THREE[0])}\n\n   \n\n${JSON.stringify(THREE[1])}\n{nope}\n`,
    );
    const err = await readError([file]);
    expect(err.message.startsWith(`${file}:6 malformed JSON`)).toBe(true);
    // and the valid case after blank lines has its own line
    const ok = write("jsonl", `\n\n${JSON.stringify(THREE[0])}\r\n\r\n${JSON.stringify(THREE[1])}\r\n`);
    expect((await collect([ok])).map((c) => c.source.line)).toEqual([3, 5]);
  });

  it("a duplicate id names the id and both lines", async () => {
    const file = write("jsonl", jsonl([THREE[0], THREE[1], { ...THREE[2], id: "act-001" }]));
    const err = await readError([file]);
    expect(err.message).toBe(`${file}:3 id: duplicate id "act-001" (first at ${file}:1)`);
  });

  it("a duplicate id across files names both files", async () => {
    const a = write("jsonl", jsonl([THREE[0]]));
    const b = write("csv", THREE_CSV);
    const err = await readError([a, b]);
    expect(err.message).toBe(`${b}:2 id: duplicate id "act-001" (first at ${a}:1)`);
  });

  it("a duplicate names the right file and line among several files, past line 2,048", async () => {
    // 3,000 cases in the first file, then a second file whose third line repeats an id of its own
    // second line, then a third file repeating the first file's last id
    const many = Array.from({ length: 3000 }, (_, i) => ({ ...THREE[0], id: `m-${i}` }));
    const a = write("jsonl", `\n${jsonl(many)}`);
    const b = write(
      "jsonl",
      jsonl([
        { ...THREE[1], id: "b-1" },
        { ...THREE[1], id: "b-2" },
      ]),
    );
    const c = write(
      "jsonl",
      jsonl([
        { ...THREE[2], id: "c-1" },
        { ...THREE[2], id: "m-2999" },
      ]),
    );
    const err = await readError([a, b, c]);
    expect(err.message).toBe(`${c}:2 id: duplicate id "m-2999" (first at ${a}:3001)`);
    const d = write(
      "jsonl",
      jsonl([
        { ...THREE[2], id: "d-1" },
        { ...THREE[2], id: "b-2" },
      ]),
    );
    expect((await readError([a, b, d])).message).toBe(`${d}:2 id: duplicate id "b-2" (first at ${b}:2)`);
  });

  it("ids stop being remembered once known unique (the summary found no duplicate); until then a duplicate is refused", async () => {
    const file = write("jsonl", jsonl([THREE[0], THREE[1], { ...THREE[2], id: "act-001" }]));
    // unknown until after the second record: the first two are checked, then nothing is kept
    let read = 0;
    const known = () => read >= 2;
    const ids: string[] = [];
    for await (const sc of readDataset([file], { idsKnownUnique: known })) {
      ids.push(sc.case.id);
      read++;
    }
    expect(ids).toEqual(["act-001", "act-002", "act-001"]);
    // told nothing, the same file is refused at its third line
    const err = await readError([file]);
    expect(err.message).toContain(":3 id: duplicate id");
  });

  it("a line that is not an object is an error naming its line", async () => {
    const file = write("jsonl", `${JSON.stringify(THREE[0])}\n[1, 2]\n`);
    const err = await readError([file]);
    expect(err.message).toBe(`${file}:2 a case must be an object, got array`);
  });
});

describe("skipInvalid", () => {
  it("continues past bad records, tells onInvalid about each and counts them", async () => {
    const file = write(
      "jsonl",
      [
        JSON.stringify(THREE[0]),
        "{broken",
        JSON.stringify({ id: "no-input" }),
        JSON.stringify(THREE[1]),
        JSON.stringify({ ...THREE[2], id: "act-001" }),
        JSON.stringify(THREE[2]),
      ].join("\n"),
    );
    const seen: InputError[] = [];
    const read = await collect([file], { skipInvalid: true, onInvalid: (e) => seen.push(e) });
    expect(read.map((c) => c.case.id)).toEqual(["act-001", "act-002", "act-003"]);
    expect(seen.map((e) => e.line)).toEqual([2, 3, 5]);
    expect(seen.every((e) => e instanceof InputError)).toBe(true);
    expect(seen[2].message).toContain('duplicate id "act-001"');

    const reported: string[] = [];
    const summary = await summarizeDataset([file], {
      skipInvalid: true,
      onInvalid: (e) => reported.push(e.message),
    });
    expect(summary.count).toBe(3);
    expect(summary.invalid).toBe(3);
    expect(reported).toHaveLength(3);
    // the valid cases alone make the same version as a clean file of them
    expect(summary.version).toBe((await summarizeDataset([write("jsonl", THREE_JSONL)])).version);
  });

  it("without skipInvalid, summarizeDataset stops at the first bad record", async () => {
    const file = write("jsonl", `${JSON.stringify(THREE[0])}\n{broken\n`);
    await expect(summarizeDataset([file])).rejects.toThrow(`${file}:2 malformed JSON`);
  });
});

describe("CSV", () => {
  it("handles quoted commas, doubled quotes and newlines inside quotes; later rows keep their lines", async () => {
    const file = write(
      "csv",
      'id,input,tags.category\na,"one, two",x\nb,"she said ""hi""",x\nc,"line one\nline two\nline three",y\nd,plain,z\n',
    );
    const read = await collect([file]);
    expect(read.map((c) => [c.case.id, c.case.input, c.source.line])).toEqual([
      ["a", "one, two", 2],
      ["b", 'she said "hi"', 3],
      ["c", "line one\nline two\nline three", 4],
      ["d", "plain", 7],
    ]);
  });

  it("CRLF line endings are not part of the values", async () => {
    const file = write("csv", 'id,input,tags.category\r\na,hello,x\r\nb,"quoted",y\r\n\r\nc,last,z');
    const read = await collect([file]);
    expect(read.map((c) => c.case)).toEqual([
      { id: "a", input: "hello", tags: { category: "x" } },
      { id: "b", input: "quoted", tags: { category: "y" } },
      { id: "c", input: "last", tags: { category: "z" } },
    ]);
    expect(read.map((c) => c.source.line)).toEqual([2, 3, 5]);
  });

  it("a row with the wrong number of columns names its line", async () => {
    const file = write("csv", "id,input,tags.category\na,hello,x\nb,too,many,cells\n");
    const err = await readError([file]);
    expect(err.message).toBe(`${file}:3 expected 3 columns, found 4`);
    const short = write("csv", "id,input,tags.category\na,hello\n");
    expect((await readError([short])).message).toBe(`${short}:2 expected 3 columns, found 2`);
  });

  it("an `expected` column holds JSON; `expected.<field>` columns merge into it; true/false/null are typed", async () => {
    const file = write(
      "csv",
      'id,input,expected,expected.done,cluster\na,hi,"{""action"": ""complete""}",true,conv-1\nb,yo,plain answer,,\n',
    );
    expect(await cases([file])).toEqual([
      { id: "a", input: "hi", expected: { action: "complete", done: true }, tags: {}, cluster: "conv-1" },
      { id: "b", input: "yo", expected: "plain answer", tags: {} },
    ]);
  });

  it("an unknown column is an error naming it", async () => {
    const file = write("csv", "id,input,tag.category\na,hi,x\n");
    const err = await readError([file]);
    expect(err.field).toBe("tag.category");
    expect(err.line).toBe(2);
  });
});

describe("case validation", () => {
  it("an unknown field (`tag` for `tags`) names the field and line", async () => {
    const file = write("jsonl", jsonl([THREE[0], { id: "b", input: "x", tag: { category: "y" } }]));
    const err = await readError([file]);
    expect(err.field).toBe("tag");
    expect(err.message.startsWith(`${file}:2 tag: unknown field`)).toBe(true);
  });

  it("non-string tag values become strings; null tags are dropped", async () => {
    const file = write(
      "jsonl",
      jsonl([
        { id: "a", input: "x", tags: { level: 2, flaky: true, ratio: 0.5, source: "curated", none: null } },
      ]),
    );
    expect((await cases([file]))[0].tags).toEqual({
      level: "2",
      flaky: "true",
      ratio: "0.5",
      source: "curated",
    });
    const summary = await summarizeDataset([file]);
    expect(summary.slices).toEqual({
      level: { "2": 1 },
      flaky: { true: 1 },
      ratio: { "0.5": 1 },
      source: { curated: 1 },
    });
  });

  it("an object tag value is an error naming the tag", async () => {
    const file = write("jsonl", jsonl([{ id: "a", input: "x", tags: { level: { n: 1 } } }]));
    expect((await readError([file])).field).toBe("tags.level");
  });

  it("a missing input is an error", async () => {
    const file = write("yaml", "- id: a\n  input: x\n- id: b\n  expected: y\n");
    const err = await readError([file]);
    expect(err.message).toBe(`${file}:3 input: required`);
  });

  it("an empty or missing id is an error", async () => {
    const empty = write("jsonl", jsonl([{ id: "  ", input: "x" }]));
    expect((await readError([empty])).message).toBe(`${empty}:1 id: must not be empty`);
    const missing = write("jsonl", jsonl([{ input: "x" }]));
    expect((await readError([missing])).field).toBe("id");
  });

  it("a numeric id and cluster become strings", async () => {
    const file = write("jsonl", jsonl([{ id: 7, input: { text: "x" }, cluster: 3 }]));
    expect(await cases([file])).toEqual([{ id: "7", input: { text: "x" }, tags: {}, cluster: "3" }]);
  });

  it("chat input needs a list of messages with roles", async () => {
    const ok = write("jsonl", jsonl([{ id: "a", input: { messages: [{ role: "user", content: "hi" }] } }]));
    expect((await cases([ok]))[0].input).toEqual({ messages: [{ role: "user", content: "hi" }] });
    const bad = write("jsonl", jsonl([{ id: "a", input: { messages: [{ content: "hi" }] } }]));
    expect((await readError([bad])).field).toBe("input.messages[0].role");
    const list = write("jsonl", jsonl([{ id: "a", input: ["x"] }]));
    expect((await readError([list])).field).toBe("input");
  });
});

describe("documents and files", () => {
  it("a malformed JSON document names the line of the error", async () => {
    const file = write("json", '[\n  {"id": "a", "input": "x"},\n  {"id": "b", "input": "y",,}\n]\n');
    const err = await readError([file]);
    expect(err.file).toBe(file);
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/malformed document/);
  });

  it("a document that is not a list of cases is an error", async () => {
    const file = write("yaml", "id: a\ninput: x\n");
    expect((await readError([file])).message).toMatch(/expected a list of cases/);
  });

  it("an unsupported extension is an error naming the file and the formats", async () => {
    const file = write("txt", "id,input\n");
    const err = await readError([file]);
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/unsupported dataset format "\.txt".*\.jsonl/);
  });

  it("a missing file is an InputError naming it", async () => {
    const missing = tmp.path("nope.jsonl");
    const err = await readError([missing]);
    expect(err.message).toBe(`${missing} dataset file not found`);
    expect(() => resolveDatasetFiles(["nope.jsonl"], tmp.dir)).toThrow(`${missing} dataset file not found`);
  });

  it("resolveDatasetFiles resolves one path or a list against the suite's folder", () => {
    const a = write("jsonl", THREE_JSONL);
    const b = write("csv", THREE_CSV);
    const rel = (p: string) => p.slice(tmp.dir.length + 1);
    expect(resolveDatasetFiles(rel(a), tmp.dir)).toEqual([a]);
    expect(resolveDatasetFiles([rel(a), b], tmp.dir)).toEqual([a, b]);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
