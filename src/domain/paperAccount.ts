/**
 * One strategy's paper account (DESIGN.md "Live evaluation", STRATEGIES.md "Semantics shared by all
 * types"): long or flat, all of its own paper equity in one unit, fees paid on every fill. It keeps
 * the statistics the live score and the sizing phase read, as running totals, so reading them is
 * O(1) for each of 10,000+ strategies on every candle close.
 */
import { ReturnWindow, type SymbolWindows } from './returnWindow.js';
import type { Candle, Millis, Side, Signal } from './types.js';

/** A round trip, closed at `exitTime`. `return` is net of both fees, as a fraction of the equity put in. */
export interface TradeClosed {
  readonly entryTime: Millis;
  readonly exitTime: Millis;
  readonly entryPrice: number;
  readonly exitPrice: number;
  /** (1 − fee)² · exitPrice / entryPrice − 1: both fills charge `feeRate` of the notional. */
  readonly return: number;
}

/** A kept equity figure outside (1e-100, 1e100) is rebased to 1: far inside a double's range. */
const REBASE_ABOVE = 1e100;

/**
 * The paper equity curve of one strategy, marked at candle closes.
 *
 * Equity starts at 1. Entering charges `feeRate` of the equity, holding multiplies it by
 * close / previous close, exiting charges `feeRate` of the marked equity. Each candle after the
 * first pushes one sample to `returns`: the equity's change over the candle, fills at its close
 * included, so Sharpe and annualized return see the fees a churning strategy pays (the live score is
 * "computed on the strategy's own paper equity"). Trade statistics and drawdown cover the account's
 * whole life; `returns` only its last `returnsWindow` candles.
 */
export class PaperAccount {
  /** Per-candle returns of the paper equity (fraction), stamped with the candle's open time. */
  readonly returns: ReturnWindow;
  #side: Side = 'flat';
  #trades = 0;
  #wins = 0;
  #losses = 0;
  #grossWin = 0;
  #grossLoss = 0;
  #sumAbsTradeReturn = 0;
  #equity = 1;
  #peakEquity = 1;
  #maxDrawdown = 0;
  #entryPrice: number | null = null;
  #entryTime: Millis = 0;
  /** Equity just before the entry fee: the base of the open trade's return. */
  #equityBeforeEntry = 1;
  #realizedEquity = 1;
  /**
   * ln of the factor the equity figures above were divided by (see #rebase): the account's equity is
   * #equity · e^#logScale. The returns, drawdown and trade returns are ratios of the kept figures.
   */
  #logScale = 0;
  #candles = 0;
  #lastTs: Millis = Number.NEGATIVE_INFINITY;
  #lastClose = 0;
  /**
   * Σ ln(1 + r) over the samples in `returns`, for the geometric annualized return. Recomputed from
   * the window each time it has turned over once, so add/subtract rounding cannot accumulate.
   */
  #sumLogReturn = 0;
  #pushesSinceResum = 0;
  #scoreVersion = 0;

  /**
   * @param feeRate fee per fill as a fraction of notional (0.001 = 10 bps), in [0, 1).
   * @param returnsWindow candles of returns kept (capacity of `returns`).
   * @param symbolWindows the candle times and window storage shared by the symbol's strategies
   *   (see ReturnWindow); its times are pushed by the owner before each candle reaches the account.
   *   Omitted, the account keeps its own.
   */
  constructor(
    readonly feeRate: number,
    returnsWindow: number,
    symbolWindows?: SymbolWindows,
  ) {
    if (!(feeRate >= 0 && feeRate < 1)) throw new RangeError(`PaperAccount: feeRate must be in [0, 1) (was ${feeRate})`);
    this.returns = new ReturnWindow(returnsWindow, symbolWindows);
  }

  /** Gives the returns' shared storage back (the strategy was retired); the account is done. */
  dispose(): void {
    this.returns.release();
  }

