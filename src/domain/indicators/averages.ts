import type { Candle } from '../types.js';
import { SeriesCalc, type SeriesNode, type SeriesSpec } from './seriesNode.js';
import { sumOldestFirst } from './windows.js';

/**
 * The mean of the last `period` source values, summed oldest first from 0 and divided by `period`:
 * the arithmetic of trading-signals' SMA (its getAverage over its price array), so every value is
 * the same double, without that class's per-bar array shift, reduce closure and signal state (it
 * was the costliest series of a symbol's hub: SMAs are the most shared indicator).
 */
class SmaNode extends SeriesCalc {
  private readonly ring: Float64Array;
  private count = 0;
  /** Next write, and the oldest value once full. */
  private head = 0;
  constructor(
    private readonly source: SeriesNode,
    private readonly period: number,
  ) {
    super([source]);
    if (!(Number.isInteger(period) && period >= 1)) throw new RangeError(`sma: period must be a positive integer (was ${period})`);
    this.ring = new Float64Array(period);
  }
  next(): number {
    const x = this.source.value;
    if (Number.isNaN(x)) return Number.NaN;
    const period = this.period;
    this.ring[this.head] = x;
    this.head = this.head + 1 === period ? 0 : this.head + 1;
    if (this.count < period && ++this.count < period) return Number.NaN;
    return sumOldestFirst(this.ring, this.head) / period;
  }
}

/**
 * Simple moving average of `source` over `period` bars (same numbers as trading-signals `SMA`, same
 * definition as TA-Lib SMA); first value once `period` source values exist. Units of the source.
 */
export function sma(source: SeriesSpec, period: number): SeriesSpec {
  return { key: `sma(${source.key},${period})`, create: (h) => new SmaNode(h.input(source), period) };
}

/**
 * Exponential average seeded like TA-Lib: the first value is the SMA of the first `period`
 * inputs, then `ema += alpha · (x − ema)`. (trading-signals' EMA seeds with the first input
 * instead, which disagrees with TA-Lib for many bars, hence this class.)
 */
export class EmaNode extends SeriesCalc {
  private count = 0;
  private sum = 0;
  private ema = Number.NaN;
  private readonly alpha: number;
  constructor(
    private readonly source: SeriesNode,
    private readonly period: number,
    alpha?: number,
  ) {
    super([source]);
    this.alpha = alpha ?? 2 / (period + 1);
  }
  next(_candle: Candle): number {
    const x = this.source.value;
    if (Number.isNaN(x)) return Number.NaN;
    if (this.count < this.period) {
      this.sum += x;
      if (++this.count < this.period) return Number.NaN;
      this.ema = this.sum / this.period;
      return this.ema;
    }
    this.ema += this.alpha * (x - this.ema);
    return this.ema;
  }
}

/** EMA of `source` (alpha = 2 / (period + 1), TA-Lib SMA seed); first value at the period-th input. */
export function ema(source: SeriesSpec, period: number): SeriesSpec {
  return { key: `ema(${source.key},${period})`, create: (h) => new EmaNode(h.input(source), period) };
}

/** Wilder's average of `source` (alpha = 1 / period, SMA seed), as in RSI and ATR. */
export function wilder(source: SeriesSpec, period: number): SeriesSpec {
  return { key: `wilder(${source.key},${period})`, create: (h) => new EmaNode(h.input(source), period, 1 / period) };
}
