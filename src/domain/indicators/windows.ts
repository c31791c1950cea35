import { SeriesCalc, type SeriesNode, type SeriesSpec } from './seriesNode.js';

/** The last `length` values of a source series in a ring buffer; subclasses read it when full. */
export abstract class WindowNode extends SeriesCalc {
  protected readonly ring: Float64Array;
  protected count = 0;
  /** Index of the oldest value once full (and of the next write). */
  protected head = 0;
  constructor(
    protected readonly source: SeriesNode,
    protected readonly length: number,
  ) {
    super([source]);
    this.ring = new Float64Array(length);
  }
  next(): number {
    const x = this.source.value;
    if (Number.isNaN(x)) return Number.NaN;
    const leaving = this.count === this.length ? (this.ring[this.head] as number) : Number.NaN;
    this.ring[this.head] = x;
    this.head = this.head + 1 === this.length ? 0 : this.head + 1;
    if (this.count < this.length) this.count++;
    return this.compute(x, leaving);
  }
  /** Value with `x` just added and `leaving` (NaN until full) just dropped; called every bar. */
  protected abstract compute(x: number, leaving: number): number;
}

/**
 * Sum of a full ring of values, oldest first (from `head`, the oldest slot) and from 0: the
 * summation order of trading-signals' getAverage, so SMA and CCI give the library's exact doubles.
 */
export function sumOldestFirst(ring: Float64Array, head: number): number {
  const n = ring.length;
  let sum = 0;
  for (let i = 0, j = head; i < n; i++, j = j + 1 === n ? 0 : j + 1) sum += ring[j] as number;
  return sum;
}

/**
 * The highest (or lowest) of the last `length` values pushed, and when it arrived, by a monotonic
 * deque: each value is kept only while no later value beats or equals it, so the front is the
 * extreme, the latest of equal extremes, and a push costs O(1) amortized instead of a scan.
 */
export class ExtremeWindow {
  /** Deque of candidate values and the push count at which each arrived, in a ring of `length`. */
  private readonly values: Float64Array;
  private readonly arrivals: Float64Array;
  private head = 0;
  private size = 0;

  constructor(
    private readonly length: number,
    private readonly highest: boolean,
  ) {
    this.values = new Float64Array(length);
    this.arrivals = new Float64Array(length);
  }

  /** Pushes `x`, the `now`-th value (now counts pushes from 1). */
  push(x: number, now: number): void {
    const length = this.length;
    // Drop the front once it left the window, then every back value that x beats or equals.
    if (this.size > 0 && (this.arrivals[this.head] as number) <= now - length) {
      this.head = this.head + 1 === length ? 0 : this.head + 1;
      this.size--;
    }
    while (this.size > 0) {
      let back = this.head + this.size - 1;
      if (back >= length) back -= length;
      const v = this.values[back] as number;
      if (this.highest ? v > x : v < x) break;
      this.size--;
    }
    let at = this.head + this.size;
    if (at >= length) at -= length;
    this.values[at] = x;
    this.arrivals[at] = now;
    this.size++;
  }

  /** The extreme of the window (after at least one push). */
  get value(): number {
    return this.values[this.head] as number;
  }

  /** The push count at which the extreme arrived. */
  get arrival(): number {
    return this.arrivals[this.head] as number;
  }
}

/**
 * Highest (or lowest) of the last `length` values of `source` (an ExtremeWindow): Donchian,
 * Stochastic, Williams %R and Ichimoku read hundreds of these per symbol on every candle close.
 * NaN until `length` values arrived; a NaN input is skipped, as by the other windows.
 */
class Extreme extends SeriesCalc {
  private readonly window: ExtremeWindow;
  private seen = 0;

  constructor(
    private readonly source: SeriesNode,
    private readonly length: number,
    highest: boolean,
  ) {
    super([source]);
    this.window = new ExtremeWindow(length, highest);
  }

  next(): number {
    const x = this.source.value;
    if (Number.isNaN(x)) return Number.NaN;
    const now = ++this.seen;
    this.window.push(x, now);
    return now < this.length ? Number.NaN : this.window.value;
  }
}

/** Highest value of `source` over the last `period` bars, current bar included. */
export function highest(source: SeriesSpec, period: number): SeriesSpec {
  return { key: `max(${source.key},${period})`, create: (h) => new Extreme(h.input(source), period, true) };
}

/** Lowest value of `source` over the last `period` bars, current bar included. */
export function lowest(source: SeriesSpec, period: number): SeriesSpec {
  return { key: `min(${source.key},${period})`, create: (h) => new Extreme(h.input(source), period, false) };
}

class Delay extends WindowNode {
  protected compute(_x: number, leaving: number): number {
    return leaving;
  }
}

/** `source` as it was `bars` bars ago (the value that just left a window of `bars` + 1 values). */
export function delayed(source: SeriesSpec, bars: number): SeriesSpec {
  if (bars === 0) return source;
  // The ring holds `bars` values; the value leaving it on this bar was written `bars` bars ago.
  return { key: `lag(${source.key},${bars})`, create: (h) => new Delay(h.input(source), bars) };
}

