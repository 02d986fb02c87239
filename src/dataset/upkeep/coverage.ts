import type { SuiteConfig } from "../../config/schema.ts";

/**
 * How a dataset's cases spread over its tags, against the suite's target mix (`coverage:`).
 * Shares are of all cases, so a case without the key counts in the denominator (it is listed as
 * `missing`): a mix that asks for 10% adversarial cases means 10% of the dataset. Pure.
 */

export interface CoverageTargets {
  /** largest allowed |actual − target|, in share points */
  tolerance: number;
  /** tag key → value → target share */
  keys: Record<string, Record<string, number>>;
}

export const DEFAULT_COVERAGE_TOLERANCE = 0.05;

/** The suite's `coverage:` block as targets, or undefined when the suite sets none. */
export function coverageTargetsOf(config: SuiteConfig["coverage"] | undefined): CoverageTargets | undefined {
  if (!config) return undefined;
  const { tolerance, ...rest } = config as { tolerance?: number } & Record<string, unknown>;
  const keys: Record<string, Record<string, number>> = {};
  for (const [key, shares] of Object.entries(rest)) keys[key] = shares as Record<string, number>;
  if (Object.keys(keys).length === 0) return undefined;
  return { tolerance: tolerance ?? DEFAULT_COVERAGE_TOLERANCE, keys };
}

export interface ValueCount {
  count: number;
  share: number;
}

export interface KeyCoverage {
  /** value → cases with it and their share of all cases */
  values: Record<string, ValueCount>;
  /** cases without the key */
  missing: number;
}

export interface CrossedCoverage {
  keys: [string, string];
  /** `k1=v1,k2=v2` → cases in the cell (only cells with cases) */
  cells: Record<string, number>;
  /** cells of values seen on each key that hold no case: gaps in the grid */
  empty: string[];
}

export interface CoverageCheck {
  key: string;
  value: string;
  target: number;
  actual: number;
  /** actual − target, in share points */
  off: number;
  flagged: boolean;
}

export interface CoverageReport {
  cases: number;
  keys: Record<string, KeyCoverage>;
  crossed: CrossedCoverage[];
  /** present when the suite sets a target mix */
  targets?: { tolerance: number; checks: CoverageCheck[] };
  /** the checks off by more than the tolerance */
  flagged: CoverageCheck[];
}

type Tagged = { tags: Record<string, string> };

/** Counts per tag key and per pair of keys, and the checks against `targets` when given. */
export function datasetCoverage(cases: readonly Tagged[], targets?: CoverageTargets): CoverageReport {
  const n = cases.length;
  const counts = new Map<string, Map<string, number>>();
  for (const c of cases) {
    for (const [k, v] of Object.entries(c.tags)) {
      let values = counts.get(k);
      if (!values) {
        values = new Map();
        counts.set(k, values);
      }
      values.set(v, (values.get(v) ?? 0) + 1);
    }
  }
  const keyNames = [...counts.keys()].sort();
  const keys: Record<string, KeyCoverage> = {};
  for (const k of keyNames) {
    const values = counts.get(k) as Map<string, number>;
    let present = 0;
    const entry: KeyCoverage = { values: {}, missing: 0 };
    for (const v of [...values.keys()].sort()) {
      const count = values.get(v) as number;
      present += count;
      entry.values[v] = { count, share: count / n };
    }
    entry.missing = n - present;
    keys[k] = entry;
  }
  const crossed: CrossedCoverage[] = [];
  for (let i = 0; i < keyNames.length; i++) {
    for (let j = i + 1; j < keyNames.length; j++) {
      crossed.push(crossOf(cases, keyNames[i], keyNames[j], keys));
    }
  }
  const report: CoverageReport = { cases: n, keys, crossed, flagged: [] };
  if (targets) {
    const checks = checkTargets(keys, n, targets);
    report.targets = { tolerance: targets.tolerance, checks };
    report.flagged = checks.filter((c) => c.flagged);
  }
  return report;
}

function crossOf(
  cases: readonly Tagged[],
  k1: string,
  k2: string,
  keys: Record<string, KeyCoverage>,
): CrossedCoverage {
  const cell = (v1: string, v2: string) => `${k1}=${v1},${k2}=${v2}`;
  const cells: Record<string, number> = {};
  for (const c of cases) {
    const v1 = c.tags[k1];
    const v2 = c.tags[k2];
    if (v1 === undefined || v2 === undefined) continue;
    const name = cell(v1, v2);
    cells[name] = (cells[name] ?? 0) + 1;
  }
  const sorted: Record<string, number> = {};
  for (const name of Object.keys(cells).sort()) sorted[name] = cells[name];
  const empty: string[] = [];
  for (const v1 of Object.keys(keys[k1].values)) {
    for (const v2 of Object.keys(keys[k2].values)) if (!(cell(v1, v2) in cells)) empty.push(cell(v1, v2));
  }
  return { keys: [k1, k2], cells: sorted, empty };
}

/**
 * Every listed value against its target; when a key's targets add up to 1 the mix is complete,
 * so a value it does not list is expected at 0 (and flagged when its share is over the tolerance).
 */
function checkTargets(
  keys: Record<string, KeyCoverage>,
  n: number,
  targets: CoverageTargets,
): CoverageCheck[] {
  const checks: CoverageCheck[] = [];
  const check = (key: string, value: string, target: number) => {
    const actual = n > 0 ? (keys[key]?.values[value]?.count ?? 0) / n : 0;
    const off = actual - target;
    // a hair of slack: 0.35 − 0.3 is 0.04999… in floating point and must not flag at 0.05
    checks.push({ key, value, target, actual, off, flagged: Math.abs(off) > targets.tolerance + 1e-12 });
  };
  for (const [key, shares] of Object.entries(targets.keys)) {
    for (const [value, target] of Object.entries(shares)) check(key, value, target);
    const total = Object.values(shares).reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-9) continue;
    for (const value of Object.keys(keys[key]?.values ?? {})) {
      if (!(value in shares)) check(key, value, 0);
    }
  }
  return checks;
}
