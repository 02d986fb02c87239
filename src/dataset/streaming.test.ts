import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp.ts";
import { readDataset, summarizeDataset } from "./dataset.ts";

const LINES = 200_000;

/** A full garbage collection, so heapUsed measures what is retained rather than what awaits collection. */
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function retainedHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}
const tmp = tempDir("assay-stream-");
afterAll(() => tmp.remove());

/** ~48 MB of JSONL: big enough that holding it (or its parsed cases) shows in the heap. */
async function writeBigFile(): Promise<string> {
  const file = tmp.path("big.jsonl");
  const out = createWriteStream(file);
  const padding = "x".repeat(160);
  let chunk = "";
  for (let i = 0; i < LINES; i++) {
    const tags = `{"category":"c${i % 7}","level":${i % 3}}`;
    chunk += `{"id":"case-${i}","input":"Task ${i} ${padding}","expected":{"action":"a${i % 5}","n":${i}},"tags":${tags}}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  out.end(chunk);
  await once(out, "finish");
  return file;
}

describe("streaming a large JSONL dataset", () => {
  it("summarizes 200,000 lines and iterates them with bounded heap growth", async () => {
    const file = await writeBigFile();

    const summary = await summarizeDataset([file]);
    expect(summary.count).toBe(LINES);
    expect(summary.invalid).toBe(0);
    expect(summary.version).toMatch(/^[0-9a-f]{16}$/);
    expect(summary.slices.category.c0).toBe(Math.ceil(LINES / 7));
    expect(Object.values(summary.slices.level).reduce((a, b) => a + b, 0)).toBe(LINES);

    const before = retainedHeap();
    let peak = before;
    let count = 0;
    let lastLine = 0;
    for await (const { case: c, source } of readDataset([file])) {
      count++;
      lastLine = source.line;
      if (c.id === "") throw new Error("unreachable: ids are never empty");
      if (count % 50_000 === 0) peak = Math.max(peak, retainedHeap());
    }
    peak = Math.max(peak, retainedHeap());
    expect(count).toBe(LINES);
    expect(lastLine).toBe(LINES);
    // The reader keeps the ids it has seen (~30 MB here) but not the cases (~100 MB if it did).
    expect(peak - before).toBeLessThan(70 * 1024 * 1024);
  }, 120_000);
});
