import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp.ts";
import { defaultStorePath, openStore } from "./open.ts";

const tmp = tempDir("assay-open-");
afterAll(() => tmp.remove());

describe("defaultStorePath", () => {
  it("ASSAY_DB wins", () => {
    expect(defaultStorePath("/x/assay.yaml", { ASSAY_DB: "/db/a.db" })).toBe("/db/a.db");
  });

  it("is .assay/assay.db beside the suite file, else in the current folder", () => {
    expect(defaultStorePath("/x/y/assay.yaml", {})).toBe("/x/y/.assay/assay.db");
    expect(defaultStorePath("rel/assay.yaml", {})).toBe(join(resolve("rel"), ".assay", "assay.db"));
    expect(defaultStorePath(undefined, {})).toBe(join(process.cwd(), ".assay", "assay.db"));
  });
});

describe("openStore", () => {
  it("opens an SQLite file for a path", async () => {
    const store = await openStore(tmp.path("s/assay.db"));
    try {
      expect(store.kind).toBe("sqlite");
      expect(await store.listRuns()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
