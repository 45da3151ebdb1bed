import { describe, expect, it } from "vitest";
import { type FactorLayout, fitFactorWeights } from "../../src/lib/optimizer/factor-em";

const rows = (count: number, likelihood: number[]) =>
  Array.from({ length: count }, () => Float64Array.from(likelihood));

describe("factor weights by accelerated EM", () => {
  it("users who each point to one shape give the shares of users, factor by factor", () => {
    // Two factors of two values each; shape (a, b) has weight p_a · q_b.
    const layout: FactorLayout = {
      indices: [
        [0, 2],
        [0, 3],
        [1, 2],
        [1, 3],
      ],
      groups: [
        [0, 1],
        [2, 3],
      ],
    };
    // 60 users certainly on (0, 0), 20 on (0, 1), 15 on (1, 0), 5 on (1, 1): p = 0.8, q = 0.75.
    const likelihoods = [
      ...rows(60, [1, 0, 0, 0]),
      ...rows(20, [0, 1, 0, 0]),
      ...rows(15, [0, 0, 1, 0]),
      ...rows(5, [0, 0, 0, 1]),
    ];
    const fit = fitFactorWeights(layout, likelihoods);
    expect(fit.parameters[0]).toBeCloseTo(0.8, 4);
    expect(fit.parameters[2]).toBeCloseTo(0.75, 4);
    expect(fit.weights[0]).toBeCloseTo(0.6, 4);
    expect(fit.weights[3]).toBeCloseTo(0.05, 4);
  });

  it("reaches the maximum likelihood where plain EM creeps, in few EM maps", () => {
    // Two shapes the users barely tell apart: 70 users slightly prefer the first (1 vs 0.9),
    // 30 the second. The log-likelihood's maximum over the first shape's weight w solves
    // 70·0.1/(0.9 + 0.1w) = 30·0.1/(1 − 0.1w), i.e. w = 0.7·10 − 0.3·9 = 4.3: beyond 1, so the
    // maximum is at the edge, w = 1. Plain EM moves w by about 0.01 per step from 0.5, less near 1.
    const layout: FactorLayout = { indices: [[0], [1]], groups: [[0, 1]] };
    const likelihoods = [...rows(70, [1, 0.9]), ...rows(30, [0.9, 1])];
    const fit = fitFactorWeights(layout, likelihoods, { tolerance: 1e-9 });
    expect(fit.weights[0]).toBeGreaterThan(0.99);
    expect(fit.evaluations).toBeLessThan(100);
    // An interior maximum: 55 against 45 with 1 vs 0.5 solves 55·0.5/(0.5 + 0.5w) = 45·0.5/(1 − 0.5w),
    // w = (55·2 − 45)/100 = 0.65.
    const interior = fitFactorWeights(layout, [...rows(55, [1, 0.5]), ...rows(45, [0.5, 1])], {
      tolerance: 1e-12,
    });
    expect(interior.weights[0]).toBeCloseTo(0.65, 3);
  });

  it("stops after the given number of EM maps", () => {
    const layout: FactorLayout = { indices: [[0], [1]], groups: [[0, 1]] };
    const fit = fitFactorWeights(layout, [...rows(70, [1, 0.9]), ...rows(30, [0.9, 1])], {
      maxEvaluations: 9,
      tolerance: 0,
    });
    expect(fit.evaluations).toBeLessThanOrEqual(9);
  });
});
