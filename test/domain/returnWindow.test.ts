import { describe, expect, it } from 'vitest';
import { PairwiseStats, PairwiseStorage, pairStats, ReturnWindow, SymbolWindows } from '../../src/domain/returnWindow.js';

const MINUTE = 60_000;

/** Deterministic pseudo-returns: small, varied, different per series. */
const ret = (series: number, k: number): number => Math.sin(series * 12.9898 + k * 78.233) * 0.01;

describe('ReturnWindow with shared candle times', () => {
  // Two strategies of one symbol, the second registered 50 candles later, over 400 candles (the
  // windows keep 240), against the same windows keeping their own timestamps.
  // Two windows per block, so the second pair of this test's windows would start a new block.
  const symbol = new SymbolWindows(240, 2);
  const times = symbol.times;
  const shared = [new ReturnWindow(240, symbol), new ReturnWindow(240, symbol)];
  const owned = [new ReturnWindow(240), new ReturnWindow(240)];
  for (let k = 0; k < 400; k++) {
    const ts = k * MINUTE + (k > 200 ? 3 * MINUTE : 0); // a gap: times are not evenly spaced
    times.push(ts);
    for (let s = 0; s < 2; s++) {
      if (s === 1 && k < 50) continue;
      (shared[s] as ReturnWindow).push(ts, ret(s, k));
      (owned[s] as ReturnWindow).push(ts, ret(s, k));
    }
  }

  it('reads the same timestamps, values and statistics as windows with their own times', () => {
    for (let s = 0; s < 2; s++) {
      const a = shared[s] as ReturnWindow;
      const b = owned[s] as ReturnWindow;
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) expect([a.tsAt(i), a.valueAt(i)]).toEqual([b.tsAt(i), b.valueAt(i)]);
      expect([a.mean(), a.stdDev(), a.lastTs()]).toEqual([b.mean(), b.stdDev(), b.lastTs()]);
    }
  });

  it('gives pairStats bit-identical to the merge join of windows with their own times', () => {
    const [a, b] = shared as [ReturnWindow, ReturnWindow];
    const [c, d] = owned as [ReturnWindow, ReturnWindow];
    expect(pairStats(a, b)).toEqual(pairStats(c, d));
    expect(pairStats(b, a)).toEqual(pairStats(d, c));
    expect(pairStats(a, d)).toEqual(pairStats(c, d)); // mixed: falls back to the merge join
  });

  it('copies the newest samples across the ring wrap, oldest first', () => {
    const w = shared[0] as ReturnWindow; // 400 pushes into 240 places: the ring has wrapped
    const out = new Float64Array(240);
    for (const n of [0, 1, 37, 240]) {
      w.copyNewest(n, out);
      const expected = Array.from({ length: n }, (_, k) => w.valueAt(w.length - n + k));
      expect(Array.from(out.subarray(0, n))).toEqual(expected);
    }
  });

  it('gives the hand-computed covariance and correlation of two short windows', () => {
    // x = 1, 2, 3; y = 2, 4, 7: means 2 and 13/3; Σdxdy = 5, Σdx² = 2, Σdy² = 38/3 → cov 2.5, ρ = 5 / sqrt(76/3).
    const x = new ReturnWindow(3);
    const y = new ReturnWindow(3);
    for (const [k, v] of [1, 2, 3].entries()) x.push(k * MINUTE, v);
    for (const [k, v] of [2, 4, 7].entries()) y.push(k * MINUTE, v);
    const stats = pairStats(x, y);
    expect(stats.samples).toBe(3);
    expect(stats.covariance).toBeCloseTo(2.5, 12);
    expect(stats.correlation).toBeCloseTo(5 / Math.sqrt(76 / 3), 12);
  });

  it('gives PairwiseStats bit-identical to pairStats for full, shorter and own-time windows', () => {
    // Window 2 joins the symbol late (shorter); window 3 keeps its own times; window 4 is all zeros
    // (a strategy that stayed flat) and window 5 is empty.
    const symbol = new SymbolWindows(240);
    const ws = [0, 1, 2, 4].map(() => new ReturnWindow(240, symbol));
    const own = new ReturnWindow(240);
    for (let k = 0; k < 300; k++) {
      symbol.times.push(k * MINUTE);
      ws.forEach((w, s) => {
        if (s === 2 && k < 200) return;
        w.push(k * MINUTE, s === 3 ? 0 : ret(s, k));
      });
      own.push(k * MINUTE, ret(9, k));
    }
    const all = [...ws, own, new ReturnWindow(240, symbol)];
    const pairs = new PairwiseStats(all);
    for (let i = 0; i < all.length; i++) {
      for (let j = 0; j < all.length; j++) {
        if (i !== j) expect(pairs.stats(i, j)).toEqual(pairStats(all[i] as ReturnWindow, all[j] as ReturnWindow));
      }
    }
    expect(pairs.stats(0, 1).samples).toBe(240);
    expect(pairs.stats(0, 2).samples).toBe(100);
    expect(pairs.stats(0, 3).correlation).toBe(0);
  });

  it('refuses to answer from storage a later PairwiseStats took over', () => {
    const symbol = new SymbolWindows(30);
    const ws = [0, 1].map(() => new ReturnWindow(30, symbol));
    for (let k = 0; k < 40; k++) {
      symbol.times.push(k * MINUTE);
      for (const [s, w] of ws.entries()) w.push(k * MINUTE, ret(s + 40, k));
    }
    const storage = new PairwiseStorage();
    const first = new PairwiseStats(ws, storage);
    expect(first.stats(0, 1)).toEqual(pairStats(ws[0] as ReturnWindow, ws[1] as ReturnWindow));
    const second = new PairwiseStats([...ws].reverse(), storage);
    expect(() => first.stats(0, 1)).toThrow(/later PairwiseStats/);
    expect(second.stats(0, 1)).toEqual(pairStats(ws[1] as ReturnWindow, ws[0] as ReturnWindow));
  });

  it('gives the same bit-identical stats when built on reused storage, in any order of pairs', () => {
    // One storage, three PairwiseStats in turn: a small one, a larger one (the storage grows), then
    // the windows reversed; pairs read in a scattered order, each window laid out on first use.
    const symbol = new SymbolWindows(60);
    const ws = Array.from({ length: 6 }, () => new ReturnWindow(60, symbol));
    for (let k = 0; k < 90; k++) {
      symbol.times.push(k * MINUTE);
      ws.forEach((w, s) => {
        w.push(k * MINUTE, ret(s + 20, k));
      });
    }
    const storage = new PairwiseStorage();
    for (const list of [ws.slice(0, 2), ws, [...ws].reverse()]) {
      const pairs = new PairwiseStats(list, storage);
      for (const [i, j] of [
        [1, 0],
        [list.length - 1, 0],
        [0, 1],
        [2, 1],
        [1, list.length - 1],
      ] as const) {
        if (i < list.length && j < list.length && i !== j) {
          expect(pairs.stats(i, j)).toEqual(pairStats(list[i] as ReturnWindow, list[j] as ReturnWindow));
        }
      }
    }
  });

  it('refuses a sample that is not the newest shared candle, or that skips one', () => {
    const symbol = new SymbolWindows(10);
    const t = symbol.times;
    const w = new ReturnWindow(10, symbol);
    t.push(MINUTE);
    expect(() => w.push(0, 0.01)).toThrow(RangeError);
    w.push(MINUTE, 0.01);
    t.push(2 * MINUTE);
    t.push(3 * MINUTE);
    expect(() => w.push(3 * MINUTE, 0.01)).toThrow(/not the next shared candle time/);
    expect(() => new ReturnWindow(20, symbol)).toThrow(/shared windows hold 10 samples/);
  });

  it('hands released storage to the next window, zeroed, and refuses pushes to the released one', () => {
    const symbol = new SymbolWindows(4, 2);
    const a = new ReturnWindow(4, symbol);
    const b = new ReturnWindow(4, symbol);
    symbol.times.push(MINUTE);
    a.push(MINUTE, 0.5);
    b.push(MINUTE, 0.25);
    a.release();
    const c = new ReturnWindow(4, symbol);
    expect(() => a.push(2 * MINUTE, 0.1)).toThrow(/after release/);
    symbol.times.push(2 * MINUTE);
    c.push(2 * MINUTE, 0.125);
    b.push(2 * MINUTE, 0.75);
    expect([c.toArray(), b.toArray()]).toEqual([[0.125], [0.25, 0.75]]);
  });
});

