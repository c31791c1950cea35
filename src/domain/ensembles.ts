/**
 * Phase 3: ensembles (DESIGN.md). Per symbol, candidates are the time-filter survivors with enough
 * confidence; an ensemble of them is scored total = wP·P + wD·D − wR·R and is usable only when its
 * total reaches the configured floor and its member, type and correlation constraints hold. The
 * build is a deterministic greedy search; all arithmetic runs over members in strategy-id order so
 * that re-scoring the same member set always reproduces the same floats (and the same decision log).
 */
import type { EnsembleConfig } from '../../config/engine.js';
import { type PairStats, PairwiseStats, PairwiseStorage, pairStats, type ReturnWindow } from './returnWindow.js';
import { stableId } from './stableId.js';
import type { Ensemble, EnsembleMember, Millis, Side } from './types.js';

/** A time-filter survivor as phase 3 sees it. */
export interface EnsembleCandidate {
  readonly strategyId: string;
  readonly type: string;
  /** Phase 1 confidence in [0, 1]. */
  readonly confidence: number;
  /** Time-decayed performance (phase 2), in [0, 1]. */
  readonly performance: number;
  /** The paper strategy's current side. */
  readonly side: Side;
  /** Live per-candle returns of the paper strategy. */
  readonly returns: ReturnWindow;
}

/**
 * A strategy's EnsembleCandidate, one object for the strategy's life, updated in place by the time
 * filter on each refresh while the strategy survives: phase 2 runs over every strategy of a symbol
 * on every candle close, and a new object per survivor per refresh was a large share of its cost.
 * Phase 3 reads it through the readonly interface within the same frame; what an Ensemble keeps,
 * it copies (toEnsemble), so no output ever points at one of these.
 */
export class SurvivorCandidate implements EnsembleCandidate {
  confidence = 0;
  performance = 0;
  side: Side = 'flat';

  constructor(
    readonly strategyId: string,
    readonly type: string,
    readonly returns: ReturnWindow,
  ) {}
}

/**
 * Slack for comparisons of computed totals and correlations against configured bounds: a total
 * that is 0.7 on paper can come out as 0.6999999999999999, and the boundary must behave as written.
 */
export const SCORE_TOLERANCE = 1e-12;

const byStrategyId = (a: { readonly strategyId: string }, b: { readonly strategyId: string }): number =>
  a.strategyId < b.strategyId ? -1 : a.strategyId > b.strategyId ? 1 : 0;

/**
 * Correlation of two members as phase 3 counts it: Pearson over common candles, or 0 when they
 * share fewer than `minSamples` candles (too little evidence either way).
 */
export function countedCorrelation(a: ReturnWindow, b: ReturnWindow, minSamples: number): number {
  return counted(pairStats(a, b), minSamples);
}

function counted(stats: PairStats, minSamples: number): number {
  return stats.samples < minSamples ? 0 : stats.correlation;
}

/**
 * The best candidates of one symbol: survivors with confidence >= `cfg.minConfidence`, at most
 * `cfg.maxCandidates` of them, by confidence descending, ties by strategy id ascending (code-unit
 * order, not locale order, so every platform agrees). Returns a new array.
 */
export function selectCandidates(survivors: CandidateSource, cfg: EnsembleConfig): EnsembleCandidate[] {
  // A symbol has thousands of survivors and tens of candidates: keep only the best `limit` by
  // insertion into a short sorted list instead of sorting them all. The order is total (ids are
  // unique), so this is exactly sort-then-slice.
  const limit = cfg.maxCandidates;
  const best: EnsembleCandidate[] = [];
  if (limit < 1) return best;
  survivors.forEach((candidate) => {
    if (!(candidate.confidence >= cfg.minConfidence)) return;
    if (best.length === limit) {
      if (byRank(candidate, best[limit - 1] as EnsembleCandidate) >= 0) return;
      best.pop();
    }
    let i = best.length;
    best.push(candidate);
    for (; i > 0 && byRank(candidate, best[i - 1] as EnsembleCandidate) < 0; i--) best[i] = best[i - 1] as EnsembleCandidate;
    best[i] = candidate;
  });
  return best;
}

/**
 * Survivors as selectCandidates reads them: an array, or a map by strategy id such as the time
 * stage's view over the book, which visits them without an iterator object per survivor.
 */
export interface CandidateSource {
  forEach(visit: (candidate: EnsembleCandidate) => void): void;
}

