import { PushError, pushRun, serverBase } from "../../server/push/upload.ts";
import { isLoopbackHost, readTokenFile, ServeConfigError } from "../../server/security.ts";
import { resolveRun } from "../../store/resolve.ts";
import { CliError, EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, suiteFileFor } from "../io.ts";

export interface PushCommandOptions extends GlobalOptions {
  to: string;
  tokenFile?: string;
  suite?: string;
  json?: boolean;
}

/** The server's token: --token-file, else ASSAY_TOKEN (a CI secret). */
function tokenOf(opts: PushCommandOptions): string {
  if (opts.tokenFile) {
    try {
      return readTokenFile(opts.tokenFile);
    } catch (err) {
      if (err instanceof ServeConfigError) throw new CliError(err.message, EXIT.usage);
      throw err;
    }
  }
  const token = process.env.ASSAY_TOKEN?.trim();
  if (token) return token;
  throw new CliError("push needs the server's token: pass --token-file FILE, or set ASSAY_TOKEN", EXIT.usage);
}

/**
 * `assay push RUN --to URL`: uploads a completed run (every score set, its cases, outputs and
 * scores, its lineage and origin) from the local store to a team server (`assay serve`). Pushing
 * again is harmless. Exit 2 when the token is refused, the run is missing or the server refuses
 * it (with the server's message); 3 when the server cannot be reached or fails.
 */
export async function pushCommand(ref: string, opts: PushCommandOptions): Promise<number> {
  const token = tokenOf(opts);
  let base: URL;
  try {
    base = serverBase(opts.to);
  } catch (err) {
    if (err instanceof PushError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  if (base.protocol === "http:" && !isLoopbackHost(base.hostname)) {
    process.stderr.write(
      `warning: the token goes to ${base.host} over plain http; serve it behind TLS (https://)\n`,
    );
  }
  const store = await openCliStore(opts, suiteFileFor(opts.suite), { mustExist: true });
  try {
    const run = await resolveRun(store, ref);
    const pushed = await pushRun(store, run.id, { to: base.toString(), token });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(pushed, null, 2)}\n`);
      return EXIT.ok;
    }
    const sets = pushed.scoreSets.map((s) => `@${s}`).join(", ");
    const what =
      `${pushed.run} (suite ${pushed.suite}, target ${pushed.target}): ${pushed.results} results, ` +
      `${pushed.scores} scores, score set${pushed.scoreSets.length > 1 ? "s" : ""} ${sets}, ` +
      `from ${pushed.origin.user}@${pushed.origin.host}${pushed.origin.ciUrl ? ` (${pushed.origin.ciUrl})` : ""}`;
    process.stdout.write(
      pushed.status === "imported" ? `pushed ${what}\n` : `already on the server, nothing written: ${what}\n`,
    );
    process.stdout.write(`view it at ${pushed.url}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof PushError) {
      process.stderr.write(`assay push: ${err.message}\n`);
      return err.kind === "refused" || err.kind === "rejected" ? EXIT.usage : EXIT.incomplete;
    }
    throw err;
  } finally {
    await store.close();
  }
}
