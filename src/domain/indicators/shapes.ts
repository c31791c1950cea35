import type { Candle } from '../types.js';
import { derived } from './combine.js';
import { SeriesCalc, type SeriesNode, type SeriesSpec } from './seriesNode.js';

/** Heikin-Ashi open and close: close = (O + H + L + C)/4; open = (prev HA open + prev HA close)/2, first open (O + C)/2. */
export class HeikinAshiNode extends SeriesCalc {
  haOpen = Number.NaN;
  haClose = Number.NaN;
  next(c: Candle): number {
    this.haOpen = Number.isNaN(this.haOpen) ? (c.open + c.close) / 2 : (this.haOpen + this.haClose) / 2;
    this.haClose = (c.open + c.high + c.low + c.close) / 4;
    return this.haClose;
  }
}

const heikinAshi: SeriesSpec = { key: 'ha', create: () => new HeikinAshiNode() };
/** Heikin-Ashi close (quote currency); warm from the first bar. */
export const heikinAshiClose: SeriesSpec = derived('haClose', [heikinAshi], (s) => ((s[0] as SeriesNode).calc as HeikinAshiNode).haClose);
/** Heikin-Ashi open (quote currency); warm from the first bar. */
export const heikinAshiOpen: SeriesSpec = derived('haOpen', [heikinAshi], (s) => ((s[0] as SeriesNode).calc as HeikinAshiNode).haOpen);

class BarCount extends SeriesCalc {
  private bars = 0;
  constructor(private readonly period: number) {
    super();
  }
  next(): number {
    return ++this.bars < this.period ? Number.NaN : this.bars;
  }
}

/** NaN for the first `period` − 1 bars, then the bar count: a pure warm-up gate. */
export function warmUp(period: number): SeriesSpec {
  return { key: `bars(${period})`, create: () => new BarCount(period) };
}

/**
 * Renko brick walk on the close with bricks of `size` (quote currency): the first close is the
 * first brick; a close at least one brick above (below) the last brick moves it up (down) by whole
 * bricks. `value` is the last brick after this bar; `prev` the one the bar was compared with.
 */
class RenkoNode extends SeriesCalc {
  private brick = Number.NaN;
  constructor(private readonly size: number) {
    super();
  }
  next(c: Candle): number {
    if (Number.isNaN(this.brick)) this.brick = c.close;
    else if (c.close >= this.brick + this.size) this.brick += this.size * Math.floor((c.close - this.brick) / this.size);
    else if (c.close <= this.brick - this.size) this.brick -= this.size * Math.floor((this.brick - c.close) / this.size);
    return this.brick;
  }
}

/** Last Renko brick level of the close with bricks of `size` (see `RenkoNode`). */
export function renkoBrick(size: number): SeriesSpec {
  return { key: `renko(${size})`, create: () => new RenkoNode(size) };
}
