import type { Candle } from '../types.js';
import { SeriesCalc, type SeriesSpec } from './seriesNode.js';

class PriceField extends SeriesCalc {
  constructor(private readonly read: (candle: Candle) => number) {
    super();
  }
  next(candle: Candle): number {
    return this.read(candle);
  }
}

function field(key: string, read: (candle: Candle) => number): SeriesSpec {
  return { key, create: () => new PriceField(read) };
}

/** Close price of each candle (quote currency); warm from the first bar. */
export const close: SeriesSpec = field('close', (c) => c.close);
/** Open price of each candle (quote currency). */
export const open: SeriesSpec = field('open', (c) => c.open);
/** High price of each candle (quote currency). */
export const high: SeriesSpec = field('high', (c) => c.high);
/** Low price of each candle (quote currency). */
export const low: SeriesSpec = field('low', (c) => c.low);
/** Volume of each candle (base units). */
export const volume: SeriesSpec = field('volume', (c) => c.volume);
/** Typical price (H + L + C) / 3 (quote currency). */
export const typicalPrice: SeriesSpec = field('typical', (c) => (c.high + c.low + c.close) / 3);
/** Median price (H + L) / 2 (quote currency). */
export const medianPrice: SeriesSpec = field('median', (c) => (c.high + c.low) / 2);
/** Bar range H − L (quote currency). */
export const barRange: SeriesSpec = field('range', (c) => c.high - c.low);
/** Bar vigor (C − O)/(H − L), 0 on a zero-range bar (the Relative Vigor Index term). */
export const barVigor: SeriesSpec = field('vigor', (c) => (c.high === c.low ? 0 : (c.close - c.open) / (c.high - c.low)));
