import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { jsonl, tempDir } from "../../test/support/temp.ts";
import { InputError } from "../config/errors.ts";
import { summarizeDataset } from "./dataset.ts";

const tmp = tempDir("assay-summary-cache-");
afterAll(() => tmp.remove());

const CASES = [
  { id: "a", input: "Mark the budget review as done", tags: { kind: "x" } },
  { id: "b", input: "Call mom tomorrow", tags: { kind: "y" } },
];
/** An hour ago: long settled, as a dataset that was not just written is. */
const OLD = new Date(Date.now() - 3_600_000);

let n = 0;
/** A suite folder with a `.assay/` folder (as the default store makes) and a settled dataset file. */
function suiteWithDataset(content = jsonl(CASES), withAssayFolder = true) {
  const dir = tmp.path(`suite${++n}`);
  mkdirSync(dir);
  if (withAssayFolder) mkdirSync(`${dir}/.assay`);
  mkdirSync(`${dir}/data`);
  const file = `${dir}/data/cases.jsonl`;
  writeFileSync(file, content);
  utimesSync(file, OLD, OLD);
  return { dir, file, cacheFile: `${dir}/.assay/dataset-summaries.json` };
}

function entries(cacheFile: string): Array<{ key: string; summary: { version: string } }> {
  return JSON.parse(readFileSync(cacheFile, "utf8")).entries;
}

describe("the dataset summary cache", () => {
  it("keeps an unchanged dataset's summary in the nearest .assay/ folder and answers from it", async () => {
    const { file, cacheFile } = suiteWithDataset();
    const first = await summarizeDataset([file]);
    expect(entries(cacheFile).map((e) => e.summary.version)).toEqual([first.version]);

    // a marked entry shows the next summary was read from the cache, not computed again
    const marked = JSON.parse(readFileSync(cacheFile, "utf8"));
    marked.entries[0].summary.version = "from-the-cache";
    writeFileSync(cacheFile, JSON.stringify(marked));
    const second = await summarizeDataset([file]);
    expect(second).toEqual({ ...first, version: "from-the-cache" });
  });

  it("an edit that keeps the size, even with the old mtime put back, gives the new version", async () => {
    const { file, cacheFile } = suiteWithDataset();
    const before = await summarizeDataset([file]);
    expect(existsSync(cacheFile)).toBe(true);

    const edited = jsonl([{ ...CASES[0], input: "Mark the budget review as DONE" }, CASES[1]]);
    expect(Buffer.byteLength(edited)).toBe(Buffer.byteLength(jsonl(CASES)));
    writeFileSync(file, edited);
    utimesSync(file, OLD, OLD);
    const after = await summarizeDataset([file]);

    const uncached = suiteWithDataset(edited, false);
    expect(after.version).not.toBe(before.version);
    expect(after.version).toBe((await summarizeDataset([uncached.file])).version);
  });

  it("keeps nothing for a file modified moments ago, or a dataset with an invalid record", async () => {
    const fresh = suiteWithDataset();
    writeFileSync(fresh.file, jsonl(CASES)); // modified now: its timestamp may not tell the next write apart
    await summarizeDataset([fresh.file]);
    expect(existsSync(fresh.cacheFile)).toBe(false);

    const bad = suiteWithDataset(`${jsonl(CASES)}{not json}\n`);
    const skipped = await summarizeDataset([bad.file], { skipInvalid: true });
    expect(skipped.invalid).toBe(1);
    expect(existsSync(bad.cacheFile)).toBe(false);
    // so the record is still reported next time
    await expect(summarizeDataset([bad.file])).rejects.toBeInstanceOf(InputError);
  });

  it("without a .assay/ folder, creates no folder and no file", async () => {
    const { dir, file } = suiteWithDataset(jsonl(CASES), false);
    const summary = await summarizeDataset([file]);
    expect(summary.count).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(["data"]);
    expect(readdirSync(`${dir}/data`)).toEqual(["cases.jsonl"]);
  });
});
