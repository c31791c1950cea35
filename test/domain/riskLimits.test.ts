import { describe, expect, it } from 'vitest';
import type { BreakerStatus } from '../../src/domain/drawdownBreaker.js';
import {
  applyHardLimits,
  capPositionRisk,
  capStrategyConcentration,
  type LimitCandidate,
  type PairCorrelations,
  riskDistance,
  scaleForDrawdown,
} from '../../src/domain/riskLimits.js';
import { sizingDefaults as cfg } from './sizingFixtures.js';

const NORMAL: BreakerStatus = { state: 'NORMAL', highWaterMark: 100_000, drawdown: 0, sizeScale: 1, haltedAt: null };
const REDUCING: BreakerStatus = { state: 'REDUCING', highWaterMark: 100_000, drawdown: 0.075, sizeScale: 0.5, haltedAt: null };
const HALTED: BreakerStatus = { state: 'HALTED', highWaterMark: 100_000, drawdown: 0.12, sizeScale: 0, haltedAt: 42 };

/** Every pair correlates at `rho` over `samples` common returns. */
const everyPair = (rho: number, samples = 100): PairCorrelations => ({ correlation: () => rho, samples: () => samples });

const candidate = (symbol: string, combined: number, ensembleTotal = 0.8, held = true, maxMemberWeight = 0.1): LimitCandidate => ({
  symbol,
  combined,
  ensembleTotal,
  held,
  maxMemberWeight,
});

describe('capPositionRisk', () => {
  it('caps a position at 2% of equity at risk: size 0.4 for a 5% stop', () => {
    // 0.02 / 0.05 = 0.4; the full-size position risked 1 × 5% = 5%.
    const cut = capPositionRisk(1, 0.05, cfg);
    expect(cut.size).toBeCloseTo(0.4, 12);
    expect(cut.reason).toBe('position risk 5% (size 1 × stop 5%) exceeds limit 2%: cut to 0.4');
  });

  it('allows size 0.8 for a 2.5% stop', () => {
    // 0.02 / 0.025 = 0.8.
    expect(capPositionRisk(1, 0.025, cfg).size).toBeCloseTo(0.8, 12);
  });

  it('leaves a size whose risk is within the limit', () => {
    // 0.3 × 5% = 1.5% <= 2%.
    expect(capPositionRisk(0.3, 0.05, cfg)).toEqual({ size: 0.3, reason: null });
  });

  it("counts a held position at its own distance to its stop when that is larger than a new entry's", () => {
    expect(riskDistance(0.05)).toBe(0.05);
    expect(riskDistance(0.05, 0.1)).toBe(0.1);
    // Nearer its stop than a new entry: counted as a new entry (adding to it would move its stop).
    expect(riskDistance(0.05, 0.01)).toBe(0.05);
    expect(riskDistance(0, 0.1)).toBe(1);
    // 0.02 / 0.1 = 0.2.
    const cut = capPositionRisk(0.3, riskDistance(0.05, 0.1), cfg);
    expect(cut.size).toBeCloseTo(0.2, 12);
    expect(cut.reason).toBe('position risk 3% (size 0.3 × stop 10%) exceeds limit 2%: cut to 0.2');
  });

  it('counts the whole notional at risk when there is no stop', () => {
    // stop 0 → distance 1 → cap 0.02 / 1.
    expect(capPositionRisk(0.5, 0, cfg).size).toBe(0.02);
  });
});

describe('capStrategyConcentration', () => {
  it('keeps any one strategy within 5% of equity', () => {
    // 0.25 × 0.4 = 10% > 5% → 0.05 / 0.25 = 0.2.
    expect(capStrategyConcentration(0.4, 0.25, cfg)).toEqual({
      size: 0.2,
      reason: 'strategy concentration 10% (largest member weight 0.25 × size 0.4) exceeds limit 5%: cut to 0.2',
    });
  });

  it('leaves a size at exactly the strategy limit', () => {
    // 0.25 × 0.2 = 5%.
    expect(capStrategyConcentration(0.2, 0.25, cfg).reason).toBeNull();
  });
});

describe('scaleForDrawdown', () => {
  it('scales by the breaker while REDUCING and zeroes sizes when HALTED', () => {
    expect(scaleForDrawdown(0.4, NORMAL)).toEqual({ size: 0.4, reason: null });
    expect(scaleForDrawdown(0.4, REDUCING)).toEqual({ size: 0.2, reason: 'breaker REDUCING at drawdown 7.5%: size 0.4 scaled by 0.5 to 0.2' });
    expect(scaleForDrawdown(0.4, HALTED)).toEqual({ size: 0, reason: 'breaker HALTED since 42 at drawdown 12%: size 0.4 cut to 0' });
  });
});

