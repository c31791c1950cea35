import { describe, expect, it } from 'vitest';
import type { SizingConfig } from '../../config/engine.js';
import { CovarianceMatrix } from '../../src/domain/covarianceMatrix.js';
import type { BreakerStatus } from '../../src/domain/drawdownBreaker.js';
import {
  combineSizes,
  riskContributions,
  riskParityWeights,
  type SizingContext,
  type SymbolRiskInput,
  sizePositions,
  type TradeStats,
  volTargetWeights,
} from '../../src/domain/sizing.js';
import { sizingDefaults, windowOf } from './sizingFixtures.js';

/*
 * Two symbols whose statistics are easy by hand (3 returns each, sample variance divides by 2):
 *   A = [0.01, 0, −0.01]: mean 0, var = (1e-4 + 0 + 1e-4)/2 = 1e-4, σ = 1%
 *   B = [0, 0.02, −0.02]: mean 0, var = (0 + 4e-4 + 4e-4)/2 = 4e-4, σ = 2%
 *   cov(A, B) = (0.01·0 + 0·0.02 + (−0.01)(−0.02))/2 = 1e-4, corr = 1e-4 / (0.01 · 0.02) = 0.5
 * Σ = [[1e-4, 1e-4], [1e-4, 4e-4]].
 */
const A = [0.01, 0, -0.01];
const B = [0, 0.02, -0.02];
const cfg: SizingConfig = { ...sizingDefaults, minVolSamples: 3 };
const NORMAL: BreakerStatus = { state: 'NORMAL', highWaterMark: 100_000, drawdown: 0, sizeScale: 1, haltedAt: null };
// periodsPerYear 75 makes the annualization round: see the vol targeting case.
const ctx: SizingContext = { time: 1_000, breaker: NORMAL, stopLoss: 0.05, periodsPerYear: 75 };
const NO_TRADES: TradeStats = { trades: 0, wins: 0, grossWin: 0, grossLoss: 0, sumAbsReturn: 0 };
// Kelly 0.09: the hand-computed case of kellySize.test.ts.
const EDGE: TradeStats = { trades: 30, wins: 20, grossWin: 0.6, grossLoss: 0.1, sumAbsReturn: 0.7 };

function input(symbol: string, returns: readonly number[], over: Partial<SymbolRiskInput> = {}): SymbolRiskInput {
  return { symbol, ensembleTotal: 0.8, maxMemberWeight: 0.1, pooled: NO_TRADES, returns: windowOf(returns), held: false, ...over };
}

describe('riskParityWeights', () => {
  it('weights volatilities of 1% and 2% as 2/3 and 1/3 of the budget', () => {
    // 1/0.01 = 100, 1/0.02 = 50; 100/150 = 2/3, 50/150 = 1/3.
    const [a, b] = riskParityWeights([0.01, 0.02], 1);
    expect(a).toBeCloseTo(2 / 3, 12);
    expect(b).toBeCloseTo(1 / 3, 12);
  });

  it('throws on a volatility of zero', () => {
    expect(() => riskParityWeights([0.01, 0], 1)).toThrow(RangeError);
  });
});

describe('CovarianceMatrix', () => {
  it('holds the sample covariances and correlations of the windows', () => {
    const cov = CovarianceMatrix.of([windowOf(A), windowOf(B)]);
    expect(cov.covariance(0, 0)).toBeCloseTo(1e-4, 15);
    expect(cov.covariance(1, 1)).toBeCloseTo(4e-4, 15);
    expect(cov.covariance(0, 1)).toBeCloseTo(1e-4, 15);
    expect(cov.covariance(1, 0)).toBeCloseTo(1e-4, 15);
    expect(cov.correlation(0, 1)).toBeCloseTo(0.5, 12);
    expect(cov.samples(0, 1)).toBe(3);
  });
});

