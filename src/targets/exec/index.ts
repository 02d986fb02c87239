import { type ChildProcess, spawn } from "node:child_process";
import { isAbsolute, resolve } from "node:path";
import { abortFailure } from "../../faults/abort.ts";
import { envRefs, redactRecord, registerSecretEnv, resolveEnv, scrubMessage } from "../../faults/secrets.ts";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  decodeResponse,
  isResponseEncoding,
  type ResponseEncoding,
} from "../encoding.ts";
import { TargetConfigError } from "../errors.ts";
import { casePayload } from "../shared.ts";
import { type Target, type TargetCallContext, TargetFailure, type TargetResponse } from "../types.ts";

export interface ExecTargetOptions {
  id: string;
  /** the command and its arguments; run without a shell, so nothing in them is interpreted */
  argv: string[];
  /** the working directory (the suite's directory); relative paths resolve against it */
  cwd: string;
  /** extra environment variables; values may reference the parent's as `${NAME}` */
  env?: Record<string, string>;
  /** stdout beyond this many bytes is the error `response-too-large` (default 16 MiB, as for http) */
  maxResponseBytes?: number;
  /** how stdout's bytes become the output: `utf-8` (default, strict), `latin1`, `binary-base64` */
  encoding?: ResponseEncoding;
}

const STDERR_TAIL = 500;
const KILL_WAIT_MS = 2000;

/** Process groups still running, killed if assay itself exits mid-call. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) killTree(child);
  });
}

function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return;
  if (process.platform !== "win32") {
    try {
      // The child leads its own process group (detached), so this also ends what it spawned.
      process.kill(-child.pid, "SIGKILL");
      return;
    } catch {
      // group already gone; fall through to the child itself
    }
  }
  try {
    child.kill("SIGKILL");
  } catch {
    // already exited
  }
}

/**
 * A command run once per call: the case (`{id, input, tags, cluster?, epoch}`, never `expected`)
 * as JSON on stdin, the output on stdout (returned as trimmed text; the engine parses JSON).
 */