describe('ReturnWindow.stdDev', () => {
  /** The two-pass sample standard deviation over the values, as exactVariance computes it. */
  const naive = (w: ReturnWindow): number => {
    const m = w.mean();
    let acc = 0;
    for (const v of w.toArray()) acc += (v - m) ** 2;
    return Math.sqrt(Math.max(0, acc / (w.length - 1)));
  };

  it('is 0 for a window of zeros (a flat strategy), and exact once earlier returns have left it', () => {
    const w = new ReturnWindow(5);
    for (let k = 0; k < 5; k++) w.push(k * MINUTE, 0);
    expect(w.stdDev()).toBe(0);
    // Non-zero returns that then leave: the running sums kept a rounding residue of them
    // (0.1 + 0.2 + 0.3 − 0.1 − 0.2 − 0.3 = 1.1e-16), which read as a mean of 2.2e-17 and a std-dev
    // of 2.5e-17: a Sharpe of √(4/5)·√periodsPerYear for a strategy that did not move. Zeros only:
    // mean and std-dev are exactly 0.
    for (const [k, v] of [0.1, 0.2, 0.3, 0, 0, 0, 0, 0].entries()) w.push((5 + k) * MINUTE, v);
    expect(w.toArray()).toEqual([0, 0, 0, 0, 0]);
    expect(w.mean()).toBe(0);
    expect(w.stdDev()).toBe(0);
    expect(w.stdDev()).toBe(naive(w));
  });

  it.each([[[1, -0.1, 0.7]], [[0.8, 0.9, -0.3]], [[0.1, 0.2, 0.3]]])(
    'reads mean 0 and std-dev 0 once %j have left a window of 3 (a price that stood still has no volatility)',
    (values) => {
      // [1, −0.1, 0.7] left a sum of squares residue of 5.6e-17: std-dev 5.3e-9, above the 1e-18
      // below which stdDev walks the samples, so a symbol flat for a window had a volatility.
      const w = new ReturnWindow(3);
      for (const [k, v] of [...values, 0, 0, 0].entries()) w.push(k * MINUTE, v);
      expect(w.toArray()).toEqual([0, 0, 0]);
      expect(w.mean()).toBe(0);
      expect(w.stdDev()).toBe(0);
    },
  );
});

