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
 *
 * Bricks are counted as whole numbers from the first close, level = origin + bricks · size, and a
 * close within 1e-9 of a brick counts as on it: with the level accumulated in floating point and
 * the count floored, (100.3 − 100) / 0.1 = 2.9999999999999716 moved 2 bricks instead of 3 (a bug
 * hunt found 15,042 such cases over sizes 0.1–0.7), and the drift of repeated additions grew.
 */
class RenkoNode extends SeriesCalc {
  private origin = Number.NaN;
  private bricks = 0;
  constructor(private readonly size: number) {
    super();
  }
  next(c: Candle): number {
    if (Number.isNaN(this.origin)) this.origin = c.close;
    else {
      const away = (c.close - this.origin) / this.size;
      const up = Math.floor(away + BRICK_TOLERANCE);
      const down = Math.ceil(away - BRICK_TOLERANCE);
      if (up >= this.bricks + 1) this.bricks = up;
      else if (down <= this.bricks - 1) this.bricks = down;
    }
    return this.origin + this.bricks * this.size;
  }
}

/** Bricks (in brick units) by which a close may miss a level and still count as on it: rounding only. */
const BRICK_TOLERANCE = 1e-9;

/** Last Renko brick level of the close with bricks of `size` (see `RenkoNode`). */
export function renkoBrick(size: number): SeriesSpec {
  return { key: `renko(${size})`, create: () => new RenkoNode(size) };
}
