import { describe, expect, it } from "vitest";
import { bundleBuildId, cacheFileName, compileCacheDir } from "./compile-cache.ts";

describe("compileCacheDir", () => {
  it("is ASSAY_COMPILE_CACHE when set, none for 0 or off", () => {
    expect(compileCacheDir({ ASSAY_COMPILE_CACHE: "/srv/cache" })).toBe("/srv/cache");
    expect(compileCacheDir({ ASSAY_COMPILE_CACHE: "0" })).toBeUndefined();
    expect(compileCacheDir({ ASSAY_COMPILE_CACHE: "OFF" })).toBeUndefined();
  });

  it("is under XDG_CACHE_HOME, else under the home folder's .cache", () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: "/x/cache" })).toBe("/x/cache/assay/compile");
    expect(compileCacheDir({})).toMatch(/[\\/]\.cache[\\/]assay[\\/]compile$/);
  });
});

describe("the cache's name", () => {
  it("reads the build id from the bundle's first line only", () => {
    expect(bundleBuildId("// assay-bundle 0123456789abcdef\nvar x;")).toBe("0123456789abcdef");
    expect(bundleBuildId("var x;\n// assay-bundle 0123456789abcdef\n")).toBeUndefined();
    expect(bundleBuildId("// assay-bundle ../../etc\n")).toBeUndefined();
  });

  it("names the build, the Node version and the command, and nothing a user typed beyond a command word", () => {
    const name = cacheFileName("0123456789abcdef", "run");
    expect(name).toBe(`0123456789abcdef-node${process.versions.node}-${process.arch}-run.bin`);
    expect(cacheFileName("0123456789abcdef", "../../x")).toMatch(/-other\.bin$/);
    expect(cacheFileName("0123456789abcdef", undefined)).toMatch(/-other\.bin$/);
  });
});
