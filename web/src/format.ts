/** Number formatting shared by every page. */

export function num(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || Number.isNaN(v) ? "—" : v.toFixed(digits);
}

export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || Number.isNaN(v) ? "—" : `${(v * 100).toFixed(digits)}%`;
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (v === 0) return "$0";
  return v < 0.01 ? `$${v.toPrecision(2)}` : `$${v.toFixed(2)}`;
}

export function int(v: number | null | undefined): string {
  return v === null || v === undefined ? "—" : v.toLocaleString("en-US");
}

export function ci(v: [number, number] | null | undefined, digits = 3): string {
  return v ? `[${v[0].toFixed(digits)}, ${v[1].toFixed(digits)}]` : "—";
}

export function when(iso: string | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** Any value as readable text: strings as they are, everything else as indented JSON. */
export function asText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "";
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * A score (0..1) in points (0..100), one decimal, as the CLI prints it (src/report/format.ts
 * fmtPts); `signed` marks gains with + (deltas).
 */
export function points(v: number | null | undefined, signed = false): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  const text = (v * 100).toFixed(1);
  return signed && v >= 0 && !text.startsWith("-") ? `+${text}` : text;
}

/** A score difference with its unit: `+2.5 pts`. */
export function pts(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? "—" : `${points(v, true)} pts`;
}

/** An interval of a difference, in points: `[-3.1, +0.4]`. */
export function ptsCi(v: [number, number] | null | undefined): string {
  return v ? `[${points(v[0], true)}, ${points(v[1], true)}]` : "—";
}

/** A p-value as the CLI prints it (fmtP): four places, scientific below 1e-4 so a tiny p never shows as 0.0000. */
export function pval(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (v === 0) return "0";
  return v < 1e-4 ? v.toExponential(1) : v.toFixed(4);
}

/** The time between two ISO instants: `850 ms`, `42 s`, `3 min 5 s`, `2 h 4 min`. */
export function duration(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return "—";
  const d = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(d) || d < 0) return "—";
  if (d < 1000) return `${d} ms`;
  const s = Math.round(d / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Text that is a JSON object or array, indented (parsed as data, never evaluated); other text as it is. */
export function prettyJson(text: string): string {
  const t = text.trim();
  if (!(t.startsWith("{") && t.endsWith("}")) && !(t.startsWith("[") && t.endsWith("]"))) return text;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return text;
  }
}
