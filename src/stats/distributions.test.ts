/**
 * Distribution functions against reference values from scipy 1.17 / mpmath (50 digits), quoted
 * in full so the expected numbers are independent of this code.
 */
import { describe, expect, it } from "vitest";
import {
  betaCdf,
  betaQuantile,
  binomialCdf,
  binomialPmf,
  binomialSf,
  chiSquareCdf,
  chiSquareQuantile,
  chiSquareSf,
  logGamma,
  noncentralTCdf,
  normalCdf,
  normalQuantile,
  regularizedBeta,
  regularizedGammaP,
  studentTCdf,
  studentTQuantile,
  studentTSf,
} from "./index.ts";
import { kolmogorovSf } from "./kolmogorov.ts";

function expectRelative(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe("special functions", () => {
  it("log-gamma", () => {
    expectRelative(logGamma(0.5), 0.5723649429247001, 1e-15); // ln √π
    expectRelative(logGamma(10), Math.log(362880), 1e-15);
    expectRelative(logGamma(171.5), 709.1431630309282, 1e-15);
  });

  it("incomplete beta and gamma, including both tails and huge parameters", () => {
    expectRelative(regularizedBeta(0.3, 2.5, 7), 0.6412224629717214, 1e-13);
    expectRelative(betaCdf(0.43, 3000, 4000), 0.5958415156690151, 1e-13); // mpmath
    expectRelative(regularizedGammaP(25, 0.005), 1.9121258940690603e-83, 1e-12); // mpmath
    // Student t with 10⁷ df at t = −2 needs the λ-form continued fraction (mpmath, 40 digits).
    expectRelative(studentTCdf(-2, 1e7), 0.02275014544592148, 1e-12);
  });
});

describe("normal", () => {
  it("quantiles are accurate to a few ulps", () => {
    expect(Math.abs(normalQuantile(0.975) - 1.959963984540054)).toBeLessThanOrEqual(5e-16);
    expectRelative(normalQuantile(1e-10), -6.361340902404056, 1e-14);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
  });

  it("CDF keeps relative accuracy in the tail", () => {
    expectRelative(normalCdf(-7.5), 3.1908916729108844e-14, 1e-13);
    expectRelative(normalCdf(1.959963984540054), 0.975, 1e-15);
  });
});

describe("Student t", () => {
  it("quantiles (mpmath: t₀.₉₇₅,₉ = 2.2621571627982053…)", () => {
    expectRelative(studentTQuantile(0.975, 9), 2.2621571627982053, 1e-14);
    expectRelative(studentTQuantile(0.995, 3), 5.840909309733355, 1e-13);
    expectRelative(studentTQuantile(0.025, 24.5), -2.061671879347407, 1e-13);
    expectRelative(studentTQuantile(0.975, 1), 12.706204736174707, 1e-13);
    expectRelative(studentTQuantile(0.975, 2), 4.302652729749464, 1e-13);
  });

  it("CDF and survival function", () => {
    expectRelative(studentTSf(3.1, 7), 0.008661144712748757, 1e-13);
    expect(studentTCdf(0, 5)).toBe(0.5);
    for (const df of [1, 3.5, 30, 1000]) {
      for (const p of [0.001, 0.1, 0.6, 0.99])
        expectRelative(studentTCdf(studentTQuantile(p, df), df), p, 1e-12);
    }
  });

  it("noncentral t", () => {
    expectRelative(noncentralTCdf(2.0, 10, 1.5), 0.6591540724421909, 1e-12);
    expectRelative(noncentralTCdf(-1.0, 5, 0.7), 0.056958047365786885, 1e-11);
    expectRelative(noncentralTCdf(3.2, 30, 4.0), 0.22216557370929177, 1e-11);
  });
});

describe("chi-square, beta, binomial", () => {
  it("chi-square", () => {
    expectRelative(chiSquareSf(3.84, 1), 0.05004352124870519, 1e-13);
    expectRelative(chiSquareCdf(10, 12), 0.384039345166937, 1e-13);
    expectRelative(chiSquareQuantile(0.95, 4), 9.487729036781154, 1e-13);
  });

  it("beta quantile (Clopper–Pearson lower bound for 13/20)", () => {
    expectRelative(betaQuantile(0.025, 13, 8), 0.40781146546717184, 1e-13);
  });

  it("binomial", () => {
    expectRelative(binomialPmf(3, 10, 0.3), 0.266827932, 1e-14);
    expectRelative(binomialCdf(40, 100, 0.35), 0.87497720012894, 1e-13);
    expectRelative(binomialSf(1200, 2000, 0.58), 0.03303735504407529, 1e-12);
    // Exact in binary for p = ½: the McNemar 2 vs 9 tail is 67/2048.
    expect(binomialCdf(2, 11, 0.5)).toBe(67 / 2048);
  });
});

describe("Kolmogorov distribution (scipy kstwo.sf in its exact range)", () => {
  it.each([
    [10, 0.3, 0.27053557479999946],
    [37, 0.2, 0.08979521784208933],
    [100, 0.1, 0.2526927570063874],
    [140, 0.05, 0.8576480297656114],
    [4, 0.7, 0.0169],
  ])("n = %d, d = %d", (n, d, expected) => {
    expect(Math.abs(kolmogorovSf(n, d) - expected)).toBeLessThan(1e-12);
  });
});
