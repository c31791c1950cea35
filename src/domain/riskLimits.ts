/**
 * The hard limits of phase 5 (DESIGN.md), applied to combined sizes in a fixed order: position risk,
 * strategy concentration, correlation of held pairs, then the drawdown breaker. Each limit that cuts
 * a size says so in words that carry the numbers; a cut is a business "no", returned as a value.
 * Sizes are fractions of equity at full ensemble exposure, so a limit that holds here holds for any
 * exposure <= 1 the pipeline multiplies in later.
 */
import type { SizingConfig } from '../../config/engine.js';
import type { BreakerStatus } from './drawdownBreaker.js';
import { decimal, percent } from './riskFormat.js';
import type { BindingLimit } from './types.js';

/** The outcome of one limit on one size: the size it allows and, when it cut, why. */
export interface LimitCut {
  /** Size after the limit (fraction of equity). */
  readonly size: number;
  /** Why the size was cut, or null when the limit did not bind. */
  readonly reason: string | null;
}

/** One sized symbol as the limits see it. */
export interface LimitCandidate {
  readonly symbol: string;
  /** Total of the symbol's active ensemble (breaks correlation conflicts: the lower total is cut). */
  readonly ensembleTotal: number;
  /** Largest member weight of the active ensemble, in [0, 1]. */
  readonly maxMemberWeight: number;
  /** True when the symbol holds an open position. */
  readonly held: boolean;
  /** Size before any limit (fraction of equity). */
  readonly combined: number;
  /** A held position's distance from its mark down to its stop, as a fraction of the mark (riskDistance); absent when flat. */
  readonly stopDistance?: number;
}

/** A size after every limit, with the limit that cut it last and every cut's reason in order. */
export interface LimitedSize {
  readonly size: number;
  readonly binding: BindingLimit;
  readonly cuts: readonly string[];
}

/** Pairwise return statistics of the candidates, indexed like them (CovarianceMatrix fits). */
export interface PairCorrelations {
  correlation(i: number, j: number): number;
  samples(i: number, j: number): number;
}

/**
 * The fraction of a position lost if its price falls to its stop. A new entry's stop is `stopLoss`
 * below it; a held position's stop stays at entry × (1 − stopLoss) while its price moves, so once
 * the price has risen its own distance from the mark (`heldDistance`) is larger and is the one at
 * risk (found by a bug hunt: a position 10% up risked 5.8% of equity under a 2% limit). A held
 * position nearer its stop than a new entry's is counted at the new entry's distance: adding to it
 * would re-average its entry and move its stop. A stop distance of 0 means no stop, so the whole
 * notional counts as at risk rather than none of it.
 */
export function riskDistance(stopLoss: number, heldDistance = 0): number {
  return Math.max(stopDistance(stopLoss), heldDistance);
}

/** The largest size (fraction of equity) whose loss at a stop `distance` away (riskDistance; 0: no stop) stays within maxRiskPerPosition. */
export function maxSizeForRisk(distance: number, cfg: SizingConfig): number {
  if (!Number.isFinite(distance) || distance < 0) throw new RangeError(`maxSizeForRisk: stop distance must be a fraction >= 0 (was ${distance})`);
  return cfg.maxRiskPerPosition / stopDistance(distance);
}

/** Caps `size` so that size × stop `distance` (riskDistance; 0: no stop) <= maxRiskPerPosition. Returns the allowed size (fraction of equity). */
export function capPositionRisk(size: number, distance: number, cfg: SizingConfig): LimitCut {
  const cap = maxSizeForRisk(distance, cfg);
  if (withinLimit(size, cap)) return { size, reason: null };
  const risk = size * stopDistance(distance);
  return {
    size: cap,
    reason: `position risk ${percent(risk)} (size ${decimal(size)} × stop ${percent(stopDistance(distance))}) exceeds limit ${percent(cfg.maxRiskPerPosition)}: cut to ${decimal(cap)}`,
  };
}

/** Caps `size` so that maxMemberWeight × size <= maxPerStrategy. Returns the allowed size (fraction of equity). */
export function capStrategyConcentration(size: number, maxMemberWeight: number, cfg: SizingConfig): LimitCut {
  if (!(maxMemberWeight >= 0 && maxMemberWeight <= 1))
    throw new RangeError(`capStrategyConcentration: maxMemberWeight must be in [0, 1] (was ${maxMemberWeight})`);
  const exposure = maxMemberWeight * size;
  if (withinLimit(exposure, cfg.maxPerStrategy)) return { size, reason: null };
  const cap = cfg.maxPerStrategy / maxMemberWeight;
  return {
    size: cap,
    reason: `strategy concentration ${percent(exposure)} (largest member weight ${decimal(maxMemberWeight)} × size ${decimal(size)}) exceeds limit ${percent(cfg.maxPerStrategy)}: cut to ${decimal(cap)}`,
  };
}

/**
 * Scales `size` by the breaker: HALTED gives 0, REDUCING multiplies by sizeScale, NORMAL leaves it.
 * Returns the allowed size (fraction of equity).
 */
export function scaleForDrawdown(size: number, breaker: BreakerStatus): LimitCut {
  if (breaker.state === 'HALTED') {
    return { size: 0, reason: `breaker HALTED since ${breaker.haltedAt} at drawdown ${percent(breaker.drawdown)}: size ${decimal(size)} cut to 0` };
  }
  if (breaker.sizeScale >= 1 || size === 0) return { size, reason: null };
  const scaled = size * breaker.sizeScale;
  return {
    size: scaled,
    reason: `breaker ${breaker.state} at drawdown ${percent(breaker.drawdown)}: size ${decimal(size)} scaled by ${decimal(breaker.sizeScale)} to ${decimal(scaled)}`,
  };
}

