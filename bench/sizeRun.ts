import { type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { EngineConfig } from '../config/engine.js';
import { defaultConfig } from '../src/cli/loadConfig.js';
import type { MarketEvent, TickEvent } from '../src/domain/types.js';
import { type BenchEngine, loopEngine, phaseFigures, pipelineEngine } from './engines.js';
import { runFloor } from './floor.js';
import { lateTicks, type Span } from './lateTicks.js';
import { mainThreadSched } from './cpuAccount.js';
import { collectGarbage, mean, median, quantile, round } from './stats.js';
import { laterSpans, registrationSpan, type WorkloadPlan } from './workloads.js';

/** What one child process measures for one strategy count. */
export interface SizeOptions {
  readonly plan: WorkloadPlan;
  /** Which of 'tick', 'candle', 'memory' to measure (registration always runs). */
  readonly workloads: readonly string[];
  /**
   * Ticks pushed through both engines, untimed, before the timed ones: the first ticks after
   * registration pay for the tick path's first runs at full size (code compiled for it, caches cold
   * after the collection), about 25–50 ms at 10,000 strategies, which fell on whichever engine ran
   * first (tickThroughput).
   */
  readonly warmTicks: number;
  /** Ticks pushed as fast as possible, in chunks, for ticks/s and per-tick cost. */
  readonly throughputTicks: number;
  readonly chunkTicks: number;
  /** Offered rate of the latency run (ticks/s) and its length (s of wall time). */
  readonly offeredRate: number;
  readonly latencySeconds: number;
}

/** Figures as they go to results.json: nested plain objects of numbers, strings and booleans. */
export type EngineFigures = { [key: string]: unknown };

type Log = (line: string) => void;

const ms = (t: number) => round(t, 1);
const us = (t: number) => round(t * 1000, 2);

/** Pushes every event of a generator; returns [events, ms]. */
function feed(engine: BenchEngine, events: Iterable<MarketEvent>): { events: number; strategies: number; ms: number } {
  let n = 0;
  let strategies = 0;
  const t0 = performance.now();
  for (const e of events) {
    engine.push(e);
    n++;
    if (e.kind === 'strategy') strategies++;
  }
  return { events: n, strategies, ms: performance.now() - t0 };
}

function memorySnapshot(): EngineFigures {
  const gc = collectGarbage();
  const m = process.memoryUsage();
  const mib = (b: number) => round(b / 2 ** 20, 1);
  return {
    afterGc: gc,
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    heapUsedBytes: m.heapUsed,
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external),
  };
}

/**
 * Tick path, sustained: first `warm` ticks through both engines untimed (the steady state is
 * timed, as in the candle path); then the next `count` in chunks, each chunk through both engines
 * (so drift and GC hit both alike), every push timed. The engine that goes first alternates from
 * chunk to chunk: the second one finds the chunk's input objects in cache (about 1 MB a chunk),
 * which in a fixed order favoured the same engine every time. Candle-closing ticks are reported
 * apart: they run phases 1–3 over the symbol's strategies, the other ticks only mark and size.
 */