/** Candidate order: confidence descending, then strategy id ascending. */
const byRank = (a: EnsembleCandidate, b: EnsembleCandidate): number => b.confidence - a.confidence || byStrategyId(a, b);

interface Measure {
  readonly performance: number;
  readonly diversification: number;
  readonly risk: number;
  readonly total: number;
  readonly distinctTypes: number;
  /** Highest counted pairwise correlation, −Infinity for a single member. */
  readonly maxCorrelation: number;
}

/**
 * P, D, R and the total of the members `pool[indices[0]], …, pool[indices[k − 1]]` (in strategy-id
 * order); `correlation(a, b)` gives the counted correlation of pool entries a < b. Reads through the
 * index list so the ensemble search scores each trial set without building it.
 */
function measure(pool: readonly EnsembleCandidate[], indices: readonly number[], correlation: (a: number, b: number) => number, cfg: EnsembleConfig): Measure {
  const n = indices.length;
  let sumPerformance = 0;
  for (let i = 0; i < n; i++) sumPerformance += (pool[indices[i] as number] as EnsembleCandidate).performance;
  const distinctTypes = distinctTypesOf(pool, indices);
  const performance = sumPerformance / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += ((pool[indices[i] as number] as EnsembleCandidate).performance - performance) ** 2;
  const risk = Math.sqrt(squares / n);
  let positive = 0;
  let pairs = 0;
  let maxCorrelation = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const rho = correlation(indices[i] as number, indices[j] as number);
      positive += Math.max(0, rho);
      pairs++;
      if (rho > maxCorrelation) maxCorrelation = rho;
    }
  }
  const diversification = (distinctTypes / n) * (1 - (pairs > 0 ? positive / pairs : 0));
  const total = cfg.performanceWeight * performance + cfg.diversificationWeight * diversification - cfg.riskWeight * risk;
  return { performance, diversification, risk, total, distinctTypes, maxCorrelation };
}

function satisfiesConstraints(size: number, m: Measure, cfg: EnsembleConfig): boolean {
  return (
    size >= cfg.minMembers && size <= cfg.maxMembers && m.distinctTypes >= cfg.minDistinctTypes && m.maxCorrelation <= cfg.maxCorrelation + SCORE_TOLERANCE
  );
}

function checkFinite(members: readonly EnsembleCandidate[]): void {
  for (const m of members) {
    if (!Number.isFinite(m.confidence) || !Number.isFinite(m.performance)) {
      throw new RangeError(`ensemble member ${m.strategyId}: confidence ${m.confidence} and performance ${m.performance} must be finite`);
    }
  }
}

function toEnsemble(symbol: string, sorted: readonly EnsembleCandidate[], m: Measure, time: Millis, cfg: EnsembleConfig): Ensemble {
  let sumConfidence = 0;
  for (const c of sorted) sumConfidence += c.confidence;
  // All-zero confidences cannot weight anything; equal weights keep exposure defined.
  const weightOf = (c: EnsembleCandidate): number => (sumConfidence > 0 ? c.confidence / sumConfidence : 1 / sorted.length);
  const members: EnsembleMember[] = sorted.map((c) => ({
    strategyId: c.strategyId,
    type: c.type,
    confidence: c.confidence,
    performance: c.performance,
    weight: weightOf(c),
    side: c.side,
  }));
  let exposure = 0;
  for (const member of members) if (member.side === 'long') exposure += member.weight;
  return {
    kind: 'ensemble',
    time,
    symbol,
    id: `${symbol}:${stableId(sorted.map((c) => c.strategyId).join('\n'))}`,
    members,
    total: m.total,
    performance: m.performance,
    diversification: m.diversification,
    risk: m.risk,
    usable: satisfiesConstraints(sorted.length, m, cfg) && m.total >= cfg.minUsableTotal - SCORE_TOLERANCE,
    exposure: Math.min(1, exposure),
    active: false,
  };
}

/**
 * Scores the member set `members` of `symbol` at event time `time`: weights = confidence / Σ
 * confidence; P = mean decayed performance; D = (distinct types / members) × (1 − mean over all
 * member pairs of max(0, ρ)), ρ counted as 0 below `cfg.minCorrelationSamples` common candles;
 * R = population std-dev of the performances; total = wP·P + wD·D − wR·R. Returns an Ensemble
 * (members in strategy-id order, `active: false`) that is usable when total >= `cfg.minUsableTotal`
 * and the member-count, distinct-type and max-correlation constraints hold. Throws on an empty set,
 * a repeated member or a non-finite confidence or performance (bugs, not business outcomes).
 */
