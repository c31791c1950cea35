import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { compareShards } from './shardRun.js';
import type { EngineFigures, SizeOptions } from './sizeRun.js';

/**
 * `npm run bench`: the benchmark suite of issue 7. For each strategy count, one child process
 * (node --expose-gc) runs the selected workloads on the pipeline and on the plain-loop baseline and
 * prints its figures as JSON; this process writes bench/results.json and bench/RESULTS.md and
 * prints the tables. No figure is asserted: targets are printed next to them.
 *
 * Flags (and environment): --quick (BENCH_QUICK=1) smaller sizes and runs;
 * --sizes=1000,10000 (BENCH_SIZES); --workloads=tick,candle,memory,jetstream (BENCH_WORKLOADS);
 * --out=DIR (BENCH_OUT, default bench/).
 */

const run = promisify(execFile);
const ALL_WORKLOADS = ['tick', 'candle', 'memory', 'jetstream'];

export interface SuiteOptions {
  readonly quick: boolean;
  readonly sizes: readonly number[];
  readonly workloads: readonly string[];
  readonly out: string;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): SuiteOptions {
  const flag = (name: string): string | undefined => {
    const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    return hit === undefined ? undefined : (hit.split('=')[1] ?? 'true');
  };
  const quick = (flag('quick') ?? env.BENCH_QUICK ?? '') !== '' && (flag('quick') ?? env.BENCH_QUICK) !== '0';
  const sizesText = flag('sizes') ?? env.BENCH_SIZES ?? (quick ? '1000,10000' : '1000,10000,100000');
  const sizes = sizesText.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 0))
    throw new RangeError(`--sizes must be a comma-separated list of strategy counts (was ${sizesText})`);
  const workloadsText = flag('workloads') ?? env.BENCH_WORKLOADS ?? ALL_WORKLOADS.join(',');
  const workloads = workloadsText.split(',').map((s) => s.trim());
  const unknown = workloads.filter((w) => !ALL_WORKLOADS.includes(w));
  if (unknown.length > 0) throw new RangeError(`--workloads: unknown ${unknown.join(', ')} (known: ${ALL_WORKLOADS.join(', ')})`);
  const out = flag('out') ?? env.BENCH_OUT ?? fileURLToPath(new URL('../../bench/', import.meta.url));
  return { quick, sizes, workloads, out };
}

/** The per-size options of a suite: the full runs or the quick ones. */
export function sizeOptions(suite: SuiteOptions, strategies: number): SizeOptions {
  const quick = suite.quick;
  return {
    plan: {
      strategies,
      seed: 42,
      warmupCandles: quick ? 10 : 30,
      ticksPerCandle: quick ? 2000 : 5000,
      // Full: 3 × 5,000 × 16 = 240,000 ticks: 10,000 warm, 100,000 timed in chunks, 100,000 for 5 s at 20k/s.
      tickCandles: quick ? 2 : 3,
      candleRounds: quick ? 4 : 11,
      // 30 warm-up + 3 tick-path + 210 candles: the 240-candle return windows are full when timing starts.
      candleWarmRounds: quick ? 4 : 210,
    },
    workloads: suite.workloads,
    warmTicks: quick ? 5_000 : 10_000,
    throughputTicks: quick ? 20_000 : 100_000,
    chunkTicks: 5_000,
    offeredRate: 20_000,
    latencySeconds: quick ? 1 : 5,
  };
}

/**
 * The node flags the engine runs with (package.json `start`, the CLI's shebang), so each workload
 * measures the engine as deployed. `--single-threaded-gc`: on these 2 cores the GC's helper threads
 * slowed the candle closes they overlapped (a candle-closing tick at 10k strategies 2.9–3.8 ms
 * instead of 1.7, four runs each). `--max-semi-space-size=64`: with the default young generation
 * the strategies' objects reach the old generation a few hundred at a time, the symbols mixed as
 * their discoveries arrive, and every candle close then walks memory scattered over all of them;
 * with 64 MB, the candle path ran 1.0–1.3 µs per strategy-candle at 10k instead of 1.8 (interleaved
 * runs). The README's performance section has both measurements.
 */
