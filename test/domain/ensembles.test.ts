import { describe, expect, it } from 'vitest';
import type { EnsembleConfig } from '../../config/engine.js';
import { buildEnsemble, countedCorrelation, type EnsembleCandidate, rescoreActive, scoreEnsemble, selectCandidates } from '../../src/domain/ensembles.js';
import { ReturnWindow } from '../../src/domain/returnWindow.js';
import { stableId } from '../../src/domain/stableId.js';
import type { Side } from '../../src/domain/types.js';

const MINUTE = 60_000;
const T = 1_790_000_000_000;

/**
 * Defaults of config/engine.ts, except minCorrelationSamples = 4 so that the four-candle return
 * series below count. Their correlations are exact by construction: e1, e2, e3 are orthogonal,
 * mean-zero, each with squared norm 4, so ρ(e1, e2) = 0, ρ(e1 + e2, e1 + e3) = 4 / (√8·√8) = 0.5,
 * ρ(e1 + e2, e2 − e3) = 0.5, ρ(e1 + e3, e2 − e3) = −4 / 8 = −0.5, ρ(e1, e1 + e2) = 4 / (2·√8) = 0.7071.
 */
const cfg: EnsembleConfig = {
  minConfidence: 0.6,
  maxCandidates: 20,
  minMembers: 2,
  maxMembers: 5,
  minDistinctTypes: 2,
  performanceWeight: 0.7,
  diversificationWeight: 0.3,
  riskWeight: 0.1,
  maxCorrelation: 0.7,
  minCorrelationSamples: 4,
  minUsableTotal: 0.7,
};

const e1 = [1, -1, 1, -1];
const e2 = [1, 1, -1, -1];
const e3 = [1, -1, -1, 1];
const plus = (a: number[], b: number[]): number[] => a.map((x, i) => x + (b[i] as number));
const minus = (a: number[], b: number[]): number[] => a.map((x, i) => x - (b[i] as number));

/** Returns of 1% units on candles opened one minute apart. */
function returns(units: readonly number[]): ReturnWindow {
  const window = new ReturnWindow(240);
  units.forEach((u, i) => {
    window.push(T + i * MINUTE, u * 0.01);
  });
  return window;
}

function candidate(strategyId: string, type: string, confidence: number, performance: number, side: Side, units: readonly number[]): EnsembleCandidate {
  return { strategyId, type, confidence, performance, side, returns: returns(units) };
}

const ids = (e: { readonly members: readonly { readonly strategyId: string }[] } | null): string[] => (e === null ? [] : e.members.map((m) => m.strategyId));