function tickThroughput(
  engines: readonly BenchEngine[],
  ticks: readonly TickEvent[],
  closes: Uint8Array,
  warm: number,
  count: number,
  chunk: number,
): EngineFigures {
  const start = Math.min(warm, ticks.length);
  for (const engine of engines) for (let i = 0; i < start; i++) engine.push(ticks[i] as TickEvent);
  const n = Math.min(start + count, ticks.length);
  const cost = engines.map(() => new Float64Array(n));
  const chunkRates = engines.map(() => [] as number[]);
  const chunkRatios: number[] = [];
  for (let from = start, chunkIndex = 0; from < n; from += chunk, chunkIndex++) {
    const to = Math.min(n, from + chunk);
    const took = new Array<number>(engines.length).fill(0);
    for (let j = 0; j < engines.length; j++) {
      const k = chunkIndex % 2 === 0 ? j : engines.length - 1 - j;
      const engine = engines[k] as BenchEngine;
      const c = cost[k] as Float64Array;
      const t0 = performance.now();
      for (let i = from; i < to; i++) {
        const s = performance.now();
        engine.push(ticks[i] as TickEvent);
        c[i] = performance.now() - s;
      }
      const t = performance.now() - t0;
      took[k] = t;
      (chunkRates[k] as number[]).push(((to - from) / t) * 1000);
    }
    chunkRatios.push((took[0] as number) / (took[1] as number));
  }
  const out: EngineFigures = {};
  // Per engine, in `engines` order (pipeline, loop): the plain-tick figures unrounded, for the ratios.
  const raw: { mean: number; p50: number; withoutPauses: number }[] = [];
  engines.forEach((engine, k) => {
    const c = cost[k] as Float64Array;
    const plain: number[] = [];
    const closing: number[] = [];
    let total = 0;
    for (let i = start; i < n; i++) {
      total += c[i] as number;
      (closes[i] === 1 ? closing : plain).push(c[i] as number);
    }
    // A plain tick's own work is about a microsecond: one over a millisecond waited for a pause (a
    // garbage collection, or the thread preempted), which lands on whichever engine runs then.
    let pauses = 0;
    let pauseMs = 0;
    for (const t of plain) {
      if (t > PAUSE_MS) {
        pauses++;
        pauseMs += t;
      }
    }
    const plainSum = plain.reduce((a, b) => a + b, 0);
    raw.push({
      mean: mean(plain),
      p50: quantile(plain, 0.5),
      withoutPauses: plain.length > pauses ? (plainSum - pauseMs) / (plain.length - pauses) : Number.NaN,
    });
    out[engine.name] = {
      warmTicks: start,
      ticks: n - start,
      ticksPerSecond: round(((n - start) / total) * 1000, 0),
      medianChunkTicksPerSecond: round(median(chunkRates[k] as number[]), 0),
      meanTickUs: us(total / (n - start)),
      plainTicks: plain.length,
      plainTickMeanUs: us(mean(plain)),
      plainTickP50Us: us(quantile(plain, 0.5)),
      plainTickP99Us: us(quantile(plain, 0.99)),
      plainTickMaxUs: us(quantile(plain, 1)),
      plainTicksOver1ms: pauses,
      plainTicksOver1msMs: round(pauseMs, 2),
      plainTickMeanWithoutPausesUs: us((raw[k] as { withoutPauses: number }).withoutPauses),
      candleClosingTicks: closing.length,
      candleClosingTickMeanUs: us(mean(closing)),
      candleClosingTickMaxUs: us(quantile(closing, 1)),
    };
  });
  out.pipelineOverLoop = round(median(chunkRatios), 3);
  // Ratios of the unrounded figures (the printed µs are rounded to 0.01).
  const [p, l] = raw as [(typeof raw)[number], (typeof raw)[number]];
  out.plainTickPipelineOverLoop = round(p.mean / l.mean, 3);
  out.plainTickP50PipelineOverLoop = round(p.p50 / l.p50, 3);
  out.plainTickWithoutPausesPipelineOverLoop = round(p.withoutPauses / l.withoutPauses, 3);
  return out;
}

/** A plain tick that took longer than this (ms) waited for a pause rather than worked. */
const PAUSE_MS = 1;

/** The tick path's target: p99 from due time ≤ 1 ms; the ticks later than this are sorted by cause. */
const TARGET_MS = 1;

let burnt = 0;

/** Integer arithmetic for `loops` rounds: a wait that neither reads the clock nor allocates. */
function burn(loops: number): void {
  let x = burnt;
  for (let k = 0; k < loops; k++) x = (x * 1_103_515_245 + 12_345) | 0;
  burnt = x;
}

/** Rounds of `burn` per ms on this machine now. */
function burnRate(): number {
  burn(1_000_000);
  const t = performance.now();
  burn(5_000_000);
  return 5_000_000 / (performance.now() - t);
}

/** How long waitUntil burns between two clock reads (ms). */
const PACING_STEP_MS = 0.005;

/**
 * Busy-waits until performance.now() reaches `t` (ms), reading the clock every 5 µs. The pacing
 * must not make the garbage whose collections it measures, and every clock read allocates a
 * 16-byte number even in optimized code. Measured with a no-op engine at 20k ticks/s for 5 s: a
 * loop on the clock alone read it about 1,100 times a tick (1,820 collections of a 1 MB young
 * generation); the setImmediate loop that paced the ticks before took 12–17 event-loop turns a
 * tick and made about 5.7 KB of garbage a tick, three times the engine's own 1.7 KB (a 51 MB
 * collection every 450 ms); this wait makes about 0.24 KB a tick (24 such 1 MB collections).
 */