export function scoreEnsemble(symbol: string, members: readonly EnsembleCandidate[], time: Millis, cfg: EnsembleConfig): Ensemble {
  if (members.length === 0) throw new RangeError(`scoreEnsemble(${symbol}): an ensemble needs at least one member`);
  const sorted = [...members].sort(byStrategyId);
  assertDistinct(sorted);
  checkFinite(sorted);
  const correlation = (i: number, j: number): number =>
    countedCorrelation((sorted[i] as EnsembleCandidate).returns, (sorted[j] as EnsembleCandidate).returns, cfg.minCorrelationSamples);
  const all = sorted.map((_, i) => i);
  return toEnsemble(symbol, sorted, measure(sorted, all, correlation, cfg), time, cfg);
}

function assertDistinct(sorted: readonly EnsembleCandidate[]): void {
  for (let i = 1; i < sorted.length; i++) {
    const id = (sorted[i] as EnsembleCandidate).strategyId;
    if (id === (sorted[i - 1] as EnsembleCandidate).strategyId) throw new RangeError(`ensemble candidates repeat strategy ${id}`);
  }
}

/** Writes the ascending `sorted` with `value` inserted in order into `out`, of length sorted.length + 1. */
function withInserted(sorted: readonly number[], value: number, out: number[]): void {
  let k = 0;
  let placed = false;
  for (const x of sorted) {
    if (!placed && value < x) {
      out[k++] = value;
      placed = true;
    }
    out[k++] = x;
  }
  if (!placed) out[k] = value;
}

/**
 * The best ensemble the greedy search finds for `symbol` among `candidates` (normally the output
 * of selectCandidates), scored at `time`, or null when no member set meeting the member-count,
 * distinct-type and correlation constraints can be formed. The result may be unusable (total below
 * `cfg.minUsableTotal`); rotation decides what to do with it.
 *
 * Search: start from the best single candidate (highest decayed performance, which is what a
 * one-member total ranks by; ties by strategy id), then repeatedly add the candidate that gives the
 * highest total (ties by strategy id) among those correlated with no member above
 * `cfg.maxCorrelation` and that leave enough free places for the distinct types still missing.
 * While below `cfg.minMembers` or `cfg.minDistinctTypes` the best such addition is taken even if the
 * total drops; afterwards only an addition that raises the total, up to `cfg.maxMembers`. If the
 * best start cannot reach a valid set (e.g. its only other-type partner is too correlated), the next
 * start is tried, so null means no start reaches one. Input order does not matter. Pairwise
 * correlations are computed at most once per build: O(c² · window) for c candidates, then
 * O(c · k³) arithmetic per start for k <= maxMembers.
 */