describe('countedCorrelation', () => {
  it('matches the constructed correlations of the test series', () => {
    expect(countedCorrelation(returns(e1), returns(e2), 4)).toBeCloseTo(0, 12);
    expect(countedCorrelation(returns(plus(e1, e2)), returns(plus(e1, e3)), 4)).toBeCloseTo(0.5, 12);
    expect(countedCorrelation(returns(plus(e1, e3)), returns(minus(e2, e3)), 4)).toBeCloseTo(-0.5, 12);
    expect(countedCorrelation(returns(e1), returns(plus(e1, e2)), 4)).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('counts a correlation as 0 when the windows share fewer candles than the minimum', () => {
    // Perfectly correlated (same series) but only 4 common candles against a minimum of 20.
    expect(countedCorrelation(returns(e1), returns(e1), 20)).toBe(0);
  });
});

describe('selectCandidates', () => {
  it('keeps confidence >= 0.6, best first, ties by strategy id, at most maxCandidates', () => {
    const survivors = [
      candidate('d', 'X', 0.59, 0.9, 'long', e1),
      candidate('c', 'X', 0.6, 0.9, 'long', e1),
      candidate('b', 'X', 0.8, 0.9, 'long', e1),
      candidate('a', 'Y', 0.8, 0.9, 'long', e1),
      candidate('e', 'Y', 0.95, 0.9, 'long', e1),
    ];
    expect(ids({ members: selectCandidates(survivors, cfg) })).toEqual(['e', 'a', 'b', 'c']);
    expect(ids({ members: selectCandidates(survivors, { ...cfg, maxCandidates: 2 }) })).toEqual(['e', 'a']);
  });

  it('keeps exactly the first maxCandidates of a full sort, whatever the input order (many ties)', () => {
    // Confidences on a coarse grid so that ties by id decide often; input in a scrambled order.
    const survivors = Array.from({ length: 500 }, (_, i) => {
      const k = (i * 7919) % 500;
      return candidate(`s${String(k).padStart(3, '0')}`, 'X', 0.5 + ((k * 31) % 11) / 20, 0.5, 'flat', e1);
    });
    const sorted = survivors
      .filter((c) => c.confidence >= cfg.minConfidence)
      .sort((a, b) => b.confidence - a.confidence || (a.strategyId < b.strategyId ? -1 : 1))
      .map((c) => c.strategyId);
    for (const maxCandidates of [2, 20, 200]) {
      expect(ids({ members: selectCandidates(survivors, { ...cfg, maxCandidates }) })).toEqual(sorted.slice(0, maxCandidates));
      expect(ids({ members: selectCandidates([...survivors].reverse(), { ...cfg, maxCandidates }) })).toEqual(sorted.slice(0, maxCandidates));
    }
  });
});

describe('scoreEnsemble', () => {
  const a = candidate('A', 'SMA_RSI', 0.8, 0.9, 'long', plus(e1, e2));
  const b = candidate('B', 'ADX_STOCHASTIC', 0.6, 0.8, 'flat', plus(e1, e3));
  const c = candidate('C', 'SMA_RSI', 0.7, 0.7, 'long', minus(e2, e3));

  it('scores a 2-member ensemble by hand: P 0.85, D 0.5, R 0.05, total 0.74, usable', () => {
    // P = (0.9 + 0.8) / 2 = 0.85; D = (2 types / 2) × (1 − max(0, 0.5)) = 0.5;
    // R = population std of {0.9, 0.8} = 0.05; total = 0.7·0.85 + 0.3·0.5 − 0.1·0.05 = 0.595 + 0.15 − 0.005 = 0.74.
    const e = scoreEnsemble('BTC/USD', [b, a], T, cfg);
    expect(e.performance).toBeCloseTo(0.85, 12);
    expect(e.diversification).toBeCloseTo(0.5, 12);
    expect(e.risk).toBeCloseTo(0.05, 12);
    expect(e.total).toBeCloseTo(0.74, 12);
    expect(e.usable).toBe(true);
    // weights: 0.8 / 1.4 = 0.571428…, 0.6 / 1.4 = 0.428571…; only A is long.
    expect(e.members.map((m) => m.weight)).toEqual([expect.closeTo(0.8 / 1.4, 12), expect.closeTo(0.6 / 1.4, 12)]);
    expect(e.exposure).toBeCloseTo(0.571428571429, 12);
    expect(e).toMatchObject({ kind: 'ensemble', symbol: 'BTC/USD', time: T, active: false });
  });

  it('scores a 3-member ensemble by hand: P 0.8, D 4/9, R 0.0816, total 0.6852, unusable below 0.7', () => {
    // ρ(A,B) = 0.5, ρ(A,C) = 0.5, ρ(B,C) = −0.5 → mean of max(0, ρ) = (0.5 + 0.5 + 0) / 3 = 1/3.
    // P = (0.9 + 0.8 + 0.7) / 3 = 0.8; D = (2 types / 3) × (1 − 1/3) = 4/9 = 0.444444…;
    // R = √(((0.1)² + 0² + (−0.1)²) / 3) = √(0.02 / 3) = 0.0816497;
    // total = 0.7·0.8 + 0.3·4/9 − 0.1·0.0816497 = 0.56 + 0.133333 − 0.0081650 = 0.6851684.
    const e = scoreEnsemble('BTC/USD', [c, a, b], T, cfg);
    expect(e.performance).toBeCloseTo(0.8, 12);
    expect(e.diversification).toBeCloseTo(4 / 9, 12);
    expect(e.risk).toBeCloseTo(Math.sqrt(0.02 / 3), 12);
    expect(e.total).toBeCloseTo(0.6851684, 6);
    expect(e.usable).toBe(false);
    // Mixed long/flat: A (0.8) and C (0.7) long, B (0.6) flat → exposure = 1.5 / 2.1 = 0.714286.
    expect(e.exposure).toBeCloseTo(1.5 / 2.1, 12);
  });

  it('lists members in strategy-id order and derives the id from symbol and sorted member ids', () => {
    const e = scoreEnsemble('BTC/USD', [c, b, a], T, cfg);
    expect(ids(e)).toEqual(['A', 'B', 'C']);
    expect(e.id).toBe(`BTC/USD:${stableId('A\nB\nC')}`);
    expect(scoreEnsemble('BTC/USD', [a, b, c], T, cfg)).toEqual(e);
    expect(scoreEnsemble('ETH/USD', [a, b, c], T, cfg).id).not.toBe(e.id);
  });

  it('counts a total equal to the usable floor as usable although it rounds just below', () => {
    // Performances 0.32 and 0.94, uncorrelated, two types: P = 0.63, D = 1, R = 0.31
    // → total = 0.7·0.63 + 0.3 − 0.1·0.31 = 0.441 + 0.3 − 0.031 = 0.71, which floats compute as 0.7099999999999999.
    const x = candidate('x', 'X', 0.7, 0.32, 'long', e1);
    const y = candidate('y', 'Y', 0.7, 0.94, 'long', e2);
    const e = scoreEnsemble('BTC/USD', [x, y], T, { ...cfg, minUsableTotal: 0.71 });
    expect(e.total).toBeLessThan(0.71);
    expect(e.total).toBeCloseTo(0.71, 12);
    expect(e.usable).toBe(true);
    expect(scoreEnsemble('BTC/USD', [x, y], T, { ...cfg, minUsableTotal: 0.7101 }).usable).toBe(false);
  });

  it('marks unusable a high-scoring pair correlated above 0.7', () => {
    // ρ = 0.7071: P = 0.89, D = 1 × (1 − 0.7071) = 0.2929, R = 0.01 → total = 0.623 + 0.0879 − 0.001 = 0.7099 >= 0.7.
    const e = scoreEnsemble('BTC/USD', [candidate('x', 'X', 0.9, 0.9, 'long', e1), candidate('y', 'Y', 0.9, 0.88, 'long', plus(e1, e2))], T, cfg);
    expect(e.total).toBeCloseTo(0.623 + 0.3 * (1 - Math.SQRT1_2) - 0.001, 12);
    expect(e.total).toBeGreaterThan(0.7);
    expect(e.usable).toBe(false);
  });

  it('marks unusable a single member even with a high total, and a same-type pair', () => {
    // One member: P = 0.9, D = 1, R = 0 → total 0.93, but fewer than 2 members.
    expect(scoreEnsemble('BTC/USD', [a], T, cfg)).toMatchObject({ total: expect.closeTo(0.93, 12), usable: false });
    // Same type, uncorrelated: P = 0.9, D = 1/2, R = 0 → total = 0.63 + 0.15 = 0.78, but one type.
    const same = scoreEnsemble('BTC/USD', [candidate('x', 'X', 0.9, 0.9, 'long', e1), candidate('y', 'X', 0.9, 0.9, 'long', e2)], T, cfg);
    expect(same).toMatchObject({ total: expect.closeTo(0.78, 12), usable: false });
  });

  it('throws on an empty set, a repeated member or a NaN performance', () => {
    expect(() => scoreEnsemble('BTC/USD', [], T, cfg)).toThrow(RangeError);
    expect(() => scoreEnsemble('BTC/USD', [a, a], T, cfg)).toThrow(/repeat strategy A/);
    expect(() => scoreEnsemble('BTC/USD', [{ ...a, performance: Number.NaN }, b], T, cfg)).toThrow(/must be finite/);
  });
});

describe('buildEnsemble', () => {
  it('refuses two members correlated above 0.7 and takes the next best instead', () => {
    // A (0.9) starts. B would give 0.7099 (see above) but ρ(A,B) = 0.7071 > 0.7, so it is refused.
    // C: P = 0.8, D = 1, R = 0.1 → total = 0.56 + 0.3 − 0.01 = 0.85. Then B is still refused (ρ with A).
    const a = candidate('A', 'X', 0.9, 0.9, 'long', e1);
    const b = candidate('B', 'Y', 0.9, 0.88, 'long', plus(e1, e2));
    const c = candidate('C', 'Y', 0.7, 0.7, 'long', e3);
    const e = buildEnsemble('BTC/USD', [a, b, c], T, cfg);
    expect(ids(e)).toEqual(['A', 'C']);
    expect(e?.total).toBeCloseTo(0.85, 12);
    expect(e?.usable).toBe(true);
  });

  it('allows that pair when too few common candles make the correlation count as 0', () => {
    // Same series, minimum 20 samples: ρ counts 0. {A,B}: P 0.89, D 1, R 0.01 → 0.623 + 0.3 − 0.001 = 0.922,
    // beating {A,C} (0.85); adding C to {A,B}: P 0.826667, D 1, R 0.0899 → 0.578667 + 0.3 − 0.00899 = 0.8697 < 0.922.
    const a = candidate('A', 'X', 0.9, 0.9, 'long', e1);
    const b = candidate('B', 'Y', 0.9, 0.88, 'long', plus(e1, e2));
    const c = candidate('C', 'Y', 0.7, 0.7, 'long', e3);
    const e = buildEnsemble('BTC/USD', [a, b, c], T, { ...cfg, minCorrelationSamples: 20 });
    expect(ids(e)).toEqual(['A', 'B']);
    expect(e?.total).toBeCloseTo(0.922, 12);
  });

  it('enforces two distinct types even when a same-type pair scores higher', () => {
    // Start A (X, 0.9). {A,B} (both X): P 0.89, D 1/2, R 0.01 → 0.623 + 0.15 − 0.001 = 0.772;
    // {A,C}: P 0.6, D 1, R 0.3 → 0.42 + 0.3 − 0.03 = 0.69. B is taken first (below the minimum, best
    // feasible), still one type, so C must follow: {A,B,C}: P = 2.08/3 = 0.693333, D = 2/3 × 1,
    // R = √((0.206667² + 0.186667² + 0.393333²) / 3) = √(0.2322667 / 3) = 0.278249
    // → total = 0.485333 + 0.2 − 0.0278249 = 0.657508 (unusable, but valid).
    const a = candidate('A', 'X', 0.9, 0.9, 'long', e1);
    const b = candidate('B', 'X', 0.9, 0.88, 'long', e2);
    const c = candidate('C', 'Y', 0.7, 0.3, 'long', e3);
    const e = buildEnsemble('BTC/USD', [a, b, c], T, cfg);
    expect(ids(e)).toEqual(['A', 'B', 'C']);
    expect(e?.total).toBeCloseTo(0.657508, 6);
    expect(e?.usable).toBe(false);
    // With room for two members only, B cannot be taken (no place left for a second type): {A,C}.
    expect(ids(buildEnsemble('BTC/USD', [a, b, c], T, { ...cfg, maxMembers: 2 }))).toEqual(['A', 'C']);
  });

  it('keeps a place for a missing type rather than filling up with the same type', () => {
    // Three places, two types needed. A (X 0.9) starts; B (X 0.88) is the best addition and leaves one
    // place for a Y. {A,B,C} (all X) would total more than {A,B,D} (0.7·0.8833 + 0.3/3 − 0.1·0.0125 = 0.7171
    // against 0.6575, see the case above), but it would leave no place for a Y, so D is taken:
    // P = (0.9 + 0.88 + 0.3)/3 = 0.693333, D = 2/3, R = 0.278249 → 0.657508.
    const a = candidate('A', 'X', 0.9, 0.9, 'long', e1);
    const b = candidate('B', 'X', 0.9, 0.88, 'long', e2);
    const c = candidate('C', 'X', 0.9, 0.87, 'long', e3);
    // D has three candles only: fewer than the 4 required, so its correlations count as 0.
    const d = candidate('D', 'Y', 0.7, 0.3, 'long', [1, -1, 0]);
    const e = buildEnsemble('BTC/USD', [a, b, c, d], T, { ...cfg, maxMembers: 3 });
    expect(ids(e)).toEqual(['A', 'B', 'D']);
    expect(e?.total).toBeCloseTo(0.657508, 6);
  });

  it('returns null when all candidates share one type', () => {
    const same = [candidate('A', 'X', 0.9, 0.9, 'long', e1), candidate('B', 'X', 0.9, 0.8, 'long', e2)];
    expect(buildEnsemble('BTC/USD', same, T, cfg)).toBeNull();
    expect(buildEnsemble('BTC/USD', [], T, cfg)).toBeNull();
    // The same pool where one type is enough, and a single candidate where one member is enough:
    // the search runs and forms a set.
    expect(ids(buildEnsemble('BTC/USD', same, T, { ...cfg, minDistinctTypes: 1 })).length).toBeGreaterThan(0);
    expect(buildEnsemble('BTC/USD', same.slice(0, 1), T, { ...cfg, minDistinctTypes: 1 })).toBeNull();
    expect(ids(buildEnsemble('BTC/USD', same.slice(0, 1), T, { ...cfg, minDistinctTypes: 1, minMembers: 1 }))).toEqual(['A']);
  });

  it('returns null for a one-type pool without reading a single return (no search)', () => {
    const unread = new Proxy({} as ReturnWindow, {
      get() {
        throw new Error('the search read a return window');
      },
    });
    const pool = ['A', 'B', 'C'].map((id) => ({ ...candidate(id, 'X', 0.9, 0.8, 'long', e1), returns: unread }));
    expect(buildEnsemble('BTC/USD', pool, T, cfg)).toBeNull();
    expect(() => buildEnsemble('BTC/USD', pool, T, { ...cfg, minDistinctTypes: 1 })).toThrow(/read a return window/);
  });

  it('tries the next start when the best candidate cannot form a valid ensemble', () => {
    // A's only other-type partner C correlates 0.7071 with it; B (X) and C (Y) are uncorrelated.
    // {B,C}: P = (0.8 + 0.7)/2 = 0.75, D = 1, R = 0.05 → 0.525 + 0.3 − 0.005 = 0.82.
    const a = candidate('A', 'X', 0.9, 0.9, 'long', e1);
    const b = candidate('B', 'X', 0.9, 0.8, 'long', e2);
    const c = candidate(
      'C',
      'Y',
      0.9,
      0.7,
      'long',
      plus(
        e1,
        e2.map((x) => -x),
      ),
    );
    expect(countedCorrelation(a.returns, c.returns, 4)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(countedCorrelation(b.returns, c.returns, 4)).toBeCloseTo(-Math.SQRT1_2, 12);
    const e = buildEnsemble('BTC/USD', [a, b, c], T, cfg);
    expect(ids(e)).toEqual(['B', 'C']);
    expect(e?.total).toBeCloseTo(0.82, 12);
  });

  it('breaks ties by strategy id, whatever the input order', () => {
    // 'b' and 'c' are interchangeable (type Y, 0.8, each uncorrelated with A): {A,b} and {A,c} both
    // total 0.7·0.85 + 0.3·1 − 0.1·0.05 = 0.89; the lower id wins. Adding the other then gives
    // P 0.833333, D 2/3 (ρ(b,c) = 0), R 0.0471 → 0.583333 + 0.2 − 0.00471 = 0.7786 < 0.89: stop.
    const a = candidate('a', 'X', 0.9, 0.9, 'long', e1);
    const b = candidate('b', 'Y', 0.8, 0.8, 'long', e2);
    const c = candidate('c', 'Y', 0.8, 0.8, 'flat', e3);
    expect(ids(buildEnsemble('BTC/USD', [a, b, c], T, cfg))).toEqual(['a', 'b']);
    expect(ids(buildEnsemble('BTC/USD', [c, b, a], T, cfg))).toEqual(['a', 'b']);
    // Equal starts too: two X candidates with performance 0.9, the lower id starts.
    const a2 = candidate('a2', 'X', 0.9, 0.9, 'long', e1);
    const a1 = candidate('a1', 'X', 0.9, 0.9, 'long', e1);
    expect(ids(buildEnsemble('BTC/USD', [a2, b, a1], T, { ...cfg, maxCorrelation: 0.5 }))).toEqual(['a1', 'b']);
  });

  it('stops adding when no candidate raises the total, and never exceeds maxMembers', () => {
    // Five uncorrelated types with equal performance: each addition keeps P = 0.8, D = 1, R = 0, so the total
    // stays 0.86 and no addition raises it → two members (the minimum).
    const series = [e1, e2, e3, plus(e1, e2), minus(e1, e2)];
    const equal = series.map((s, i) => candidate(`s${i}`, `T${i}`, 0.9, 0.8, 'long', s));
    expect(buildEnsemble('BTC/USD', equal, T, { ...cfg, maxCorrelation: 1 })?.members.length).toBe(2);
    // Raising minMembers to 4 and maxMembers to 3 makes every set invalid.
    expect(buildEnsemble('BTC/USD', equal, T, { ...cfg, maxCorrelation: 1, minMembers: 4, maxMembers: 3 })).toBeNull();
  });

  it('reads no correlation left behind by the build before it (their scratch storage is shared)', () => {
    const a = candidate('A', 'X', 0.9, 0.9, 'long', e1);
    const c = candidate('C', 'Y', 0.7, 0.7, 'long', e3);
    // ρ(A, B) = 0.7071 > 0.7: B is refused (first test above).
    expect(ids(buildEnsemble('BTC/USD', [a, candidate('B', 'Y', 0.9, 0.88, 'long', plus(e1, e2)), c], T, cfg))).toEqual(['A', 'C']);
    // The same ids in the same pool places, B now uncorrelated with A: {A, B} has P 0.89, D 1,
    // R 0.01 → 0.623 + 0.3 − 0.001 = 0.922; adding C gives 0.7697 (P 0.8267, D 2/3, R 0.0899).
    const e = buildEnsemble('BTC/USD', [a, candidate('B', 'Y', 0.9, 0.88, 'long', e2), c], T, cfg);
    expect(ids(e)).toEqual(['A', 'B']);
    expect(e?.total).toBeCloseTo(0.922, 12);
  });

  it('equals scoreEnsemble on the chosen members, to the last bit', () => {
    const a = candidate('A', 'X', 0.9, 0.9, 'long', plus(e1, e2));
    const b = candidate('B', 'Y', 0.6, 0.8, 'flat', plus(e1, e3));
    const c = candidate('C', 'Z', 0.7, 0.7, 'long', minus(e2, e3));
    const built = buildEnsemble('BTC/USD', [a, b, c], T, cfg);
    expect(built).not.toBeNull();
    const chosen = [a, b, c].filter((x) => ids(built).includes(x.strategyId));
    expect(scoreEnsemble('BTC/USD', chosen, T, cfg)).toEqual(built);
  });

  it('builds from 20 candidates with 240-candle windows in milliseconds', () => {
    const many: EnsembleCandidate[] = [];
    for (let k = 0; k < 20; k++) {
      const window = new ReturnWindow(240);
      for (let i = 0; i < 240; i++) window.push(T + i * MINUTE, Math.sin(i * (k + 1) * 0.37) * 0.01);
      many.push({
        strategyId: `s${String(k).padStart(2, '0')}`,
        type: `T${k % 4}`,
        confidence: 0.9,
        performance: 0.6 + k * 0.01,
        side: 'long',
        returns: window,
      });
    }
    const fast = { ...cfg, minCorrelationSamples: 20 };
    const e = buildEnsemble('BTC/USD', many, T, fast);
    expect(e).not.toBeNull();
    expect(e?.members.length).toBeLessThanOrEqual(5);
    // Best of five warm runs: about 1 ms on a laptop; an exhaustive or uncached search is 100× slower.
    let fastest = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      buildEnsemble('BTC/USD', many, T, fast);
      fastest = Math.min(fastest, performance.now() - started);
    }
    expect(fastest).toBeLessThan(20);
  });
});

describe('rescoreActive', () => {
  const a = candidate('A', 'SMA_RSI', 0.8, 0.9, 'long', plus(e1, e2));
  const b = candidate('B', 'ADX_STOCHASTIC', 0.6, 0.8, 'flat', plus(e1, e3));

  it('re-scores the same member set with their new inputs', () => {
    const active = scoreEnsemble('BTC/USD', [a, b], T, cfg);
    const later = { ...b, performance: 0.6, side: 'long' as const };
    const { current, missing } = rescoreActive(active, new Map([a, later].map((x) => [x.strategyId, x])), T + MINUTE, cfg);
    // P = 0.75, D = 0.5, R = 0.15 → 0.525 + 0.15 − 0.015 = 0.66; both long → exposure 1.
    expect(missing).toEqual([]);
    expect(current).toMatchObject({ id: active.id, time: T + MINUTE, total: expect.closeTo(0.66, 12), exposure: expect.closeTo(1, 12) });
  });

  it('returns null and names the members that are gone', () => {
    const active = scoreEnsemble('BTC/USD', [a, b], T, cfg);
    expect(rescoreActive(active, new Map([[a.strategyId, a]]), T, cfg)).toEqual({ current: null, missing: ['B'] });
  });
});