function waitUntil(t: number, burnPerMs: number): void {
  for (;;) {
    const left = t - performance.now();
    if (left <= 0) return;
    burn(Math.ceil(Math.min(left, PACING_STEP_MS) * burnPerMs));
  }
}

/** The latency run's control: takes each tick and does nothing with it. */
const PACING_ONLY: Pick<BenchEngine, 'push'> = { push: () => {} };

/**
 * Tick path at a fixed offered rate: tick i is due at t0 + i / rate; a busy-wait (waitUntil)
 * pushes each tick at its due time, or at once when the engine is behind. `service` is from the
 * push into the pipeline to its OutputBatch, `sojourn` from the tick's due time to its OutputBatch
 * (so it includes waiting behind earlier ticks). Stops at the end of the ticks or after 4× the
 * planned wall time (then it reports saturation). The ticks over 1 ms from their due time are
 * sorted by what held them up (lateTicks), from the candle-closing ticks' pushes and the garbage
 * collections seen meanwhile.
 */
async function tickLatency(
  engine: Pick<BenchEngine, 'push'>,
  ticks: readonly TickEvent[],
  closesCandle: Uint8Array,
  rate: number,
  seconds: number,
): Promise<EngineFigures> {
  const n = Math.min(ticks.length, Math.floor(rate * seconds));
  const service = new Float64Array(n);
  const sojourn = new Float64Array(n);
  const dueAt = new Float64Array(n);
  const doneAt = new Float64Array(n);
  const closes: Span[] = [];
  collectGarbage();
  // Calibrated before the collections are observed: its own garbage is not the run's.
  const burnPerMs = burnRate();
  const gcEntries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const perTick = 1000 / rate;
  const deadline = seconds * 4000;
  const schedBefore = mainThreadSched();
  const t0 = performance.now();
  let i = 0;
  for (; i < n; i++) {
    dueAt[i] = i * perTick;
    waitUntil(t0 + dueAt[i]!, burnPerMs);
    const s = performance.now();
    if (s - t0 > deadline) break;
    engine.push(ticks[i] as TickEvent);
    const e = performance.now();
    service[i] = e - s;
    doneAt[i] = e - t0;
    sojourn[i] = doneAt[i]! - dueAt[i]!;
    if (closesCandle[i] === 1) closes.push({ start: s - t0, end: e - t0 });
  }
  const wall = performance.now() - t0;
  const schedAfter = mainThreadSched();
  // The collections' entries come through the event loop, which the run held: one turn delivers them.
  await new Promise((resolve) => setImmediate(resolve));
  gcEntries.push(...observer.takeRecords());
  observer.disconnect();
  const gcs = gcEntries.map((e) => ({ start: e.startTime - t0, end: e.startTime + e.duration - t0 })).sort((a, b) => a.start - b.start);
  const done = service.subarray(0, i);
  const waited = sojourn.subarray(0, i);
  const late = lateTicks(dueAt.subarray(0, i), doneAt.subarray(0, i), closes, gcs, TARGET_MS);
  return {
    offeredRate: rate,
    ticks: i,
    achievedRate: round((i / wall) * 1000, 0),
    saturated: i < n || waited[i - 1]! > 10,
    candleCloses: closes.length,
    candleClosesMs: ms(closes.reduce((sum, c) => sum + c.end - c.start, 0)),
    gcCount: gcs.length,
    gcMs: ms(gcs.reduce((sum, g) => sum + g.end - g.start, 0)),
    gcMaxMs: ms(gcs.reduce((max, g) => Math.max(max, g.end - g.start), 0)),
    ticksOver1ms: late.total,
    ticksOver1msBehindCandleCloses: late.behindCandleCloses,
    ticksOver1msBehindGc: late.behindGc,
    ticksOver1msOther: late.other,
    // Runnable but not running: the other tasks of the machine held the core (Linux; null elsewhere).
    mainThreadWaitingMs: schedBefore && schedAfter ? ms(schedAfter.waitMs - schedBefore.waitMs) : null,
    mainThreadTimesRun: schedBefore && schedAfter ? schedAfter.timesRun - schedBefore.timesRun : null,
    serviceP50Us: us(quantile(done, 0.5)),
    serviceP99Us: us(quantile(done, 0.99)),
    serviceP999Us: us(quantile(done, 0.999)),
    serviceMaxUs: us(quantile(done, 1)),
    sojournP50Us: us(quantile(waited, 0.5)),
    sojournP99Us: us(quantile(waited, 0.99)),
    sojournP999Us: us(quantile(waited, 0.999)),
  };
}

