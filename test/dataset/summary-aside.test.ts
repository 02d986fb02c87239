import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summarizeDataset } from "../../src/dataset/dataset.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { jsonl, tempDir } from "../support/temp.ts";

/**
 * summarizeAside from the built code (vitest's global setup builds dist/), where it really runs in
 * a worker thread: the same summary as summarizeDataset, and the same errors, rebuilt on this side
 * with their file, line and field. (From the sources it summarises in-thread, which the engine's
 * tests cover.)
 */
type Aside = typeof import("../../src/dataset/summary-aside.ts");

describe("summarizeAside in a worker thread", () => {
  const tmp = tempDir("assay-aside-");
  let aside: Aside["summarizeAside"];

  beforeAll(async () => {
    const url = pathToFileURL(join(REPO_ROOT, "dist/dataset/summary-aside.js")).href;
    ({ summarizeAside: aside } = (await import(url)) as Aside);
  });
  afterAll(() => tmp.remove());

  it("gives summarizeDataset's summary: version, count and slices", async () => {
    const a = tmp.write(
      "a.jsonl",
      jsonl(
        Array.from({ length: 300 }, (_, i) => ({ id: `a${i}`, input: `x ${i}`, tags: { k: String(i % 4) } })),
      ),
    );
    const b = tmp.write(
      "b.jsonl",
      jsonl([{ id: "b1", input: { messages: [{ role: "user", content: "hi" }] } }]),
    );
    const there = await aside([a, b]);
    const here = await summarizeDataset([a, b]);
    expect(there).toEqual(here);
    expect(there.count).toBe(301);
    expect(there.slices.k["3"]).toBe(75);
  });

  it("a refused record arrives as an InputError naming file, line and field", async () => {
    const file = tmp.write(
      "dup.jsonl",
      jsonl([
        { id: "x", input: "1" },
        { id: "y", input: "2" },
        { id: "x", input: "3" },
      ]),
    );
    const err = (await aside([file]).catch((e: unknown) => e)) as Error & {
      file?: string;
      line?: number;
      field?: string;
    };
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("InputError");
    expect(err.file).toBe(file);
    expect(err.line).toBe(3);
    expect(err.field).toBe("id");
    expect(err.message).toBe(`${file}:3 id: duplicate id "x" (first at ${file}:1)`);
  });

  it("with skipInvalid, every skipped record is told in order and counted", async () => {
    const file = tmp.write(
      "bad.jsonl",
      `{"id":"a","input":"1"}\n{"id":\n{"id":"b","input":"2"}\n{"input":"no id"}\n`,
    );
    const told: Array<{ line?: number; message: string }> = [];
    const summary = await aside([file], {
      skipInvalid: true,
      onInvalid: (e) => told.push({ line: e.line, message: e.message }),
    });
    expect(summary.count).toBe(2);
    expect(summary.invalid).toBe(2);
    expect(told.map((t) => t.line)).toEqual([2, 4]);
    expect(told[0].message).toContain(`${file}:2 malformed JSON`);
  });

  it("a missing file is an InputError naming it; a file that cannot be read keeps its error code", async () => {
    const missing = tmp.path("missing.jsonl");
    const gone = (await aside([missing]).catch((e: unknown) => e)) as Error & { file?: string };
    expect(gone.name).toBe("InputError");
    expect(gone.file).toBe(missing);
    expect(gone.message).toBe(`${missing} dataset file not found`);
    const folder = tmp.path("folder.jsonl");
    mkdirSync(folder);
    const unreadable = (await aside([folder]).catch((e: unknown) => e)) as Error & { code?: string };
    expect(unreadable).toBeInstanceOf(Error);
    expect(unreadable.code).toBe("EISDIR");
  });
});
