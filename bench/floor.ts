/**
 * The floor of the candle path: what the per-strategy arithmetic that DESIGN.md asks for on every
 * candle close costs on this machine when it is written as tightly as JavaScript allows: columns
 * of doubles (Float64Array) per symbol, no objects, no allocation, no outputs, one indicator kind.
 * The engine does at least this work per strategy-candle and more (60 indicator and rule kinds,
 * ensembles, rotation, sizing, outputs), so this loop's cost is a lower bound for any design of the
 * engine in one thread, and the ratio of the engine's cost to it is what a rewrite into columns
 * could win at most.
 *
 * Per candle of a symbol: every shared series takes the close (a simple moving average over its own
 * ring: the cheapest indicator there is); then per strategy:
 *  - rule: enter on a cross of its fast series above its slow one, exit on the cross back;
 *  - paper account: long/flat, fee per fill, equity marked at the close, high-water mark, drawdown,
 *    closed trades, wins, gross win and loss;
 *  - return window: the candle's return and its log1p into rings of `window` samples, with running
 *    sums (mean, sample variance, mean log return);
 *  - live score (liveScore.ts): Sharpe (sqrt), geometric annualized return (expm1), win rate,
 *    profit factor, drawdown, each through N(x);
 *  - phase 1 (confidence.ts): performance blended by n / (n + n0), frequency of its type, recency
 *    0.5^(age / half-life) (the `**` of halfLifeDecay);
 *  - phase 2 (timeFilter.ts): the age cut-off and the decayed performance (the same decay factor).
 * Like the engine, it reuses a live score whose inputs did not move (a flat strategy whose window
 * swapped a zero for a zero) and phase 1's decay factor in phase 2.
 *
 * `variant`: `full` is the engine's arithmetic, one power per strategy-candle; `factoredRecency`
 * the cheapest exact-in-value alternative to that power, 0.5^((now − ref)/h) · 0.5^((ref − t)/h)
 * with the first factor once per candle and the second once per strategy (equal to the power
 * within a few ulps, so not the engine's doubles); `evaluationOnly` stops after the return window
 * (no live score, no phases 1–2).
 */
import { performance } from 'node:perf_hooks';
import type { EngineConfig } from '../config/engine.js';
import { MS_PER_DAY } from '../src/domain/confidence.js';
import { normalizeScoreTerm } from '../src/domain/liveScore.js';
import { Random } from '../src/sources/demo/random.js';

export type FloorVariant = 'full' | 'factoredRecency' | 'evaluationOnly';
export const FLOOR_VARIANTS: readonly FloorVariant[] = ['full', 'factoredRecency', 'evaluationOnly'];

/** Strategy types drawn for the frequency term (STRATEGIES.md has 60). */
const TYPES = 60;
const SHORTEST_PERIOD = 5;
const LONGEST_PERIOD = 100;

/** One symbol's columns: its series, then one entry per strategy in every per-strategy array. */
export class FloorSymbol {
  // Shared series: SMA(period) of the close, each over its own slice of `ring`.
  readonly period: Int32Array;
  readonly ringAt: Int32Array;
  readonly ring: Float64Array;
  readonly sum: Float64Array;
  readonly value: Float64Array;
  readonly previous: Float64Array;
  candles = 0;
  close = 100;
  // Rule inputs.
  readonly fast: Int32Array;
  readonly slow: Int32Array;
  // Paper account.
  readonly long: Uint8Array;
  readonly entryPrice: Float64Array;
  readonly equity: Float64Array;
  readonly peak: Float64Array;
  readonly maxDrawdown: Float64Array;
  readonly trades: Float64Array;
  readonly wins: Float64Array;
  readonly grossWin: Float64Array;
  readonly grossLoss: Float64Array;
  // Return window: strategy i's ring is returns[i·window .. (i+1)·window − 1]; all rings share `slot`.
  readonly returns: Float64Array;
  readonly logReturns: Float64Array;
  readonly returnSum: Float64Array;
  readonly returnSquares: Float64Array;
  readonly logSum: Float64Array;
  samples = 0;
  slot = 0;
  // Phases 1–2.
  readonly backtestScore: Float64Array;
  readonly lastSeenAt: Float64Array;
  /** 0.5^((0 − lastSeenAt) / half-life): the strategy's own factor of a factored recency (time origin 0). */
  readonly recencyFactor: Float64Array;
  readonly type: Int32Array;
  readonly typeFrequency: Float64Array;
  readonly liveScore: Float64Array;
  readonly confidence: Float64Array;
  readonly decayedPerformance: Float64Array;
  readonly survives: Uint8Array;

