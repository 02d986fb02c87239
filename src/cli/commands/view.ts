import { ServeConfigError } from "../../server/security.ts";
import { startServer } from "../../server/serve.ts";
import { EXIT } from "../exit.ts";
import { type GlobalOptions, openCliStore, suiteFileFor, untilStopped } from "../io.ts";

export interface ViewOptions extends GlobalOptions {
  port?: number;
  host?: string;
  token?: string;
}

/**
 * `assay view`: the web app over the store, on 127.0.0.1 unless told otherwise (then only with a
 * token). Prints the address and serves until Ctrl-C. The store is the one beside SUITE (a file or
 * folder), else beside the suite here; a missing store is exit 2, never an empty app.
 */
export async function viewCommand(suitePath: string | undefined, opts: ViewOptions): Promise<number> {
  const token = opts.token ?? (process.env.ASSAY_TOKEN || undefined);
  const store = await openCliStore(opts, suiteFileFor(suitePath), { mustExist: true });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ store, host: opts.host, port: opts.port, token, warm: true });
  } catch (err) {
    await store.close();
    if (err instanceof ServeConfigError) {
      process.stderr.write(`assay view: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  process.stdout.write(`assay view: ${server.url}\n`);
  if (server.host === "0.0.0.0" || server.host === "::") {
    process.stdout.write(`listening on every interface, port ${server.port}; requests need the token\n`);
  }
  process.stdout.write("press Ctrl-C to stop\n");
  await untilStopped();
  await server.close();
  await store.close();
  return EXIT.ok;
}