/**
 * Candle path: closed candles a round (one per symbol) at a time, each round through the loop then
 * the pipeline. Evaluations = active strategies of the candle's symbol, summed over candles. The
 * first `warmRounds` (at least 1: the first round also closes span B's open candles) are pushed
 * through both engines but not counted, so what is timed is the steady state. In the timed rounds
 * the loop also times each phase (`phases`: where a candle close spends its time).
 */
function candlePath(
  loop: ReturnType<typeof loopEngine>,
  pipeline: BenchEngine,
  candles: readonly MarketEvent[],
  symbols: number,
  warmRounds: number,
): EngineFigures {
  if (!(warmRounds >= 1)) throw new RangeError(`candle path: candleWarmRounds must be >= 1 (was ${warmRounds})`);
  const rates = { loop: [] as number[], pipeline: [] as number[] };
  const ratios: number[] = [];
  let evaluations = 0;
  const totals = { loop: 0, pipeline: 0 };
  loop.phases.ms.fill(0);
  for (let from = 0, round_ = 0; from < candles.length; from += symbols, round_++) {
    const batch = candles.slice(from, from + symbols);
    loop.phases.timing = round_ >= warmRounds;
    let evals = 0;
    for (const c of batch) evals += loop.evaluation.book.book(c.symbol).strategies.length;
    const took: Record<'loop' | 'pipeline', number> = { loop: 0, pipeline: 0 };
    for (const engine of [loop, pipeline]) {
      const t0 = performance.now();
      for (const c of batch) engine.push(c);
      took[engine.name] = performance.now() - t0;
    }
    if (round_ < warmRounds) continue;
    evaluations += evals;
    for (const k of ['loop', 'pipeline'] as const) {
      totals[k] += took[k];
      rates[k].push((evals / took[k]) * 1000);
    }
    ratios.push(took.pipeline / took.loop);
  }
  loop.phases.timing = false;
  const counted = Math.max(0, candles.length - symbols * warmRounds);
  const phases = phaseFigures(loop.phases, counted, evaluations);
  const figures = (k: 'loop' | 'pipeline'): EngineFigures => ({
    candles: counted,
    evaluationsPerSecond: round((evaluations / totals[k]) * 1000, 0),
    medianRoundEvaluationsPerSecond: round(median(rates[k]), 0),
    candlesPerSecond: round((counted / totals[k]) * 1000, 1),
    meanCandleMs: round(totals[k] / counted, 3),
    nsPerEvaluation: round((totals[k] / evaluations) * 1e6, 1),
  });
  return { strategyCandleEvaluations: evaluations, loop: figures('loop'), pipeline: figures('pipeline'), pipelineOverLoop: round(median(ratios), 3), phases };
}

/**
 * The candle-path floor (floor.ts) runs beside the candle path up to this size: the target is set at
 * 10,000 strategies, and at 100,000 its warm-up alone would take minutes.
 */
const FLOOR_MAX_STRATEGIES = 10_000;
/** Timed rounds (one candle per symbol each) of every floor variant, after windows are full. */
const FLOOR_ROUNDS = 40;