  constructor(
    readonly strategies: number,
    readonly series: number,
    readonly window: number,
    halfLifeMs: number,
    seed: number,
  ) {
    if (strategies > 0 && series < 1) throw new RangeError(`FloorSymbol: ${strategies} strategies need at least one shared series (was ${series})`);
    // The demo's seeded generator: the same columns on every run.
    const rng = new Random(seed);
    this.period = new Int32Array(series);
    this.ringAt = new Int32Array(series);
    let ringLength = 0;
    for (let k = 0; k < series; k++) {
      this.period[k] = rng.int(SHORTEST_PERIOD, LONGEST_PERIOD);
      this.ringAt[k] = ringLength;
      ringLength += this.period[k] as number;
    }
    this.ring = new Float64Array(ringLength);
    this.sum = new Float64Array(series);
    this.value = new Float64Array(series).fill(Number.NaN);
    this.previous = new Float64Array(series).fill(Number.NaN);
    const n = strategies;
    this.fast = Int32Array.from({ length: n }, () => rng.int(0, series - 1));
    this.slow = Int32Array.from({ length: n }, () => rng.int(0, series - 1));
    this.long = new Uint8Array(n);
    this.entryPrice = new Float64Array(n);
    this.equity = new Float64Array(n).fill(1);
    this.peak = new Float64Array(n).fill(1);
    this.maxDrawdown = new Float64Array(n);
    this.trades = new Float64Array(n);
    this.wins = new Float64Array(n);
    this.grossWin = new Float64Array(n);
    this.grossLoss = new Float64Array(n);
    this.returns = new Float64Array(n * window);
    this.logReturns = new Float64Array(n * window);
    this.returnSum = new Float64Array(n);
    this.returnSquares = new Float64Array(n);
    this.logSum = new Float64Array(n);
    this.backtestScore = Float64Array.from({ length: n }, () => rng.next());
    // Discovered up to 120 days before the first candle (the demo's history).
    this.lastSeenAt = Float64Array.from({ length: n }, () => -rng.uniform(0, 120 * MS_PER_DAY));
    this.recencyFactor = this.lastSeenAt.map((t) => 0.5 ** (-t / halfLifeMs));
    this.type = Int32Array.from({ length: n }, () => rng.int(0, TYPES - 1));
    this.typeFrequency = Float64Array.from({ length: TYPES }, () => rng.next());
    this.liveScore = new Float64Array(n);
    this.confidence = new Float64Array(n);
    this.decayedPerformance = new Float64Array(n);
    this.survives = new Uint8Array(n);
  }
}

/** The figures of floor.ts's arithmetic for one engine config (the engine's defaults in the suite). */
export interface FloorParameters {
  readonly fee: number;
  readonly periodsPerYear: number;
  readonly sqrtPeriodsPerYear: number;
  readonly n0: number;
  readonly weights: readonly [number, number, number];
  readonly halfLifeMs: number;
  readonly maxAgeMs: number;
}

export function parametersOf(cfg: EngineConfig): FloorParameters {
  return {
    fee: cfg.evaluation.feeBps / 10_000,
    periodsPerYear: cfg.evaluation.periodsPerYear,
    sqrtPeriodsPerYear: Math.sqrt(cfg.evaluation.periodsPerYear),
    n0: cfg.confidence.liveTradesPrior,
    weights: [cfg.confidence.performanceWeight, cfg.confidence.frequencyWeight, cfg.confidence.recencyWeight],
    halfLifeMs: cfg.confidence.recencyHalfLifeDays * MS_PER_DAY,
    maxAgeMs: cfg.timeFilter.maxAgeDays * MS_PER_DAY,
  };
}

/**
 * One closed candle of `s` at event time `now` with close price `close`: the work described above.
 * Exported for the test, which checks each column against a direct computation.
 */
