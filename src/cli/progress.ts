import type { EngineEvent } from "../engine/events.ts";

/**
 * Progress on stderr: a redrawn bar on a TTY, a plain line every few seconds otherwise (CI logs).
 * It only reads the engine's counters, on the engine's timer: nothing on the hot path.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 5000) {
  const tty = stream.isTTY === true;
  let lastPlain = 0;
  return (event: EngineEvent) => {
    const p = event.progress;
    const finished = p.done + p.skipped;
    const pct = p.total > 0 ? Math.floor((finished / p.total) * 100) : 100;
    const elapsed = (Date.now() - p.startedAtMs) / 1000;
    const rate = elapsed > 0 ? p.done / elapsed : 0;
    const eta = rate > 0 ? Math.max(0, (p.total - finished) / rate) : 0;
    const label = `${p.run.target}`;
    const workers = p.workers !== undefined ? ` · ${p.workers} worker${p.workers === 1 ? "" : "s"}` : "";
    const stats = `${finished}/${p.total} ${pct}% · ${p.errors} errors · ${rate.toFixed(0)}/s${workers} · eta ${eta.toFixed(0)}s`;
    if (event.type === "run-start") {
      const how = event.resumed ? `resuming ${p.run.id} (${p.skipped} stored)` : `run ${p.run.id}`;
      stream.write(`${label}: ${how}, ${p.total} results to produce\n`);
      return;
    }
    if (event.type === "run-stopping") {
      if (tty) stream.write("\r\u001b[2K");
      stream.write(`${label}: stopping run ${p.run.id}: ${event.reason}\n`);
      return;
    }
    if (event.type === "run-end") {
      if (tty) stream.write("\r\u001b[2K");
      stream.write(
        `${label}: ${p.run.status} · ${stats.replace(/ · eta.*$/, "")} · ${elapsed.toFixed(1)}s\n`,
      );
      return;
    }
    if (tty) {
      const width = 24;
      const filled = Math.round((pct / 100) * width);
      stream.write(`\r\u001b[2K${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${stats}`);
    } else if (Date.now() - lastPlain >= plainEveryMs) {
      lastPlain = Date.now();
      stream.write(`${label}: ${stats}\n`);
    }
  };
}
