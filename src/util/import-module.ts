import { pathToFileURL } from "node:url";
import { nativeImport } from "./native-import.ts";

/**
 * Loads a user's JS or TS module without a build step. TypeScript goes through tsx, which is
 * loaded only when such a file is named (it costs ~70 MB and most of a second); plain JavaScript
 * goes through Node's own loader so it is not transformed. `version` (a content hash) makes an
 * edited file load afresh instead of from the module cache.
 */
export async function importModule(absPath: string, version?: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(absPath).href + (version !== undefined ? `?v=${version}` : "");
  if (/\.(c|m)?tsx?$/i.test(absPath)) {
    const { tsImport } = await nativeImport<typeof import("tsx/esm/api")>("tsx/esm/api");
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return await nativeImport(url);
}