export function closeCandle(s: FloorSymbol, close: number, now: number, p: FloorParameters, variant: FloorVariant): void {
  const previousClose = s.close;
  s.close = close;
  // The shared series.
  const candle = s.candles++;
  for (let k = 0; k < s.series; k++) {
    const period = s.period[k] as number;
    const at = (s.ringAt[k] as number) + (candle % period);
    const sum = (s.sum[k] as number) + close - (s.ring[at] as number);
    s.sum[k] = sum;
    s.ring[at] = close;
    s.previous[k] = s.value[k] as number;
    s.value[k] = candle + 1 >= period ? sum / period : Number.NaN;
  }
  const window = s.window;
  const slot = s.slot;
  s.slot = slot + 1 === window ? 0 : slot + 1;
  const full = s.samples === window;
  if (!full) s.samples++;
  const samples = s.samples;
  const priceReturn = close / previousClose - 1;
  const [wp, wf, wr] = p.weights;
  // The factored recency's per-candle factor (event times here start at 0, discoveries before it).
  const commonRecency = variant === 'factoredRecency' ? 0.5 ** (now / p.halfLifeMs) : 0;
  for (let i = 0; i < s.strategies; i++) {
    // Rule (warm once both series have a value and a previous one).
    const fast = s.fast[i] as number;
    const slow = s.slow[i] as number;
    const f = s.value[fast] as number;
    const g = s.value[slow] as number;
    const fp = s.previous[fast] as number;
    const gp = s.previous[slow] as number;
    let r = s.long[i] === 1 ? priceReturn : 0;
    let closedTrade = false;
    if (s.long[i] === 0) {
      if (f > g && fp <= gp) {
        s.long[i] = 1;
        s.entryPrice[i] = close;
        r -= p.fee;
      }
    } else if (f < g && fp >= gp) {
      s.long[i] = 0;
      const pnl = close / (s.entryPrice[i] as number) - 1 - 2 * p.fee;
      s.trades[i] = (s.trades[i] as number) + 1;
      closedTrade = true;
      if (pnl > 0) {
        s.wins[i] = (s.wins[i] as number) + 1;
        s.grossWin[i] = (s.grossWin[i] as number) + pnl;
      } else s.grossLoss[i] = (s.grossLoss[i] as number) - pnl;
      r -= p.fee;
    }
    // Paper equity and drawdown.
    const equity = (s.equity[i] as number) * (1 + r);
    s.equity[i] = equity;
    const peak = Math.max(s.peak[i] as number, equity);
    s.peak[i] = peak;
    s.maxDrawdown[i] = Math.max(s.maxDrawdown[i] as number, 1 - equity / peak);
    // Return window with running sums.
    const at = i * window + slot;
    const logReturn = r === 0 ? 0 : Math.log1p(r);
    let sum = s.returnSum[i] as number;
    let squares = s.returnSquares[i] as number;
    let logSum = s.logSum[i] as number;
    let old = 0;
    if (full) {
      old = s.returns[at] as number;
      sum -= old;
      squares -= old * old;
      logSum -= s.logReturns[at] as number;
    }
    s.returns[at] = r;
    s.logReturns[at] = logReturn;
    s.returnSum[i] = sum + r;
    s.returnSquares[i] = squares + r * r;
    s.logSum[i] = logSum + logReturn;
    if (variant === 'evaluationOnly') continue;
    // Live score, unless nothing it reads moved: a zero return replaced a zero, no trade closed.
    const trades = s.trades[i] as number;
    const live = r === 0 && old === 0 && full && !closedTrade ? (s.liveScore[i] as number) : liveScoreOf(s, i, samples, p);
    s.liveScore[i] = live;
    // Phase 1.
    const weight = trades === 0 ? 0 : trades / (trades + p.n0);
    const performance = (1 - weight) * (s.backtestScore[i] as number) + weight * live;
    const age = Math.max(0, now - (s.lastSeenAt[i] as number));
    const recency = variant === 'factoredRecency' ? commonRecency * (s.recencyFactor[i] as number) : 0.5 ** (age / p.halfLifeMs);
    s.confidence[i] = wp * performance + wf * (s.typeFrequency[s.type[i] as number] as number) + wr * recency;
    // Phase 2 (the engine reuses phase 1's decay factor when the half-lives are equal, as here).
    const survives = age <= p.maxAgeMs;
    s.survives[i] = survives ? 1 : 0;
    s.decayedPerformance[i] = survives ? performance * recency : 0;
  }
}