export const ENGINE_NODE_FLAGS = ['--single-threaded-gc', '--max-semi-space-size=64'];

async function runChild(opts: SizeOptions): Promise<EngineFigures> {
  const script = fileURLToPath(new URL('./sizeRun.js', import.meta.url));
  const child = run(process.execPath, ['--expose-gc', ...ENGINE_NODE_FLAGS, script, JSON.stringify(opts)], { maxBuffer: 64 * 2 ** 20 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as EngineFigures;
}

type F = EngineFigures;
const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v === null || typeof v !== 'object' ? undefined : (v as F)[k]), o);
const num = (o: unknown, path: string, digits = 0): string => {
  const v = get(o, path);
  return typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–';
};

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The latency runs of section 1b, in the order they run: the two engines, then the control. */
const LATENCY_RUNS = ['pipeline', 'loop', 'pacingOnly'] as const;

/** The readable report (Markdown): one table per workload, targets beside the figures. */
export function renderReport(results: F): string {
  const sizes = (results.sizes as F[]) ?? [];
  const lines: string[] = [
    `# Benchmark results`,
    '',
    `${results.startedAt} · node ${results.node} · ${results.cpus} × ${results.cpu} · ${results.quick ? 'quick' : 'full'} run · ${results.seconds} s · load average (1/5/15 min) at start ${String(results.loadAverageAtStart ?? '–')}, at end ${String(results.loadAverageAtEnd ?? '–')}: other work on this machine inflates the tails`,
    '',
  ];
  lines.push(
    '16 symbols; strategies from the seeded demo generator (seed 42); "active" = registered after rediscoveries and rejected parameters. Pipeline = tradingPipeline behind a Subject with a counting sink; loop = the same stage classes stepped in a for loop. Ratios are pipeline / loop in the same process.',
    '',
  );
  const shape = (s: F) => `${num(s, 'strategies')} (${num(s, 'registry.activeStrategies')} active, ≤ ${num(s, 'registry.maxPerSymbol')}/symbol)`;
  if (sizes.some((s) => s.tickThroughput !== undefined)) {
    lines.push('## 1. Tick path, sustained (ticks pushed as fast as possible)', '');
    lines.push(
      table(
        [
          'strategies',
          'pipeline ticks/s',
          'loop ticks/s',
          'plain tick µs pipe / loop (mean)',
          'plain tick p50 µs pipe / loop',
          'candle-closing tick µs pipe / loop (mean)',
          'overhead: plain-tick mean, all-ticks median chunk',
          'plain ticks over 1 ms (pauses): count, ms pipe / loop',
          'plain-tick mean without them µs pipe / loop (overhead)',
        ],
        sizes
          .filter((s) => s.tickThroughput !== undefined)
          .map((s) => [
            shape(s),
            num(s, 'tickThroughput.pipeline.ticksPerSecond'),
            num(s, 'tickThroughput.loop.ticksPerSecond'),
            `${num(s, 'tickThroughput.pipeline.plainTickMeanUs', 2)} / ${num(s, 'tickThroughput.loop.plainTickMeanUs', 2)}`,
            `${num(s, 'tickThroughput.pipeline.plainTickP50Us', 2)} / ${num(s, 'tickThroughput.loop.plainTickP50Us', 2)}`,
            `${num(s, 'tickThroughput.pipeline.candleClosingTickMeanUs', 0)} / ${num(s, 'tickThroughput.loop.candleClosingTickMeanUs', 0)} µs`,
            `${num(s, 'tickThroughput.plainTickPipelineOverLoop', 2)}×, ${num(s, 'tickThroughput.pipelineOverLoop', 2)}×`,
            `${num(s, 'tickThroughput.pipeline.plainTicksOver1ms')}, ${num(s, 'tickThroughput.pipeline.plainTicksOver1msMs', 1)} / ${num(s, 'tickThroughput.loop.plainTicksOver1ms')}, ${num(s, 'tickThroughput.loop.plainTicksOver1msMs', 1)}`,
            `${num(s, 'tickThroughput.pipeline.plainTickMeanWithoutPausesUs', 2)} / ${num(s, 'tickThroughput.loop.plainTickMeanWithoutPausesUs', 2)} (${num(s, 'tickThroughput.plainTickWithoutPausesPipelineOverLoop', 2)}×)`,
          ]),
      ),
      '',
      "Target: overhead ≤ 2× the plain loop; per-tick cost independent of strategies on other symbols (compare the plain-tick column across sizes). A candle-closing tick runs phases 1–3 over its symbol and is counted apart. Timed in the steady state: the first `warmTicks` (10,000) go through both engines untimed (the first ticks after registration cost 25–50 ms more at 10,000 strategies, on whichever engine ran them first), then the engine that goes first alternates chunk by chunk. A plain tick over 1 ms waited for a pause (a garbage collection or the thread preempted: its own work is about a microsecond); a few such pauses landing in one engine's chunks carry its mean, so the mean without them is shown beside it.",
      '',
    );
    lines.push('## 1b. Tick-to-decision latency at a fixed offered rate', '');
    lines.push(
      table(
        [
          'strategies',
          'engine',
          'offered / achieved ticks/s',
          'service p50 / p99 / p99.9 µs',
          'from due time p50 / p99 / p99.9 µs',
          'ticks over 1 ms from due time: all = behind candle closes + GC + other',
          'candle closes: count, ms',
          'GCs: count, ms, longest ms',
          'main thread waiting for a CPU: ms, times run',
          'saturated',
        ],
        sizes
          .filter((s) => s.tickLatency !== undefined)
          .flatMap((s) =>
            LATENCY_RUNS.filter((e) => get(s, `tickLatency.${e}`) !== undefined).map((e) => [
              shape(s),
              e === 'pacingOnly' ? 'none (pacing only)' : e,
              `${num(s, `tickLatency.${e}.offeredRate`)} / ${num(s, `tickLatency.${e}.achievedRate`)}`,
              `${num(s, `tickLatency.${e}.serviceP50Us`, 1)} / ${num(s, `tickLatency.${e}.serviceP99Us`, 1)} / ${num(s, `tickLatency.${e}.serviceP999Us`, 1)}`,
              `${num(s, `tickLatency.${e}.sojournP50Us`, 1)} / ${num(s, `tickLatency.${e}.sojournP99Us`, 1)} / ${num(s, `tickLatency.${e}.sojournP999Us`, 1)}`,
              `${num(s, `tickLatency.${e}.ticksOver1ms`)} = ${num(s, `tickLatency.${e}.ticksOver1msBehindCandleCloses`)} + ${num(s, `tickLatency.${e}.ticksOver1msBehindGc`)} + ${num(s, `tickLatency.${e}.ticksOver1msOther`)}`,
              `${num(s, `tickLatency.${e}.candleCloses`)}, ${num(s, `tickLatency.${e}.candleClosesMs`, 1)}`,
              `${num(s, `tickLatency.${e}.gcCount`)}, ${num(s, `tickLatency.${e}.gcMs`, 1)}, ${num(s, `tickLatency.${e}.gcMaxMs`, 1)}`,
              `${num(s, `tickLatency.${e}.mainThreadWaitingMs`, 1)}, ${num(s, `tickLatency.${e}.mainThreadTimesRun`)}`,
              String(get(s, `tickLatency.${e}.saturated`) ?? '–'),
            ]),
          ),
      ),
      '',
      'Target: p99 ≤ 1 ms at 20k ticks/s with 10,000 strategies. "service" = push into the Subject until its OutputBatch; "from due time" adds the wait behind earlier ticks (a candle close stalls the ticks behind it). p99 ≤ 1 ms means at most 1% of the ticks over 1 ms; each late tick is counted under what took most of its wait: the candle-closing ticks\' pushes, the garbage collections (perf_hooks gc entries), or the rest (the OS, compilation, the pacing); a collection during a candle-closing push counts under both, so the larger share decides. The ticks are paced by a busy-wait whose only garbage is its clock reads (about 0.2 KB a tick). The rest includes the main thread waiting while other tasks held its core (runnable but not running for the ms shown, Linux schedstat); what it leaves is time the thread spent outside the engine\'s pushes and outside collections for reasons not measured here (the VM\'s host, page faults, V8\'s own work). "none (pacing only)" is the control, run right after the two engines in the same process: the same ticks at the same rate through the same busy-wait, pushed into a function that does nothing. Its late ticks are the machine\'s and the pacing\'s, which no engine could avoid; an engine\'s "other" beyond them is its own (V8\'s work, its heap).',
      '',
    );
  }
  if (sizes.some((s) => s.candlePath !== undefined)) {
    lines.push('## 2. Candle path (closed candles through the whole pipeline)', '');
    lines.push(
      table(
        ['strategies', 'pipeline evaluations/s', 'loop evaluations/s', 'ns per strategy-candle pipe / loop', 'candle ms pipe / loop', 'overhead'],
        sizes
          .filter((s) => s.candlePath !== undefined)
          .map((s) => [
            shape(s),
            num(s, 'candlePath.pipeline.evaluationsPerSecond'),
            num(s, 'candlePath.loop.evaluationsPerSecond'),
            `${num(s, 'candlePath.pipeline.nsPerEvaluation')} / ${num(s, 'candlePath.loop.nsPerEvaluation')}`,
            `${num(s, 'candlePath.pipeline.meanCandleMs', 2)} / ${num(s, 'candlePath.loop.meanCandleMs', 2)}`,
            `${num(s, 'candlePath.pipelineOverLoop', 2)}×`,
          ]),
      ),
      '',
      "Target: ≥ 10,000,000 strategy-candle evaluations/s at 10,000 strategies (evaluations = active strategies of the candle's symbol, summed over candles). Timed in the steady state: after `candleWarmRounds` untimed rounds (return windows full, long indicators warm); the plan in results.json gives the rounds.",
      '',
    );
    const withPhases = sizes.filter((s) => Array.isArray(get(s, 'candlePath.phases')));
    if (withPhases.length > 0) {
      lines.push('## 2b. Candle path by phase (the loop engine, same timed rounds)', '');
      const phaseOf = (s: F, name: string): F | undefined => (get(s, 'candlePath.phases') as F[]).find((p) => p.phase === name);
      const names = ((get(withPhases[0], 'candlePath.phases') as F[]) ?? []).map((p) => String(p.phase));
      lines.push(
        table(
          ['phase', ...withPhases.map((s) => `${num(s, 'strategies')}: ns per strategy-candle (share)`)],
          names.map((name) => [
            name,
            ...withPhases.map((s) => {
              const p = phaseOf(s, name);
              if (p === undefined) return '–';
              const share = typeof p.share === 'number' ? `${(p.share * 100).toFixed(1)}%` : '–';
              return `${num(p, 'nsPerEvaluation')} (${share})`;
            }),
          ]),
        ),
        '',
        "Evaluation = candles from prices, the shared indicators, every strategy's rule and paper account; then phases 1–5. Ensembles, rotation and trading are per-candle work (one symbol's ensemble search, all 16 symbols' sizes) spread over the candle's strategies. The seven clock reads per candle this takes (about 0.3 µs against about 1 ms a candle) are inside the loop figures of section 2.",
        '',
      );
    }
  }
  const withFloor = sizes.filter((s) => s.candleFloor !== undefined && s.candlePath !== undefined);
  if (withFloor.length > 0) {
    lines.push("## 2c. The candle path's floor (live evaluation and phases 1–2 as columns of doubles, bench/floor.ts)", '');
    lines.push(
      table(
        [
          'strategies (series per symbol)',
          'floor ns per strategy-candle: engine arithmetic / factored recency / evaluation only',
          'floor evaluations/s (engine arithmetic)',
          'engine loop ns (section 2) / floor',
          'target budget',
        ],
        withFloor.map((s) => {
          const series = (get(s, 'candleFloor.seriesPerSymbol') as number[] | undefined) ?? [];
          const floorNs = get(s, 'candleFloor.nsPerEvaluation.full');
          const loopNs = get(s, 'candlePath.loop.nsPerEvaluation');
          const ratio = typeof floorNs === 'number' && typeof loopNs === 'number' && floorNs > 0 ? `${(loopNs / floorNs).toFixed(1)}×` : '–';
          return [
            `${shape(s)} (${series.length > 0 ? `${Math.min(...series)}–${Math.max(...series)}` : '–'})`,
            `${num(s, 'candleFloor.nsPerEvaluation.full', 1)} / ${num(s, 'candleFloor.nsPerEvaluation.factoredRecency', 1)} / ${num(s, 'candleFloor.nsPerEvaluation.evaluationOnly', 1)}`,
            num(s, 'candleFloor.evaluationsPerSecond.full'),
            ratio,
            '100 ns (10 M/s) for the whole pipeline',
          ];
        }),
      ),
      '',
      'The least a candle close can cost per strategy in one thread: the same strategies and shared-series counts as the engine, as typed-array columns with no objects, no allocation and no outputs; every series a simple moving average; one cross rule; the paper account, return window, live score (sqrt, expm1), confidence (the recency power) and time filter as the domain defines them (test/bench/floor.test.ts checks every column against the domain\'s functions). "Factored recency" replaces the per-strategy power by one power per candle times a per-strategy factor: equal within a few ulps, not the engine\'s doubles. "Evaluation only" stops before the live score. Phases 3–5 (ensembles, rotation, sizing: per-candle work) are not in the floor at all. Best of two repeats per variant, run right after section 2 on this machine.',
      '',
    );
  }
  const shards = results.shards as F | undefined;
  if (shards !== undefined && typeof shards === 'object') {
    lines.push(
      `## 2d. Shard by symbol: one engine against two sharing the symbols, at the same time (${num(shards, 'strategies')} strategies, bench/shardRun.ts)`,
      '',
    );
    const row = (key: 'whole' | 'split', label: string): string[] => {
      const part = get(shards, key) as F | undefined;
      const rates = ((part?.evaluationsPerSecond as (number | null)[] | undefined) ?? []).map((r) => (r === null ? '–' : r.toLocaleString('en-US')));
      const cpu = (part?.shardCpuMs as (number | null)[][] | undefined) ?? [];
      const ms = ((part?.shardMs as (number | null)[][] | undefined) ?? []).map((t, i) =>
        t.map((m, j) => `${m === null ? '–' : m.toFixed(0)} (${cpu[i]?.[j]?.toFixed(0) ?? '–'})`).join(' + '),
      );
      return [label, rates.join(' / ') || '–', ms.join(' / ') || '–', num(part, 'strategyCandleEvaluations')];
    };
    lines.push(
      table(
        [
          'engines',
          'evaluations/s of all engines together, per trial',
          "each engine's ms over the timed rounds (its process's CPU ms), per trial",
          'strategy-candle evaluations',
        ],
        [row('whole', '1, every symbol'), row('split', `${num(shards, 'split.shards')}, the symbols dealt between them`)],
      ),
      '',
      `Speedup (median of the split over median of the whole): **${num(shards, 'speedup', 2)}×**. Each engine is a process of its own with the suite's workload (every input; another engine's pass over as unowned), warmed like section 2, then all start their timed rounds together; the rate is every engine's evaluations over the slowest one's time. Trials alternate, the whole engine first. On 2 cores the split has at most 2× to gain, less what the other work on the machine takes, and less what each engine already runs beside its main thread: V8 compiles functions that grow hot late (the per-candle ensemble search and sizing) on threads of its own during these rounds, so one engine's CPU is above its wall time (README, Performance).`,
      '',
    );
  }
  if (sizes.some((s) => s.memory !== undefined)) {
    lines.push('## 4. Memory (pipeline loaded and running, after a full GC)', '');
    lines.push(
      table(
        ['strategies', 'RSS MiB', 'heap used MiB', 'heap bytes / active strategy', 'RSS before engine MiB'],
        sizes
          .filter((s) => s.memory !== undefined)
          .map((s) => [
            shape(s),
            num(s, 'memory.pipelineLoadedAndRunning.rssMiB', 1),
            num(s, 'memory.pipelineLoadedAndRunning.heapUsedMiB', 1),
            num(s, 'memory.heapBytesPerStrategy'),
            num(s, 'memory.beforeEngine.rssMiB', 1),
          ]),
      ),
      '',
      'Target: under 1 GiB RSS with 100,000 strategies.',
      '',
    );
  }
  lines.push('## Registration and warm-up (discoveries + warm-up candles of the demo feed)', '');
  lines.push(
    table(
      ['strategies', 'events', 'generator events/s', 'pipeline events/s', 'loop events/s', 'overhead'],
      sizes.map((s) => [
        shape(s),
        num(s, 'registration.events'),
        num(s, 'generator.eventsPerSecond'),
        num(s, 'registration.pipeline.eventsPerSecond'),
        num(s, 'registration.loop.eventsPerSecond'),
        `${num(s, 'registration.pipelineOverLoop', 2)}×`,
      ]),
    ),
    '',
    "The pipeline registers first and the loop second, in one process: the first full-size registration in a process pays for the JIT and the heap's growth, so this ratio measures that order more than the pipeline (with the order swapped it inverted; README, Performance). The tick and candle sections interleave the two engines chunk by chunk and round by round instead.",
    '',
  );
  const jsRun = results.jetstreamRun as F | undefined;
  const jsWhen =
    jsRun === undefined
      ? []
      : [
          `Run separately: ${String(jsRun.startedAt)} · ${String(jsRun.seconds)} s · load average at start ${String(jsRun.loadAverageAtStart)}, at end ${String(jsRun.loadAverageAtEnd)}`,
          '',
        ];
  lines.push('## 3. JetStream end to end', '', ...jsWhen, ...jetstreamSection(results.jetstream), '');
  lines.push(`Outputs identical between pipeline and loop: ${sizes.map((s) => `${num(s, 'strategies')}: ${String(s.outputsMatch)}`).join(', ')}`, '');
  return lines.join('\n');
}

