/**
 * Measuring a command as a user runs it: the whole process from spawn to exit, and the peak RSS of
 * its process tree (the CLI and anything it starts), sampled every 100 ms from /proc.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Measured {
  wallMs: number;
  peakRssMb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** ppid of every process, from /proc/PID/stat (field 4, after the parenthesised command name). */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(name), Number(fields[1]));
    } catch {
      // the process ended between the listing and the read
    }
  }
  return parents;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** RSS of `root` and all its descendants, in kB. */
export function treeRssKb(root: number): number {
  const parents = parentMap();
  const tree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let total = 0;
  for (const pid of tree) total += rssKb(pid);
  return total;
}

export function measure(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: "1", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    let peakKb = 0;
    const sample = () => {
      if (child.pid !== undefined) peakKb = Math.max(peakKb, treeRssKb(child.pid));
    };
    const timer = setInterval(sample, 100);
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - t0;
      clearInterval(timer);
      resolve({ wallMs, peakRssMb: peakKb / 1024, code, stdout, stderr });
    });
  });
}

/** The bench suite: N cases through an HTTP target, two deterministic evaluators (as engine-once.ts). */
export function writeBenchSuite(dir: string, n: number, port: string, concurrency: number): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      JSON.stringify({
        id: `b${i}`,
        input: `task ${i} for bench`,
        expected: { action: "create", title: `${i} for bench` },
        tags: { shard: String(i % 10) },
      }),
    );
  }
  writeFileSync(join(dir, "cases.jsonl"), `${lines.join("\n")}\n`);
  writeFileSync(
    join(dir, "assay.yaml"),
    [
      "suite: bench",
      "dataset: cases.jsonl",
      "targets:",
      "  - id: svc",
      `    http: { url: "http://127.0.0.1:${port}/", body: { text: "{{ input }}" }, output: "$.result" }`,
      `concurrency: ${concurrency}`,
      "retries: 0",
      "dimensions:",
      "  action: { evaluator: json-field, with: { field: action } }",
      "  title: { evaluator: token-f1, with: { field: title } }",
    ].join("\n"),
  );
}
