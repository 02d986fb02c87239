import { describe, expect, it } from "vitest";
import { groupBySlice } from "./slices.ts";

describe("groupBySlice", () => {
  it("puts an item in every slice its tags name, slices in sorted order", () => {
    const items: Array<{ id: string; tags: Record<string, string> | undefined }> = [
      { id: "a", tags: { level: "hard", cat: "x" } },
      { id: "b", tags: { level: "easy" } },
      { id: "c", tags: { level: "hard" } },
      { id: "d", tags: undefined },
    ];
    const groups = groupBySlice(items, (i) => i.tags);
    expect([...groups.keys()]).toEqual(["cat=x", "level=easy", "level=hard"]);
    expect(groups.get("level=hard")?.map((i) => i.id)).toEqual(["a", "c"]);
    expect(groups.get("cat=x")?.map((i) => i.id)).toEqual(["a"]);
  });
});
