import type { DemoConfig, EngineConfig } from '../config/engine.js';
import { CandleBuilder } from '../src/domain/candleBuilder.js';
import type { CandleEvent, MarketEvent, Millis, TickEvent } from '../src/domain/types.js';
import { demoEvents, demoRunStart } from '../src/sources/demo/demoEvents.js';

/**
 * Deterministic benchmark inputs, all from the seeded demo generator, in three consecutive spans
 * of event time so that one engine can run them in order:
 * A. registration and warm-up: `strategies` discoveries (120 days of history), then `warmupCandles`
 *    candles of the demo's default feed (12 ticks per symbol per candle, live discoveries);
 * B. the tick path: `tickCandles` candles of `ticksPerCandle` ticks per symbol, no discoveries;
 * C. the candle path: `candleWarmRounds` + `candleRounds` closed candles per symbol, built from demo
 *    ticks; the warm rounds (the first also closes span B's candles) are not timed, so the timed
 *    ones run in the steady state (return windows full, long indicators warm, strategies trading).
 */
export interface WorkloadPlan {
  readonly strategies: number;
  readonly warmupCandles: number;
  readonly ticksPerCandle: number;
  readonly tickCandles: number;
  readonly candleRounds: number;
  readonly candleWarmRounds: number;
  readonly seed: number;
}

const WARMUP_TICKS_PER_CANDLE = 12;
/** Ticks per symbol per candle used only to shape the candle path's OHLCV. */
const CANDLE_SOURCE_TICKS = 4;

function demo(cfg: EngineConfig, plan: WorkloadPlan, over: Partial<DemoConfig>): DemoConfig {
  return { ...cfg.demo, seed: plan.seed, speed: 'max', ...over };
}

/** ISO time of the end of a demo run (the start of the next span). */
function endOf(dc: DemoConfig, interval: Millis): string {
  return new Date(demoRunStart(dc, interval) + (dc.candles + 1) * interval).toISOString();
}

/** Span A: the discoveries and the warm-up feed, as a fresh generator each call (not kept in memory). */
export function registrationSpan(cfg: EngineConfig, plan: WorkloadPlan): () => Generator<MarketEvent> {
  const a = demo(cfg, plan, { strategies: plan.strategies, candles: plan.warmupCandles, ticksPerCandle: WARMUP_TICKS_PER_CANDLE });
  return () => demoEvents(a, cfg.evaluation.interval);
}

export interface LaterSpans {
  /** Span B: trade ticks, seq continuing after span A. */
  readonly ticks: readonly TickEvent[];
  /** 1 at the index of each tick that closes a candle of its symbol (its first tick of a new bucket). */
  readonly closesCandle: Uint8Array;
  /** Span C: closed candles, in rounds of one candle per symbol. */
  readonly candles: readonly CandleEvent[];
}

/** Spans B and C, materialised; their seq numbers continue after `lastSeq` (span A's last seq). */
export function laterSpans(cfg: EngineConfig, plan: WorkloadPlan, lastSeq: number): LaterSpans {
  const interval = cfg.evaluation.interval;
  const a = demo(cfg, plan, { strategies: plan.strategies, candles: plan.warmupCandles, ticksPerCandle: WARMUP_TICKS_PER_CANDLE });
  const b = demo(cfg, plan, { strategies: 0, candles: plan.tickCandles, ticksPerCandle: plan.ticksPerCandle, start: endOf(a, interval) });
  const ticks: TickEvent[] = [];
  const lastBucket = new Map<string, number>();
  const closes: number[] = [];
  let seq = lastSeq;
  for (const e of demoEvents(b, interval)) {
    if (e.kind !== 'tick') continue;
    const bucket = Math.floor(e.ts / interval);
    const before = lastBucket.get(e.symbol);
    // A symbol's first tick here closes the candle that span A's closing tick opened.
    if (before === undefined || bucket > before) closes.push(ticks.length);
    lastBucket.set(e.symbol, bucket);
    ticks.push({ ...e, seq: ++seq });
  }
  const closesCandle = new Uint8Array(ticks.length);
  for (const i of closes) closesCandle[i] = 1;

  const c = demo(cfg, plan, { strategies: 0, candles: plan.candleWarmRounds + plan.candleRounds, ticksPerCandle: CANDLE_SOURCE_TICKS, start: endOf(b, interval) });
  const builders = new Map<string, CandleBuilder>();
  const candles: CandleEvent[] = [];
  for (const e of demoEvents(c, interval)) {
    if (e.kind !== 'tick') continue;
    let builder = builders.get(e.symbol);
    if (builder === undefined) {
      builder = new CandleBuilder(e.symbol, interval);
      builders.set(e.symbol, builder);
    }
    const { closed } = builder.onTick(e);
    if (closed !== null) candles.push({ kind: 'candle', seq: ++seq, ...closed });
  }
  return { ticks, closesCandle, candles };
}
