import type { BacktestWindow, Millis, StrategyParameters } from '../../domain/types.js';
import type { DemoPair } from './pairs.js';
import type { Random } from './random.js';
import { type ParameterSpec, STRATEGY_TYPES, type StrategyTypeSpec } from './strategyTypes.js';

const DAY = 86_400_000;

/**
 * Backtest scores: a normal of this mean and spread, redrawn until inside [SCORE_MIN, SCORE_MAX].
 * The cut at 0.99 pulls the mean down by about 0.004, hence 0.724 for a mean of about 0.72.
 */
const SCORE_MEAN = 0.724;
const SCORE_SD = 0.12;
export const SCORE_MIN = 0.31;
export const SCORE_MAX = 0.99;
/** How much a rediscovery's score moves from the previous one (standard deviation). */
const RESCORE_SD = 0.02;
/**
 * Share of new strategies given one parameter just outside its range, on purpose: the strategy
 * catalog must reject them with a reason, and the demo shows that path. 0.5%.
 */
export const BAD_PARAMETER_SHARE = 0.005;
/** Share of windows without a window (allowed: a missing window passes the time filter). */
const NO_WINDOW_SHARE = 0.02;
/** Share of windows outside 30–365 days (half shorter, half longer), to exercise the time filter. */
const ODD_WINDOW_SHARE = 0.05;
/** Types are Zipf-weighted per pair with this exponent: each pair has favourite types. */
const TYPE_PREFERENCE = 0.8;

/** A generated discovery, before it gets its sequence number. */
export interface Discovery {
  readonly ts: Millis;
  readonly symbol: string;
  readonly type: string;
  readonly parameters: StrategyParameters;
  readonly score: number;
  readonly window: BacktestWindow | null;
}

interface Known {
  readonly symbol: string;
  readonly type: string;
  readonly parameters: StrategyParameters;
  score: number;
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** Decimals kept for a decimal parameter: coarser for wide ranges, as a discovery grid would. */
function decimalsFor(min: number, max: number): number {
  const width = max - min;
  return width >= 10 ? 1 : width >= 1 ? 2 : 3;
}

/**
 * Synthetic strategy discoveries shaped like a real discovery run: pairs weighted by their
 * `discoveryWeight`, types drawn from all 60 with per-pair favourites (so discovery frequency
 * means something), parameters inside each type's ranges (integers where the catalog says `I`,
 * fast < slow where it orders them), scores of mean about 0.72 in [0.31, 0.99], backtest windows
 * mostly 30–365 days ending shortly before the discovery. Rediscoveries repeat an earlier
 * strategy's symbol, type and parameters with a slightly different score.
 */
export class StrategyGenerator {
  private readonly pairCumulative: Float64Array;
  /** Per pair: cumulative weights over STRATEGY_TYPES. */
  private readonly typeCumulative: Float64Array[];
  private readonly known: Known[] = [];

  constructor(
    private readonly pairs: readonly DemoPair[],
    private readonly rng: Random,
  ) {
    let total = 0;
    this.pairCumulative = Float64Array.from(pairs, (p) => (total += p.discoveryWeight));
    this.typeCumulative = pairs.map(() => {
      const rank = STRATEGY_TYPES.map((_, i) => i);
      for (let i = rank.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [rank[i], rank[j]] = [rank[j] as number, rank[i] as number];
      }
      let sum = 0;
      return Float64Array.from(rank, (r) => (sum += 1 / (r + 1) ** TYPE_PREFERENCE));
    });
  }

  /** Strategies generated so far (distinct symbol, type and parameters). */
  get knownCount(): number {
    return this.known.length;
  }

  /**
   * A discovery at `ts`: with probability `rediscoverShare` (and once anything is known) a
   * rediscovery of a known strategy, else a new one.
   */
  discover(ts: Millis, rediscoverShare: number): Discovery {
    if (this.known.length > 0 && this.rng.chance(rediscoverShare)) return this.rediscover(ts);
    const pairIndex = this.rng.weighted(this.pairCumulative);
    const spec = STRATEGY_TYPES[this.rng.weighted(this.typeCumulative[pairIndex] as Float64Array)] as StrategyTypeSpec;
    const parameters = this.parameters(spec);
    const known: Known = { symbol: (this.pairs[pairIndex] as DemoPair).symbol, type: spec.type, parameters, score: this.score() };
    this.known.push(known);
    return { ts, symbol: known.symbol, type: known.type, parameters, score: known.score, window: this.window(ts) };
  }

  private rediscover(ts: Millis): Discovery {
    const known = this.known[this.rng.int(0, this.known.length - 1)] as Known;
    known.score = round(Math.min(SCORE_MAX, Math.max(SCORE_MIN, known.score + RESCORE_SD * this.rng.normal())), 4);
    return { ts, symbol: known.symbol, type: known.type, parameters: known.parameters, score: known.score, window: this.window(ts) };
  }

  private score(): number {
    for (;;) {
      const s = SCORE_MEAN + SCORE_SD * this.rng.normal();
      if (s >= SCORE_MIN && s <= SCORE_MAX) return round(s, 4);
    }
  }

  private window(ts: Millis): BacktestWindow | null {
    if (this.rng.chance(NO_WINDOW_SHARE)) return null;
    let days: number;
    if (this.rng.chance(ODD_WINDOW_SHARE)) days = this.rng.chance(0.5) ? this.rng.int(7, 29) : this.rng.int(366, 730);
    else days = this.rng.int(30, 365);
    // Backtests end at a UTC midnight up to three days before the discovery.
    const end = Math.floor((ts - this.rng.int(0, 3) * DAY) / DAY) * DAY;
    return { start: end - days * DAY, end };
  }

  private parameters(spec: StrategyTypeSpec): StrategyParameters {
    let values = this.draw(spec.parameters);
    // Redraw until every ordered pair holds; the ranges overlap widely, so this ends fast.
    for (let tries = 0; tries < 50 && !spec.ordered.every(([a, b]) => (values[a] as number) < (values[b] as number)); tries++) {
      values = this.draw(spec.parameters);
    }
    if (this.rng.chance(BAD_PARAMETER_SHARE)) {
      const bad = spec.parameters[this.rng.int(0, spec.parameters.length - 1)] as ParameterSpec;
      if (bad.kind === 'I[]') values[bad.name] = [(bad.ranges[0] as readonly [number, number])[1] + 1, ...(values[bad.name] as number[]).slice(1)];
      else values[bad.name] = bad.kind === 'I' ? bad.max + 1 : round(bad.max * 1.5, decimalsFor(bad.min, bad.max));
    }
    return values;
  }

  private draw(specs: readonly ParameterSpec[]): Record<string, number | number[]> {
    const values: Record<string, number | number[]> = {};
    for (const p of specs) {
      if (p.kind === 'I[]') {
        // A list such as Rainbow's periods: increasing, each inside its own range.
        let previous = 0;
        values[p.name] = p.ranges.map(([min, max]) => (previous = this.rng.int(Math.max(min, Math.min(max, previous + 1)), max)));
      } else if (p.kind === 'I') values[p.name] = this.rng.int(p.min, p.max);
      else values[p.name] = round(this.rng.uniform(p.min, p.max), decimalsFor(p.min, p.max));
    }
    return values;
  }
}
