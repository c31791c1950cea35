import type { Candle, Millis, Tick } from './types.js';

/**
 * Builds one symbol's candles of `interval` ms from trade ticks (DESIGN.md, Inputs). Candles are
 * keyed by their bucket: the open time `ts` floored to a multiple of `interval` since the epoch,
 * so 1m candles open on whole minutes and 1d candles at UTC midnight.
 *
 * A candle closes when a tick of a later bucket arrives, or when an explicit candle message
 * arrives. Intervals without a tick produce no candle (no flat filler bars): downstream return
 * windows align on candle timestamps, so a gap is a missing sample, not a zero return.
 *
 * Closed candles leave in strictly increasing `ts`: that is what makes the builder safe to feed
 * with a replay whose ticks are late or duplicated.
 */
export class CandleBuilder {
  /** Open time of the candle being built, or null before the first tick and after an explicit close. */
  private bucket: Millis | null = null;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;
  /**
   * Event times of the ticks that set `open` and `close`: ticks of one bucket may arrive out of
   * order, and the open is the earliest trade by event time, the close the latest (ties: the later
   * in stream order), not the first and last to arrive.
   */
  private openTs = 0;
  private closeTs = 0;
  /** Open time of the last candle handed out; nothing at or before it is accepted again. */
  private lastClosed: Millis | null = null;
  private last: number | null = null;

  /**
   * @param symbol the symbol every tick and candle given to this builder must carry.
   * @param interval candle length (ms), a positive integer.
   */
  constructor(
    readonly symbol: string,
    readonly interval: Millis,
  ) {
    if (!Number.isSafeInteger(interval) || interval <= 0) {
      throw new RangeError(`CandleBuilder interval must be a positive integer of ms (was ${interval})`);
    }
  }

  /** Open time (ms) of the bucket holding `ts`. */
  bucketOf(ts: Millis): Millis {
    return Math.floor(ts / this.interval) * this.interval;
  }

  /**
   * Applies a trade tick. Returns the candle this tick closed (the one being built, when the tick
   * belongs to a later bucket) or null, and whether the tick was applied. A late tick, whose bucket
   * is before the one being built or not after the last closed candle, is not applied:
   * `{ closed: null, applied: false }`, and it does not move `lastPrice()`. A tick of the bucket
   * being built that is older than its latest one counts in high, low and volume (and is the open
   * when it is the earliest), but neither closes the candle nor moves `lastPrice()`.
   * Throws on a tick of another symbol (a wiring bug, not bad input).
   */
  onTick(tick: Tick): { readonly closed: Candle | null; readonly applied: boolean } {
    this.checkSymbol(tick.symbol);
    const bucket = this.bucketOf(tick.ts);
    if ((this.lastClosed !== null && bucket <= this.lastClosed) || (this.bucket !== null && bucket < this.bucket)) {
      return { closed: null, applied: false };
    }
    let closed: Candle | null = null;
    if (this.bucket !== null && bucket > this.bucket) closed = this.closeBuilding();
    if (this.bucket === null) {
      this.bucket = bucket;
      this.open = tick.price;
      this.high = tick.price;
      this.low = tick.price;
      this.volume = 0;
      this.openTs = tick.ts;
      this.closeTs = tick.ts;
    } else {
      if (tick.price > this.high) this.high = tick.price;
      if (tick.price < this.low) this.low = tick.price;
      if (tick.ts < this.openTs) {
        this.openTs = tick.ts;
        this.open = tick.price;
      }
    }
    this.volume += tick.size;
    if (tick.ts >= this.closeTs) {
      this.closeTs = tick.ts;
      this.close = tick.price;
      this.last = tick.price;
    }
    return { closed, applied: true };
  }

  /**
   * Applies an explicit candle from the feed, which is authoritative. Returns the candles it closed,
   * oldest first:
   * - a candle not after the last closed one (same or older bucket) is a duplicate or out of
   *   order: ignored, `[]`;
   * - a candle for the bucket being built replaces it: `[candle]`, the ticks of that bucket are
   *   dropped;
   * - a candle for a later bucket first closes the one being built: `[built, candle]`;
   * - a candle for a bucket between the last closed and the one being built (a bucket that got no
   *   tick) closes by itself, `[candle]`, and the newer building candle stays open;
   * - with nothing being built: `[candle]`.
   * The returned candle is a plain Candle with `ts` at its bucket's open time.
   * Throws on another symbol or another interval (a wiring bug: the decoder refuses such candles
   * when given the engine's interval).
   */
  onCandle(candle: Candle): readonly Candle[] {
    this.checkSymbol(candle.symbol);
    if (candle.interval !== this.interval) {
      throw new RangeError(`CandleBuilder(${this.symbol}, ${this.interval} ms) got a candle of ${candle.interval} ms`);
    }
    const bucket = this.bucketOf(candle.ts);
    if (this.lastClosed !== null && bucket <= this.lastClosed) return [];
    const explicit: Candle = {
      symbol: this.symbol,
      ts: bucket,
      interval: this.interval,
      open: candle.open,
      high: candle.high,
      low: candle.low,
      close: candle.close,
      volume: candle.volume,
    };
    if (this.bucket !== null && bucket < this.bucket) {
      this.lastClosed = bucket;
      return [explicit];
    }
    const closed: Candle[] = [];
    if (this.bucket !== null && bucket > this.bucket) closed.push(this.closeBuilding());
    this.bucket = null;
    this.lastClosed = bucket;
    this.last = candle.close;
    closed.push(explicit);
    return closed;
  }

  /** Price of the latest applied tick by event time, or explicit candle close (quote currency), null before any. */
  lastPrice(): number | null {
    return this.last;
  }

  private closeBuilding(): Candle {
    const ts = this.bucket as Millis;
    this.bucket = null;
    this.lastClosed = ts;
    return {
      symbol: this.symbol,
      ts,
      interval: this.interval,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
    };
  }

  private checkSymbol(symbol: string): void {
    if (symbol !== this.symbol) throw new RangeError(`CandleBuilder(${this.symbol}) got ${symbol}`);
  }
}
