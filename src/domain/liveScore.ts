/**
 * The live score (DESIGN.md "Live evaluation"): a strategy's own paper performance on the backtest
 * score's scale, so the two can be blended in phase 1.
 *
 *   score = 0.25·N(Sharpe) + 0.20·(1 − max drawdown) + 0.20·win rate
 *         + 0.20·N(annualized return) + 0.15·N(profit factor),   N(x) = clamp((x + 1) / 3, 0, 1)
 *
 * Every term reads running totals kept by PaperAccount, so a score costs O(1) and allocates nothing.
 *
 * Edge cases, and why:
 * - Sharpe: mean / sample std-dev of the per-candle equity returns × √periodsPerYear, risk-free rate
 *   0 (minute bars of crypto pairs: the risk-free rate per candle is negligible). With fewer than two
 *   samples, or no variance, it is 0: nothing has been measured, and a zero-variance series is in
 *   practice a strategy that stayed flat, whose risk-adjusted edge is 0, not ±∞.
 * - Annualized return: geometric, exp(periodsPerYear · mean ln(1 + r)) − 1, the rate that compounds
 *   to the window's equity growth. Unlike mean · periodsPerYear it cannot go below −100%, the floor
 *   that N maps to 0. Overflow to +∞ is harmless: N saturates at 1.
 * - Win rate: wins / closed trades, 0 with no closed trades. The score measures demonstrated
 *   performance; a strategy that has not traded has shown no wins and must not score like a coin
 *   flip. This does not punish a newcomer in phase 1: with n = 0 trades its live weight is 0.
 * - Profit factor: gross win / gross loss over closed trades. 0 when nothing was won (no trades,
 *   only break-even or only losing trades), +∞ when trades won and none lost (N saturates to 1 from
 *   a profit factor of 2 on, so one lucky trade scores no higher than a solid record; small samples
 *   are discounted by the n / (n + n0) live weight, not here).
 * - Max drawdown: over the paper equity's whole life, marked at candle closes, fees included.
 */
import type { PaperAccount } from './paperAccount.js';

/** N(x) = clamp((x + 1) / 3, 0, 1): maps −1 → 0 and 2 → 1; +∞ → 1. */
export function normalizeScoreTerm(x: number): number {
  const y = (x + 1) / 3;
  return Math.min(1, Math.max(0, y));
}

/** Annualized Sharpe ratio of the account's per-candle returns (risk-free 0); 0 below two samples or with no variance. */
export function liveSharpe(account: PaperAccount, periodsPerYear: number): number {
  const std = account.returns.stdDev();
  return std > 0 ? (account.returns.mean() / std) * Math.sqrt(periodsPerYear) : 0;
}

/** Geometric annualized return of the account's per-candle returns (fraction, ≥ −1); 0 when empty. */
export function liveAnnualizedReturn(account: PaperAccount, periodsPerYear: number): number {
  return Math.expm1(periodsPerYear * account.meanLogReturn());
}

/** Share of closed trades that won, in [0, 1]; 0 with no closed trades. */
export function liveWinRate(account: PaperAccount): number {
  return account.trades === 0 ? 0 : account.wins / account.trades;
}

/** Gross win / gross loss of closed trades; 0 when nothing was won, +∞ when trades won and none lost. */
export function liveProfitFactor(account: PaperAccount): number {
  if (account.grossWin === 0) return 0;
  return account.grossLoss === 0 ? Number.POSITIVE_INFINITY : account.grossWin / account.grossLoss;
}

/**
 * The live score of a paper account, in [0, 1] (the backtest score's scale), or null before the
 * account has a single return sample. `periodsPerYear` is the number of candles in a year
 * (525,600 for 1m candles traded 24/7) and annualizes Sharpe and return.
 */
export function liveScore(account: PaperAccount, periodsPerYear: number): number | null {
  if (account.returns.length === 0) return null;
  if (!(periodsPerYear > 0)) throw new RangeError(`liveScore: periodsPerYear must be positive (was ${periodsPerYear})`);
  const score =
    0.25 * normalizeScoreTerm(liveSharpe(account, periodsPerYear)) +
    0.2 * (1 - account.maxDrawdown) +
    0.2 * liveWinRate(account) +
    0.2 * normalizeScoreTerm(liveAnnualizedReturn(account, periodsPerYear)) +
    0.15 * normalizeScoreTerm(liveProfitFactor(account));
  if (Number.isNaN(score)) throw new RangeError('liveScore: score is NaN (broken account state)');
  return score;
}