describe('volTargetWeights', () => {
  it('scales the risk-parity weights so the portfolio meets 20% annualized volatility', () => {
    // w = [2/3, 1/3]: wᵀΣw = (4/9)·1e-4 + 2·(2/9)·1e-4 + (1/9)·4e-4 = 12/9 · 1e-4 = 1.3333e-4 per candle.
    // × 75 periods = 0.01 → σ_p = 0.1; scale = 0.2 / 0.1 = 2 → [4/3, 2/3].
    const cov = CovarianceMatrix.of([windowOf(A), windowOf(B)]);
    const [a, b] = volTargetWeights([2 / 3, 1 / 3], cov, 75, 0.2);
    expect(a).toBeCloseTo(4 / 3, 12);
    expect(b).toBeCloseTo(2 / 3, 12);
  });

  it('sizes nothing when the portfolio has no variance', () => {
    // A and −A offset exactly: wᵀΣw = 0.25·1e-4 − 2·0.25·1e-4 + 0.25·1e-4 = 0.
    const cov = CovarianceMatrix.of([windowOf(A), windowOf(A.map((x) => -x))]);
    expect(volTargetWeights([0.5, 0.5], cov, 75, 0.2)).toEqual([0, 0]);
  });
});

describe('riskContributions', () => {
  it('splits portfolio variance into shares that sum to 1', () => {
    // w = [0.4, 0.4]: Σw = [0.4e-4 + 0.4e-4, 0.4e-4 + 1.6e-4] = [0.8e-4, 2e-4];
    // w_i(Σw)_i = [0.32e-4, 0.8e-4], total 1.12e-4 → [2/7, 5/7].
    const cov = CovarianceMatrix.of([windowOf(A), windowOf(B)]);
    const [a, b] = riskContributions([0.4, 0.4], cov);
    expect(a).toBeCloseTo(2 / 7, 12);
    expect(b).toBeCloseTo(5 / 7, 12);
    expect((a as number) + (b as number)).toBeCloseTo(1, 12);
  });

  it('gives equal shares to inverse-volatility weights of two assets', () => {
    // w = [2/3, 1/3]: Σw = [1e-4, 2e-4]; w_i(Σw)_i = [2/3e-4, 2/3e-4] → [0.5, 0.5].
    const cov = CovarianceMatrix.of([windowOf(A), windowOf(B)]);
    const shares = riskContributions([2 / 3, 1 / 3], cov);
    expect(shares[0]).toBeCloseTo(0.5, 12);
    expect(shares[1]).toBeCloseTo(0.5, 12);
  });

  it('reports 0 for every symbol of an empty portfolio', () => {
    const cov = CovarianceMatrix.of([windowOf(A), windowOf(B)]);
    expect(riskContributions([0, 0], cov)).toEqual([0, 0]);
  });
});

describe('combineSizes', () => {
  const sizes = { kelly: 0.09, riskParity: 2 / 3, volTarget: 4 / 3 };
  it.each([
    // 0.4·0.09 + 0.3·2/3 + 0.3·4/3 = 0.036 + 0.2 + 0.4 = 0.636.
    ['blend', 0.636],
    ['kelly', 0.09],
    ['riskParity', 2 / 3],
    ['volTarget', 4 / 3],
    // min(0.09, 0.6667, 1.3333) = 0.09.
    ['min', 0.09],
  ] as const)('combines by %s to %d', (method, expected) => {
    expect(combineSizes(sizes, { ...cfg, method }).combined).toBeCloseTo(expected, 12);
  });

  it('takes the smallest of the three under min, whichever method gives it', () => {
    expect(combineSizes({ kelly: 0.5, riskParity: 0.2, volTarget: 0.3 }, { ...cfg, method: 'min' })).toEqual({
      combined: 0.2,
      reason: 'min(kelly 0.5, riskParity 0.2, volTarget 0.3) = 0.2',
    });
  });

  it('throws when the blend weights do not sum to 1', () => {
    expect(() => combineSizes(sizes, { ...cfg, kellyBlend: 0.5 })).toThrow(/blend weights must sum to 1/);
  });
});

