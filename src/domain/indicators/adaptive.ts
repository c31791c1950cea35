import type { Candle } from '../types.js';
import { SeriesCalc, type SeriesSpec } from './seriesNode.js';

/**
 * Ehlers' fractal adaptive moving average of the close over `period` bars (rounded up to even, as
 * the two halves need equal length). D = (ln(N1 + N2) − ln N3) / ln 2 from the ranges of the two
 * halves and the whole window; the smoothing factor is `weight` · exp(−4.6 · `slowScale` · (D − 1))
 * clamped to [0.01, 1] (slowScale = 1, weight = 1 is Ehlers' original). Seeded with the close at the
 * first full window. (trading-signals' FRAMA fixes both constants and rejects odd periods.)
 */
class FramaNode extends SeriesCalc {
  private readonly ring: Float64Array;
  private readonly n: number;
  private count = 0;
  private head = 0;
  private frama = Number.NaN;
  constructor(
    period: number,
    private readonly slowScale: number,
    private readonly weight: number,
  ) {
    super();
    this.n = period % 2 === 0 ? period : period + 1;
    this.ring = new Float64Array(this.n);
  }
  next(c: Candle): number {
    const n = this.n;
    this.ring[this.head] = c.close;
    this.head = this.head + 1 === n ? 0 : this.head + 1;
    if (this.count < n) this.count++;
    if (this.count < n) return Number.NaN;
    if (Number.isNaN(this.frama)) {
      this.frama = c.close;
      return this.frama;
    }
    const half = n / 2;
    let h1 = -Infinity;
    let l1 = Infinity;
    let h2 = -Infinity;
    let l2 = Infinity;
    // Oldest first with a wrapping index (no modulo per element).
    for (let i = 0, j = this.head; i < n; i++, j = j + 1 === n ? 0 : j + 1) {
      const y = this.ring[j] as number;
      if (i < half) {
        if (y > h1) h1 = y;
        if (y < l1) l1 = y;
      } else {
        if (y > h2) h2 = y;
        if (y < l2) l2 = y;
      }
    }
    const n1 = (h1 - l1) / half;
    const n2 = (h2 - l2) / half;
    const n3 = (Math.max(h1, h2) - Math.min(l1, l2)) / n;
    const d = n1 === 0 || n2 === 0 || n3 === 0 ? 1 : (Math.log(n1 + n2) - Math.log(n3)) / Math.LN2;
    const alpha = Math.min(1, Math.max(0.01, this.weight * Math.exp(-4.6 * this.slowScale * (d - 1))));
    this.frama += alpha * (c.close - this.frama);
    return this.frama;
  }
}

/** FRAMA of the close (quote currency); see `FramaNode` for the role of `slowScale` and `weight`. */
export function fractalAdaptiveAverage(period: number, slowScale: number, weight: number): SeriesSpec {
  return { key: `frama(${period},${slowScale},${weight})`, create: () => new FramaNode(period, slowScale, weight) };
}
