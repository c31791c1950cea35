/**
 * A bounded window of per-candle returns, each stamped with its candle's open time, kept in a ring
 * buffer with running sums so that mean and variance cost O(1). Correlation and covariance between
 * two windows align samples on equal timestamps (a merge join), so a strategy registered late, or a
 * symbol that skipped a candle, is compared only over the candles both saw.
 */
export class ReturnWindow {
  private readonly ts: Float64Array;
  private readonly values: Float64Array;
  private start = 0;
  private count = 0;
  private sum = 0;
  private sumSquares = 0;

  /** @param capacity most samples kept; older ones fall out. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ReturnWindow capacity must be a positive integer (was ${capacity})`);
    this.ts = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  /** Appends the return of the candle opened at `ts`. Timestamps must increase. */
  push(ts: number, value: number): void {
    if (!Number.isFinite(value)) throw new RangeError(`ReturnWindow.push: return is not finite (was ${value})`);
    if (this.count > 0 && ts <= this.lastTs()) throw new RangeError(`ReturnWindow.push: ts ${ts} not after ${this.lastTs()}`);
    if (this.count === this.capacity) {
      const old = this.values[this.start] as number;
      this.sum -= old;
      this.sumSquares -= old * old;
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    const at = (this.start + this.count) % this.capacity;
    this.ts[at] = ts;
    this.values[at] = value;
    this.count++;
    this.sum += value;
    this.sumSquares += value * value;
  }

  get length(): number {
    return this.count;
  }

  /** The i-th oldest sample's timestamp and value. */
  tsAt(i: number): number {
    return this.ts[(this.start + i) % this.capacity] as number;
  }

  valueAt(i: number): number {
    return this.values[(this.start + i) % this.capacity] as number;
  }

  lastTs(): number {
    return this.count === 0 ? Number.NEGATIVE_INFINITY : this.tsAt(this.count - 1);
  }

  /** Mean return, 0 when empty. */
  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /**
   * Sample standard deviation (n − 1), 0 with fewer than two samples. Recomputed exactly from the
   * samples when the running sums lose precision (variance below zero by rounding).
   */
  stdDev(): number {
    if (this.count < 2) return 0;
    const n = this.count;
    let variance = (this.sumSquares - (this.sum * this.sum) / n) / (n - 1);
    if (variance < 1e-18) variance = this.exactVariance();
    return Math.sqrt(Math.max(0, variance));
  }

  private exactVariance(): number {
    const m = this.mean();
    let acc = 0;
    for (let i = 0; i < this.count; i++) {
      const d = this.valueAt(i) - m;
      acc += d * d;
    }
    return acc / (this.count - 1);
  }

  /** Copies the values, oldest first (for tests and persistence). */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.valueAt(i));
    return out;
  }
}

/** Covariance and correlation of two windows over the timestamps both hold. */
export interface PairStats {
  /** Number of common timestamps. */
  readonly samples: number;
  /** Sample covariance (n − 1); 0 with fewer than two common samples. */
  readonly covariance: number;
  /** Pearson correlation in [−1, 1]; 0 when either side has no variance or samples < 2. */
  readonly correlation: number;
}

/**
 * Pearson correlation and covariance of `a` and `b` over their common timestamps. Two-pass over the
 * aligned samples for numerical stability. Cost O(a.length + b.length).
 */
export function pairStats(a: ReturnWindow, b: ReturnWindow): PairStats {
  const xs: number[] = [];
  const ys: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ta = a.tsAt(i);
    const tb = b.tsAt(j);
    if (ta === tb) {
      xs.push(a.valueAt(i));
      ys.push(b.valueAt(j));
      i++;
      j++;
    } else if (ta < tb) i++;
    else j++;
  }
  const n = xs.length;
  if (n < 2) return { samples: n, covariance: 0, correlation: 0 };
  let mx = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    mx += xs[k] as number;
    my += ys[k] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const dx = (xs[k] as number) - mx;
    const dy = (ys[k] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const covariance = sxy / (n - 1);
  const denominator = Math.sqrt(sxx * syy);
  const correlation = denominator > 0 ? Math.max(-1, Math.min(1, sxy / denominator)) : 0;
  return { samples: n, covariance, correlation };
}
