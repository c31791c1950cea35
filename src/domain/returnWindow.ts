/**
 * A bounded window of per-candle returns, each stamped with its candle's open time, kept in a ring
 * buffer with running sums so that mean and variance cost O(1). Correlation and covariance between
 * two windows align samples on equal timestamps (a merge join), so a strategy registered late, or a
 * symbol that skipped a candle, is compared only over the candles both saw.
 *
 * The windows of one symbol's strategies share a SymbolWindows: every strategy of a symbol pushes
 * one return per candle of that symbol, so its samples are always the newest ones of the symbol's
 * candle times, which are kept once; and their samples sit in blocks shared by many windows.
 */

/**
 * The open times of the newest `capacity` candles, oldest first, in a ring. Either owned by one
 * ReturnWindow, or shared by the windows of one symbol's strategies and pushed once per candle by
 * the symbol's book before the strategies push their returns.
 */
export class CandleTimes {
  private readonly ts: Float64Array;
  private start = 0;
  private count = 0;

  /** @param capacity most timestamps kept; at least the capacity of every window that shares them. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`CandleTimes capacity must be a positive integer (was ${capacity})`);
    this.ts = new Float64Array(capacity);
  }

  /** Appends the open time of the next candle. Timestamps must increase. */
  push(ts: number): void {
    if (this.count > 0 && ts <= this.lastTs()) throw new RangeError(`ReturnWindow.push: ts ${ts} not after ${this.lastTs()}`);
    if (this.count === this.capacity) {
      this.start = this.start + 1 === this.capacity ? 0 : this.start + 1;
      this.count--;
    }
    const at = this.start + this.count;
    this.ts[at < this.capacity ? at : at - this.capacity] = ts;
    this.count++;
  }

  get length(): number {
    return this.count;
  }

  /** The i-th oldest timestamp kept. */
  tsAt(i: number): number {
    // start + i < 2 · capacity for 0 <= i < length: a compare instead of an integer division.
    const at = this.start + i;
    return this.ts[at < this.capacity ? at : at - this.capacity] as number;
  }

  lastTs(): number {
    return this.count === 0 ? Number.NEGATIVE_INFINITY : this.tsAt(this.count - 1);
  }
}

/**
 * What the return windows of one symbol's strategies share: the candle times that stamp their
 * samples, and the storage of the samples, handed out as slices of blocks of `windowsPerBlock`
 * windows. One ArrayBuffer per window cost about 15 µs to allocate and, as external memory,
 * drove extra garbage collections while 100,000 strategies registered. Freed slices are reused.
 * A window reads its slice through the block's own typed array and an offset, not a subarray of
 * its own: the candle loop touches every strategy's window on every close, and the block's array
 * object is shared by 256 windows (in cache) where a subarray per window was one more cold object.
 */
export class SymbolWindows {
  readonly times: CandleTimes;
  private block: Float64Array | null = null;
  private used = 0;
  private readonly freed: WindowSlot[] = [];

  /** @param capacity samples per window (and candle times kept). */
  constructor(
    readonly capacity: number,
    private readonly windowsPerBlock = 256,
  ) {
    this.times = new CandleTimes(capacity);
  }

  /** Zeroed storage for one window's `capacity` samples: block[offset .. offset + capacity − 1]. */
  allocate(): WindowSlot {
    const reused = this.freed.pop();
    if (reused !== undefined) {
      reused.block.fill(0, reused.offset, reused.offset + this.capacity);
      return reused;
    }
    if (this.block === null || this.used === this.windowsPerBlock) {
      this.block = new Float64Array(this.capacity * this.windowsPerBlock);
      this.used = 0;
    }
    return { block: this.block, offset: this.used++ * this.capacity };
  }

  /** Takes back storage from `allocate` that no window uses any more. */
  free(slot: WindowSlot): void {
    this.freed.push(slot);
  }
}

/** One window's samples inside a SymbolWindows block. */
export interface WindowSlot {
  readonly block: Float64Array;
  readonly offset: number;
}

