/**
 * The sample covariance and correlation of a set of return windows, computed once per sizing pass
 * and shared by volatility targeting, risk contributions and the correlation limit, so that no step
 * walks the return windows again. Off-diagonal entries come from `pairStats`, which aligns the two
 * windows on their common timestamps; the diagonal is each window's own sample variance.
 *
 * Because pairs are aligned separately, the matrix need not be exactly positive semi-definite when
 * windows have gaps; callers treat a portfolio variance <= 0 as "no variance".
 */
import { type PairStats, pairStats, type ReturnWindow } from './returnWindow.js';

/**
 * PairStats remembered per pair of windows with the versions they were computed at. The sizing
 * pass runs on every candle close of any symbol over the price returns of every symbol, but only
 * the closing symbol's window has moved: its pairs are recomputed, the others read back. A pair is
 * reused only when neither window took a sample since, so the figures are exactly pairStats'.
 */
export class PairStatsCache {
  private readonly byFirst = new WeakMap<ReturnWindow, WeakMap<ReturnWindow, { a: number; b: number; stats: PairStats }>>();

  stats(a: ReturnWindow, b: ReturnWindow): PairStats {
    let row = this.byFirst.get(a);
    if (row === undefined) {
      row = new WeakMap();
      this.byFirst.set(a, row);
    }
    const hit = row.get(b);
    if (hit !== undefined && hit.a === a.version && hit.b === b.version) return hit.stats;
    const stats = pairStats(a, b);
    row.set(b, { a: a.version, b: b.version, stats });
    return stats;
  }
}

export class CovarianceMatrix {
  private constructor(
    /** Number of windows (rows and columns). */
    readonly n: number,
    private readonly cov: Float64Array,
    private readonly corr: Float64Array,
    private readonly common: Float64Array,
  ) {}

  /**
   * Builds the n × n matrix of `windows` (per-candle returns, fractions). Cost O(n² · window length),
   * or only for the pairs whose windows moved since `cache` last saw them.
   */
  static of(windows: readonly ReturnWindow[], cache?: PairStatsCache): CovarianceMatrix {
    const n = windows.length;
    const cov = new Float64Array(n * n);
    const corr = new Float64Array(n * n);
    const common = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const a = windows[i] as ReturnWindow;
      const sd = a.stdDev();
      cov[i * n + i] = sd * sd;
      corr[i * n + i] = sd > 0 ? 1 : 0;
      common[i * n + i] = a.length;
      for (let j = i + 1; j < n; j++) {
        const s = cache === undefined ? pairStats(a, windows[j] as ReturnWindow) : cache.stats(a, windows[j] as ReturnWindow);
        cov[i * n + j] = cov[j * n + i] = s.covariance;
        corr[i * n + j] = corr[j * n + i] = s.correlation;
        common[i * n + j] = common[j * n + i] = s.samples;
      }
    }
    return new CovarianceMatrix(n, cov, corr, common);
  }

  /** Sample covariance of windows i and j (per candle, fraction²). */
  covariance(i: number, j: number): number {
    return this.cov[this.index(i, j)] as number;
  }

  /** Pearson correlation of windows i and j, in [−1, 1]; 0 when either has no variance. */
  correlation(i: number, j: number): number {
    return this.corr[this.index(i, j)] as number;
  }

  /** Number of timestamps windows i and j have in common. */
  samples(i: number, j: number): number {
    return this.common[this.index(i, j)] as number;
  }

  /** Σw: each entry is the covariance of one asset with the portfolio `weights` (per candle). */
  times(weights: readonly number[]): number[] {
    this.checkLength(weights);
    const out: number[] = new Array(this.n).fill(0);
    for (let i = 0; i < this.n; i++) {
      let acc = 0;
      for (let j = 0; j < this.n; j++) acc += (this.cov[i * this.n + j] as number) * (weights[j] as number);
      out[i] = acc;
    }
    return out;
  }

  /** wᵀΣw: the variance of the portfolio `weights` per candle (fraction²). */
  variance(weights: readonly number[]): number {
    const sigmaW = this.times(weights);
    let acc = 0;
    for (let i = 0; i < this.n; i++) acc += (weights[i] as number) * (sigmaW[i] as number);
    return acc;
  }

  private index(i: number, j: number): number {
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= this.n || j >= this.n) {
      throw new RangeError(`CovarianceMatrix: index (${i}, ${j}) outside ${this.n} × ${this.n}`);
    }
    return i * this.n + j;
  }

  private checkLength(weights: readonly number[]): void {
    if (weights.length !== this.n) throw new RangeError(`CovarianceMatrix: ${weights.length} weights for ${this.n} assets`);
  }
}
