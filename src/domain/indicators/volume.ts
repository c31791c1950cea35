import type { Candle } from '../types.js';
import { ratio, weightedMean } from './combine.js';
import { volume } from './price.js';
import { SeriesCalc, type SeriesSpec } from './seriesNode.js';
import { rollingSum } from './windows.js';

/** A series computed from each candle and the one before it (none for the first bar). */
class PairNode extends SeriesCalc {
  private last: Candle | null = null;
  constructor(private readonly step: (c: Candle, prev: Candle | null, acc: number) => number) {
    super();
  }
  private acc = Number.NaN;
  next(c: Candle): number {
    this.acc = this.step(c, this.last, this.acc);
    this.last = c;
    return this.acc;
  }
}

function pairSeries(key: string, step: (c: Candle, prev: Candle | null, acc: number) => number): SeriesSpec {
  return { key, create: () => new PairNode(step) };
}

/** On-balance volume as TA-Lib: starts at the first bar's volume, then ± volume as the close rises or falls (base units). */
export const onBalanceVolume: SeriesSpec = pairSeries('obv', (c, p, acc) =>
  p === null ? c.volume : c.close > p.close ? acc + c.volume : c.close < p.close ? acc - c.volume : acc,
);

/** Close-location value (C − L − (H − C)) / (H − L), 0 on a zero-range bar. */
function closeLocation(c: Candle): number {
  const range = c.high - c.low;
  return range === 0 ? 0 : (c.close - c.low - (c.high - c.close)) / range;
}

/** Chaikin accumulation/distribution line: running sum of close-location × volume (TA-Lib AD). */
export const accumulationDistribution: SeriesSpec = pairSeries('adl', (c, _p, acc) => (Number.isNaN(acc) ? 0 : acc) + closeLocation(c) * c.volume);

/** Money-flow volume of each bar, close-location × volume (the CMF numerator term). */
export const moneyFlowVolume: SeriesSpec = pairSeries('mfv', (c) => closeLocation(c) * c.volume);

/** Price-volume trend: running sum of volume × (C − C₋₁)/C₋₁, starting at 0 on the first bar. */
export const priceVolumeTrend: SeriesSpec = pairSeries('pvt', (c, p, acc) =>
  p === null ? 0 : acc + (p.close === 0 ? 0 : (c.volume * (c.close - p.close)) / p.close),
);

/** Volume-spread score (V / V₋₁) × (C − L)/(H − L) × (H − L) = (V / V₋₁)·(C − L); 0 when V₋₁ is 0. */
export const volumeSpreadScore: SeriesSpec = pairSeries('vsa', (c, p) =>
  p === null ? Number.NaN : p.volume === 0 ? 0 : (c.volume / p.volume) * (c.close - c.low),
);

/** Tick-volume score |ΔC| × |ΔV| against the previous bar. */
export const tickVolumeScore: SeriesSpec = pairSeries('tick', (c, p) =>
  p === null ? Number.NaN : Math.abs(c.close - p.close) * Math.abs(c.volume - p.volume),
);

const typicalVolume: SeriesSpec = pairSeries('tpv', (c) => ((c.high + c.low + c.close) / 3) * c.volume);
const closeVolume: SeriesSpec = pairSeries('cv', (c) => c.close * c.volume);

/** Rolling VWAP over `period` bars: Σ typical price × volume / Σ volume (quote currency); NaN without volume. */
export function rollingVwap(period: number): SeriesSpec {
  return weightedMean(rollingSum(typicalVolume, period), rollingSum(volume, period));
}

/** Volume-weighted moving average of the close over `period` bars: Σ C·V / Σ V; NaN without volume. */
export function volumeWeightedAverage(period: number): SeriesSpec {
  return weightedMean(rollingSum(closeVolume, period), rollingSum(volume, period));
}

/** Chaikin money flow over `period` bars: Σ money-flow volume / Σ volume, in −1..1. */
export function chaikinMoneyFlow(period: number): SeriesSpec {
  return ratio(rollingSum(moneyFlowVolume, period), rollingSum(volume, period));
}

/**
 * Klinger volume force per bar: trend = +1 when the typical price rose, else −1; dm = H − L;
 * cm accumulates dm while the trend holds and restarts from the previous dm plus this one when it
 * flips; VF = V · |2·dm/cm − 1| · trend · 100, as in Klinger's own code (`Volume * AbsValue(2 *
 * (DM/CM) - 1) * Trend * 100`) and trading-signals' KVO. First value at bar 1. (It was
 * |2·(dm/cm − 1)|, a variant some chart manuals print, which weighs a trend's first bar, dm/cm ≈ ½,
 * near the maximum where Klinger's weighs it near 0; found by a bug hunt.)
 */
class VolumeForce extends SeriesCalc {
  private prevTp = Number.NaN;
  private prevDm = 0;
  private trend = 0;
  private cm = 0;
  next(c: Candle): number {
    const tp = c.high + c.low + c.close;
    const dm = c.high - c.low;
    if (Number.isNaN(this.prevTp)) {
      this.prevTp = tp;
      this.prevDm = dm;
      return Number.NaN;
    }
    const trend = tp > this.prevTp ? 1 : -1;
    this.cm = trend === this.trend ? this.cm + dm : this.prevDm + dm;
    this.trend = trend;
    this.prevTp = tp;
    this.prevDm = dm;
    return this.cm === 0 ? 0 : c.volume * Math.abs((2 * dm) / this.cm - 1) * trend * 100;
  }
}

/** Klinger volume force (see `VolumeForce`), base units × 100. */
export const volumeForce: SeriesSpec = { key: 'kvf', create: () => new VolumeForce() };
