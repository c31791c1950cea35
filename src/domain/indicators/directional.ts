import type { Candle } from '../types.js';
import { derived } from './combine.js';
import { SeriesCalc, type SeriesNode, type SeriesSpec } from './seriesNode.js';

/**
 * Wilder's ATR as TA-Lib computes it: true ranges from the second bar on (the first bar has no
 * previous close and is skipped), the first ATR is their mean over `period` bars, then
 * ATR = (ATR · (period − 1) + TR) / period. First value at bar `period` (0-based). Quote currency.
 * (trading-signals' ATR counts the first bar's H − L as a true range, which TA-Lib does not.)
 */
class AtrNode extends SeriesCalc {
  private prevClose = Number.NaN;
  private count = 0;
  private atr = 0;
  constructor(private readonly period: number) {
    super();
  }
  next(c: Candle): number {
    const pc = this.prevClose;
    this.prevClose = c.close;
    if (Number.isNaN(pc)) return Number.NaN;
    const tr = Math.max(c.high - c.low, Math.abs(c.high - pc), Math.abs(c.low - pc));
    if (this.count < this.period) {
      this.atr += tr;
      if (++this.count < this.period) return Number.NaN;
      this.atr /= this.period;
      return this.atr;
    }
    this.atr = (this.atr * (this.period - 1) + tr) / this.period;
    return this.atr;
  }
}

/** Average true range over `period` bars (Wilder, TA-Lib seeding), quote currency. */
export function averageTrueRange(period: number): SeriesSpec {
  return { key: `atr(${period})`, create: () => new AtrNode(period) };
}

/**
 * Wilder's directional movement system as TA-Lib's ADX/PLUS_DI/MINUS_DI compute it: +DM, −DM and
 * TR are summed over the first `period` − 1 moves, then smoothed with s = s − s/period + x;
 * +DI/−DI = 100 · DM / TR from bar `period`; DX = 100 · |+DI − −DI| / (+DI + −DI); ADX is the mean
 * of the first `period` DX values, then Wilder-smoothed; first ADX at bar 2·period − 1. As in
 * TA-Lib, a bar with no directional movement at all leaves ADX unchanged. `value` is the ADX.
 */
export class DirectionalNode extends SeriesCalc {
  plusDi = Number.NaN;
  minusDi = Number.NaN;
  private prevHigh = Number.NaN;
  private prevLow = Number.NaN;
  private prevClose = Number.NaN;
  private moves = 0;
  private plusDm = 0;
  private minusDm = 0;
  private tr = 0;
  private dxCount = 0;
  private adx = 0;
  constructor(private readonly period: number) {
    super();
  }
  next(c: Candle): number {
    const n = this.period;
    if (Number.isNaN(this.prevClose)) {
      this.remember(c);
      return Number.NaN;
    }
    const up = c.high - this.prevHigh;
    const down = this.prevLow - c.low;
    const plus = up > 0 && up > down ? up : 0;
    const minus = down > 0 && down > up ? down : 0;
    const tr = Math.max(c.high - c.low, Math.abs(c.high - this.prevClose), Math.abs(c.low - this.prevClose));
    this.remember(c);
    this.moves++;
    if (this.moves < n) {
      this.plusDm += plus;
      this.minusDm += minus;
      this.tr += tr;
      return Number.NaN;
    }
    this.plusDm += plus - this.plusDm / n;
    this.minusDm += minus - this.minusDm / n;
    this.tr += tr - this.tr / n;
    if (this.tr === 0) {
      this.plusDi = 0;
      this.minusDi = 0;
    } else {
      this.plusDi = (100 * this.plusDm) / this.tr;
      this.minusDi = (100 * this.minusDm) / this.tr;
    }
    const sum = this.plusDi + this.minusDi;
    const dx = sum === 0 ? Number.NaN : (100 * Math.abs(this.plusDi - this.minusDi)) / sum;
    if (this.dxCount < n) {
      if (!Number.isNaN(dx)) this.adx += dx;
      if (++this.dxCount < n) return Number.NaN;
      this.adx /= n;
      return this.adx;
    }
    if (!Number.isNaN(dx)) this.adx = (this.adx * (n - 1) + dx) / n;
    return this.adx;
  }
  private remember(c: Candle): void {
    this.prevHigh = c.high;
    this.prevLow = c.low;
    this.prevClose = c.close;
  }
}

