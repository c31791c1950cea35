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
  /** Event time of the last discovery (ms); may be after `now` (the discovery system's clock ahead of the market clock). */
  readonly lastSeenAt: Millis;
  /** DiscoveryLog.frequency at `now`: discoveries within the lookback, those stamped after `now` included. */
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
 * after `now`) counts as 0, so the factor stays in (0, 1]; DiscoveryLog's frequency counts such a
 * discovery too, and the time filter passes it (age 0).
 */
export function halfLifeDecay(ageMs: number, halfLifeDays: number): number {
  if (!(halfLifeDays > 0)) throw new RangeError(`halfLifeDecay: half-life must be positive (was ${halfLifeDays} days)`);
  return 0.5 ** (Math.max(0, ageMs) / (halfLifeDays * MS_PER_DAY));
}

/**
 * Throws a RangeError when the three confidence weights do not sum to 1 (±1e-9). Callers that score
 * many strategies with one config check it once with this, then use `scoreConfidenceInto`.
 */
export function checkConfidenceWeights(cfg: ConfidenceConfig): void {
  const weightSum = cfg.performanceWeight + cfg.frequencyWeight + cfg.recencyWeight;
  if (!(Math.abs(weightSum - 1) <= 1e-9)) {
    throw new RangeError(
      `scoreConfidence: weights must sum to 1 (performance ${cfg.performanceWeight} + frequency ${cfg.frequencyWeight} + recency ${cfg.recencyWeight} = ${weightSum})`,
    );
  }
}

/**
 * Phase 1's figures for one strategy, kept on the strategy and overwritten at every refresh: the
 * confidence stage scores every strategy of a symbol on each candle close, and a fresh output
 * object per strategy per refresh was most of its cost. Only a score that is emitted becomes a
 * ConfidenceScore (a new readonly value).
 */
export class ConfidenceFigures {
  /** Event time of the last scoring (ms). */
  time = 0;
  confidence = 0;
  performance = 0;
  frequency = 0;
  recency = 0;
  liveScore: number | null = null;
  liveTrades = 0;
  /** Confidence last emitted for this strategy, NaN when none was: the stage's emit threshold reads it. */
  emitted = Number.NaN;
  /** The half-life and last discovery `recency` was computed with: the time filter reuses it as its decay factor when they are its own. */
  recencyHalfLifeDays = Number.NaN;
  recencyLastSeenAt = Number.NaN;
  /**
   * The paper account's scoreVersion when `liveScore` was computed, −1 before: the stage reuses an
   * unmoved score. The figures belong to one strategy's one account (a re-registered strategy gets
   * new figures), scored by one stage with one periodsPerYear.
   */
  liveScoreVersion = -1;
}

/**
 * Scores one strategy at event time `now` (ms) into `out`, with `cfg`'s weights already checked by
 * checkConfidenceWeights. Same numbers as scoreConfidence, which is built on it. Throws on a NaN or
 * infinite input (a bug).
 */
export function scoreConfidenceInto(
  out: ConfidenceFigures,
  input: Omit<ConfidenceInput, 'strategyId' | 'symbol' | 'type'>,
  now: Millis,
  cfg: ConfidenceConfig,
): void {
  requireFinite('now', now);
  requireFinite('lastSeenAt', input.lastSeenAt);
  requireFinite('frequency', input.frequency);
  const performance = blendedPerformance(input.backtestScore, input.liveScore, input.liveTrades, cfg.liveTradesPrior);
  const recency = halfLifeDecay(now - input.lastSeenAt, cfg.recencyHalfLifeDays);
  out.time = now;
  out.confidence = cfg.performanceWeight * performance + cfg.frequencyWeight * input.frequency + cfg.recencyWeight * recency;
  out.performance = performance;
  out.frequency = input.frequency;
  out.recency = recency;
  out.recencyHalfLifeDays = cfg.recencyHalfLifeDays;
  out.recencyLastSeenAt = input.lastSeenAt;
  out.liveScore = input.liveScore;
  out.liveTrades = input.liveTrades;
}

/** The output value of `figures` for one strategy: a new readonly ConfidenceScore. */
export function confidenceScoreOf(
  strategy: { readonly strategyId: string; readonly symbol: string; readonly type: string },
  figures: ConfidenceFigures,
): ConfidenceScore {
  return {
    kind: 'score',
    time: figures.time,
    strategyId: strategy.strategyId,
    symbol: strategy.symbol,
    type: strategy.type,
    confidence: figures.confidence,
    performance: figures.performance,
    frequency: figures.frequency,
    recency: figures.recency,
    liveScore: figures.liveScore,
    liveTrades: figures.liveTrades,
  };
}

/**
 * Scores one strategy at event time `now` (ms). Returns the confidence with its three components,
 * each in [0, 1] for inputs in range. Throws when the configured weights do not sum to 1 (±1e-9) or
 * an input is NaN or infinite: those are bugs, not a business "no".
 */
export function scoreConfidence(input: ConfidenceInput, now: Millis, cfg: ConfidenceConfig): ConfidenceScore {
  checkConfidenceWeights(cfg);
  const figures = new ConfidenceFigures();
  scoreConfidenceInto(figures, input, now, cfg);
  return confidenceScoreOf(input, figures);
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`confidence: ${name} is not a finite number (was ${value})`);
}
