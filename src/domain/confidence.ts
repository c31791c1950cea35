/**
 * Phase 1, confidence (DESIGN.md "1. Confidence"):
 *   confidence = w_p·performance + w_f·frequency + w_r·recency   (0.60 / 0.25 / 0.15 by default)
 * where performance blends the backtest score with the live score by the number of live trades,
 * frequency comes from the symbol's DiscoveryLog, and recency halves every half-life since the
 * strategy was last discovered.
 */
import type { ConfidenceConfig } from '../../config/engine.js';
import type { ConfidenceScore, Millis } from './types.js';

/** Milliseconds in a day: config durations are in days, event times in ms. */
export const MS_PER_DAY = 86_400_000;

/** What phase 1 needs to know about one strategy. Scores in [0, 1]; `frequency` from DiscoveryLog. */
export interface ConfidenceInput {
  readonly strategyId: string;
  readonly symbol: string;
  readonly type: string;
  readonly backtestScore: number;
  /** Live score on the backtest scale, null before the first live return. */
  readonly liveScore: number | null;
  /** Closed live paper trades. */
  readonly liveTrades: number;
  /** Event time of the last discovery (ms). */
  readonly lastSeenAt: Millis;
  readonly frequency: number;
}

/**
 * Performance on the backtest scale: (1 − w)·backtestScore + w·liveScore with the live weight
 * w = n / (n + n0) for n closed live trades, so the live record takes over as it grows (half weight
 * at n = n0). w is 0 while there is no live score or no live trade (also when n0 = 0).
 */
export function blendedPerformance(backtestScore: number, liveScore: number | null, liveTrades: number, n0: number): number {
  requireFinite('backtestScore', backtestScore);
  if (liveScore !== null) requireFinite('liveScore', liveScore);
  if (!(liveTrades >= 0 && Number.isFinite(liveTrades))) throw new RangeError(`blendedPerformance: liveTrades must be >= 0 (was ${liveTrades})`);
  if (!(n0 >= 0 && Number.isFinite(n0))) throw new RangeError(`blendedPerformance: n0 must be >= 0 (was ${n0})`);
  if (liveScore === null || liveTrades === 0) return backtestScore;
  const w = liveTrades / (liveTrades + n0);
  return (1 - w) * backtestScore + w * liveScore;
}

/**
 * 0.5^(ageMs / half-life): 1 at age 0, 0.5 at one half-life. A negative age (a discovery stamped
 * after `now`) counts as 0, so the factor stays in (0, 1].
 */
export function halfLifeDecay(ageMs: number, halfLifeDays: number): number {
  if (!(halfLifeDays > 0)) throw new RangeError(`halfLifeDecay: half-life must be positive (was ${halfLifeDays} days)`);
  return 0.5 ** (Math.max(0, ageMs) / (halfLifeDays * MS_PER_DAY));
}

/**
 * Scores one strategy at event time `now` (ms). Returns the confidence with its three components,
 * each in [0, 1] for inputs in range. Throws when the configured weights do not sum to 1 (±1e-9) or
 * an input is NaN or infinite: those are bugs, not a business "no".
 */
export function scoreConfidence(input: ConfidenceInput, now: Millis, cfg: ConfidenceConfig): ConfidenceScore {
  const weightSum = cfg.performanceWeight + cfg.frequencyWeight + cfg.recencyWeight;
  if (!(Math.abs(weightSum - 1) <= 1e-9)) {
    throw new RangeError(
      `scoreConfidence: weights must sum to 1 (performance ${cfg.performanceWeight} + frequency ${cfg.frequencyWeight} + recency ${cfg.recencyWeight} = ${weightSum})`,
    );
  }
  requireFinite('now', now);
  requireFinite('lastSeenAt', input.lastSeenAt);
  requireFinite('frequency', input.frequency);
  const performance = blendedPerformance(input.backtestScore, input.liveScore, input.liveTrades, cfg.liveTradesPrior);
  const recency = halfLifeDecay(now - input.lastSeenAt, cfg.recencyHalfLifeDays);
  return {
    kind: 'score',
    time: now,
    strategyId: input.strategyId,
    symbol: input.symbol,
    type: input.type,
    confidence: cfg.performanceWeight * performance + cfg.frequencyWeight * input.frequency + cfg.recencyWeight * recency,
    performance,
    frequency: input.frequency,
    recency,
    liveScore: input.liveScore,
    liveTrades: input.liveTrades,
  };
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`confidence: ${name} is not a finite number (was ${value})`);
}
