import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { defaultConfig } from '../src/cli/loadConfig.js';
import type { Frame } from '../src/domain/stages/frame.js';
import type { InputEvent } from '../src/domain/types.js';
import { phaseStages } from './engines.js';
import { collectGarbage, round } from './stats.js';
import { laterSpans, registrationSpan, type WorkloadPlan } from './workloads.js';

/**
 * Where a candle close spends its time: the bench's plain-loop engine with a timer around each
 * stage. Registration (span A) is timed as a whole and per event kind; then the candle path
 * (span C) is timed per stage, divided by the candles and by the strategy-candle evaluations.
 *
 * Usage: `node --expose-gc dist/bench/phaseProfile.js [strategies=10000] [candleRounds=11] [candleWarmRounds=210]`.
 * Prints one JSON object. A development aid: the suite (run.ts) stays the reference.
 */
const STAGES = ['evaluation', 'confidence', 'timeFilter', 'ensembles', 'rotation', 'trading'] as const;

export function profile(strategies: number, candleRounds: number, candleWarmRounds: number): Record<string, unknown> {
  const cfg = defaultConfig();
  const plan: WorkloadPlan = { strategies, seed: 42, warmupCandles: 30, ticksPerCandle: 2, tickCandles: 1, candleRounds, candleWarmRounds };
  const { evaluation, stages } = phaseStages(cfg);
  const spent = new Float64Array(STAGES.length);
  let lastSeq = 0;
  const push = (event: InputEvent, timed: boolean): void => {
    let t = performance.now();
    let frame = evaluation.step(event);
    if (timed) {
      const now = performance.now();
      spent[0] = (spent[0] as number) + now - t;
      t = now;
    }
    for (let i = 0; i < stages.length; i++) {
      frame = (stages[i] as { step(frame: Frame): Frame }).step(frame);
      if (timed) {
        const now = performance.now();
        spent[i + 1] = (spent[i + 1] as number) + now - t;
        t = now;
      }
    }
    lastSeq = frame.seq;
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
  const book = evaluation.book;
  const symbols = book.symbols().length;
  const spans = laterSpans(cfg, plan, lastSeq);
  for (const tick of spans.ticks) push(tick, false);
  collectGarbage();
  let evaluations = 0;
  let candles = 0;
  for (let i = 0; i < spans.candles.length; i++) {
    const candle = spans.candles[i] as InputEvent;
    // The warm rounds (the first also closes span B's open candles) are not counted.
    const timed = i >= symbols * Math.max(1, candleWarmRounds);
    if (timed) {
      evaluations += book.book(candle.symbol).strategies.length;
      candles++;
    }
    push(candle, timed);
  }
  const perStage: Record<string, unknown> = {};
  let total = 0;
  for (let i = 0; i < STAGES.length; i++) {
    total += spent[i] as number;
    perStage[STAGES[i] as string] = {
      msPerCandle: round((spent[i] as number) / candles, 3),
      nsPerEvaluation: round(((spent[i] as number) / evaluations) * 1e6, 0),
    };
  }
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
