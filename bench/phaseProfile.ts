import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { defaultConfig } from '../src/cli/loadConfig.js';
import type { MarketEvent } from '../src/domain/types.js';
import { loopEngine, phaseFigures } from './engines.js';
import { collectGarbage, round } from './stats.js';
import { laterSpans, registrationSpan, type WorkloadPlan } from './workloads.js';

/**
 * Where a candle close spends its time: the bench's plain-loop engine with a timer around each
 * stage. Registration (span A) is timed as a whole and per event kind; then the candle path
 * (span C) is timed per stage, divided by the candles and by the strategy-candle evaluations.
 *
 * Usage: `node --expose-gc dist/bench/phaseProfile.js [strategies=10000] [candleRounds=11] [candleWarmRounds=210]`.
 * Prints one JSON object. A development aid, with the registration span split by event kind; the
 * suite reports the same per-phase figures of its candle path (RESULTS.md, section 2b).
 */
export function profile(strategies: number, candleRounds: number, candleWarmRounds: number): Record<string, unknown> {
  const cfg = defaultConfig();
  const plan: WorkloadPlan = { strategies, seed: 42, warmupCandles: 30, ticksPerCandle: 2, tickCandles: 1, candleRounds, candleWarmRounds };
  const engine = loopEngine(cfg);
  const push = (event: MarketEvent, timed: boolean): void => {
    engine.phases.timing = timed;
    engine.push(event);
  };

  const reg = { strategy: 0, price: 0, strategyMs: 0, priceMs: 0 };
  for (const event of registrationSpan(cfg, plan)()) {
    const t0 = performance.now();
    push(event, false);
    const took = performance.now() - t0;
    if (event.kind === 'strategy') {
      reg.strategy++;
      reg.strategyMs += took;
    } else {
      reg.price++;
      reg.priceMs += took;
    }
  }
  const book = engine.evaluation.book;
  const symbols = book.symbols().length;
  const spans = laterSpans(cfg, plan, engine.lastSeq());
  for (const tick of spans.ticks) push(tick, false);
  collectGarbage();
  let evaluations = 0;
  let candles = 0;
  for (let i = 0; i < spans.candles.length; i++) {
    const candle = spans.candles[i] as MarketEvent;
    // The warm rounds (the first also closes span B's open candles) are not counted.
    const timed = i >= symbols * Math.max(1, candleWarmRounds);
    if (timed) {
      evaluations += book.book(candle.symbol).strategies.length;
      candles++;
    }
    push(candle, timed);
  }
  const perStage: Record<string, unknown> = {};
  for (const { phase, msPerCandle, nsPerEvaluation } of phaseFigures(engine.phases, candles, evaluations)) perStage[phase] = { msPerCandle, nsPerEvaluation };
  const total = engine.phases.ms.reduce((acc, x) => acc + x, 0);
  const memory = process.memoryUsage();
  return {
    strategies,
    active: book.size(),
    registration: {
      discoveries: reg.strategy,
      discoveriesPerSecond: round((reg.strategy / reg.strategyMs) * 1000, 0),
      prices: reg.price,
      priceMs: round(reg.priceMs, 0),
      eventsPerSecond: round(((reg.strategy + reg.price) / (reg.strategyMs + reg.priceMs)) * 1000, 0),
    },
    candlePath: {
      candles,
      evaluations,
      evaluationsPerSecond: round((evaluations / total) * 1000, 0),
      nsPerEvaluation: round((total / evaluations) * 1e6, 0),
      msPerCandle: round(total / candles, 3),
      perStage,
    },
    memory: {
      rssMiB: round(memory.rss / 2 ** 20, 1),
      heapUsedMiB: round(memory.heapUsed / 2 ** 20, 1),
      arrayBuffersMiB: round(memory.arrayBuffers / 2 ** 20, 1),
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const strategies = Number(process.argv[2] ?? 10_000);
  const rounds = Number(process.argv[3] ?? 11);
  const warmRounds = Number(process.argv[4] ?? 210);
  process.stdout.write(`${JSON.stringify(profile(strategies, rounds, warmRounds), null, 1)}\n`);
}
