import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const ASSAY_BIN = fileURLToPath(new URL("../../bin/assay.js", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process (as a user would), with its own environment. */
export function startCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): {
  child: ChildProcess;
  done: Promise<CliResult>;
} {
  const child = spawn(process.execPath, [ASSAY_BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return startCli(args, opts).done;
}

/** Thrown in place of exiting when a command calls process.exit during runCliInProcess. */
class InProcessExit extends Error {
  constructor(readonly exitCode: number) {
    super(`assay called process.exit(${exitCode})`);
  }
}

let inProcessBusy = false;

/**
 * Runs the CLI inside the test process: `main(["node", "assay", ...args])` with stdout and stderr
 * captured, `opts.env` set on process.env and `opts.cwd` as the working directory for the call,
 * all restored afterwards. It returns what `runCli` returns (signal is always null) without a
 * child's ~1 s start-up. Only for commands that need no real process: no signals, no kill, no
 * memory of their own, no second CLI running at the same time. Capture works by replacing the
 * two streams' write functions, so calls must not overlap (vitest runs one file's tests in
 * order); an overlapping call throws instead of mixing outputs.
 */
export async function runCliInProcess(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  if (inProcessBusy) throw new Error("runCliInProcess: another in-process CLI call is still running");
  inProcessBusy = true;
  const undo: Array<() => void> = [
    () => {
      inProcessBusy = false;
    },
  ];
  try {
    // loaded on first use, so files that only spawn the CLI do not pay for its module graph
    const { main } = await import("../../src/cli/main.ts");
    const captured = { stdout: "", stderr: "" };
    undo.push(
      captureStream(process.stdout, captured, "stdout"),
      captureStream(process.stderr, captured, "stderr"),
    );
    undo.push(setEnv({ NO_COLOR: "1", ...opts.env }));
    const cwd = process.cwd();
    process.chdir(opts.cwd ?? REPO_ROOT);
    undo.push(() => process.chdir(cwd));
    const { exit, exitCode } = process;
    undo.push(() => {
      process.exit = exit;
      process.exitCode = exitCode;
    });
    process.exitCode = undefined;
    // a command that exits would end the test worker: record the code and unwind instead
    let exitedWith: number | undefined;
    process.exit = ((code?: number | string | null) => {
      exitedWith = Number(code ?? process.exitCode ?? 0);
      throw new InProcessExit(exitedWith);
    }) as typeof process.exit;
    const code = await main(["node", "assay", ...args]);
    return { code: exitedWith ?? code, signal: null, stdout: captured.stdout, stderr: captured.stderr };
  } finally {
    for (const restore of undo.reverse()) restore();
  }
}

type WriteCallback = (err?: Error | null) => void;

/** Replaces a stream's write (and reports it as not a TTY, as a piped child sees it); returns the undo. */
function captureStream(
  stream: NodeJS.WriteStream,
  into: { stdout: string; stderr: string },
  key: "stdout" | "stderr",
): () => void {
  const write = Object.getOwnPropertyDescriptor(stream, "write");
  const isTTY = Object.getOwnPropertyDescriptor(stream, "isTTY");
  const fake = (
    chunk: string | Uint8Array,
    encoding?: BufferEncoding | WriteCallback,
    cb?: WriteCallback,
  ) => {
    const enc = typeof encoding === "string" ? encoding : "utf8";
    into[key] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(enc);
    const done = typeof encoding === "function" ? encoding : cb;
    if (done) process.nextTick(done);
    return true;
  };
  Object.defineProperty(stream, "write", { value: fake, configurable: true, writable: true });
  Object.defineProperty(stream, "isTTY", { value: false, configurable: true, writable: true });
  return () => {
    restoreProperty(stream, "write", write);
    restoreProperty(stream, "isTTY", isTTY);
  };
}

function restoreProperty(target: object, key: string, descriptor: PropertyDescriptor | undefined): void {
  if (descriptor) Object.defineProperty(target, key, descriptor);
  else delete (target as Record<string, unknown>)[key];
}

/** Sets (or, for undefined, removes) environment variables; returns the undo. */
function setEnv(vars: NodeJS.ProcessEnv): () => void {
  const before = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(vars)) {
    before.set(name, Object.hasOwn(process.env, name) ? process.env[name] : undefined);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of before) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * Settles as `event` does, but fails at once, with the CLI's exit and stderr, when the CLI started
 * by startCli exits first (instead of waiting for an event that can no longer come).
 */
export function unlessExited<T>(event: Promise<T>, done: Promise<CliResult>): Promise<T> {
  const exited = done.then((r): never => {
    throw new Error(`the CLI exited first (code ${r.code}, signal ${r.signal}); stderr:\n${r.stderr}`);
  });
  return Promise.race([event, exited]);
}