describe('ReturnWindow after a price spike has left it', () => {
  it.each([1e4, 1e6, 1e8])('reads mean and std-dev off the samples once a %d× spike and its reversal have left a window of 240', (spike) => {
    // While the spike's return (spike − 1) was kept, every push rounded the running sums at its
    // precision; once it left, the rest carried that rounding for good: at 1e6× the std-dev read
    // 7.04e-4 against 5.62e-4 (found by a bug hunt).
    const w = new ReturnWindow(240);
    const values = Array.from({ length: 600 }, (_, k) => ret(3, k));
    values[100] = spike - 1;
    values[101] = 1 / spike - 1;
    for (const [k, v] of values.entries()) w.push(k * MINUTE, v);
    const kept = w.toArray();
    expect(kept).toEqual(values.slice(360));
    const exactMean = kept.reduce((a, v) => a + v, 0) / kept.length;
    const exactStd = Math.sqrt(kept.reduce((a, v) => a + (v - exactMean) ** 2, 0) / (kept.length - 1));
    expect(Math.abs(w.mean() - exactMean)).toBeLessThan(1e-12 * Math.abs(exactMean) + 1e-18);
    expect(Math.abs(w.stdDev() / exactStd - 1)).toBeLessThan(1e-9);
  });

  it('keeps the running sums of ordinary returns as they were (no re-sum when no sample dwarfed the rest)', () => {
    // The same window with a running sum only (no spike) gives the same doubles as before the
    // re-sum existed: the sums of the pushes, each evicted value subtracted.
    const w = new ReturnWindow(240);
    let sum = 0;
    let sumSquares = 0;
    const values = Array.from({ length: 600 }, (_, k) => ret(5, k) * (k % 7 === 0 ? 20 : 1));
    for (const [k, v] of values.entries()) {
      if (k >= 240) {
        const old = values[k - 240] as number;
        sum -= old;
        sumSquares -= old * old;
      }
      sum += v;
      sumSquares += v * v;
      w.push(k * MINUTE, v);
    }
    expect(w.mean()).toBe(sum / 240);
    expect(w.stdDev()).toBe(Math.sqrt((sumSquares - (sum * sum) / 240) / 239));
  });
});

describe('ReturnWindow.push: whether mean and stdDev may have moved', () => {
  it('says no only for a zero replacing a zero in a full window whose stdDev reads the running sums alone', () => {
    const w = new ReturnWindow(4);
    const pushes = [0, 0.01, -0.02, 0].map((v, k) => w.push(k * MINUTE, v));
    expect(pushes).toEqual([true, true, true, true]); // the window grows
    const std = w.stdDev();
    expect(w.push(4 * MINUTE, 0)).toBe(false); // 0 for 0; variance from the sums (about 2e-4) stands
    expect(w.stdDev()).toBe(std);
    expect(w.push(5 * MINUTE, 0)).toBe(true); // evicts 0.01
    expect(w.push(6 * MINUTE, 0.03)).toBe(true); // pushes a non-zero
  });

  it('says no for a zero replacing a zero in an all-zero window, whatever residue the sums kept', () => {
    const w = new ReturnWindow(3);
    for (const [k, v] of [0.1, 0.2, 0.3, 0, 0, 0].entries()) w.push(k * MINUTE, v);
    const std = w.stdDev();
    expect(w.push(6 * MINUTE, 0)).toBe(false);
    expect(w.stdDev()).toBe(std);
  });

  it('says yes for a zero replacing a zero when the variance is so small that stdDev walks the samples, whose order the ring turned', () => {
    // Samples 0, 1e-12, 0, 0: the running-sum variance (2.5e-25) is below the 1e-18 at which
    // stdDev recomputes from the samples in ring order, so turning the ring may change the last bit.
    const w = new ReturnWindow(4);
    for (const [k, v] of [0, 1e-12, 0, 0].entries()) w.push(k * MINUTE, v);
    expect(w.push(4 * MINUTE, 0)).toBe(true);
  });
});
