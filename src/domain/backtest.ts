/**
 * Backtest of one strategy over a candle series, on the live engine's own code path: the strategy is
 * registered in a StrategyBook by a StrategyEvent and every candle is applied as a CandleEvent, so
 * the shared indicators, the rule and the fee-paying PaperAccount are exactly those of live
 * evaluation (STRATEGIES.md, "Semantics shared by all types"). Pure: candles in, trades and a
 * summary out; no I/O, no clock.
 */
import { liveAnnualizedReturn, liveProfitFactor, liveScore, liveSharpe, liveWinRate } from './liveScore.js';
import type { TradeClosed } from './paperAccount.js';
import { StrategyBook } from './strategyBook.js';
import type { Candle, Millis, StrategyParameters } from './types.js';

/** Milliseconds in a 365-day year: candles per year = YEAR_MS / interval (525,600 for 1m, as the engine's default). */
export const YEAR_MS = 365 * 86_400_000;

/** What to backtest. */
export interface BacktestRequest {
  /** Strategy type of STRATEGIES.md, e.g. `SMA_RSI`. */
  readonly type: string;
  /** Parameters as a discovery message carries them (missing ones take their defaults). */
  readonly parameters: StrategyParameters;
  /** Candles of one symbol and one interval, in strictly increasing `ts`. */
  readonly candles: readonly Candle[];
  /** Fee per paper fill in basis points of notional (the engine's `evaluation.feeBps`, default 10). */
  readonly feeBps?: number;
}

/** A closed round trip with the bar indices (into the request's candles) of its entry and exit fills. */
export interface BacktestTrade extends TradeClosed {
  readonly entryBar: number;
  readonly exitBar: number;
}

/** Statistics of the strategy's paper account at the last candle. Fractions, not percent. */
export interface BacktestSummary {
  readonly candles: number;
  /** Candle length (ms), taken from the candles. */
  readonly interval: Millis;
  /** Candles per year used to annualize Sharpe and return: YEAR_MS / interval. */
  readonly periodsPerYear: number;
  readonly trades: number;
  readonly wins: number;
  /** wins / trades; 0 without trades. */
  readonly winRate: number;
  /** Paper equity at the last close − 1, fees included (an open trade marked at the close). */
  readonly totalReturn: number;
  /** Compounded net return of the closed trades only. */
  readonly realizedReturn: number;
  /** Geometric annualized return of the per-candle equity returns. */
  readonly annualizedReturn: number;
  /** Largest fall of the paper equity from a previous peak, at candle closes. */
  readonly maxDrawdown: number;
  /** Annualized Sharpe ratio of the per-candle equity returns (risk-free 0); 0 without variance. */
  readonly sharpe: number;
  /** Gross win / gross loss of closed trades (liveScore's convention: 0 when nothing won, ∞ when nothing lost). */
  readonly profitFactor: number;
  /** The engine's live score of this account, in [0, 1]; null with fewer than two candles. */
  readonly liveScore: number | null;
  /** Long at the last candle: an entry with no exit yet, counted in totalReturn but not in trades. */
  readonly openTrade: boolean;
}

/** A backtest's outcome: its trades and summary, or the strategy's rejection (bad type or parameter) as a value. */
export type BacktestResult =
  | { readonly ok: true; readonly trades: readonly BacktestTrade[]; readonly summary: BacktestSummary }
  | { readonly ok: false; readonly field: string | null; readonly reason: string };

const SYMBOL = 'BACKTEST/USD';

/**
 * Runs `request.type` over `request.candles` through a StrategyBook and returns every closed trade
 * (oldest first) and the summary. The interval is the candles' own (`interval` of the first one).
 * Throws RangeError on an empty series, a candle whose ts is not after the previous one, or mixed
 * intervals: inputs are validated at the source, so these are caller bugs.
 */
export function runBacktest(request: BacktestRequest): BacktestResult {
  const { candles } = request;
  const first = candles[0];
  if (first === undefined) throw new RangeError('runBacktest: no candles');
  const interval = first.interval;
  const barOf = new Map<Millis, number>();
  candles.forEach((c, i) => {
    if (c.interval !== interval) throw new RangeError(`runBacktest: candle ${i} has interval ${c.interval} ms, the series ${interval} ms`);
    if (i > 0 && !(c.ts > (candles[i - 1] as Candle).ts)) throw new RangeError(`runBacktest: candle ${i} ts ${c.ts} is not after the previous one`);
    // The book keys candles by bucket (ts floored to the interval); trades are stamped with it.
    barOf.set(Math.floor(c.ts / interval) * interval, i);
  });
  const periodsPerYear = YEAR_MS / interval;
  // symbols is the evaluation stage's (the backtest feeds the book directly); its one discovery is
  // stamped at the first candle, the time it is applied at, so maxTimeJump never refuses it.
  const book = new StrategyBook({
    interval,
    feeBps: request.feeBps ?? 10,
    returnsWindow: candles.length,
    periodsPerYear,
    maxTimeJump: Number.POSITIVE_INFINITY,
    symbols: '',
  });
  const change = book.applyStrategy(
    {
      kind: 'strategy',
      seq: 0,
      ts: first.ts,
      symbol: SYMBOL,
      type: request.type,
      parameters: request.parameters,
      score: 0,
      window: null,
      externalId: null,
      retired: false,
    },
    first.ts,
  );
  if (change.rejection !== null) return { ok: false, field: change.rejection.field, reason: change.rejection.reason };

  const symbolBook = book.book(SYMBOL);
  const closed: TradeClosed[] = [];
  symbolBook.onTradeClosed = (_entry, trade) => closed.push(trade);
  candles.forEach((c, seq) => {
    const applied = book.applyPrice({ ...c, kind: 'candle', seq: seq + 1, symbol: SYMBOL });
    if (applied.closed.length !== 1)
      throw new RangeError(`runBacktest: candle ${seq} at ${c.ts} closed ${applied.closed.length} candles (two in one interval bucket?)`);
  });
  const entry = symbolBook.strategies[0];
  if (entry === undefined) throw new Error('runBacktest: the registered strategy is missing from its book');
  const account = entry.account;

  const trades = closed.map((t): BacktestTrade => {
    const entryBar = barOf.get(t.entryTime) as number;
    const exitBar = barOf.get(t.exitTime) as number;
    // Times as the candles carry them (the book stamps fills with the interval bucket).
    return { ...t, entryTime: (candles[entryBar] as Candle).ts, exitTime: (candles[exitBar] as Candle).ts, entryBar, exitBar };
  });
  const summary: BacktestSummary = {
    candles: candles.length,
    interval,
    periodsPerYear,
    trades: account.trades,
    wins: account.wins,
    winRate: liveWinRate(account),
    totalReturn: account.equity - 1,
    realizedReturn: account.realizedReturn,
    annualizedReturn: liveAnnualizedReturn(account, periodsPerYear),
    maxDrawdown: account.maxDrawdown,
    sharpe: liveSharpe(account, periodsPerYear),
    profitFactor: liveProfitFactor(account),
    liveScore: liveScore(account, periodsPerYear),
    openTrade: account.side === 'long',
  };
  return { ok: true, trades, summary };
}

/**
 * The candle interval of a series from its open times: the smallest gap between consecutive
 * candles (a larger gap is missing candles, not a longer interval). Null with fewer than two
 * candles or times not strictly increasing.
 */
export function inferInterval(times: readonly Millis[]): Millis | null {
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i] as Millis) - (times[i - 1] as Millis);
    if (!(gap > 0)) return null;
    if (gap < smallest) smallest = gap;
  }
  return Number.isFinite(smallest) ? smallest : null;
}
