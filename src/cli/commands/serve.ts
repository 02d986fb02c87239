import { readTokenFile, ServeConfigError } from "../../server/security.ts";
import { DEFAULT_PORT, startServer } from "../../server/serve.ts";
import { EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, untilStopped } from "../io.ts";

export interface ServeCommandOptions extends GlobalOptions {
  tokenFile?: string;
  host?: string;
  port?: number;
  /** the largest pushed run taken, in MB */
  maxUploadMb?: number;
}

/**
 * `assay serve --db … --token-file F --host H`: the web app and API for a team, over a shared
 * store, taking runs from `assay push`. Unlike `assay view`, nothing is left to a default that
 * could expose a store by accident: the token (from a file, so it is in no shell history or
 * process list) and the bind address must both be given, and TLS is a reverse proxy's job
 * (docs/team-server.md). Every problem is found before anything listens.
 */
export async function serveCommand(opts: ServeCommandOptions): Promise<number> {
  const refuse = (message: string) => {
    process.stderr.write(`assay serve: ${message}\n`);
    return EXIT.usage;
  };
  if (!opts.tokenFile) {
    return refuse(
      "--token-file is required: a team server never runs without a token. " +
        "Write one (`openssl rand -hex 32 > assay.token`) and pass --token-file assay.token",
    );
  }
  let token: string;
  try {
    token = readTokenFile(opts.tokenFile);
  } catch (err) {
    if (err instanceof ServeConfigError) return refuse(err.message);
    throw err;
  }
  if (!opts.host) {
    return refuse(
      "--host is required: the bind address must be explicit. " +
        "--host 127.0.0.1 listens on this machine only (behind a reverse proxy that does TLS); " +
        "--host 0.0.0.0 on every interface",
    );
  }
  const db = opts.db ?? process.env.ASSAY_DB;
  if (!db) return refuse("--db is required: the team's store, a postgres:// URL (or a SQLite file)");

  const store = await openCliStore({ db });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      store,
      host: opts.host,
      port: opts.port ?? DEFAULT_PORT,
      token,
      push: opts.maxUploadMb !== undefined ? { maxBytes: Math.round(opts.maxUploadMb * 1024 * 1024) } : {},
      warm: true,
    });
  } catch (err) {
    await store.close();
    if (err instanceof ServeConfigError) return refuse(err.message);
    throw err;
  }
  // the address without the token: this line ends up in service logs
  process.stdout.write(`assay serve: listening on ${server.origin}/\n`);
  process.stdout.write(
    `every request needs the token (Authorization: Bearer, or ?token= once in a browser); ` +
      `runs arrive with \`assay push RUN --to URL\`\n`,
  );
  if (server.host === "0.0.0.0" || server.host === "::") {
    process.stdout.write("listening on every interface: put a reverse proxy with TLS in front\n");
  }
  await untilStopped();
  await server.close();
  await store.close();
  return EXIT.ok;
}