/** The live score of strategy i from its columns (liveScore.ts's terms and weights). */
export function liveScoreOf(s: FloorSymbol, i: number, samples: number, p: FloorParameters): number {
    const mean = (s.returnSum[i] as number) / samples;
    const variance = samples > 1 ? ((s.returnSquares[i] as number) - samples * mean * mean) / (samples - 1) : 0;
    const std = variance > 0 ? Math.sqrt(variance) : 0;
    const sharpe = std > 0 ? (mean / std) * p.sqrtPeriodsPerYear : 0;
    const annualized = Math.expm1((p.periodsPerYear * (s.logSum[i] as number)) / samples);
    const trades = s.trades[i] as number;
    const winRate = trades === 0 ? 0 : (s.wins[i] as number) / trades;
    const grossWin = s.grossWin[i] as number;
    const grossLoss = s.grossLoss[i] as number;
    const profitFactor = grossWin === 0 ? 0 : grossLoss === 0 ? Number.POSITIVE_INFINITY : grossWin / grossLoss;
    return (
      0.25 * normalizeScoreTerm(sharpe) +
      0.2 * (1 - (s.maxDrawdown[i] as number)) +
      0.2 * winRate +
      0.2 * normalizeScoreTerm(annualized) +
      0.15 * normalizeScoreTerm(profitFactor)
    );
}

/** Per variant: ns per strategy-candle and strategy-candles per second of the floor loop. */
export interface FloorFigures {
  readonly strategies: number;
  readonly strategiesPerSymbol: readonly number[];
  readonly seriesPerSymbol: readonly number[];
  readonly candles: number;
  readonly evaluations: number;
  readonly nsPerEvaluation: Readonly<Record<FloorVariant, number>>;
  readonly evaluationsPerSecond: Readonly<Record<FloorVariant, number>>;
}

/**
 * Runs the floor loop for symbols of `strategiesPerSymbol` strategies and `seriesPerSymbol` shared
 * series (the engine's own counts in the suite), `warmRounds` untimed rounds of one candle per
 * symbol (windows full, series warm) then `rounds` timed ones, for each variant in turn, repeated
 * `repeats` times with the best repeat kept per variant (the floor: least disturbed by other load).
 */
export function runFloor(
  cfg: EngineConfig,
  strategiesPerSymbol: readonly number[],
  seriesPerSymbol: readonly number[],
  opts: { rounds: number; warmRounds: number; repeats: number; seed?: number },
): FloorFigures {
  if (strategiesPerSymbol.length !== seriesPerSymbol.length || strategiesPerSymbol.length === 0) {
    throw new RangeError(`runFloor: ${strategiesPerSymbol.length} strategy counts for ${seriesPerSymbol.length} series counts (need one of each per symbol)`);
  }
  const p = parametersOf(cfg);
  const interval = cfg.evaluation.interval;
  const perRound = strategiesPerSymbol.reduce((a, b) => a + b, 0);
  const best: Record<FloorVariant, number> = { full: Number.POSITIVE_INFINITY, factoredRecency: Number.POSITIVE_INFINITY, evaluationOnly: Number.POSITIVE_INFINITY };
  for (let repeat = 0; repeat < opts.repeats; repeat++) {
    for (const variant of FLOOR_VARIANTS) {
      const symbols = strategiesPerSymbol.map((n, j) => new FloorSymbol(n, seriesPerSymbol[j] as number, cfg.evaluation.returnsWindow, p.halfLifeMs, (opts.seed ?? 42) + j));
      const rng = new Random(opts.seed ?? 42);
      let now = 0;
      let ms = 0;
      for (let round = 0; round < opts.warmRounds + opts.rounds; round++) {
        now += interval;
        const closes = symbols.map((s) => s.close * (1 + rng.uniform(-0.002, 0.002)));
        const t0 = performance.now();
        for (let j = 0; j < symbols.length; j++) closeCandle(symbols[j] as FloorSymbol, closes[j] as number, now, p, variant);
        if (round >= opts.warmRounds) ms += performance.now() - t0;
      }
      best[variant] = Math.min(best[variant], ms);
    }
  }
  const evaluations = perRound * opts.rounds;
  const ns = (v: FloorVariant) => Math.round((best[v] / evaluations) * 1e6 * 10) / 10;
  const rate = (v: FloorVariant) => Math.round((evaluations / best[v]) * 1000);
  return {
    strategies: perRound,
    strategiesPerSymbol: [...strategiesPerSymbol],
    seriesPerSymbol: [...seriesPerSymbol],
    candles: strategiesPerSymbol.length * opts.rounds,
    evaluations,
    nsPerEvaluation: { full: ns('full'), factoredRecency: ns('factoredRecency'), evaluationOnly: ns('evaluationOnly') },
    evaluationsPerSecond: { full: rate('full'), factoredRecency: rate('factoredRecency'), evaluationOnly: rate('evaluationOnly') },
  };
}