/**
 * When the largest square pushed since the sums were last read off the samples is more than this
 * times the sum of squares left, the sums are read afresh. While a sample V is kept, each push rounds
 * the running sums at V's and V²'s precision, so after a window of 240 pushes what is left carries
 * an error up to about 2.7e-14·V² in its sum of squares: at most 2.7e-6 of it (std-dev 1.4e-6,
 * relative) without a re-sum. Found by a bug hunt: a 1e6× price spike and its reversal, once both
 * had left a window of 240, left the std-dev 25% high for good (7.04e-4 against 5.62e-4). Paper
 * returns never come near: a 100% trade return would need the rest of its window's squares below
 * 1e-8, fees alone (10 bps: 1e-6 a fill) are above that.
 */
const RESUM_ABOVE = 1e8;

/** Below this, the variance from running sums may be mostly cancellation: stdDev() recomputes it from the samples. */
const EXACT_VARIANCE_BELOW = 1e-18;

export class ReturnWindow {
  /** The samples live at values[base .. base + capacity − 1], a ring (a shared block, or the window's own array). */
  private readonly values: Float64Array;
  private readonly base: number;
  /** Timestamps of the samples: this window's own, or its symbol's (the last `count` of them). */
  private readonly times: CandleTimes;
  /** The symbol's shared times and storage, or null when this window keeps its own. */
  private readonly shared: SymbolWindows | null;
  private released = false;
  private start = 0;
  private count = 0;
  /** Timestamp of the newest sample. */
  private newest = Number.NEGATIVE_INFINITY;
  private sum = 0;
  private sumSquares = 0;
  /** Samples in the window that are not 0 (a flat paper strategy pushes exact zeros). */
  private nonZero = 0;
  /** The largest square pushed since the sums were last read off the samples (or zeroed). */
  private peakSquare = 0;
  private pushes = 0;

