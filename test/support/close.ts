import { expect } from "vitest";

/**
 * Equal up to floating-point rounding: one-pass (Welford) moments and the exact two-pass
 * formulas agree to ~1e-12 on scores in [0, 1]; everything that is not a number must be equal.
 */
export function expectClose(actual: unknown, expected: unknown, path = "card"): void {
  if (typeof expected === "number" && typeof actual === "number") {
    if (Number.isNaN(expected)) {
      expect(Number.isNaN(actual), path).toBe(true);
      return;
    }
    const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
    if (Math.abs(actual - expected) > tolerance) {
      throw new Error(`${path}: ${actual} differs from ${expected}`);
    }
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((v, i) => {
      expectClose((actual as unknown[])[i], v, `${path}[${i}]`);
    });
    return;
  }
  if (expected && typeof expected === "object") {
    expect(actual && typeof actual === "object", path).toBeTruthy();
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const defined = (o: Record<string, unknown>) =>
      Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
    expect(defined(a), `${path} keys`).toEqual(defined(e));
    for (const k of defined(e)) expectClose(a[k], e[k], `${path}.${k}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}
