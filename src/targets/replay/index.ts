import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { errorMessage, raceAbort } from "../../faults/abort.ts";
import { TargetConfigError } from "../errors.ts";
import {
  type Target,
  type TargetCallContext,
  TargetFailure,
  type TargetResponse,
  type Usage,
} from "../types.ts";

export interface ReplayTargetOptions {
  id: string;
  /** JSONL of `{"id", "output", "epoch"?, "trace"?, "usage"?, "costUsd"?, "latencyMs"?}`, relative to baseDir */
  file?: string;
  baseDir: string;
  /**
   * Recorded outputs from elsewhere (a stored run). Keys are case ids (any epoch) or
   * `replayKey(id, epoch)` (that epoch only).
   */
  loadRun?: () => Promise<Map<string, TargetResponse>>;
  /** what describe() names as the source when loadRun is used (e.g. the run id) */
  run?: string;
}

/** The key of an epoch-specific recorded output. */
export function replayKey(caseId: string, epoch: number): string {
  return `${caseId}\u0000${epoch}`;
}

/**
 * Recorded outputs played back: production traffic, another tool's results, a stored run.
 * A case with no recording fails as `empty-response`; nothing is ever generated.
 */
export function createReplayTarget(opts: ReplayTargetOptions): Target {
  const { id } = opts;
  if ((opts.file === undefined) === (opts.loadRun === undefined)) {
    throw new TargetConfigError(`replay target "${id}" needs either a file or a stored run`, {
      targetId: id,
      field: "replay",
    });
  }
  const file = opts.file === undefined ? undefined : resolve(opts.baseDir, opts.file);
  let loading: Promise<Map<string, TargetResponse>> | undefined;
  const load = () => {
    loading ??= file !== undefined ? readReplayFile(id, file) : loadStored(id, opts.loadRun!);
    return loading;
  };

  return {
    id,
    kind: "replay",
    deterministic: true,
    describe: () =>
      opts.file !== undefined ? { replay: opts.file } : { replay: { run: opts.run ?? "stored" } },
    async prepare() {
      await load();
    },
    async call(ctx: TargetCallContext): Promise<TargetResponse> {
      const outputs = await raceAbort(load(), ctx.signal, `replay target "${id}"`);
      const found = outputs.get(replayKey(ctx.case.id, ctx.epoch)) ?? outputs.get(ctx.case.id);
      if (!found) throw new TargetFailure("empty-response", `no recorded output for case ${ctx.case.id}`);
      return { ...found };
    },
  } satisfies Target & { prepare(): Promise<void> };
}

async function loadStored(id: string, loadRun: () => Promise<Map<string, TargetResponse>>) {
  try {
    return await loadRun();
  } catch (err) {
    if (err instanceof TargetConfigError) throw err;
    throw new TargetConfigError(`replay target "${id}": ${errorMessage(err)}`, {
      targetId: id,
      field: "replay",
    });
  }
}

/** Reads a replay JSONL file; a bad line is an error naming the file and the line. */
export async function readReplayFile(id: string, file: string): Promise<Map<string, TargetResponse>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TargetConfigError(
      `replay target "${id}": cannot read the file (${code === "ENOENT" ? "not found" : (code ?? errorMessage(err))})`,
      { targetId: id, file, field: "replay" },
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out = new Map<string, TargetResponse>();
  const seenOn = new Map<string, number>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    if (line === "") continue;
    const bad = (message: string): never => {
      throw new TargetConfigError(message, { targetId: id, file, line: lineNo, field: "replay" });
    };
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      bad(`not valid JSON (${(err as Error).message})`);
    }
    if (row === null || typeof row !== "object" || Array.isArray(row)) bad("each line must be a JSON object");
    const r = row as Record<string, unknown>;
    const caseId = typeof r.id === "number" ? String(r.id) : r.id;
    if (typeof caseId !== "string" || caseId === "") bad('"id" must be a non-empty string');
    if (!Object.hasOwn(r, "output")) bad(`"output" is missing (case ${caseId})`);
    if (r.epoch !== undefined && !(Number.isInteger(r.epoch) && (r.epoch as number) >= 0)) {
      bad('"epoch" must be a non-negative integer');
    }
    const response: TargetResponse = { output: r.output };
    if (r.trace !== undefined) {
      if (r.trace === null || typeof r.trace !== "object") bad('"trace" must be an object');
      response.trace = r.trace as TargetResponse["trace"];
    }
    if (r.usage !== undefined) response.usage = checkUsage(r.usage, bad);
    for (const key of ["costUsd", "latencyMs", "ttftMs"] as const) {
      const v = r[key];
      if (v === undefined) continue;
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
        bad(`"${key}" must be a non-negative number`);
      response[key] = v as number;
    }
    const key = r.epoch === undefined ? (caseId as string) : replayKey(caseId as string, r.epoch as number);
    const previous = seenOn.get(key);
    if (previous !== undefined) {
      bad(
        `duplicate recorded output for case ${caseId}${r.epoch === undefined ? "" : ` epoch ${r.epoch}`} (first on line ${previous})`,
      );
    }
    seenOn.set(key, lineNo);
    out.set(key, response);
  }
  return out;
}

function checkUsage(value: unknown, bad: (message: string) => never): Usage {
  const u = value as Record<string, unknown>;
  if (
    u === null ||
    typeof u !== "object" ||
    typeof u.inputTokens !== "number" ||
    typeof u.outputTokens !== "number" ||
    (u.cachedTokens !== undefined && typeof u.cachedTokens !== "number")
  ) {
    bad('"usage" must be {"inputTokens": number, "outputTokens": number, "cachedTokens"?: number}');
  }
  return u as unknown as Usage;
}
