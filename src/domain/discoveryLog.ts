/**
 * Discovery timestamps of one symbol, per strategy type: the input of phase 1's frequency term
 * (DESIGN.md "1. Confidence"). Every discovery message counts, rediscoveries of a known strategy
 * included, because the frequency measures how often the discovery system keeps finding a type for
 * this symbol, not how many distinct strategies it found.
 */
import type { Millis } from './types.js';

/**
 * Per-type sorted timestamps, counted over a lookback by binary search. A discovery counts from its
 * stamp on, including one stamped after `now` (the discovery system's clock ahead of the market
 * clock, which only prices move; once there is one, the strategy book refuses a discovery more than
 * evaluation.maxTimeJump ahead of it): the engine has received it, and recency and the time filter
 * take it at age 0, so frequency counts it too. All strategies of a symbol are scored at the same
 * candle close, so the per-type counts of the last (now, lookback) asked are cached: a candle close costs
 * O(types · log discoveries) once, then O(1) per strategy. The counts also stand for a later `now`
 * until the oldest discovery counted leaves the lookback (none enters it as now advances), so most
 * candle closes reuse them (a discovery leaves a 90-day lookback every few candles, not every
 * candle). A `record` clears them.
 */
export class DiscoveryLog {
  readonly #times = new Map<string, number[]>();
  /** The earliest discovery kept, of any type (+∞ when none): a cutoff not after it drops nothing. */
  #earliest = Number.POSITIVE_INFINITY;
  #cacheValid = false;
  #cacheNow = 0;
  #cacheLookback = 0;
  readonly #cacheCounts = new Map<string, number>();
  #cacheMax = 0;
  /** Oldest discovery counted (+∞ when none): the counts stand while now − lookback <= it. */
  #cacheOldest = Number.POSITIVE_INFINITY;

  /** Records one discovery of `type` at event time `ts` (ms). Out-of-order timestamps are kept sorted. */
  record(type: string, ts: Millis): void {
    if (!Number.isFinite(ts)) throw new RangeError(`DiscoveryLog.record: ts is not finite (was ${ts})`);
    let times = this.#times.get(type);
    if (times === undefined) {
      times = [];
      this.#times.set(type, times);
    }
    if (times.length === 0 || ts >= (times[times.length - 1] as number)) times.push(ts);
    else times.splice(upperBound(times, ts), 0, ts);
    if (ts < this.#earliest) this.#earliest = ts;
    this.#cacheValid = false;
  }

  /**
   * How often `type` was discovered at or after now − lookbackMs (those stamped after `now`
   * included, at age 0), relative to the most frequently discovered type of this symbol counted the
   * same way: a ratio in [0, 1], 1 for the most frequent type(s), 0 when `type` has no such
   * discovery (or nothing has).
   */
  frequency(type: string, now: Millis, lookbackMs: number): number {
    if (!Number.isFinite(now)) throw new RangeError(`DiscoveryLog.frequency: now is not finite (was ${now})`);
    if (!(lookbackMs >= 0)) throw new RangeError(`DiscoveryLog.frequency: lookbackMs must be >= 0 (was ${lookbackMs})`);
    if (!this.#countsStandAt(now, lookbackMs)) this.#count(now, lookbackMs);
    if (this.#cacheMax === 0) return 0;
    return (this.#cacheCounts.get(type) ?? 0) / this.#cacheMax;
  }

  /**
   * Discoveries of `type` stamped at or after now − lookbackMs. A discovery exactly a lookback old
   * still counts, as the time filter still passes a strategy last seen exactly its maximum age ago
   * (DESIGN.md excludes only "> 90 days"; found by a bug hunt, it counted (now − lookback, now]).
   * One stamped after `now` counts too, as recency (1) and the time filter (age 0) take it: it used
   * to be left out until now reached it, so a strategy rediscovered "in the future" had recency 1
   * and passed the time filter but was not counted by its own type's frequency.
   */
  count(type: string, now: Millis, lookbackMs: number): number {
    const times = this.#times.get(type);
    return times === undefined ? 0 : times.length - lowerBound(times, now - lookbackMs);
  }

  /** Drops every discovery before `cutoff` (ms): call with now − lookback to bound memory. */
  forgetUpTo(cutoff: Millis): void {
    // The confidence stage calls this on every candle close; a discovery leaves the lookback only
    // every few, and a walk over every type's times found that out each time.
    if (cutoff <= this.#earliest) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [type, times] of this.#times) {
      const keep = lowerBound(times, cutoff);
      if (keep === times.length) this.#times.delete(type);
      else {
        if (keep > 0) times.splice(0, keep);
        earliest = Math.min(earliest, times[0] as number);
      }
    }
    this.#earliest = earliest;
    // Dropping only discoveries older than every one counted (so none counted) leaves the counts
    // standing; a cutoff past the oldest counted drops some of them.
    if (!(cutoff <= this.#cacheOldest)) this.#cacheValid = false;
  }

  /**
   * True when the cached counts are those of the discoveries at or after now − lookbackMs: with a
   * now not earlier than the cached one, nothing uncounted can enter (everything after the cached
   * start was counted), so they stand while nothing counted has left (lowerBound's comparison).
   */
  #countsStandAt(now: Millis, lookbackMs: number): boolean {
    return this.#cacheValid && lookbackMs === this.#cacheLookback && now >= this.#cacheNow && now - lookbackMs <= this.#cacheOldest;
  }

  #count(now: Millis, lookbackMs: number): void {
    this.#cacheCounts.clear();
    let max = 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [type, times] of this.#times) {
      const from = lowerBound(times, now - lookbackMs);
      const n = times.length - from;
      this.#cacheCounts.set(type, n);
      if (n > max) max = n;
      if (n > 0) oldest = Math.min(oldest, times[from] as number);
    }
    this.#cacheMax = max;
    this.#cacheNow = now;
    this.#cacheLookback = lookbackMs;
    this.#cacheOldest = oldest;
    this.#cacheValid = true;
  }
}

/** Index of the first element not less than `x` in a sorted array. */
function lowerBound(times: readonly number[], x: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element greater than `x` in a sorted array. */
function upperBound(times: readonly number[], x: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
