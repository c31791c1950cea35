import { SMA } from 'trading-signals';
import type { Candle } from '../types.js';
import { SeriesNode, type SeriesSpec } from './seriesNode.js';

class SmaNode extends SeriesNode {
  private readonly sma: SMA;
  constructor(
    private readonly source: SeriesNode,
    period: number,
  ) {
    super([source]);
    this.sma = new SMA(period);
  }
  next(): number {
    const x = this.source.value;
    if (Number.isNaN(x)) return Number.NaN;
    return this.sma.add(x) ?? Number.NaN;
  }
}

/**
 * Simple moving average of `source` over `period` bars (trading-signals `SMA`, same definition as
 * TA-Lib SMA); first value once `period` source values exist. Units of the source.
 */
export function sma(source: SeriesSpec, period: number): SeriesSpec {
  return { key: `sma(${source.key},${period})`, create: (h) => new SmaNode(h.input(source), period) };
}

/**
 * Exponential average seeded like TA-Lib: the first value is the SMA of the first `period`
 * inputs, then `ema += alpha · (x − ema)`. (trading-signals' EMA seeds with the first input
 * instead, which disagrees with TA-Lib for many bars, hence this class.)
 */
export class EmaNode extends SeriesNode {
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
