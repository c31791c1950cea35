/**
 * Fractional Kelly sizing from pooled live trades (DESIGN.md phase 5), shrunk toward "no edge"
 * while the trades are few, so that a handful of lucky trades cannot size a position.
 */
import type { SizingConfig } from '../../config/engine.js';

/** Pooled live trade statistics of an ensemble's members. Returns are fractions of notional. */
export interface TradeStats {
  readonly trades: number;
  readonly wins: number;
  /** Sum of winning trade returns (fraction, >= 0). */
  readonly grossWin: number;
  /** Sum of |losing trade returns| (fraction, >= 0). */
  readonly grossLoss: number;
  /** Sum of |trade returns| over all trades (fraction, >= 0). */
  readonly sumAbsReturn: number;
}

/**
 * The fractional Kelly size, as a fraction of equity:
 * kellyFraction × max(0, p − (1 − p)/b), with
 * p = (wins + kellyPriorWins) / (trades + kellyPriorTrades) and b = avgWin / avgLoss, each average
 * taking payoffPseudoTrades pseudo-trades of size m = sumAbsReturn / trades (defaultTradeReturn when
 * there are no trades). With no trades and the default priors p = 0.5 and b = 1, so the size is 0.
 * Throws on counts or sums that cannot come from real trades.
 */
export function kellySize(stats: TradeStats, cfg: SizingConfig): number {
  const { trades, wins, grossWin, grossLoss, sumAbsReturn } = stats;
  if (!Number.isInteger(trades) || trades < 0 || !Number.isInteger(wins) || wins < 0 || wins > trades) {
    throw new RangeError(`kellySize: need integers 0 <= wins <= trades (was wins ${wins}, trades ${trades})`);
  }
  for (const [name, value] of [['grossWin', grossWin], ['grossLoss', grossLoss], ['sumAbsReturn', sumAbsReturn]] as const) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`kellySize: ${name} must be finite and >= 0 (was ${value})`);
  }
  const priorTrades = trades + cfg.kellyPriorTrades;
  // No trades and no prior: nothing says there is an edge.
  if (priorTrades === 0) return 0;
  const p = Math.min(1, (wins + cfg.kellyPriorWins) / priorTrades);
  const m = trades > 0 ? sumAbsReturn / trades : cfg.defaultTradeReturn;
  const k = cfg.payoffPseudoTrades;
  const losses = trades - wins;
  const avgWin = wins + k > 0 ? (grossWin + k * m) / (wins + k) : 0;
  const avgLoss = losses + k > 0 ? (grossLoss + k * m) / (losses + k) : 0;
  // Nothing won on average: no payoff to bet on, whatever p says.
  if (avgWin <= 0) return 0;
  // (1 − p)/b written as (1 − p)·avgLoss/avgWin, so losses that cost nothing (b → ∞) leave edge = p.
  const edge = p - ((1 - p) * avgLoss) / avgWin;
  return cfg.kellyFraction * Math.max(0, edge);
}
