import { describe, expect, it } from "vitest";
import { didYouMean, didYouMeanSuffix } from "./did-you-mean.ts";

describe("didYouMean", () => {
  const keys = ["dimensions", "dataset", "targets", "maxRegression", "field", "fields"];

  it("suggests the nearest name within edit distance 2", () => {
    expect(didYouMean("dimension", keys)).toBe("dimensions"); // 1 insertion
    expect(didYouMean("maxRegresion", keys)).toBe("maxRegression"); // 1 deletion
    expect(didYouMean("feild", keys)).toBe("field"); // a transposition: 2 substitutions
    expect(didYouMean("MaxRegression", keys)).toBe("maxRegression"); // case is ignored
  });

  it("suggests nothing when every name is further away", () => {
    expect(didYouMean("colour", keys)).toBeUndefined();
    expect(didYouMean("fieldxyz", ["field"])).toBeUndefined(); // 3 away
    expect(didYouMean("fieldxy", ["field"])).toBe("field"); // 2 away: still near
    expect(didYouMean("ab", ["n"])).toBeUndefined(); // replacing every character is no typo
    expect(didYouMean("x", [])).toBeUndefined();
  });

  it("prefers the nearest, then the earlier candidate", () => {
    expect(didYouMean("fieldss", ["field", "fields"])).toBe("fields");
    expect(didYouMean("fiedl", ["field", "fiedls"])).toBe("fiedls"); // 1 away beats 2 away
    expect(didYouMean("cat", ["bat", "hat"])).toBe("bat");
  });

  it("formats the suffix of an error message", () => {
    expect(didYouMeanSuffix("dimension", keys)).toBe(' (did you mean "dimensions"?)');
    expect(didYouMeanSuffix("colour", keys)).toBe("");
  });
});