/** Section 3: a table per run of bench/jetstreamRun.ts, or the reason it did not run. */
function jetstreamSection(js: unknown): string[] {
  if (!Array.isArray(js)) return [String(js ?? 'not selected')];
  const runs = js as F[];
  const rate = (s: F, p: string) => `${num(s, `${p}.messagesPerSecond`)} (${num(s, `${p}.tickSpan.messagesPerSecond`)})`;
  return [
    table(
      [
        'strategies',
        'messages (registration + ticks)',
        'engine msg/s (tick span)',
        'bare, ack every 100 ms',
        'bare, ack every 100th',
        'bare, ack each',
        'bare, ack every 100 ms keeping every message until then',
        'engine / bare (100 ms): whole stream, tick span, whole-stream CPU',
        'pipeline in memory msg/s',
        'main-thread ceiling msg/s (pipeline in memory + decode) / bare',
        'CPU µs/msg engine / bare / bare keeping / in memory',
        'GC µs/msg engine / bare / bare keeping / in memory',
      ],
      runs.map((s) => [
        num(s, 'strategies'),
        `${num(s, 'messages')} (${num(s, 'registrationMessages')} + ${num(s, 'tickMessages')})`,
        rate(s, 'engine'),
        rate(s, 'bare.timer100ms'),
        rate(s, 'bare.every100'),
        rate(s, 'bare.each'),
        rate(s, 'bare.timer100msRetain'),
        `${num(s, 'engineOverBare.timer100ms', 2)} / **${num(s, 'tickSpanEngineOverBare', 2)}** / ${num(s, 'engineOverBareByCpu', 2)}`,
        rate(s, 'pipelineInMemory'),
        `${num(s, 'mainThreadCeiling.messagesPerSecond')} / ${num(s, 'mainThreadCeilingOverBare', 2)} (decode ${num(s, 'decodeInMemory.usPerMessage', 2)} µs/msg)`,
        ['engine', 'bare.timer100ms', 'bare.timer100msRetain', 'pipelineInMemory'].map((p) => num(s, `${p}.cpu.cpuUsPerMessage`, 1)).join(' / '),
        ['engine', 'bare.timer100ms', 'bare.timer100msRetain', 'pipelineInMemory'].map((p) => num(s, `${p}.cpu.gcUsPerMessage`, 1)).join(' / '),
      ]),
    ),
    '',
    table(
      [
        'strategies',
        'engine run: wall s',
        'engine CPU s: main thread / consumer thread / other threads / nats-server = total',
        'cores busy',
        'bare (ack every 100 ms): wall s',
        'bare CPU s: process / nats-server = total',
        'CPU budget at 0.8 of bare (cores × bare wall / 0.8) s',
        'engine CPU / budget',
        'floor: bare CPU + pipeline in memory s / budget',
      ],
      runs.map((s) => {
        const secs = (p: string) => num(s, p, 2);
        const seconds = (p: string) => {
          const v = get(s, p);
          return typeof v === 'number' ? (v / 1000).toFixed(2) : '–';
        };
        const e = 'engine.cpuAccount';
        const b = 'bare.timer100ms.cpuAccount';
        return [
          num(s, 'strategies'),
          seconds('engine.ms'),
          `${seconds(`${e}.mainMs`)} / ${seconds(`${e}.newThreadsMs`)} / ${seconds(`${e}.otherThreadsMs`)} / ${seconds(`${e}.serverMs`)} = **${seconds(`${e}.totalMs`)}**`,
          secs('cpuBudget.engineBusy'),
          seconds('bare.timer100ms.ms'),
          `${seconds('cpuBudget.bareProcessMs')} / ${seconds(`${b}.serverMs`)} = ${seconds(`${b}.totalMs`)}`,
          seconds('cpuBudget.budgetAt08Ms'),
          `**${secs('cpuBudget.engineCpuOverBudget')}**`,
          `${seconds('cpuBudget.floorCpuMs')} / **${secs('cpuBudget.floorOverBudget')}**`,
        ];
      }),
    ),
    '',
    "CPU account (Linux /proc, 10 ms ticks; – elsewhere): CPU time of each thread of the process and of the nats-server over the same window as the rates: from its first message to its last (the engine: to the commit of its last), so setting up the store and the consumer is not in it. The engine's consumer thread is the thread started for its run (not there before the engine started); the other threads are V8's compiler and platform threads and libuv's. Every thread and the server share the machine's cores, so a run cannot take less wall time than its total CPU over the cores: to reach 0.8 of the bare consumer's rate, the engine's run must fit in cores × bare wall / 0.8 of CPU; \"engine CPU / budget\" above 1 means it cannot, whatever the order of its work. \"Cores busy\" = total CPU / (cores × wall). The floor is the least any engine running this pipeline could spend: the bare consumer's CPU (NATS client, parsing, acks and the server's side of them) plus the pipeline's time in memory (without decoding, which parses each message again); above 1, the target is out of reach on these cores for any transport or sink design.",
    '',
    'One stream per size, published once with `publishMessages` + `toWireMessage` (publish msg/s in results.json). Engine = startEngine (temp SQLite, serve: false) on JetStreamSource.events(0), acks after each commit; from its first message to the commit of the last seq. Bare = a separate durable (AckPolicy.All) that only JSON.parses and acks. "Keeping" = the 100 ms bare consumer holding every JsMsg until its ack (the engine does not: its consumer thread keeps only the ack subject of each message, its main thread only seq numbers). CPU = process.cpuUsage (all threads, the consumer thread of the engine included) per message; GC = pause time of gc performance entries. Rates in parentheses: the tick span alone (after the registration span). "Pipeline in memory" = the same events pushed into tradingPipeline without NATS or SQLite, best of three passes. "Main-thread ceiling" adds the time to decode every message (JSON.parse and validation, done on the engine\'s main thread; best of three passes): the fastest the main thread could go with free sinks and free transport, so its ratio to the bare consumer is the most the whole-stream ratio can reach with today\'s pipeline. Target: engine / bare ≥ 0.8 at 10,000 strategies: the tick span is the streaming rate; the whole stream adds the registration span, where the pipeline itself (in memory) is slower than the bare consumer.',
  ];
}

