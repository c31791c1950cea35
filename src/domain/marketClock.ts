import type { Millis } from './types.js';

/**
 * The engine's market clock: the largest price event time, moving forward only. Every strategy's age
 * and every later price are judged by it, so one price stamped years ahead (a mistyped year) aged
 * every strategy out and made every later tick late, for good, replays included (found by a bug
 * hunt). A price more than `maxTimeJump` ahead is refused unless the price before it was refused as
 * just as far ahead: a real gap (an outage) costs one price, a lone wrong time nothing else. Shared
 * by live evaluation and by replay windows, which must cut where the engine's clock would.
 */
export class MarketClock {
  /** The clock (ms): −∞ before the first price. */
  time = Number.NEGATIVE_INFINITY;
  /** Time of the last price refused for being too far ahead (NaN when the last price was not). */
  private aheadWitness = Number.NaN;

  constructor(readonly maxTimeJump: Millis) {}

  /** Applies a price's time: true when taken (the clock moves to it if later), false when refused as too far ahead. */
  admit(ts: Millis): boolean {
    if (ts - this.time > this.maxTimeJump && Number.isFinite(this.time)) {
      const witness = this.aheadWitness;
      this.aheadWitness = ts;
      if (!(Math.abs(ts - witness) <= this.maxTimeJump)) return false;
    }
    this.aheadWitness = Number.NaN;
    this.time = Math.max(this.time, ts);
    return true;
  }
}
