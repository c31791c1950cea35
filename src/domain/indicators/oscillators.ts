import { Aroon, CCI, CMO, RSI } from 'trading-signals';
import type { Candle } from '../types.js';
import { derived } from './combine.js';
import { close, high, low } from './price.js';
import { SeriesNode, type SeriesSpec } from './seriesNode.js';
import { highest, lowest } from './windows.js';

class RsiNode extends SeriesNode {
  private readonly rsi: RSI;
  constructor(
    private readonly source: SeriesNode,
    period: number,
  ) {
    super([source]);
    this.rsi = new RSI(period);
  }
  next(): number {
    const x = this.source.value;
    if (Number.isNaN(x)) return Number.NaN;
    return this.rsi.add(x) ?? Number.NaN;
  }
}

/**
 * Wilder's RSI of `source` in 0..100 (trading-signals `RSI`, Wilder smoothing seeded with the SMA
 * of the first `period` gains and losses, like TA-Lib); first value after `period` + 1 inputs.
 */
export function rsi(source: SeriesSpec, period: number): SeriesSpec {
  return { key: `rsi(${source.key},${period})`, create: (h) => new RsiNode(h.input(source), period) };
}

/**
 * Stochastic %K of `value` within the range of `top`/`bottom` over `period` bars, 0..100:
 * 100 · (value − lowest bottom) / (highest top − lowest bottom); 0 on a flat window (TA-Lib's
 * convention). Built on the shared highest/lowest windows, so Donchian, Williams %R and Ichimoku
 * reuse them.
 */
export function stochasticOf(value: SeriesSpec, top: SeriesSpec, bottom: SeriesSpec, period: number): SeriesSpec {
  return derived('stoch', [value, highest(top, period), lowest(bottom, period)], (s) => {
    const x = (s[0] as SeriesNode).value;
    const hi = (s[1] as SeriesNode).value;
    const lo = (s[2] as SeriesNode).value;
    return hi - lo === 0 ? (Number.isNaN(hi) ? Number.NaN : 0) : ((x - lo) / (hi - lo)) * 100;
  });
}

/** Lane's raw %K of the close over `period` bars (TA-Lib STOCHF fast %K), 0..100. */
export function stochasticK(period: number): SeriesSpec {
  return stochasticOf(close, high, low, period);
}

/**
 * Williams %R over `period` bars in −100..0: −100 · (highest high − close) / (highest − lowest);
 * 0 on a flat window as in TA-Lib (trading-signals returns −100 there, hence composed here).
 */
export function williamsR(period: number): SeriesSpec {
  return derived('willr', [close, highest(high, period), lowest(low, period)], (s) => {
    const x = (s[0] as SeriesNode).value;
    const hi = (s[1] as SeriesNode).value;
    const lo = (s[2] as SeriesNode).value;
    return hi - lo === 0 ? (Number.isNaN(hi) ? Number.NaN : 0) : ((hi - x) / (hi - lo)) * -100;
  });
}

/**
 * MFI with the arithmetic of trading-signals' MFI (typical price (high + low + close) / 3, flows
 * summed oldest first over the last `period` + 1 candles, 50 when no money flowed), so every value
 * is the same double; the typical prices and volumes sit in a ring instead of a candle array
 * that the library shifts, copies and maps on every bar.
 */