  /**
   * Applies one closed candle: marks the position held since the previous close to this close, then
   * acts on the signal at the close (`enter` when flat, `exit` when long; anything else, or a
   * signal that does not fit the side, changes nothing). Pushes the candle's equity return, fills
   * included. The first candle seen has no previous close to mark from: it pushes a return only
   * when its fill moved the equity (the entry fee, −feeRate; nothing without a fee), which the live
   * score must see like any other fee.
   * Returns the trade
   * this candle closed, or null. Throws on a non-positive or non-finite close, or a candle not
   * after the previous one: both are pipeline bugs, since inputs are validated at the source.
   */
  onCandle(candle: Candle, signal: Signal | null): TradeClosed | null {
    const close = candle.close;
    if (!(close > 0 && Number.isFinite(close))) throw new RangeError(`PaperAccount.onCandle: close must be positive (was ${close})`);
    if (!(candle.ts > this.#lastTs)) throw new RangeError(`PaperAccount.onCandle: candle ts ${candle.ts} not after ${this.#lastTs}`);
    const first = this.#candles === 0;
    const equityBefore = this.#equity;
    if (!first && this.#side === 'long') this.#equity *= close / this.#lastClose;

    let closed: TradeClosed | null = null;
    if (signal === 'enter' && this.#side === 'flat') {
      this.#equityBeforeEntry = this.#equity;
      this.#equity *= 1 - this.feeRate;
      this.#side = 'long';
      this.#entryPrice = close;
      this.#entryTime = candle.ts;
    } else if (signal === 'exit' && this.#side === 'long') {
      this.#equity *= 1 - this.feeRate;
      closed = this.#closeTrade(candle.ts, close);
    }

    const returnsMoved = (!first || this.#equity !== equityBefore) && this.#pushReturn(candle.ts, this.#equity / equityBefore - 1);
    if (this.#markDrawdown() || returnsMoved || closed !== null) this.#scoreVersion++;
    this.#candles++;
    this.#lastTs = candle.ts;
    this.#lastClose = close;
    if (!(this.#equity < REBASE_ABOVE && this.#equity > 1 / REBASE_ABOVE)) this.#rebase();
    return closed;
  }

  /** A kept equity figure as the account's own (undoing #rebase). */
  #unscaled(figure: number): number {
    return this.#logScale === 0 ? figure : figure * Math.exp(this.#logScale);
  }

  /**
   * Divides every kept equity figure by the equity, so it is 1 again. Prices anywhere in the bounds
   * (1e-12 to 1e15) can compound a paper equity past a double's range within a few dozen trades
   * (bought at 1e-6, sold at 1e6): the candle's return then came out Infinity or NaN, and the
   * engine stopped (found by a bug hunt). Only ratios of these figures reach the live score.
   */
  #rebase(): void {
    const factor = this.#equity;
    this.#logScale += Math.log(factor);
    this.#equity = 1;
    this.#peakEquity /= factor;
    this.#equityBeforeEntry /= factor;
    this.#realizedEquity /= factor;
  }

  #closeTrade(exitTime: Millis, exitPrice: number): TradeClosed {
    const tradeReturn = this.#equity / this.#equityBeforeEntry - 1;
    this.#trades++;
    if (tradeReturn > 0) {
      this.#wins++;
      this.#grossWin += tradeReturn;
    } else if (tradeReturn < 0) {
      this.#losses++;
      this.#grossLoss -= tradeReturn;
    }
    this.#sumAbsTradeReturn += Math.abs(tradeReturn);
    this.#realizedEquity = this.#equity;
    const trade: TradeClosed = {
      entryTime: this.#entryTime,
      exitTime,
      entryPrice: this.#entryPrice as number,
      exitPrice,
      return: tradeReturn,
    };
    this.#side = 'flat';
    this.#entryPrice = null;
    return trade;
  }

  /** Pushes one equity return; true when the window's mean, std-dev or Σ ln(1 + r) may have moved. */
  #pushReturn(ts: Millis, value: number): boolean {
    const window = this.returns;
    if (window.length === window.capacity) this.#sumLogReturn -= logReturn(window.valueAt(0));
    let moved = window.push(ts, value);
    this.#sumLogReturn += logReturn(value);
    if (++this.#pushesSinceResum >= window.capacity) {
      let exact = 0;
      for (let i = 0; i < window.length; i++) exact += logReturn(window.valueAt(i));
      if (exact !== this.#sumLogReturn) moved = true;
      this.#sumLogReturn = exact;
      this.#pushesSinceResum = 0;
    }
    return moved;
  }

  /** Marks the equity against its peak; true when the max drawdown grew. */
  #markDrawdown(): boolean {
    if (this.#equity > this.#peakEquity) this.#peakEquity = this.#equity;
    const drawdown = 1 - this.#equity / this.#peakEquity;
    if (!(drawdown > this.#maxDrawdown)) return false;
    this.#maxDrawdown = drawdown;
    return true;
  }

  /** `long` while a trade is open, else `flat`. */
  get side(): Side {
    return this.#side;
  }
  /** Closed trades. */
  get trades(): number {
    return this.#trades;
  }
  /** Closed trades with a net return above 0. */
  get wins(): number {
    return this.#wins;
  }
  /** Closed trades with a net return below 0 (a trade at exactly 0 is neither). */
  get losses(): number {
    return this.#losses;
  }
  /** Sum of winning trades' net returns (fraction). */
  get grossWin(): number {
    return this.#grossWin;
  }
  /** Sum of |losing trades' net returns| (fraction, ≥ 0). */
  get grossLoss(): number {
    return this.#grossLoss;
  }
  /** Sum of |net return| over all closed trades (fraction); / trades gives the mean trade size. */
  get sumAbsTradeReturn(): number {
    return this.#sumAbsTradeReturn;
  }
  /** Paper equity marked at the last close, after fees; starts at 1. */
  get equity(): number {
    return this.#unscaled(this.#equity);
  }
  /** Highest equity seen at a candle close. */
  get peakEquity(): number {
    return this.#unscaled(this.#peakEquity);
  }
  /** Largest fall from a previous peak, 1 − equity / peak, over the account's life, in [0, 1). */
  get maxDrawdown(): number {
    return this.#maxDrawdown;
  }
  /** Price of the open trade's entry fill, null when flat. */
  get entryPrice(): number | null {
    return this.#entryPrice;
  }
  /** Compounded net return of the closed trades: equity after the last exit − 1. */
  get realizedReturn(): number {
    return this.#unscaled(this.#realizedEquity) - 1;
  }
  /**
   * Net return of the open trade at the last close, entry fee paid, exit fee not yet (fraction);
   * 0 when flat. equity = (1 + realizedReturn) · (1 + unrealizedReturn).
   */
  get unrealizedReturn(): number {
    return this.#side === 'long' ? this.#equity / this.#equityBeforeEntry - 1 : 0;
  }
  /** Candles applied. */
  get candles(): number {
    return this.#candles;
  }
  /**
   * Moves whenever something the live score reads may have changed (the returns' mean, std-dev and
   * mean ln(1 + r), max drawdown, trade statistics); an unchanged version means liveScore() would
   * return the same double. A flat strategy whose window turns a zero over for a zero keeps it.
   */
  get scoreVersion(): number {
    return this.#scoreVersion;
  }
  /** Mean of ln(1 + r) over the samples in `returns`; 0 when empty. For the geometric annualized return. */
  meanLogReturn(): number {
    const n = this.returns.length;
    return n === 0 ? 0 : this.#sumLogReturn / n;
  }
}

/**
 * ln(1 + r), without the call for r = 0: log1p(0) is exactly 0, and a flat strategy's window is
 * mostly exact zeros, each of which passed through log1p twice (entering and leaving the window).
 */
function logReturn(r: number): number {
  return r === 0 ? 0 : Math.log1p(r);
}