export function createExecTarget(opts: ExecTargetOptions): Target {
  const { id } = opts;
  if (!Array.isArray(opts.argv) || opts.argv.length === 0 || opts.argv.some((a) => typeof a !== "string")) {
    throw new TargetConfigError(`exec target "${id}" needs a non-empty list of strings (argv)`, {
      targetId: id,
      field: "exec",
    });
  }
  if (opts.argv[0] === "") {
    throw new TargetConfigError(`exec target "${id}": the command is empty`, { targetId: id, field: "exec" });
  }
  const argv = [...opts.argv];
  const env = { ...(opts.env ?? {}) };
  const cwd = resolve(opts.cwd);
  const maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    throw new TargetConfigError(`exec target "${id}": maxResponseBytes must be a positive whole number`, {
      targetId: id,
      field: "maxResponseBytes",
    });
  }
  if (!isResponseEncoding(opts.encoding)) {
    throw new TargetConfigError(`exec target "${id}": encoding must be utf-8, latin1 or binary-base64`, {
      targetId: id,
      field: "encoding",
    });
  }
  const encoding = opts.encoding ?? "utf-8";
  const command = /[\\/]/.test(argv[0]) && !isAbsolute(argv[0]) ? resolve(cwd, argv[0]) : argv[0];
  const refs = Object.values(env).flatMap(envRefs);
  registerSecretEnv(refs);

  const resolveChildEnv = (): NodeJS.ProcessEnv => {
    const out: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of Object.entries(env)) {
      out[name] = resolveEnv(value, process.env, (missing) => {
        throw new TargetConfigError(
          `exec target "${id}": env.${name} references the environment variable ${missing}, which is not set`,
          { targetId: id, field: `env.${name}` },
        );
      });
    }
    return out;
  };

  return {
    id,
    kind: "exec",
    describe: () => {
      const d: Record<string, unknown> = { argv };
      if (Object.keys(env).length > 0) d.env = redactRecord(env);
      if (opts.maxResponseBytes !== undefined) d.maxResponseBytes = maxResponseBytes;
      if (opts.encoding !== undefined) d.encoding = encoding;
      return d;
    },
    async prepare() {
      resolveChildEnv();
    },
    call(ctx: TargetCallContext): Promise<TargetResponse> {
      const what = `exec target "${id}"`;
      const { signal } = ctx;
      if (signal.aborted) return Promise.reject(abortFailure(signal, what));
      const childEnv = resolveChildEnv();
      const stdin = JSON.stringify(casePayload(ctx.case, ctx.epoch)) + "\n";

      return new Promise<TargetResponse>((resolvePromise, rejectPromise) => {
        let settled = false;
        const finish = (err: TargetFailure | undefined, response?: TargetResponse) => {
          if (settled) return;
          settled = true;
          signal.removeEventListener("abort", onAbort);
          if (err) rejectPromise(err);
          else resolvePromise(response!);
        };

        let child: ChildProcess;
        try {
          child = spawn(command, argv.slice(1), {
            cwd,
            env: childEnv,
            shell: false,
            stdio: ["pipe", "pipe", "pipe"],
            detached: process.platform !== "win32",
            windowsHide: true,
          });
        } catch (err) {
          finish(new TargetFailure("target-crash", `cannot start "${argv[0]}": ${describeSpawnError(err)}`));
          return;
        }
        installExitHook();
        live.add(child);

        const stdout: Buffer[] = [];
        let stdoutBytes = 0;
        let stderr = "";
        let exited = false;
        let onExited: (() => void) | undefined;

        // Kill, wait (briefly) for the exit so the process is gone when the call settles, then fail.
        const killAndFail = (failure: TargetFailure) => {
          if (settled) return;
          killTree(child);
          if (exited) {
            finish(failure);
            return;
          }
          const timer = setTimeout(() => finish(failure), KILL_WAIT_MS);
          onExited = () => {
            clearTimeout(timer);
            finish(failure);
          };
        };
        const onAbort = () => killAndFail(abortFailure(signal, what));
        signal.addEventListener("abort", onAbort, { once: true });

        child.on("error", (err) => {
          // Spawn failures (ENOENT, EACCES) arrive here; the process never ran.
          if (child.pid === undefined) {
            live.delete(child);
            finish(
              new TargetFailure("target-crash", `cannot start "${argv[0]}": ${describeSpawnError(err)}`),
            );
          }
        });
        child.on("exit", () => {
          exited = true;
          live.delete(child);
          onExited?.();
        });
        child.stdout?.on("data", (chunk: Buffer) => {
          stdoutBytes += chunk.length;
          if (stdoutBytes > maxResponseBytes) {
            stdout.length = 0;
            killAndFail(
              new TargetFailure(
                "response-too-large",
                `${what} wrote more than maxResponseBytes (${maxResponseBytes} bytes) to stdout`,
              ),
            );
            return;
          }
          stdout.push(chunk);
        });
        child.stderr?.setEncoding("utf8");
        child.stderr?.on("data", (chunk: string) => {
          stderr += chunk;
          // Scrubbed before it is cut, so the cut never leaves part of a secret behind.
          if (stderr.length > 8 * STDERR_TAIL)
            stderr = scrubMessage(stderr, process.env, Number.POSITIVE_INFINITY).slice(-2 * STDERR_TAIL);
        });
        child.on("close", (code, sig) => {
          live.delete(child);
          const tail = stderrTail(stderr);
          if (code !== 0 || sig !== null) {
            const how = sig !== null ? `was killed by signal ${sig}` : `exited with code ${code}`;
            finish(new TargetFailure("target-crash", `${what} ${how}${tail ? `: ${tail}` : ""}`));
            return;
          }
          let text: string;
          try {
            text = decodeResponse(Buffer.concat(stdout), encoding, what);
          } catch (err) {
            finish(err as TargetFailure);
            return;
          }
          if (encoding !== "binary-base64") text = text.trim();
          if (text === "") {
            if (tail) finish(new TargetFailure("target-crash", `${what} wrote only to stderr: ${tail}`));
            else finish(new TargetFailure("empty-response", `${what} exited with code 0 and wrote nothing`));
            return;
          }
          finish(undefined, { output: text });
        });

        // A target that exits without reading its input is not an error of ours.
        child.stdin?.on("error", () => {});
        child.stdin?.end(stdin);
      });
    },
  } satisfies Target & { prepare(): Promise<void> };
}

function stderrTail(stderr: string): string {
  const trimmed = scrubMessage(stderr, process.env, Number.POSITIVE_INFINITY).trim();
  return trimmed.length > STDERR_TAIL ? `…${trimmed.slice(-STDERR_TAIL)}` : trimmed;
}

function describeSpawnError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "ENOENT") return "ENOENT (no such command or file)";
  if (e?.code === "EACCES") return "EACCES (not executable)";
  return e?.code ?? (e instanceof Error ? e.message : String(err));
}