class MfiNode extends SeriesNode {
  private readonly typical: Float64Array;
  private readonly volume: Float64Array;
  private readonly size: number;
  private count = 0;
  /** Next write, and the oldest candle once full. */
  private head = 0;
  constructor(period: number) {
    super();
    if (!(Number.isInteger(period) && period >= 1)) throw new RangeError(`mfi: period must be a positive integer (was ${period})`);
    this.size = period + 1;
    this.typical = new Float64Array(this.size);
    this.volume = new Float64Array(this.size);
  }
  next(candle: Candle): number {
    const size = this.size;
    this.typical[this.head] = (candle.high + candle.low + candle.close) / 3;
    this.volume[this.head] = candle.volume;
    this.head = this.head + 1 === size ? 0 : this.head + 1;
    if (this.count < size && ++this.count < size) return Number.NaN;
    let positiveFlow = 0;
    let negativeFlow = 0;
    let before = this.typical[this.head] as number;
    for (let i = 1, j = this.head + 1 === size ? 0 : this.head + 1; i < size; i++, j = j + 1 === size ? 0 : j + 1) {
      const typical = this.typical[j] as number;
      const rawMoneyFlow = typical * (this.volume[j] as number);
      if (typical > before) positiveFlow += rawMoneyFlow;
      else if (typical < before) negativeFlow += rawMoneyFlow;
      before = typical;
    }
    const totalFlow = positiveFlow + negativeFlow;
    return totalFlow === 0 ? 50 : (100 * positiveFlow) / totalFlow;
  }
}

/**
 * Money Flow Index over `period` bars in 0..100 (the numbers of trading-signals `MFI`, same definition as TA-Lib:
 * typical-price flows, equal typical prices count in neither); first value at bar `period`.
 */
export function moneyFlowIndex(period: number): SeriesSpec {
  return { key: `mfi(${period})`, create: () => new MfiNode(period) };
}

/** Aroon up and down in 0..100 (trading-signals `Aroon`, latest extreme wins ties, as TA-Lib). */
export class AroonNode extends SeriesNode {
  private readonly aroon: Aroon;
  up = Number.NaN;
  down = Number.NaN;
  constructor(period: number) {
    super();
    this.aroon = new Aroon(period);
  }
  next(candle: Candle): number {
    const r = this.aroon.add(candle);
    this.up = r === null ? Number.NaN : r.aroonUp;
    this.down = r === null ? Number.NaN : r.aroonDown;
    return this.up;
  }
}

function aroon(period: number): SeriesSpec {
  return { key: `aroon(${period})`, create: () => new AroonNode(period) };
}

/** Aroon Up over `period` bars, 0..100; first value at bar `period`. */
export function aroonUp(period: number): SeriesSpec {
  return derived('up', [aroon(period)], (s) => (s[0] as AroonNode).up);
}

/** Aroon Down over `period` bars, 0..100; first value at bar `period`. */
export function aroonDown(period: number): SeriesSpec {
  return derived('down', [aroon(period)], (s) => (s[0] as AroonNode).down);
}

class LibraryCandleNode extends SeriesNode {
  constructor(private readonly indicator: { add(c: Candle): number | null }) {
    super();
  }
  next(candle: Candle): number {
    const v = this.indicator.add(candle);
    // A zero mean deviation makes CCI 0/0; TA-Lib reports 0 there.
    return v === null ? Number.NaN : Number.isFinite(v) ? v : 0;
  }
}

/** Commodity channel index over `period` bars (trading-signals `CCI`: typical price, mean deviation, 0.015), as TA-Lib. */
export function commodityChannelIndex(period: number): SeriesSpec {
  return { key: `cci(${period})`, create: () => new LibraryCandleNode(new CCI(period)) };
}

class CmoNode extends SeriesNode {
  private readonly cmo: CMO;
  constructor(
    private readonly source: SeriesNode,
    period: number,
  ) {
    super([source]);
    this.cmo = new CMO(period);
  }
  next(): number {
    const x = this.source.value;
    if (Number.isNaN(x)) return Number.NaN;
    return this.cmo.add(x) ?? Number.NaN;
  }
}

/**
 * Chande momentum oscillator of `source` over `period` changes, −100..100 (trading-signals `CMO`:
 * Chande's plain sums of gains and losses; TA-Lib's CMO Wilder-smooths them instead).
 */
export function chandeMomentum(source: SeriesSpec, period: number): SeriesSpec {
  return { key: `cmo(${source.key},${period})`, create: (h) => new CmoNode(h.input(source), period) };
}
