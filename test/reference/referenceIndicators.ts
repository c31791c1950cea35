/**
 * Straightforward array implementations of the indicators STRATEGIES.md names, written from their
 * textbook definitions for the trade-reference tests, independent of src/domain/indicators: one
 * value per bar, NaN while warming. Where TA-Lib computes an indicator the tests read TA-Lib's own
 * values from the fixture instead (talibFixture.ts).
 */
const NaN_ = Number.NaN;

/** First index with a value. */
function start(x: readonly number[]): number {
  const s = x.findIndex((v) => !Number.isNaN(v));
  return s < 0 ? x.length : s;
}

/** Simple moving average over n values, first value n − 1 bars after the source's first. */
export function sma(x: readonly number[], n: number): number[] {
  const s = start(x);
  return x.map((_, i) => {
    if (i < s + n - 1) return NaN_;
    let sum = 0;
    for (let j = i - n + 1; j <= i; j++) sum += x[j] as number;
    return sum / n;
  });
}

/** Exponential average, alpha 2/(n+1) (or `alpha`), seeded with the SMA of the first n values. */
export function ema(x: readonly number[], n: number, alpha = 2 / (n + 1)): number[] {
  const s = start(x);
  const out = x.map(() => NaN_);
  if (s + n - 1 >= x.length) return out;
  let e = 0;
  for (let j = s; j < s + n; j++) e += x[j] as number;
  e /= n;
  out[s + n - 1] = e;
  for (let i = s + n; i < x.length; i++) {
    e += alpha * ((x[i] as number) - e);
    out[i] = e;
  }
  return out;
}

/** Highest of the last n values, current included. */
export function highest(x: readonly number[], n: number): number[] {
  const s = start(x);
  return x.map((_, i) => (i < s + n - 1 ? NaN_ : Math.max(...x.slice(i - n + 1, i + 1))));
}

/** Lowest of the last n values, current included. */
export function lowest(x: readonly number[], n: number): number[] {
  const s = start(x);
  return x.map((_, i) => (i < s + n - 1 ? NaN_ : Math.min(...x.slice(i - n + 1, i + 1))));
}

/** The value `bars` bars ago. */
export function lag(x: readonly number[], bars: number): number[] {
  return x.map((_, i) => (i < bars ? NaN_ : (x[i - bars] as number)));
}

/** Sum of the last n values. */
export function rollingSum(x: readonly number[], n: number): number[] {
  return sma(x, n).map((v) => v * n);
}

/** Population standard deviation of the last n values. */
export function stdDev(x: readonly number[], n: number): number[] {
  const mean = sma(x, n);
  return x.map((_, i) => {
    const m = mean[i] as number;
    if (Number.isNaN(m)) return NaN_;
    let ss = 0;
    for (let j = i - n + 1; j <= i; j++) ss += ((x[j] as number) - m) ** 2;
    return Math.sqrt(ss / n);
  });
}

/** Percent change over `bars` bars. */
export function roc(x: readonly number[], bars: number): number[] {
  return x.map((v, i) => (i < bars ? NaN_ : ((v - (x[i - bars] as number)) / (x[i - bars] as number)) * 100));
}

/** Element-wise f of several series (NaN propagates through arithmetic). */
export function zip(f: (...v: number[]) => number, ...xs: (readonly number[])[]): number[] {
  return (xs[0] as readonly number[]).map((_, i) => f(...xs.map((x) => x[i] as number)));
}

/** Stochastic position of x within [lowest, highest] of itself-or-bounds over n bars, 0..100 (0 on a flat window). */
export function stochastic(x: readonly number[], top: readonly number[], bottom: readonly number[], n: number): number[] {
  const hi = highest(top, n);
  const lo = lowest(bottom, n);
  return zip((v, h, l) => (Number.isNaN(h) ? NaN_ : h === l ? 0 : ((v - l) / (h - l)) * 100), x, hi, lo);
}

/** Least-squares line over the last n values (x = 0..n−1): its end point and the residuals' population std-dev. */
export function linearRegression(x: readonly number[], n: number): { end: number[]; residualStd: number[] } {
  const end: number[] = [];
  const residualStd: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (i < n - 1) {
      end.push(NaN_);
      residualStd.push(NaN_);
      continue;
    }
    const ys = x.slice(i - n + 1, i + 1);
    const mx = (n - 1) / 2;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let sxx = 0;
    ys.forEach((y, k) => {
      sxy += (k - mx) * (y - my);
      sxx += (k - mx) ** 2;
    });
    const slope = sxy / sxx;
    const intercept = my - slope * mx;
    end.push(intercept + slope * (n - 1));
    residualStd.push(Math.sqrt(ys.reduce((a, y, k) => a + (y - (intercept + slope * k)) ** 2, 0) / n));
  }
  return { end, residualStd };
}

/** Chande momentum oscillator with Chande's plain sums of up and down closes over n changes. */
export function chandeMomentum(x: readonly number[], n: number): number[] {
  return x.map((_, i) => {
    if (i < n) return NaN_;
    let up = 0;
    let down = 0;
    for (let j = i - n + 1; j <= i; j++) {
      const d = (x[j] as number) - (x[j - 1] as number);
      if (d > 0) up += d;
      else down -= d;
    }
    return up + down === 0 ? 0 : (100 * (up - down)) / (up + down);
  });
}
