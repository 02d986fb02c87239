/** Number formatting shared by every human-readable report. */

export function fmtScore(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || Number.isNaN(v) ? "—" : v.toFixed(digits);
}

export function fmtPct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || Number.isNaN(v) ? "—" : `${(v * 100).toFixed(digits)}%`;
}

export function fmtCi(ci: [number, number] | null | undefined, pct = false): string {
  if (!ci) return "—";
  return pct
    ? `[${(ci[0] * 100).toFixed(1)}, ${(ci[1] * 100).toFixed(1)}]`
    : `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`;
}

export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

export function fmtUsd(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  return v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(v === 0 ? 2 : 6)}`;
}

/** Left-aligned first column, right-aligned others, columns sized to their widest cell. */
export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length))) ?? [];
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return all.map(line).join("\n");
}

/** One line of untrusted text for a terminal: control characters (escape codes) made visible. */
export function safeLine(text: string, max = 120): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === "\n" ? "⏎" : "�"));
  return [...clean].length > max ? `${[...clean].slice(0, max - 1).join("")}…` : clean;
}

/** p-values: 4 places, scientific below 1e-4 so a tiny p never prints as 0.0000 (8.1e-9). */
export function fmtP(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (v === 0) return "0";
  return v < 1e-4 ? v.toExponential(1) : v.toFixed(4);
}

/** A score (0..1) in points (0..100), one decimal; `signed` marks gains with + (deltas). */
export function fmtPts(v: number | null | undefined, signed = false): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  const text = (v * 100).toFixed(1);
  return signed && v >= 0 && !text.startsWith("-") ? `+${text}` : text;
}
