import { describe, expect, it } from 'vitest';
import { CovarianceMatrix, PairStatsCache } from '../../src/domain/covarianceMatrix.js';
import { pairStats, ReturnWindow } from '../../src/domain/returnWindow.js';

const MINUTE = 60_000;
const ret = (series: number, k: number): number => Math.sin(series * 12.9898 + k * 78.233) * 0.01;

function windows(count: number, samples: number): ReturnWindow[] {
  const out = Array.from({ length: count }, () => new ReturnWindow(50));
  for (let k = 0; k < samples; k++) {
    for (const [s, w] of out.entries()) w.push(k * MINUTE, ret(s, k));
  }
  return out;
}

describe('CovarianceMatrix', () => {
  it('holds each window variance on the diagonal and pairStats off it', () => {
    const ws = windows(3, 60);
    const m = CovarianceMatrix.of(ws);
    for (let i = 0; i < 3; i++) {
      expect(m.covariance(i, i)).toBeCloseTo((ws[i] as ReturnWindow).stdDev() ** 2, 15);
      for (let j = 0; j < 3; j++) if (i !== j) expect(m.covariance(i, j)).toBe(pairStats(ws[i] as ReturnWindow, ws[j] as ReturnWindow).covariance);
    }
    expect(() => m.covariance(3, 0)).toThrow(/outside 3 × 3/);
  });

  it('gives bit-identical matrices through a PairStatsCache, recomputing only the pairs of a window that moved', () => {
    const ws = windows(4, 60);
    const cache = new PairStatsCache();
    const same = (a: CovarianceMatrix, b: CovarianceMatrix) => {
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect([a.covariance(i, j), a.correlation(i, j), a.samples(i, j)]).toEqual([b.covariance(i, j), b.correlation(i, j), b.samples(i, j)]);
    };
    same(CovarianceMatrix.of(ws, cache), CovarianceMatrix.of(ws));
    const before = cache.stats(ws[0] as ReturnWindow, ws[1] as ReturnWindow);
    expect(cache.stats(ws[0] as ReturnWindow, ws[1] as ReturnWindow)).toBe(before); // read back, not recomputed
    // Only window 2 takes a new sample (a candle of its symbol alone): its pairs move, the others are kept.
    (ws[2] as ReturnWindow).push(60 * MINUTE, 0.02);
    same(CovarianceMatrix.of(ws, cache), CovarianceMatrix.of(ws));
    expect(cache.stats(ws[0] as ReturnWindow, ws[1] as ReturnWindow)).toBe(before);
    expect(cache.stats(ws[0] as ReturnWindow, ws[2] as ReturnWindow)).toEqual(pairStats(ws[0] as ReturnWindow, ws[2] as ReturnWindow));
    // Window 2 now holds candles 11..60 and window 0 still 10..59: 49 in common.
    expect(cache.stats(ws[0] as ReturnWindow, ws[2] as ReturnWindow).samples).toBe(49);
  });
});