/** Writes results.json and RESULTS.md into `dir`; returns their paths. */
export function writeResults(dir: string, results: F): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'results.json');
  const markdown = join(dir, 'RESULTS.md');
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(markdown, `${renderReport(results)}\n`);
  return { json, markdown };
}

/** Workload 3: one nats-server (loopback, temp store) for the run, one child per size (bench/jetstreamRun.ts). */
async function runJetStreamSizes(suite: SuiteOptions): Promise<F[]> {
  // The tests' own launcher (loopback, free port, temp store, stopped by PID); tsc compiles it with the bench.
  const { startNatsServer } = await import('../test/helpers/natsServer.js');
  const server = await startNatsServer();
  const script = fileURLToPath(new URL('./jetstreamRun.js', import.meta.url));
  const profileDir = process.env.BENCH_CPU_PROF;
  try {
    const out: F[] = [];
    for (const n of suite.sizes.filter((s) => s <= 10_000)) {
      const t0 = Date.now();
      const plan = { ...sizeOptions(suite, n).plan, candleRounds: 1, candleWarmRounds: 1 };
      const child = run(
        process.execPath,
        ['--expose-gc', ...ENGINE_NODE_FLAGS, script, JSON.stringify({ url: server.url, serverPid: server.pid, plan, ...(profileDir ? { profileDir } : {}) })],
        {
          maxBuffer: 64 * 2 ** 20,
        },
      );
      child.child.stderr?.pipe(process.stderr);
      const { stdout } = await child;
      out.push(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as F);
      process.stderr.write(`[${n}] jetstream finished in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    return out;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const suite = parseArgs(process.argv.slice(2), process.env);
  const started = Date.now();
  const os = await import('node:os');
  const loadAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  // `--workloads=jetstream` alone: only workload 3, merged into the existing results.json (the other tables kept).
  const onlyJetstream = suite.workloads.length === 1 && suite.workloads[0] === 'jetstream';
  const sizes: F[] = [];
  for (const n of onlyJetstream ? [] : suite.sizes) {
    const t0 = Date.now();
    sizes.push(await runChild(sizeOptions(suite, n)));
    process.stderr.write(`[${n}] finished in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  // Shard by symbol: one engine against two sharing the symbols, at the largest size up to 10,000.
  const shardSize = Math.max(0, ...suite.sizes.filter((n) => n <= 10_000));
  const shards =
    suite.workloads.includes('candle') && !onlyJetstream && shardSize > 0
      ? await compareShards(sizeOptions(suite, shardSize).plan, 2, suite.quick ? 1 : 2, ENGINE_NODE_FLAGS)
      : 'not selected';
  const jetstream = suite.workloads.includes('jetstream') ? await runJetStreamSizes(suite) : 'not selected';
  const results: F = {
    startedAt: new Date(started).toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    quick: suite.quick,
    workloads: suite.workloads,
    seconds: Math.round((Date.now() - started) / 1000),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    options: suite.sizes.map((n) => sizeOptions(suite, n)),
    sizes,
    shards,
    jetstream,
  };
  const previous = join(suite.out, 'results.json');
  const merged: F =
    onlyJetstream && existsSync(previous)
      ? {
          ...(JSON.parse(readFileSync(previous, 'utf8')) as F),
          jetstream,
          jetstreamRun: { startedAt: results.startedAt, seconds: results.seconds, loadAverageAtStart: loadAtStart, loadAverageAtEnd: results.loadAverageAtEnd },
        }
      : results;
  const paths = writeResults(suite.out, merged);
  process.stdout.write(`${renderReport(merged)}\nwrote ${paths.json} and ${paths.markdown}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