describe('sizePositions', () => {
  it.each([
    // Limits kept loose (stop 1% → cap 2; weight 0.01 → cap 5) so the method alone decides.
    // A: kelly 0.09, riskParity 2/3, volTarget 4/3; B: kelly 0, riskParity 1/3, volTarget 2/3 (cases above).
    ['blend', 0.636, 0.3], // B: 0.4·0 + 0.3·1/3 + 0.3·2/3 = 0.1 + 0.2 = 0.3
    ['kelly', 0.09, 0],
    ['riskParity', 2 / 3, 1 / 3],
    ['volTarget', 4 / 3, 2 / 3],
    ['min', 0.09, 0],
  ] as const)('sizes every symbol by %s', (method, sizeA, sizeB) => {
    const loose = { ...ctx, stopLoss: 0.01 };
    const inputs = [input('A/USD', A, { pooled: EDGE, maxMemberWeight: 0.01 }), input('B/USD', B, { maxMemberWeight: 0.01 })];
    const [a, b] = sizePositions(inputs, loose, { ...cfg, method });
    expect(a?.size).toBeCloseTo(sizeA, 12);
    expect(b?.size).toBeCloseTo(sizeB, 12);
    expect([a?.binding, b?.binding]).toEqual(['none', 'none']);
  });

  it('sizes a realistic book: limits, exclusions, risk contributions and symbol order', () => {
    const inputs = [
      input('B/USD', B),
      input('C/USD', A, { ensembleTotal: null }),
      input('A/USD', A, { pooled: EDGE }),
      input('D/USD', [0.01, -0.01]),
    ];
    const sizes = sizePositions(inputs, ctx, cfg);
    expect(sizes.map((s) => s.symbol)).toEqual(['A/USD', 'B/USD', 'C/USD', 'D/USD']);
    const [a, b, c, d] = sizes;
    // A: blend 0.636 (combineSizes case); 0.636 × 5% = 3.18% > 2% → 0.02 / 0.05 = 0.4.
    expect(a).toMatchObject({ kind: 'size', time: 1_000, kelly: expect.closeTo(0.09, 12), combined: expect.closeTo(0.636, 12), binding: 'positionRisk' });
    expect(a?.size).toBeCloseTo(0.4, 12);
    expect(a?.reason).toBe('blend 0.4×kelly 0.09 + 0.3×riskParity 0.6667 + 0.3×volTarget 1.333 = 0.636; position risk 3.18% (size 0.636 × stop 5%) exceeds limit 2%: cut to 0.4');
    // B: 0.3 × 5% = 1.5% and 0.1 × 0.3 = 3%: within limits.
    expect(b).toMatchObject({ riskParity: expect.closeTo(1 / 3, 12), volTarget: expect.closeTo(2 / 3, 12), binding: 'none' });
    expect(b?.size).toBeCloseTo(0.3, 12);
    // Contributions on the final sizes [0.4, 0.3]: Σw = [0.7e-4, 1.6e-4]; w_i(Σw)_i = [0.28e-4, 0.48e-4] → [7/19, 12/19].
    expect(a?.riskContribution).toBeCloseTo(7 / 19, 12);
    expect(b?.riskContribution).toBeCloseTo(12 / 19, 12);
    // C has no ensemble and D only 2 of 3 returns: both size 0 and outside the risk-parity universe (A, B keep 2/3, 1/3).
    expect(c).toMatchObject({ size: 0, combined: 0, riskParity: 0, binding: 'noEnsemble', riskContribution: 0 });
    expect(d).toMatchObject({ size: 0, combined: 0, riskParity: 0, binding: 'warmup', reason: expect.stringContaining('warming up: 2 of 3 returns') });
  });

  it('cuts the 5% strategy limit after position risk', () => {
    // A blend 0.636 → 0.4 (position risk) → weight 0.25: 0.25 × 0.4 = 10% > 5% → 0.05 / 0.25 = 0.2.
    const [a] = sizePositions([input('A/USD', A, { pooled: EDGE, maxMemberWeight: 0.25 }), input('B/USD', B)], ctx, cfg);
    expect(a?.size).toBeCloseTo(0.2, 12);
    expect(a?.binding).toBe('strategyConcentration');
  });

  it('cuts the held position with the lower ensemble total when two held symbols move together', () => {
    // A and 2·A correlate at 1 > 0.7. Risk parity: σ 1% and 2% → 2/3 and 1/3; A capped to 0.4 by position risk.
    // A has the lower total: cut to 0.02/0.05 − 1/3 = 0.4 − 0.3333 = 0.0667.
    const inputs = [input('A/USD', A, { held: true, ensembleTotal: 0.72 }), input('B/USD', A.map((x) => 2 * x), { held: true, ensembleTotal: 0.9 })];
    const [a, b] = sizePositions(inputs, ctx, { ...cfg, method: 'riskParity' });
    expect(a?.binding).toBe('correlation');
    expect(a?.size).toBeCloseTo(0.4 - 1 / 3, 12);
    expect(a?.reason).toContain('correlation 1 with B/USD exceeds 0.7');
    expect(b?.size).toBeCloseTo(1 / 3, 12);
    expect(b?.binding).toBe('none');
  });

  it('scales every size with the breaker while REDUCING and zeroes them when HALTED', () => {
    const inputs = [input('A/USD', A, { pooled: EDGE }), input('B/USD', B)];
    const reducing = sizePositions(inputs, { ...ctx, breaker: { ...NORMAL, state: 'REDUCING', drawdown: 0.075, sizeScale: 0.5 } }, cfg);
    // A: 0.4 × 0.5 = 0.2; B: 0.3 × 0.5 = 0.15. Contributions keep their shares (a common scale cancels).
    expect(reducing.map((s) => s.binding)).toEqual(['drawdown', 'drawdown']);
    expect(reducing[0]?.size).toBeCloseTo(0.2, 12);
    expect(reducing[1]?.size).toBeCloseTo(0.15, 12);
    expect(reducing[0]?.riskContribution).toBeCloseTo(7 / 19, 12);
    const halted = sizePositions(inputs, { ...ctx, breaker: { ...NORMAL, state: 'HALTED', drawdown: 0.1, sizeScale: 0, haltedAt: 500 } }, cfg);
    expect(halted.map((s) => [s.size, s.binding, s.riskContribution])).toEqual([
      [0, 'halted', 0],
      [0, 'halted', 0],
    ]);
  });

  it('gives the same sizes whatever order the symbols arrive in', () => {
    const inputs = [input('A/USD', A, { pooled: EDGE, held: true }), input('B/USD', B, { held: true }), input('C/USD', [0.02, -0.01, 0.005])];
    expect(sizePositions([...inputs].reverse(), ctx, cfg)).toEqual(sizePositions(inputs, ctx, cfg));
  });

  it('leaves a symbol whose price never moved unsized', () => {
    const [a, flat] = sizePositions([input('A/USD', A), input('F/USD', [0, 0, 0])], ctx, cfg);
    expect(flat).toMatchObject({ size: 0, binding: 'warmup', reason: expect.stringContaining('no volatility') });
    // A is alone in the universe: risk parity gives it the whole budget 1.
    expect(a?.riskParity).toBeCloseTo(1, 12);
  });

  it('throws on duplicate symbols and on blend weights that do not sum to 1', () => {
    expect(() => sizePositions([input('A/USD', A), input('A/USD', B)], ctx, cfg)).toThrow(/A\/USD given twice/);
    expect(() => sizePositions([input('A/USD', A)], ctx, { ...cfg, volTargetBlend: 0.4 })).toThrow(/blend weights must sum to 1/);
  });
});
