import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Subject } from 'rxjs';
import { defaultConfig } from '../src/cli/loadConfig.js';
import type { StrategyBook } from '../src/domain/strategyBook.js';
import { ownedSymbols } from '../src/domain/symbolShard.js';
import type { InputEvent } from '../src/domain/types.js';
import { DEMO_PAIRS } from '../src/sources/demo/pairs.js';
import { tradingPipeline } from '../src/streams/tradingPipeline.js';
import { collectGarbage, median, round } from './stats.js';
import { laterSpans, registrationSpan, type WorkloadPlan } from './workloads.js';

/**
 * Shard by symbol on this machine's cores (DESIGN.md, Scale; `evaluation.symbols`): the candle
 * path of one engine that owns every symbol, against `shards` engines that share the symbols
 * between them, each in a process of its own as shards are deployed, timed over the same span at
 * the same time. Each engine reads every input of the suite's workload (the others' pass over as
 * Unowned), is warmed as the candle path of sizeRun.ts is (registration, the tick span and the
 * warm rounds, untimed), then waits at a barrier; the parent starts every engine's timed rounds
 * together. The figure is the strategy-candle evaluations of all of them over the slowest one's
 * time: what the machine does when the symbols are split.
 */
export interface ShardFigures {
  readonly shards: number;
  /** Evaluations per second of every shard together, over the slowest one's time; one figure per trial. */
  readonly evaluationsPerSecond: readonly (number | null)[];
  /** Each shard's own time over its timed rounds (ms), per trial. */
  readonly shardMs: readonly (readonly (number | null)[])[];
  /** Each shard's CPU time over the same rounds (ms, every thread of its process: V8 compiles on threads of its own), per trial. */
  readonly shardCpuMs: readonly (readonly (number | null)[])[];
  readonly strategyCandleEvaluations: number;
}

export interface ShardComparison {
  /** The same suite plan (strategies, rounds) for every engine. */
  readonly strategies: number;
  readonly whole: ShardFigures;
  readonly split: ShardFigures;
  /** Median of the split's aggregate rate over the median of the whole engine's. */
  readonly speedup: number | null;
}

/** The demo's symbols dealt round-robin into `shards` sets (alphabetical order mixes large and small books). */
export function shardSymbols(shards: number): string[] {
  const sets: string[][] = Array.from({ length: shards }, () => []);
  for (const [i, pair] of DEMO_PAIRS.entries()) sets[i % shards]?.push(pair.symbol);
  return sets.map((set) => set.join(','));
}

/**
 * The script each engine runs as. Under vitest this module is the TypeScript source, and the
 * children run its build (`npm test` builds dist/ before vitest starts).
 */
const CHILD_SCRIPT = fileURLToPath(import.meta.url).replace(/\/bench\/shardRun\.ts$/, '/dist/bench/shardRun.js');

interface ChildResult {
  readonly evaluations: number;
  readonly ms: number;
  /** CPU time of the engine's process over the same rounds (all its threads). */
  readonly cpuMs: number;
}

/** One engine owning `symbols` ('' = all), in this process: warms, says ready, waits for a line on stdin, times its rounds. */
async function runShard(plan: WorkloadPlan, symbols: string): Promise<ChildResult> {
  const base = defaultConfig();
  const cfg = { ...base, evaluation: { ...base.evaluation, symbols } };
  const owned = ownedSymbols(symbols);
  let book: StrategyBook | undefined;
  let last = 0;
  const input = new Subject<InputEvent>();
  input.pipe(tradingPipeline(cfg, (b) => (book = b))).subscribe((batch) => (last = batch.seq));
  for (const event of registrationSpan(cfg, plan)()) input.next(event);
  const spans = laterSpans(cfg, plan, last);
  for (const tick of spans.ticks) input.next(tick);
  const rounds = spans.candles.length / DEMO_PAIRS.length;
  const timedFrom = DEMO_PAIRS.length * Math.min(rounds, Math.max(1, plan.candleWarmRounds));
  for (let i = 0; i < timedFrom; i++) input.next(spans.candles[i] as InputEvent);
  collectGarbage();
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  let evaluations = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = timedFrom; i < spans.candles.length; i++) {
    const candle = spans.candles[i] as InputEvent & { symbol: string };
    if (owned === null || owned.has(candle.symbol)) evaluations += book?.book(candle.symbol).strategies.length ?? 0;
    input.next(candle);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  input.complete();
  return { evaluations, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Runs the given engines as child processes at once and times their rounds together (the barrier). */
async function trial(plan: WorkloadPlan, sets: readonly string[], nodeFlags: readonly string[]): Promise<ChildResult[]> {
  const children = sets.map((symbols) => {
    const child = spawn(process.execPath, ['--expose-gc', ...nodeFlags, CHILD_SCRIPT, JSON.stringify({ plan, symbols })], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve) => lines.once('line', () => resolve()));
    const result = new Promise<ChildResult>((resolve, reject) => {
      let last = '';
      lines.on('line', (line) => (last = line));
      child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(last) as ChildResult) : reject(new Error(`shard ${symbols || 'all'} exited ${code}`))));
    });
    return { child, ready, result };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.result));
}

/** Every shard's evaluations over the slowest one's time, per second. */
function aggregateRate(t: readonly ChildResult[]): number {
  return (t.reduce((a, r) => a + r.evaluations, 0) / Math.max(...t.map((r) => r.ms))) * 1000;
}

function figures(shards: number, trials: readonly ChildResult[][]): ShardFigures {
  return {
    shards,
    evaluationsPerSecond: trials.map((t) => round(aggregateRate(t), 0)),
    shardMs: trials.map((t) => t.map((r) => round(r.ms, 1))),
    shardCpuMs: trials.map((t) => t.map((r) => round(r.cpuMs, 1))),
    strategyCandleEvaluations: trials[0]?.reduce((a, r) => a + r.evaluations, 0) ?? 0,
  };
}

/**
 * The whole engine and the split one, `trials` times each, alternating (whole first, then split, and
 * so on), so that the machine's drift lands on both.
 */
export async function compareShards(plan: WorkloadPlan, shards: number, trials: number, nodeFlags: readonly string[]): Promise<ShardComparison> {
  const whole: ChildResult[][] = [];
  const split: ChildResult[][] = [];
  for (let i = 0; i < trials; i++) {
    whole.push(await trial(plan, [''], nodeFlags));
    split.push(await trial(plan, shardSymbols(shards), nodeFlags));
  }
  const speedup = median(split.map(aggregateRate)) / median(whole.map(aggregateRate));
  return { strategies: plan.strategies, whole: figures(1, whole), split: figures(shards, split), speedup: round(speedup, 3) };
}

// As a child process: `node dist/bench/shardRun.js '{"plan":…,"symbols":"…"}'`: prints `ready`, waits for a line, prints its result.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { plan, symbols } = JSON.parse(process.argv[2] ?? '{}') as { plan: WorkloadPlan; symbols: string };
  runShard(plan, symbols).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
