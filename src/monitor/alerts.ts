import { spawn } from "node:child_process";
import { scrubMessage } from "../faults/secrets.ts";
import type { MonitorAlert, ProductionStore } from "../store/production.ts";
import { hashValue } from "../util/hash.ts";
import type { Finding } from "./check.ts";

/**
 * Alert episodes. A finding (a dimension × kind that is alarming now) opens an alert unless one is
 * already open for it; an open alert whose finding is gone is closed. So a drift that persists
 * over many windows is one episode, told once. Notifications go out when an episode opens, and
 * not sooner than `cooldown` after the last one for the same dimension × kind: a condition that
 * flaps around its threshold does not page anyone every window.
 */

export interface AlertTarget {
  webhook?: string;
  command?: string[];
  cooldownMs: number;
}

export interface AlertNotice {
  monitor: string;
  suite: string;
  alert: MonitorAlert;
  /** the rule, in words (the CUSUM's k and h, the test and its corrected p) */
  detail?: string;
}

export interface AlertUpdate {
  open: MonitorAlert[];
  opened: MonitorAlert[];
  closed: MonitorAlert[];
  notified: MonitorAlert[];
}

const keyOf = (a: { dimension: string; kind: string }) => `${a.dimension}\u0000${a.kind}`;

const NOTIFY_TIMEOUT_MS = 10_000;

async function postWebhook(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "assay-monitor" },
    body: JSON.stringify(body),
    redirect: "error",
    signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
  });
  // drain the body so the connection is released
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`);
}

/** Runs the alert command (argv, never a shell) with the notice as JSON on stdin. */
function runCommand(argv: string[], body: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "ignore", "pipe"], shell: false });
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), NOTIFY_TIMEOUT_MS * 3);
    child.stderr.on("data", (c: Buffer) => {
      if (stderr.length < 2000) stderr += c.toString("utf8");
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `alert command exited ${signal ?? code}${stderr ? `: ${stderr.trim().slice(0, 300)}` : ""}`,
          ),
        );
    });
    child.stdin.on("error", () => {}); // a command that does not read stdin is fine
    child.stdin.end(JSON.stringify(body));
  });
}

export async function notify(target: AlertTarget, notice: AlertNotice): Promise<void> {
  const errors: string[] = [];
  if (target.webhook) {
    try {
      await postWebhook(target.webhook, notice);
    } catch (err) {
      errors.push(scrubMessage((err as Error).message));
    }
  }
  if (target.command) {
    try {
      await runCommand(target.command, notice);
    } catch (err) {
      errors.push(scrubMessage((err as Error).message));
    }
  }
  if (errors.length > 0) throw new Error(errors.join("; "));
}

export async function updateAlerts(opts: {
  store: ProductionStore;
  monitor: string;
  suite: string;
  findings: Finding[];
  target?: AlertTarget;
  now: Date;
  describe?: (f: Finding) => string;
}): Promise<AlertUpdate> {
  const { store, monitor, now } = opts;
  const at = now.toISOString();
  const all = await store.listAlerts(monitor);
  const openByKey = new Map(all.filter((a) => !a.closedAt).map((a) => [keyOf(a), a]));
  const lastNotified = new Map<string, number>();
  for (const a of all) {
    if (!a.notifiedAt) continue;
    const k = keyOf(a);
    lastNotified.set(k, Math.max(lastNotified.get(k) ?? 0, Date.parse(a.notifiedAt)));
  }
  const update: AlertUpdate = { open: [], opened: [], closed: [], notified: [] };
  /** Notifies unless cooling down; records the outcome on the alert. */
  const tell = async (alert: MonitorAlert, f: Finding): Promise<boolean> => {
    const target = opts.target;
    if (!target || (!target.webhook && !target.command)) return false;
    const last = lastNotified.get(keyOf(alert));
    if (last !== undefined && now.getTime() - last < target.cooldownMs) return false;
    try {
      const notice: AlertNotice = { monitor, suite: opts.suite, alert: { ...alert } };
      const detail = opts.describe?.(f);
      if (detail) notice.detail = detail;
      await notify(target, notice);
      alert.notifiedAt = at;
      delete alert.notifyError;
      lastNotified.set(keyOf(alert), now.getTime());
      return true;
    } catch (err) {
      alert.notifyError = (err as Error).message;
      return false;
    }
  };
  const seen = new Set<string>();
  for (const f of opts.findings) {
    const k = keyOf(f);
    seen.add(k);
    const existing = openByKey.get(k);
    if (existing) {
      const next: MonitorAlert = { ...existing, statistic: f.statistic, lastSeenAt: at };
      if (f.p !== undefined) next.p = f.p;
      // an episode whose notification failed is told on a later pass (once it gets through)
      if (!next.notifiedAt && (await tell(next, f))) update.notified.push(next);
      await store.putAlert(next);
      update.open.push(next);
      continue;
    }
    const alert: MonitorAlert = {
      id: `al-${hashValue([monitor, f.dimension, f.kind, at], 12)}`,
      monitor,
      dimension: f.dimension,
      kind: f.kind,
      window: f.window,
      statistic: f.statistic,
      openedAt: at,
      lastSeenAt: at,
    };
    if (f.p !== undefined) alert.p = f.p;
    if (await tell(alert, f)) update.notified.push(alert);
    await store.putAlert(alert);
    update.opened.push(alert);
    update.open.push(alert);
  }
  for (const [k, a] of openByKey) {
    if (seen.has(k)) continue;
    const closed = { ...a, closedAt: at };
    await store.putAlert(closed);
    update.closed.push(closed);
  }
  return update;
}