/** Runs the selected workloads for one strategy count; `log` gets progress lines. */
export async function runSize(opts: SizeOptions, log: Log = () => {}, cfg: EngineConfig = defaultConfig()): Promise<EngineFigures> {
  const { plan } = opts;
  const result: EngineFigures = { strategies: plan.strategies, plan: { ...plan } };
  const memoryBefore = opts.workloads.includes('memory') ? memorySnapshot() : null;

  // JIT warm-up on a small throwaway workload, so neither engine pays for compilation in the figures.
  const jit = { ...plan, strategies: Math.min(plan.strategies, 300), warmupCandles: Math.min(plan.warmupCandles, 8) };
  for (const make of [pipelineEngine, loopEngine]) {
    const engine = make(cfg);
    feed(engine, registrationSpan(cfg, jit)());
    engine.close();
  }

  const genStart = performance.now();
  let events = 0;
  for (const _ of registrationSpan(cfg, plan)()) events++;
  result.generator = { events, ms: ms(performance.now() - genStart), eventsPerSecond: round((events / (performance.now() - genStart)) * 1000, 0) };
  log(`[${plan.strategies}] demo generator: ${events} registration/warm-up events`);

  const pipeline = pipelineEngine(cfg);
  const regPipeline = feed(pipeline, registrationSpan(cfg, plan)());
  log(`[${plan.strategies}] pipeline registered and warmed up in ${regPipeline.ms.toFixed(0)} ms`);
  if (memoryBefore !== null) result.memory = { beforeEngine: memoryBefore, pipelineLoadedAndRunning: memorySnapshot() };

  const loop = loopEngine(cfg);
  const regLoop = feed(loop, registrationSpan(cfg, plan)());
  const book = loop.evaluation.book;
  const perSymbol = book.symbols().map((s) => book.book(s).strategies.length);
  result.registry = {
    activeStrategies: book.size(),
    symbols: perSymbol.length,
    maxPerSymbol: Math.max(...perSymbol),
    minPerSymbol: Math.min(...perSymbol),
  };
  result.registration = {
    events: regLoop.events,
    discoveries: regLoop.strategies,
    loop: { ms: ms(regLoop.ms), eventsPerSecond: round((regLoop.events / regLoop.ms) * 1000, 0) },
    pipeline: { ms: ms(regPipeline.ms), eventsPerSecond: round((regPipeline.events / regPipeline.ms) * 1000, 0) },
    pipelineOverLoop: round(regPipeline.ms / regLoop.ms, 3),
  };
  if (memoryBefore !== null && result.memory !== undefined) {
    const loaded = (result.memory as EngineFigures).pipelineLoadedAndRunning as EngineFigures;
    (result.memory as Record<string, unknown>).heapBytesPerStrategy = round(
      // From the bytes, not the MiB rounded for display (±0.1 MiB is ±130 bytes a strategy at 1,000).
      ((loaded.heapUsedBytes as number) - (memoryBefore.heapUsedBytes as number)) / Math.max(1, book.size()),
      0,
    );
  }

  const spans = laterSpans(cfg, plan, loop.lastSeq());
  if (opts.workloads.includes('tick')) {
    collectGarbage();
    result.tickThroughput = tickThroughput([pipeline, loop], spans.ticks, spans.closesCandle, opts.warmTicks, opts.throughputTicks, opts.chunkTicks);
    log(`[${plan.strategies}] tick throughput done`);
    const skip = Math.min(opts.warmTicks + opts.throughputTicks, spans.ticks.length);
    const rest = spans.ticks.slice(skip);
    const restCloses = spans.closesCandle.subarray(skip);
    result.tickLatency = {
      pipeline: await tickLatency(pipeline, rest, restCloses, opts.offeredRate, opts.latencySeconds),
      loop: await tickLatency(loop, rest, restCloses, opts.offeredRate, opts.latencySeconds),
      // The control: the same pacing and ticks with a push that does nothing, in the same process
      // with the same heap. Its late ticks are the machine's and the pacing's, which no engine avoids.
      pacingOnly: await tickLatency(PACING_ONLY, rest, restCloses, opts.offeredRate, opts.latencySeconds),
    };
    log(`[${plan.strategies}] tick latency done`);
  }
  if (opts.workloads.includes('candle')) {
    collectGarbage();
    result.candlePath = candlePath(loop, pipeline, spans.candles, perSymbol.length, plan.candleWarmRounds);
    log(`[${plan.strategies}] candle path done`);
    if (plan.strategies <= FLOOR_MAX_STRATEGIES) {
      // The same strategies and shared series per symbol as the engine now holds.
      const series = book.symbols().map((s) => book.book(s).hub.stats().instances);
      collectGarbage();
      result.candleFloor = runFloor(cfg, perSymbol, series, { rounds: FLOOR_ROUNDS, warmRounds: cfg.evaluation.returnsWindow + 10, repeats: 2 });
      log(`[${plan.strategies}] candle-path floor done`);
    }
  }
  result.outputsMatch = pipeline.outputs() === loop.outputs();
  result.outputs = { pipeline: pipeline.outputs(), loop: loop.outputs() };
  pipeline.close();
  return result;
}

// As a child process: `node --expose-gc dist/bench/sizeRun.js '<SizeOptions JSON>'` prints one JSON line.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const opts = JSON.parse(process.argv[2] ?? '{}') as SizeOptions;
  runSize(opts, (line) => process.stderr.write(`${line}\n`)).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
