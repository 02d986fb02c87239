/** Passed in by the CLI bundle's loader (src/cli/compile-cache.ts); undefined anywhere else. */
declare const __assayImport: ((specifier: string) => Promise<unknown>) | undefined;

/**
 * Node's own `import()`, for what is loaded at run time: a user's module, an optional package.
 * The CLI's bundle is a script compiled with a V8 code cache, and on Node 20 an `import()`
 * written inside such a script fails once its code comes from the cache ("A dynamic import
 * callback was not specified"); so the bundle's loader, an ES module, lends it its own.
 */
export function nativeImport<T = Record<string, unknown>>(specifier: string): Promise<T> {
  return (typeof __assayImport === "function" ? __assayImport(specifier) : import(specifier)) as Promise<T>;
}
