import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";

/**
 * Loads a user's JS or TS module without a build step. TypeScript goes through tsx; plain
 * JavaScript through Node's own loader so it is not transformed.
 */
export async function importModule(absPath: string): Promise<Record<string, unknown>> {
  if (/\.(c|m)?tsx?$/i.test(absPath)) {
    return (await tsImport(pathToFileURL(absPath).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(absPath).href)) as Record<string, unknown>;
}