describe('applyHardLimits', () => {
  it('applies position risk before strategy concentration and names the last limit that bound', () => {
    // 1 → 0.4 (2% / 5% stop) → 0.2 (5% / weight 0.25).
    const [only] = applyHardLimits([candidate('BTC/USD', 1, 0.8, false, 0.25)], everyPair(0), NORMAL, 0.05, cfg);
    expect(only?.size).toBeCloseTo(0.2, 12);
    expect(only?.binding).toBe('strategyConcentration');
    expect(only?.cuts).toHaveLength(2);
    expect(only?.cuts[0]).toMatch(/^position risk/);
  });

  it('reports no binding limit when the combined size stands', () => {
    expect(applyHardLimits([candidate('BTC/USD', 0.3)], everyPair(0), NORMAL, 0.05, cfg)).toEqual([{ size: 0.3, binding: 'none', cuts: [] }]);
  });

  it('cuts the correlated held position with the lower ensemble total to the pair risk limit', () => {
    // One position may hold 0.02 / 0.05 = 0.4. ETH (total 0.9) keeps 1/3, so BTC (total 0.72) may hold 0.4 − 1/3 = 0.0667.
    const [btc, eth] = applyHardLimits([candidate('BTC/USD', 0.4, 0.72), candidate('ETH/USD', 1 / 3, 0.9)], everyPair(0.95), NORMAL, 0.05, cfg);
    expect(btc?.size).toBeCloseTo(0.4 - 1 / 3, 12);
    expect(btc?.binding).toBe('correlation');
    expect(btc?.cuts[0]).toBe('correlation 0.95 with ETH/USD exceeds 0.7 (ensemble total 0.72 vs 0.9): size 0.4 cut to 0.06667 so the pair risks at most 2%');
    expect(eth).toEqual({ size: 1 / 3, binding: 'none', cuts: [] });
  });

  it('cuts a correlated position to zero when the other already uses the whole risk limit', () => {
    // BTC keeps 0.4 = the full cap; ETH (lower total) gets max(0, 0.4 − 0.4) = 0.
    const [btc, eth] = applyHardLimits([candidate('BTC/USD', 0.4, 0.9), candidate('ETH/USD', 0.4, 0.72)], everyPair(0.8), NORMAL, 0.05, cfg);
    expect(btc).toEqual({ size: 0.4, binding: 'none', cuts: [] });
    expect(eth).toMatchObject({ size: 0, binding: 'correlation' });
  });

  it('counts each of a correlated pair at its own distance to its stop', () => {
    // ETH (total 0.9) is held 10% above its stop: 0.1 × 10% = 1% at risk, leaving 1% for BTC at a
    // new entry's 5%: (0.02 − 0.1 × 0.1) / 0.05 = 0.2 (the configured distance alone gave 0.4 − 0.1 = 0.3).
    const [btc, eth] = applyHardLimits(
      [candidate('BTC/USD', 0.4, 0.72), { ...candidate('ETH/USD', 0.1, 0.9), stopDistance: 0.1 }],
      everyPair(0.95),
      NORMAL,
      0.05,
      cfg,
    );
    expect(btc?.size).toBeCloseTo(0.2, 12);
    expect(btc?.binding).toBe('correlation');
    expect(eth).toEqual({ size: 0.1, binding: 'none', cuts: [] });
  });

  it('cuts a chain of correlated positions in order of ensemble total, whatever the symbols are named', () => {
    // A ~ B and B ~ C at 0.9, A and C uncorrelated; each holds 0.3 (1.5% at a 5% stop). The higher
    // total keeps its size: B is cut against C to 0.4 − 0.3 = 0.1, then the lowest is cut against
    // what B keeps, 0.4 − 0.1 = 0.3, i.e. not at all (0.3 + 0.1 = 0.4: the pair risks 2%). Walking the
    // pairs in symbol order cut A against B's 0.3 before B's own cut: A 0.1, the pair risking 1%.
    const chain = (rho: number) => (i: number, j: number) => (Math.abs(i - j) === 1 ? rho : 0);
    const pairs: PairCorrelations = { correlation: chain(0.9), samples: () => 100 };
    const lowFirst = applyHardLimits([candidate('A', 0.3, 0.7), candidate('B', 0.3, 0.8), candidate('C', 0.3, 0.9)], pairs, NORMAL, 0.05, cfg);
    expect(lowFirst.map((l) => l.binding)).toEqual(['none', 'correlation', 'none']);
    expect(lowFirst[0]?.size).toBe(0.3);
    expect(lowFirst[1]?.size).toBeCloseTo(0.1, 12);
    expect(lowFirst[2]?.size).toBe(0.3);
    // The same book with the names reversed: the same sizes by total.
    const highFirst = applyHardLimits([candidate('A', 0.3, 0.9), candidate('B', 0.3, 0.8), candidate('C', 0.3, 0.7)], pairs, NORMAL, 0.05, cfg);
    expect(highFirst.map((l) => l.size)).toEqual(lowFirst.map((l) => l.size));
    expect(highFirst.map((l) => l.binding)).toEqual(lowFirst.map((l) => l.binding));
  });

  it('cuts each of three mutually correlated positions only as far as its pairs with those that rank above it need', () => {
    // Totals C 0.9 > B 0.8 > A 0.7, 0.3 each: B is cut to 0.4 − 0.3 = 0.1 against C; A to
    // min(0.4 − 0.3, 0.4 − 0.1) = 0.1 against C. Every pair then risks at most 2% (C + B, C + A: 0.4).
    const [a, b, c] = applyHardLimits([candidate('A', 0.3, 0.7), candidate('B', 0.3, 0.8), candidate('C', 0.3, 0.9)], everyPair(0.9), NORMAL, 0.05, cfg);
    expect(a?.size).toBeCloseTo(0.1, 12);
    expect(b?.size).toBeCloseTo(0.1, 12);
    expect(c).toEqual({ size: 0.3, binding: 'none', cuts: [] });
    expect(a?.cuts).toEqual(['correlation 0.9 with C exceeds 0.7 (ensemble total 0.7 vs 0.9): size 0.3 cut to 0.1 so the pair risks at most 2%']);
  });

  it('breaks an ensemble total tie by cutting the later symbol', () => {
    const [btc, eth] = applyHardLimits([candidate('BTC/USD', 0.3, 0.8), candidate('ETH/USD', 0.3, 0.8)], everyPair(0.8), NORMAL, 0.05, cfg);
    // 0.4 − 0.3 = 0.1.
    expect(btc?.binding).toBe('none');
    expect(eth?.size).toBeCloseTo(0.1, 12);
  });

  it('leaves correlated pairs alone unless both are held, correlated above the limit and sampled enough', () => {
    const pair = (a: LimitCandidate, b: LimitCandidate, pairs: PairCorrelations) => applyHardLimits([a, b], pairs, NORMAL, 0.05, cfg).map((l) => l.binding);
    expect(pair(candidate('A', 0.4, 0.9), candidate('B', 0.4, 0.7, false), everyPair(0.99))).toEqual(['none', 'none']);
    expect(pair(candidate('A', 0.4, 0.9), candidate('B', 0.4, 0.7), everyPair(0.7))).toEqual(['none', 'none']);
    expect(pair(candidate('A', 0.4, 0.9), candidate('B', 0.4, 0.7), everyPair(0.99, 19))).toEqual(['none', 'none']);
    expect(pair(candidate('A', 0.4, 0.9), candidate('B', 0.4, 0.7), everyPair(0.99, 20))).toEqual(['none', 'correlation']);
  });

  it('applies the drawdown scale last and zeroes every size when HALTED', () => {
    // 1 → 0.4 (position risk) → × 0.5 = 0.2.
    const [reduced] = applyHardLimits([candidate('BTC/USD', 1)], everyPair(0), REDUCING, 0.05, cfg);
    expect(reduced?.size).toBeCloseTo(0.2, 12);
    expect(reduced?.binding).toBe('drawdown');
    expect(reduced?.cuts).toHaveLength(2);
    const halted = applyHardLimits([candidate('BTC/USD', 1), candidate('ETH/USD', 0)], everyPair(0), HALTED, 0.05, cfg);
    expect(halted.map((l) => [l.size, l.binding])).toEqual([
      [0, 'halted'],
      [0, 'halted'],
    ]);
  });

  it('throws on a combined size that is not a number', () => {
    expect(() => applyHardLimits([candidate('BTC/USD', Number.NaN)], everyPair(0), NORMAL, 0.05, cfg)).toThrow(/BTC\/USD/);
  });
});