function directional(period: number): SeriesSpec {
  return { key: `dmi(${period})`, create: () => new DirectionalNode(period) };
}

/** Wilder's ADX over `period` bars, 0..100; first value at bar 2·period − 1. */
export function averageDirectionalIndex(period: number): SeriesSpec {
  return derived('adx', [directional(period)], (s) => (s[0] as SeriesNode).value);
}

/** +DI over `period` bars, 0..100; first value at bar `period`. */
export function plusDirectionalIndicator(period: number): SeriesSpec {
  return derived('pdi', [directional(period)], (s) => ((s[0] as SeriesNode).calc as DirectionalNode).plusDi);
}

/** −DI over `period` bars, 0..100; first value at bar `period`. */
export function minusDirectionalIndicator(period: number): SeriesSpec {
  return derived('mdi', [directional(period)], (s) => ((s[0] as SeriesNode).calc as DirectionalNode).minusDi);
}

/**
 * Parabolic SAR with separate start, increment and maximum acceleration factors, following TA-Lib
 * SAREXT (start value 0, no offset): the first direction is short when bar 1 has a −DM, else
 * long; `value` at bar t is the stop in force for bar t (TA-Lib's output at t, its sign dropped).
 * Quote currency; first value at bar 1. (trading-signals' PSAR has one step for start and
 * increment and a fixed 0.01 price offset on reversals, hence this class.)
 */
class ParabolicSarNode extends SeriesCalc {
  private bars = 0;
  private isLong = true;
  private sar = 0;
  private ep = 0;
  private af = 0;
  private newHigh = 0;
  private newLow = 0;
  private readonly start: number;
  constructor(
    start: number,
    private readonly increment: number,
    private readonly max: number,
  ) {
    super();
    // TA-Lib SAREXT lowers a start factor above the maximum to the maximum.
    this.start = Math.min(start, max);
  }
  next(c: Candle): number {
    if (this.bars++ === 0) {
      this.newHigh = c.high;
      this.newLow = c.low;
      return Number.NaN;
    }
    let prevHigh: number;
    let prevLow: number;
    if (this.bars === 2) {
      // TA-Lib MINUS_DM(1) on bars 0..1 picks the first direction.
      const up = c.high - this.newHigh;
      const down = this.newLow - c.low;
      this.isLong = !(down > 0 && up < down);
      this.af = this.start;
      if (this.isLong) {
        this.ep = c.high;
        this.sar = this.newLow;
      } else {
        this.ep = c.low;
        this.sar = this.newHigh;
      }
      prevHigh = c.high;
      prevLow = c.low;
    } else {
      prevHigh = this.newHigh;
      prevLow = this.newLow;
    }
    const hi = c.high;
    const lo = c.low;
    this.newHigh = hi;
    this.newLow = lo;
    let out: number;
    let sar = this.sar;
    if (this.isLong) {
      if (lo <= sar) {
        this.isLong = false;
        sar = Math.max(this.ep, prevHigh, hi);
        out = sar;
        this.af = this.start;
        this.ep = lo;
        sar = Math.max(sar + this.af * (this.ep - sar), prevHigh, hi);
      } else {
        out = sar;
        if (hi > this.ep) {
          this.ep = hi;
          this.af = Math.min(this.af + this.increment, this.max);
        }
        sar = Math.min(sar + this.af * (this.ep - sar), prevLow, lo);
      }
    } else if (hi >= sar) {
      this.isLong = true;
      sar = Math.min(this.ep, prevLow, lo);
      out = sar;
      this.af = this.start;
      this.ep = hi;
      sar = Math.min(sar + this.af * (this.ep - sar), prevLow, lo);
    } else {
      out = sar;
      if (lo < this.ep) {
        this.ep = lo;
        this.af = Math.min(this.af + this.increment, this.max);
      }
      sar = Math.max(sar + this.af * (this.ep - sar), prevHigh, hi);
    }
    this.sar = sar;
    return out;
  }
}

/** Parabolic SAR (quote currency) with acceleration `start`, `increment` per new extreme, capped at `max`. */
export function parabolicSar(start: number, increment: number, max: number): SeriesSpec {
  return { key: `psar(${start},${increment},${max})`, create: () => new ParabolicSarNode(start, increment, max) };
}