  /**
   * @param capacity most samples kept; older ones fall out.
   * @param shared the window's symbol: its candle times are pushed by the owner before each sample
   *   here, which then must carry the newest of them; and the samples live in its storage until
   *   `release`. When omitted the window keeps its own times and storage.
   */
  constructor(
    readonly capacity: number,
    shared?: SymbolWindows,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ReturnWindow capacity must be a positive integer (was ${capacity})`);
    if (shared !== undefined && shared.capacity !== capacity)
      throw new RangeError(`ReturnWindow: shared windows hold ${shared.capacity} samples, not ${capacity}`);
    this.shared = shared ?? null;
    if (shared === undefined) {
      this.values = new Float64Array(capacity);
      this.base = 0;
    } else {
      const slot = shared.allocate();
      this.values = slot.block;
      this.base = slot.offset;
    }
    this.times = shared === undefined ? new CandleTimes(capacity) : shared.times;
  }

  /** Gives shared storage back (the strategy was retired); the window must not be pushed to again. */
  release(): void {
    if (this.released || this.shared === null) return;
    this.released = true;
    this.shared.free({ block: this.values, offset: this.base });
  }

  /**
   * Appends the return of the candle opened at `ts`. Timestamps must increase. Returns whether
   * mean() or stdDev() may now read differently; false only when a zero replaced a zero in a full
   * window (the running sums are untouched: x − 0 and x + 0 are x for every x but −0, and no sum is
   * −0: a return is never −0, equity / equity − 1 being +0) and stdDev() does not walk the
   * samples, whose order the ring turned: its running-sum variance stands, or every sample is 0.
   * A flat paper strategy pushes such zeros on most candles, and the live score it keeps is then
   * reused instead of recomputed (ConfidenceStage).
   */
  push(ts: number, value: number): boolean {
    if (!Number.isFinite(value)) throw new RangeError(`ReturnWindow.push: return is not finite (was ${value})`);
    if (this.released) throw new Error('ReturnWindow.push after release: its storage belongs to another window now');
    if (this.shared === null) this.times.push(ts);
    else if (ts !== this.times.lastTs() || (this.count > 0 && this.times.tsAt(this.times.length - 2) !== this.newest)) {
      // The samples must stay the newest of the shared times, one per candle, or every timestamp
      // read back would be misaligned.
      throw new RangeError(`ReturnWindow.push: ts ${ts} after ${this.lastTs()} is not the next shared candle time (${this.times.lastTs()})`);
    }
    this.newest = ts;
    let evicted = Number.NaN;
    let resum = false;
    if (this.count === this.capacity) {
      const old = this.values[this.base + this.start] as number;
      evicted = old;
      this.sum -= old;
      this.sumSquares -= old * old;
      // Samples that dwarfed the rest (a 10,000× price spike, its reversal) leave them the rounding
      // they imposed on the sums while kept: once what is left is that small, read the sums afresh.
      resum = old !== 0 && this.peakSquare > RESUM_ABOVE * this.sumSquares;
      if (old !== 0) this.nonZero--;
      this.start = this.start + 1 === this.capacity ? 0 : this.start + 1;
      this.count--;
    }
    const at = this.start + this.count;
    this.values[this.base + (at < this.capacity ? at : at - this.capacity)] = value;
    this.count++;
    this.sum += value;
    this.sumSquares += value * value;
    if (value * value > this.peakSquare) this.peakSquare = value * value;
    if (value !== 0) this.nonZero++;
    else if (this.nonZero === 0) {
      // Every sample kept is 0, so the exact sums are 0. The running ones may keep a rounding residue
      // of the returns that left (e.g. 0.1 + 0.2 + 0.3 − 0.1 − 0.2 − 0.3 is 1.1e-16): mean() was then
      // ±1e-18 and stdDev() about as much, so a strategy flat for a whole window had a Sharpe of
      // ±√periodsPerYear (±723 for 1m candles) instead of 0, and a symbol whose price stood still a
      // volatility of up to 1e-8 instead of 0 (found by a bug hunt).
      this.sum = 0;
      this.sumSquares = 0;
      this.peakSquare = 0;
    }
    if (resum && this.nonZero > 0) this.resum();
    this.pushes++;
    if (value !== 0 || evicted !== 0) return true;
    return this.nonZero > 0 && this.count >= 2 && this.runningVariance() < EXACT_VARIANCE_BELOW;
  }

  /** Samples pushed over the window's life: a window whose version did not move still holds the same samples. */
  get version(): number {
    return this.pushes;
  }

  get length(): number {
    return this.count;
  }

  /** True when `other` stamps its samples from the same CandleTimes (both are suffixes of it). */
  sharesTimesWith(other: ReturnWindow): boolean {
    return this.times === other.times;
  }

  /**
   * The i-th oldest sample's timestamp and value. With shared times, a timestamp reads right once
   * every window of the symbol has taken the latest candle's return (always, between events).
   */
  tsAt(i: number): number {
    return this.times.tsAt(this.times.length - this.count + i);
  }

  valueAt(i: number): number {
    // start + i < 2 · capacity for 0 <= i < length: a compare instead of an integer division (this
    // read runs for every sample of every candidate pair on every candle close).
    const at = this.start + i;
    return this.values[this.base + (at < this.capacity ? at : at - this.capacity)] as number;
  }

  /** Copies the newest `n` samples (n <= length), oldest of them first, into out[from .. from + n − 1]. */
  copyNewest(n: number, out: Float64Array, from = 0): void {
    const values = this.values;
    const base = this.base;
    const capacity = this.capacity;
    let at = this.start + this.count - n;
    if (at >= capacity) at -= capacity;
    for (let k = 0; k < n; k++) {
      out[from + k] = values[base + at] as number;
      if (++at === capacity) at = 0;
    }
  }

  lastTs(): number {
    return this.count === 0 ? Number.NEGATIVE_INFINITY : this.newest;
  }

  /** Mean return, 0 when empty. */
  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /**
   * Sample standard deviation (n − 1), 0 with fewer than two samples. Recomputed exactly from the
   * samples when the running sums lose precision (variance below zero by rounding).
   */
  stdDev(): number {
    if (this.count < 2) return 0;
    let variance = this.runningVariance();
    if (variance < EXACT_VARIANCE_BELOW) variance = this.exactVariance();
    return Math.sqrt(Math.max(0, variance));
  }

  /** Sample variance from the running sums (count >= 2); below EXACT_VARIANCE_BELOW it is rounding, not signal. */
  private runningVariance(): number {
    const n = this.count;
    return (this.sumSquares - (this.sum * this.sum) / n) / (n - 1);
  }

  /** The running sums and the peak square read afresh off the samples, oldest first. */
  private resum(): void {
    let sum = 0;
    let sumSquares = 0;
    let peakSquare = 0;
    for (let i = 0; i < this.count; i++) {
      const x = this.valueAt(i);
      sum += x;
      sumSquares += x * x;
      if (x * x > peakSquare) peakSquare = x * x;
    }
    this.sum = sum;
    this.sumSquares = sumSquares;
    this.peakSquare = peakSquare;
  }

  private exactVariance(): number {
    const m = this.mean();
    // Only zeros and a mean of exactly 0: every deviation is 0, so the sum below is exactly 0. This
    // is the window of every strategy that stayed flat, scored on every candle close: skip its loop.
    if (this.nonZero === 0 && m === 0) return 0;
    let acc = 0;
    for (let i = 0; i < this.count; i++) {
      const d = this.valueAt(i) - m;
      acc += d * d;
    }
    return acc / (this.count - 1);
  }

  /** Copies the values, oldest first (for tests and persistence). */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.valueAt(i));
    return out;
  }
}

/** Covariance and correlation of two windows over the timestamps both hold. */
export interface PairStats {
  /** Number of common timestamps. */
  readonly samples: number;
  /** Sample covariance (n − 1); 0 with fewer than two common samples. */
  readonly covariance: number;
  /** Pearson correlation in [−1, 1]; 0 when either side has no variance or samples < 2. */
  readonly correlation: number;
}

/**
 * Pearson correlation and covariance of `a` and `b` over their common timestamps. Two-pass over the
 * aligned samples for numerical stability. Cost O(a.length + b.length), no allocation but the
 * result: the aligned samples are copied into two module-level scratch arrays first, so both passes
 * are plain indexed loops (this runs for every candidate pair of a symbol on each of its candle
 * closes, and for every pair of symbols on each sizing pass).
 */
export function pairStats(a: ReturnWindow, b: ReturnWindow): PairStats {
  const room = Math.min(a.length, b.length);
  if (scratchX.length < room) {
    scratchX = new Float64Array(room);
    scratchY = new Float64Array(room);
  }
  let n: number;
  if (a.sharesTimesWith(b)) {
    // Both hold the newest samples of the same candle times (two strategies of one symbol, the
    // ensemble search's every pair): the common samples are the shorter window's, aligned at the
    // end. Same pairs in the same order as the merge join below.
    n = room;
    a.copyNewest(n, scratchX);
    b.copyNewest(n, scratchY);
  } else {
    n = 0;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const ta = a.tsAt(i);
      const tb = b.tsAt(j);
      if (ta === tb) {
        scratchX[n] = a.valueAt(i);
        scratchY[n] = b.valueAt(j);
        n++;
        i++;
        j++;
      } else if (ta < tb) i++;
      else j++;
    }
  }
  return alignedStats(n, scratchX, scratchY);
}

let scratchX = new Float64Array(0);
let scratchY = new Float64Array(0);

/** PairStats of the aligned samples x[0..n−1], y[0..n−1]: means first, then deviations. */
function alignedStats(n: number, x: Float64Array, y: Float64Array): PairStats {
  if (n < 2) return { samples: n, covariance: 0, correlation: 0 };
  let mx = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    mx += x[k] as number;
    my += y[k] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const dx = (x[k] as number) - mx;
    const dy = (y[k] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return fromSums(n, sxy, sxx, syy);
}

/** PairStats of n >= 2 aligned samples from Σ dx·dy, Σ dx² and Σ dy² (deviations from the means). */
function fromSums(n: number, sxy: number, sxx: number, syy: number): PairStats {
  const covariance = sxy / (n - 1);
  const denominator = Math.sqrt(sxx * syy);
  const correlation = denominator > 0 ? Math.max(-1, Math.min(1, sxy / denominator)) : 0;
  return { samples: n, covariance, correlation };
}

/**
 * pairStats over every pair of a fixed list of windows: each window's samples are laid out once,
 * on the first pair that reads it, with their deviations from the mean and Σ deviation², so a pair
 * of windows sharing candle times costs one dot product instead of two copies and two passes.
 * Results are bit-identical to pairStats: the same sums over the same samples in the same order.
 * The ensemble search reads a few dozen of the c(c − 1)/2 pairs of its c candidates on every candle
 * close of the symbol. Windows that do not share times with each other fall back to pairStats.
 */
export class PairwiseStats {
  /** Deviations of window i's samples from their mean, oldest first, from i · capacity. */
  private readonly deviations: Float64Array;
  /** Σ deviation² of window i; NaN until window i is laid out. */
  private readonly squares: Float64Array;
  private readonly capacity: number;
  /** The storage's generation when this one took it: a later PairwiseStats on it invalidates this one. */
  private readonly generation: number;
  private readonly storage: PairwiseStorage;

  /**
   * @param storage arrays to lay the samples out in, grown as needed and reused by the next
   *   PairwiseStats given the same storage (which invalidates this one): the ensemble search builds
   *   one per candle close, and two fresh arrays each time (40 KB at 20 candidates) cost more than
   *   the arithmetic. Omitted, this one has arrays of its own.
   */
  constructor(
    private readonly windows: readonly ReturnWindow[],
    storage: PairwiseStorage = new PairwiseStorage(),
  ) {
    let capacity = 0;
    for (const w of windows) capacity = Math.max(capacity, w.length);
    this.capacity = capacity;
    storage.reserve(capacity * windows.length, windows.length);
    this.deviations = storage.deviations;
    this.squares = storage.squares;
    this.squares.fill(Number.NaN, 0, windows.length);
    this.generation = ++storage.generation;
    this.storage = storage;
  }

  /** Lays out window i: its deviations from the mean of its samples, and their Σ of squares. */
  private layOut(i: number): void {
    const w = this.windows[i] as ReturnWindow;
    const n = w.length;
    const base = i * this.capacity;
    const d = this.deviations;
    w.copyNewest(n, d, base);
    let mean = 0;
    for (let k = 0; k < n; k++) mean += d[base + k] as number;
    mean /= n;
    let squares = 0;
    for (let k = 0; k < n; k++) {
      const x = (d[base + k] as number) - mean;
      d[base + k] = x;
      squares += x * x;
    }
    this.squares[i] = squares;
  }

  /** pairStats(windows[i], windows[j]). */
  stats(i: number, j: number): PairStats {
    const a = this.windows[i] as ReturnWindow;
    const b = this.windows[j] as ReturnWindow;
    // The precomputed means cover each window's own samples: they are the pair's only when both
    // windows hold the same candles (same times, same length), the usual case of full windows.
    if (!a.sharesTimesWith(b) || a.length !== b.length) return pairStats(a, b);
    const n = a.length;
    if (n < 2) return { samples: n, covariance: 0, correlation: 0 };
    if (this.storage.generation !== this.generation) throw new Error('PairwiseStats used after a later PairwiseStats took its storage');
    if (Number.isNaN(this.squares[i])) this.layOut(i);
    if (Number.isNaN(this.squares[j])) this.layOut(j);
    const x = i * this.capacity;
    const y = j * this.capacity;
    const d = this.deviations;
    let sxy = 0;
    for (let k = 0; k < n; k++) sxy += (d[x + k] as number) * (d[y + k] as number);
    return fromSums(n, sxy, this.squares[i] as number, this.squares[j] as number);
  }
}

/** Reusable arrays for PairwiseStats (see its constructor). */
export class PairwiseStorage {
  deviations = new Float64Array(0);
  squares = new Float64Array(0);
  /** Bumped by each PairwiseStats that takes these arrays. */
  generation = 0;

  /** Makes room for `samples` deviations and `windows` sums of squares. */
  reserve(samples: number, windows: number): void {
    if (this.deviations.length < samples) this.deviations = new Float64Array(samples);
    if (this.squares.length < windows) this.squares = new Float64Array(windows);
  }
}