class Change extends WindowNode {
  constructor(
    source: SeriesNode,
    bars: number,
    private readonly percent: boolean,
  ) {
    super(source, bars);
  }
  protected compute(x: number, leaving: number): number {
    if (Number.isNaN(leaving)) return Number.NaN;
    if (!this.percent) return x - leaving;
    return leaving === 0 ? 0 : ((x - leaving) / leaving) * 100;
  }
}

/** Momentum: source now minus source `bars` bars ago (TA-Lib MOM), in source units. */
export function momentum(source: SeriesSpec, bars: number): SeriesSpec {
  return { key: `mom(${source.key},${bars})`, create: (h) => new Change(h.input(source), bars, false) };
}

/** Rate of change in percent over `bars` bars: (x − x[bars]) / x[bars] · 100 (TA-Lib ROC). */
export function rateOfChange(source: SeriesSpec, bars: number): SeriesSpec {
  return { key: `roc(${source.key},${bars})`, create: (h) => new Change(h.input(source), bars, true) };
}

/**
 * Running sum. A window of zeros sums to exactly 0: adding and then removing values leaves a
 * rounding remainder (−1.3e-12 after 20 bars without volume), which made a volume-weighted price
 * divide remainder by remainder (CMF 0.787, VWAP −51.7). So the non-zero values in the window are
 * counted, and the total is reset to 0 when none is left.
 */
class Sum extends WindowNode {
  private total = 0;
  private nonZero = 0;
  protected compute(x: number, leaving: number): number {
    this.total += x;
    if (x !== 0) this.nonZero++;
    if (!Number.isNaN(leaving)) {
      this.total -= leaving;
      if (leaving !== 0) this.nonZero--;
    }
    if (this.nonZero === 0) this.total = 0;
    return this.count < this.length ? Number.NaN : this.total;
  }
}

/** Sum of `source` over the last `period` bars (running sum), in source units. */
export function rollingSum(source: SeriesSpec, period: number): SeriesSpec {
  return { key: `sum(${source.key},${period})`, create: (h) => new Sum(h.input(source), period) };
}

/**
 * Population standard deviation from running sums of the values' distances to a shift `K`, a
 * recent value of the series, re-read off the window each time the ring turns over (when `K`
 * moves to the newest value). TA-Lib sums the values themselves: on a price far from 0 (BTC at
 * 100,000) sumSquares / n − mean² then cancels ten digits, every bar's rounding stays in the sums
 * for good, and a live series runs without end where TA-Lib runs over one array. On BTC-like
 * closes (100,000 ± about 1 a bar, in cents) the deviation read 4.3e-4 off the two-pass value
 * within 50,000 bars (2.9e-4 at 43,000, 4.8e-3 at 2 million; found by a bug hunt), and re-summing
 * alone left 3.3e-5 of cancellation. With the shift, the sums hold distances of a few units: the
 * same within 1e-12 of the two-pass value here, and equal to TA-Lib's within its fixtures'
 * tolerance. O(1) a bar, amortized.
 */
class StdDev extends WindowNode {
  /** The value the sums are taken from: the first value, then the newest at each turn of the ring. */
  private shift = Number.NaN;
  private sum = 0;
  private sumSquares = 0;
  protected compute(x: number, leaving: number): number {
    if (Number.isNaN(this.shift)) this.shift = x;
    const d = x - this.shift;
    this.sum += d;
    this.sumSquares += d * d;
    if (!Number.isNaN(leaving)) {
      const e = leaving - this.shift;
      this.sum -= e;
      this.sumSquares -= e * e;
    }
    if (this.count < this.length) return Number.NaN;
    if (this.head === 0) this.resum();
    const mean = this.sum / this.length;
    const variance = this.sumSquares / this.length - mean * mean;
    // Running sums can leave a tiny negative variance on a flat window; TA-Lib clamps the same way.
    return variance > 0 ? Math.sqrt(variance) : 0;
  }

  /** The sums read afresh off the full ring (it just turned over: oldest first from slot 0), from the newest value. */
  private resum(): void {
    const ring = this.ring;
    const shift = ring[ring.length - 1] as number;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < ring.length; i++) {
      const d = (ring[i] as number) - shift;
      sum += d;
      sumSquares += d * d;
    }
    this.shift = shift;
    this.sum = sum;
    this.sumSquares = sumSquares;
  }
}

/**
 * Population standard deviation of `source` over `period` bars (divides by period, as Bollinger
 * and TA-Lib STDDEV do), from running sums like TA-Lib's, but of distances to a recent value and
 * re-summed at each turn of the window (see StdDev). Units of the source.
 */
export function stdDev(source: SeriesSpec, period: number): SeriesSpec {
  return { key: `std(${source.key},${period})`, create: (h) => new StdDev(h.input(source), period) };
}
