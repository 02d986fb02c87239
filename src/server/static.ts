import { readFile, stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import { packagePath } from "../util/package-root.ts";

/** Where `npm run build:web` puts the web app. */
export const WEB_DIST: string = `${packagePath("web", "dist")}${sep}`;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/**
 * Serves the built web app: files under `root` (never outside it), and index.html for every other
 * path without an extension so the app's own routes load on refresh. Hashed assets are cached for
 * good; index.html never.
 */
export function staticFiles(root: string = WEB_DIST): (pathname: string) => Promise<Response> {
  const base = resolve(root);
  const assets = resolve(base, "assets") + sep;
  const cache = new Map<string, { body: Uint8Array; type: string }>();

  async function file(path: string): Promise<{ body: Uint8Array; type: string } | undefined> {
    const hit = cache.get(path);
    if (hit) return hit;
    try {
      if (!(await stat(path)).isFile()) return undefined;
      const body = new Uint8Array(await readFile(path));
      const entry = { body, type: TYPES[extname(path).toLowerCase()] ?? "application/octet-stream" };
      // hashed assets never change; index.html is read again so a rebuild shows at once
      if (path.startsWith(assets)) cache.set(path, entry);
      return entry;
    } catch {
      return undefined;
    }
  }

  return async (pathname: string) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return new Response("bad path\n", { status: 400 });
    }
    if (decoded.includes("\0")) return new Response("bad path\n", { status: 400 });
    const target = resolve(base, `.${decoded}`);
    if (target !== base && !target.startsWith(base + sep))
      return new Response("not found\n", { status: 404 });
    const found = target === base ? undefined : await file(target);
    if (found) {
      const immutable = decoded.startsWith("/assets/");
      return new Response(found.body, {
        headers: {
          "Content-Type": found.type,
          "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
        },
      });
    }
    // A missing asset or top-level file is a 404; any other path is one of the app's own routes.
    const topLevelFile = decoded.lastIndexOf("/") === 0 && extname(decoded) !== "";
    if (decoded.startsWith("/assets/") || topLevelFile) {
      return new Response("not found\n", { status: 404 });
    }
    const index = await file(resolve(base, "index.html"));
    if (!index) {
      return new Response("the web app is not built: run `npm run build:web` (npm ci does it)\n", {
        status: 503,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      });
    }
    return new Response(index.body, { headers: { "Content-Type": index.type, "Cache-Control": "no-cache" } });
  };
}