export function buildEnsemble(symbol: string, candidates: readonly EnsembleCandidate[], time: Millis, cfg: EnsembleConfig): Ensemble | null {
  const pool = [...candidates].sort(byStrategyId);
  assertDistinct(pool);
  checkFinite(pool);
  const n = pool.length;
  const starts = pool.map((_, i) => i).sort((a, b) => (pool[b] as EnsembleCandidate).performance - (pool[a] as EnsembleCandidate).performance || a - b);
  // No subset has more members or types than the pool: then every start fails, and the search
  // would find that out only after growing each of them. A symbol whose best candidates are all of
  // one type is common (a third of the candle closes at 10,000 strategies in the bench).
  if (n < cfg.minMembers || distinctTypesOf(pool, starts) < cfg.minDistinctTypes) return null;
  const pairs = new PairwiseStats(
    pool.map((c) => c.returns),
    pairwiseStorage,
  );
  if (correlationScratch.length < n * n) correlationScratch = new Float64Array(n * n);
  const cache = correlationScratch.fill(Number.NaN, 0, n * n);
  const rho = (a: number, b: number): number => {
    const i = Math.min(a, b);
    const j = Math.max(a, b);
    let value = cache[i * n + j] as number;
    if (Number.isNaN(value)) {
      value = counted(pairs.stats(i, j), cfg.minCorrelationSamples);
      cache[i * n + j] = value;
    }
    return value;
  };
  // Index lists are kept ascending, which is strategy-id order because the pool is sorted.
  const missingTypes = (m: Measure): number => Math.max(0, cfg.minDistinctTypes - m.distinctTypes);
  // The trial sets of each size: `chosen` with one candidate inserted in order, rebuilt in place.
  // This search runs on every candle close of a symbol; a new array per trial was most of the
  // engine's garbage.
  const trials = Array.from({ length: cfg.maxMembers + 1 }, (_, size) => new Array<number>(size).fill(0));

  const grow = (start: number): { indices: number[]; measure: Measure } | null => {
    let chosen = [start];
    let current = measure(pool, chosen, rho, cfg);
    if (chosen.length > cfg.maxMembers || missingTypes(current) > cfg.maxMembers - chosen.length) return null;
    for (;;) {
      const belowMinimum = chosen.length < cfg.minMembers || current.distinctTypes < cfg.minDistinctTypes;
      let bestNext: number[] | null = null;
      let bestMeasure: Measure | null = null;
      if (chosen.length < cfg.maxMembers) {
        for (let c = 0; c < n; c++) {
          if (!admissible(chosen, c)) continue;
          const trial = trials[chosen.length + 1] as number[];
          withInserted(chosen, c, trial);
          const m = measure(pool, trial, rho, cfg);
          if (missingTypes(m) > cfg.maxMembers - trial.length) continue;
          // Strictly better by more than rounding; candidates run in id order, so ties keep the lower id.
          if (bestMeasure === null || m.total > bestMeasure.total + SCORE_TOLERANCE) {
            bestNext = trial.slice();
            bestMeasure = m;
          }
        }
      }
      if (bestNext === null || bestMeasure === null) return belowMinimum ? null : { indices: chosen, measure: current };
      if (!belowMinimum && bestMeasure.total <= current.total + SCORE_TOLERANCE) return { indices: chosen, measure: current };
      chosen = bestNext;
      current = bestMeasure;
    }
  };
  /** Candidate c is not chosen yet and correlated with no member above the limit. */
  const admissible = (chosen: readonly number[], c: number): boolean => {
    for (const member of chosen) if (member === c || rho(member, c) > cfg.maxCorrelation + SCORE_TOLERANCE) return false;
    return true;
  };

  for (const start of starts) {
    const found = grow(start);
    if (found === null) continue;
    const members = found.indices.map((i) => pool[i] as EnsembleCandidate);
    return toEnsemble(symbol, members, found.measure, time, cfg);
  }
  return null;
}

/** The ensemble search's PairwiseStats arrays, reused build after build (a build runs to its end before the next starts). */
const pairwiseStorage = new PairwiseStorage();

/**
 * The ensemble search's counted correlation of candidates i < j at i · n + j, NaN until read;
 * reused build after build like pairwiseStorage: a new typed array per build (3.2 KB at 20
 * candidates) was an ArrayBuffer allocated on every candle close.
 */
let correlationScratch = new Float64Array(0);

/** Distinct strategy types among `pool[indices[0]], …`: a handful of members, so a type counts at its first occurrence. */
function distinctTypesOf(pool: readonly EnsembleCandidate[], indices: readonly number[]): number {
  let distinct = 0;
  for (let i = 0; i < indices.length; i++) {
    const type = (pool[indices[i] as number] as EnsembleCandidate).type;
    let seen = false;
    for (let j = 0; j < i && !seen; j++) seen = (pool[indices[j] as number] as EnsembleCandidate).type === type;
    if (!seen) distinct++;
  }
  return distinct;
}

/** The active ensemble's member set re-scored now, or null with the ids of the members that are gone. */
export interface Rescored {
  readonly current: Ensemble | null;
  /** Member ids no longer among the survivors (retired or excluded by the time filter), sorted. */
  readonly missing: readonly string[];
}

/**
 * Re-scores `active`'s member set at `time` from `survivors` (every time-filter survivor of the
 * symbol by strategy id, not only the candidates: a member whose confidence fell below the
 * candidate floor still exists and is simply scored lower). Returns `current: null` and the missing
 * ids when any member is no longer a survivor; this is the `current` argument of rotate().
 */
export function rescoreActive(active: Ensemble, survivors: ReadonlyMap<string, EnsembleCandidate>, time: Millis, cfg: EnsembleConfig): Rescored {
  const members: EnsembleCandidate[] = [];
  const missing: string[] = [];
  for (const member of active.members) {
    const survivor = survivors.get(member.strategyId);
    if (survivor === undefined) missing.push(member.strategyId);
    else members.push(survivor);
  }
  if (missing.length > 0) return { current: null, missing: missing.sort() };
  return { current: scoreEnsemble(active.symbol, members, time, cfg), missing };
}