/**
 * Applies every hard limit to the candidates, in order: position risk, strategy concentration,
 * correlation, drawdown. Returns one LimitedSize per candidate, in the candidates' order; `binding`
 * is the last limit that cut the size ('halted' whenever the breaker is HALTED, 'none' if nothing cut).
 *
 * Position risk and correlation count each candidate's loss at its stop with riskDistance (the
 * configured `stopLoss`, or a held position's own distance when larger).
 *
 * Correlation: for each pair of held candidates with at least minVolSamples common returns and
 * correlation above maxCorrelation, the one with the lower ensemble total (ties: the later symbol
 * name) is cut to max(0, (maxRiskPerPosition − the other's size × its distance) / its own distance),
 * so the pair together risks no more than one position may. Candidates are cut in order of
 * precedence (highest total first), each against partners that precede it, whose sizes are final
 * by then: in a chain A ~ B ~ C (A and C uncorrelated, totals C > B > A) B is cut against C first
 * and A against what B keeps. Walking the pairs in symbol order cut A against B's size before B's
 * own cut, more than its pair needed, and the sizes then depended on the symbols' names.
 */
export function applyHardLimits(
  candidates: readonly LimitCandidate[],
  pairs: PairCorrelations,
  breaker: BreakerStatus,
  stopLoss: number,
  cfg: SizingConfig,
): LimitedSize[] {
  const distances = candidates.map((c) => riskDistance(stopLoss, c.stopDistance));
  const sizes: number[] = [];
  const bindings: BindingLimit[] = [];
  const cuts: string[][] = [];
  const record = (i: number, cut: LimitCut, binding: BindingLimit): void => {
    if (cut.reason === null) return;
    sizes[i] = cut.size;
    bindings[i] = binding;
    (cuts[i] as string[]).push(cut.reason);
  };

  candidates.forEach((c, i) => {
    if (!Number.isFinite(c.combined) || c.combined < 0)
      throw new RangeError(`applyHardLimits: ${c.symbol} combined size must be finite and >= 0 (was ${c.combined})`);
    sizes.push(c.combined);
    bindings.push('none');
    cuts.push([]);
    record(i, capPositionRisk(sizes[i] as number, distances[i] as number, cfg), 'positionRisk');
    record(i, capStrategyConcentration(sizes[i] as number, c.maxMemberWeight, cfg), 'strategyConcentration');
  });

  const precedence = candidates.map((_, i) => i);
  precedence.sort((x, y) => {
    const a = candidates[x] as LimitCandidate;
    const b = candidates[y] as LimitCandidate;
    return yieldsTo(a, b) ? 1 : yieldsTo(b, a) ? -1 : x - y;
  });
  for (let r = 1; r < precedence.length; r++) {
    const cut = precedence[r] as number;
    const loser = candidates[cut] as LimitCandidate;
    if (!loser.held) continue;
    for (let q = 0; q < r; q++) {
      const keep = precedence[q] as number;
      if (!(candidates[keep] as LimitCandidate).held || pairs.samples(cut, keep) < cfg.minVolSamples) continue;
      const rho = pairs.correlation(cut, keep);
      if (rho <= cfg.maxCorrelation) continue;
      const winner = candidates[keep] as LimitCandidate;
      // Equal distances (both flat, the common case) give maxSizeForRisk − the other's size exactly.
      const allowed = Math.max(
        0,
        maxSizeForRisk(distances[cut] as number, cfg) - (sizes[keep] as number) * ((distances[keep] as number) / (distances[cut] as number)),
      );
      const current = sizes[cut] as number;
      if (withinLimit(current, allowed)) continue;
      record(
        cut,
        {
          size: allowed,
          reason: `correlation ${decimal(rho)} with ${winner.symbol} exceeds ${decimal(cfg.maxCorrelation)} (ensemble total ${decimal(loser.ensembleTotal)} vs ${decimal(winner.ensembleTotal)}): size ${decimal(current)} cut to ${decimal(allowed)} so the pair risks at most ${percent(cfg.maxRiskPerPosition)}`,
        },
        'correlation',
      );
    }
  }

  return candidates.map((_, i) => {
    const cut = scaleForDrawdown(sizes[i] as number, breaker);
    record(i, cut, breaker.state === 'HALTED' ? 'halted' : 'drawdown');
    return { size: sizes[i] as number, binding: bindings[i] as BindingLimit, cuts: cuts[i] as string[] };
  });
}

/** True when `x` is the one cut in a correlated pair: the lower ensemble total, or on a tie the later symbol. */
function yieldsTo(x: LimitCandidate, other: LimitCandidate): boolean {
  if (x.ensembleTotal !== other.ensembleTotal) return x.ensembleTotal < other.ensembleTotal;
  return x.symbol > other.symbol;
}

/**
 * Limits are ratios (0.02 / 0.05 = 0.39999999999999997 in binary), so a size already at its cap can
 * exceed it in the last bit; such a size is at the limit, not over it, and must not record a cut.
 */
function withinLimit(value: number, limit: number): boolean {
  return value <= limit + 1e-9 * Math.abs(limit);
}

/** No stop (distance 0) puts the whole notional at risk. */
function stopDistance(stopLoss: number): number {
  return stopLoss > 0 ? stopLoss : 1;
}
