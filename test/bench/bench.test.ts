import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_NODE_FLAGS, parseArgs, renderReport, sizeOptions, writeResults } from '../../bench/run.js';
import { PHASES } from '../../bench/engines.js';
import { compareShards, shardSymbols } from '../../bench/shardRun.js';
import { runSize } from '../../bench/sizeRun.js';

// Behaviour only: the benchmark code runs on a tiny workload and writes well-formed results.
// No timing is asserted.
describe('benchmark suite', () => {
  it('runs every workload on a tiny plan with identical outputs from the pipeline and the loop', async () => {
    const result = await runSize({
      plan: { strategies: 60, warmupCandles: 2, ticksPerCandle: 20, tickCandles: 3, candleRounds: 3, candleWarmRounds: 1, seed: 7 },
      workloads: ['tick', 'candle', 'memory'],
      warmTicks: 100,
      throughputTicks: 300,
      chunkTicks: 100,
      offeredRate: 5_000,
      latencySeconds: 0.1,
    });
    expect(result.outputsMatch).toBe(true);
    const tick = result.tickThroughput as Record<string, Record<string, number>>;
    // 16 symbols × 3 candles × 20 ticks = 960 ticks: 100 warm (untimed), then 300 timed.
    expect(tick.pipeline?.warmTicks).toBe(100);
    expect(tick.pipeline?.ticks).toBe(300);
    expect(tick.loop?.candleClosingTicks).toBe(16);
    // Pauses (plain ticks over 1 ms) are counted apart; the mean without them is never above the mean.
    for (const engine of [tick.pipeline, tick.loop]) {
      expect(engine?.plainTicksOver1ms).toBeGreaterThanOrEqual(0);
      expect(engine?.plainTickMaxUs).toBeGreaterThanOrEqual(engine?.plainTickP99Us ?? Number.POSITIVE_INFINITY);
      expect(engine?.plainTickMeanWithoutPausesUs).toBeLessThanOrEqual((engine?.plainTickMeanUs ?? 0) + 0.01);
      if (engine?.plainTicksOver1ms === 0) expect(engine.plainTicksOver1msMs).toBe(0);
    }
    const latency = result.tickLatency as Record<string, Record<string, number>>;
    expect(latency.pipeline?.ticks).toBeGreaterThan(0);
    expect(latency.pipeline?.serviceP99Us).toBeGreaterThanOrEqual(latency.pipeline?.serviceP50Us ?? Number.POSITIVE_INFINITY);
    // The latency run (ticks 400–899, 0.1 s at 5,000/s) holds the third candle's first tick of every symbol (from 640):
    // 16 candle closes; the late ticks' causes add up to them all.
    for (const engine of [latency.pipeline, latency.loop]) {
      expect(engine?.candleCloses).toBe(16);
      expect(engine?.candleClosesMs).toBeGreaterThan(0);
      expect(engine?.gcMaxMs).toBeLessThanOrEqual(engine?.gcMs ?? Number.NEGATIVE_INFINITY);
      expect((engine?.ticksOver1msBehindCandleCloses ?? 0) + (engine?.ticksOver1msBehindGc ?? 0) + (engine?.ticksOver1msOther ?? 0)).toBe(engine?.ticksOver1ms);
      // Linux: the main thread's wait for a CPU over the run, from its schedstat.
      expect(engine?.mainThreadWaitingMs).toBeGreaterThanOrEqual(0);
      expect(engine?.mainThreadTimesRun).toBeGreaterThan(0);
    }
    // The control ran the same ticks at the same rate into a push that does nothing.
    const control = latency.pacingOnly;
    expect(control?.ticks).toBe(latency.pipeline?.ticks);
    expect(control?.candleCloses).toBe(16);
    expect((control?.ticksOver1msBehindCandleCloses ?? 0) + (control?.ticksOver1msBehindGc ?? 0) + (control?.ticksOver1msOther ?? 0)).toBe(
      control?.ticksOver1ms,
    );
    expect(control?.mainThreadTimesRun).toBeGreaterThan(0);
    const candle = result.candlePath as Record<string, number>;
    expect(candle.strategyCandleEvaluations).toBeGreaterThan(0);
    // Span C has 1 warm + 3 timed rounds of 16 candles, after the round that closes span B's candles: 3 × 16 timed.
    expect((result.candlePath as unknown as Record<string, Record<string, number>>).pipeline?.candles).toBe(48);
    // The loop's per-phase times over the same timed rounds: every phase, shares of one whole.
    const phases = (result.candlePath as { phases: { phase: string; nsPerEvaluation: number; msPerCandle: number; share: number }[] }).phases;
    expect(phases.map((p) => p.phase)).toEqual([...PHASES]);
    for (const p of phases) expect(p.nsPerEvaluation).toBeGreaterThanOrEqual(0);
    expect(phases.reduce((acc, p) => acc + p.share, 0)).toBeCloseTo(1, 2);
    expect(phases[0]?.share).toBeGreaterThan(0);
    expect((result.registry as Record<string, number>).symbols).toBe(16);
    // The floor ran on the engine's own strategy and series counts: 40 timed rounds of every symbol.
    const floor = result.candleFloor as {
      evaluations: number;
      candles: number;
      strategiesPerSymbol: number[];
      seriesPerSymbol: number[];
      nsPerEvaluation: Record<string, number>;
    };
    expect(floor.evaluations).toBe(40 * (result.registry as { activeStrategies: number }).activeStrategies);
    expect(floor.candles).toBe(40 * 16);
    expect(floor.seriesPerSymbol).toHaveLength(16);
    // A symbol with strategies holds their shared series (a tiny plan leaves some symbols empty).
    for (const [j, n] of floor.strategiesPerSymbol.entries()) if (n > 0) expect(floor.seriesPerSymbol[j]).toBeGreaterThan(0);
    expect(floor.nsPerEvaluation.full).toBeGreaterThan(0);
    expect((result.memory as Record<string, Record<string, number>>).pipelineLoadedAndRunning?.rssMiB).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    try {
      const paths = writeResults(dir, {
        startedAt: 'now',
        node: process.version,
        cpus: 2,
        cpu: 'x',
        quick: true,
        seconds: 1,
        sizes: [result],
        jetstream: 'skipped',
      });
      const written = JSON.parse(readFileSync(paths.json, 'utf8')) as { sizes: unknown[] };
      expect(written.sizes).toHaveLength(1);
      const report = readFileSync(paths.markdown, 'utf8');
      expect(report).toContain('## 1. Tick path');
      expect(report).toContain('## 2. Candle path');
      expect(report).toContain('## 2b. Candle path by phase');
      for (const phase of PHASES) expect(report).toMatch(new RegExp(`\\| ${phase} \\| [0-9,]+ \\([0-9.]+%\\) \\|`));
      // Figures above 999 ns print with a thousands comma (a cold, loaded run gave 5,729.3 ns at 60 strategies).
      expect(report).toMatch(/## 2c\. The candle path's floor[\s\S]*\| [0-9.,]+ \/ [0-9.,]+ \/ [0-9.,]+ \| [0-9,]+ \| [0-9.,]+× \|/);
      expect(report).toContain('## 4. Memory');
      expect(report).not.toContain('NaN');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reads sizes and workloads from flags, then the environment, and refuses unknown ones', () => {
    expect(parseArgs(['--quick'], {}).sizes).toEqual([1000, 10000]);
    expect(parseArgs([], {}).sizes).toEqual([1000, 10000, 100000]);
    expect(parseArgs([], { BENCH_SIZES: '50', BENCH_WORKLOADS: 'candle' })).toMatchObject({ sizes: [50], workloads: ['candle'] });
    expect(parseArgs(['--sizes=10', '--workloads=tick,memory'], { BENCH_SIZES: '50' })).toMatchObject({ sizes: [10], workloads: ['tick', 'memory'] });
    expect(() => parseArgs(['--workloads=disk'], {})).toThrow(/unknown disk/);
    expect(sizeOptions(parseArgs(['--quick'], {}), 10).plan.strategies).toBe(10);
  });

  it('runs the candle path as one engine and as two sharing the symbols, evaluating the same strategy-candles, and reports both', async () => {
    expect(shardSymbols(2).map((set) => set.split(',').length)).toEqual([8, 8]);
    expect(new Set(shardSymbols(2).join(',').split(',')).size).toBe(16);
    const plan = { strategies: 60, warmupCandles: 2, ticksPerCandle: 20, tickCandles: 1, candleRounds: 3, candleWarmRounds: 1, seed: 7 };
    const shards = await compareShards(plan, 2, 1, ENGINE_NODE_FLAGS);
    expect(shards.whole.strategyCandleEvaluations).toBeGreaterThan(0);
    // The split evaluates exactly what the whole engine does, each strategy by its symbol's engine.
    expect(shards.split.strategyCandleEvaluations).toBe(shards.whole.strategyCandleEvaluations);
    expect(shards.whole.shardMs[0]).toHaveLength(1);
    expect(shards.split.shardMs[0]).toHaveLength(2);
    expect(shards.split.shardCpuMs[0]).toHaveLength(2);
    expect(shards.speedup).toBeGreaterThan(0);
    const report = renderReport({ sizes: [], shards });
    expect(report).toMatch(
      /## 2d\. Shard by symbol[\s\S]*\| 2, the symbols dealt between them \| [0-9,]+ \| [0-9]+ \([0-9]+\) \+ [0-9]+ \([0-9]+\) \| [0-9,]+ \|/,
    );
    expect(report).not.toContain('NaN');
  }, 60_000);

  it("says what the latency section's pacing and attribution do: the busy-wait's clock reads make some garbage; a GC in a close counts under both", () => {
    const report = renderReport({ sizes: [{ strategies: 5, tickThroughput: {}, tickLatency: { pipeline: {}, loop: {} } }] });
    expect(report).toContain('## 1b.');
    expect(report).not.toContain('makes no garbage');
    expect(report).toContain('a collection during a candle-closing push counts under both');
  });

  it("shows the latency run's control as its own row, and no such row for results without it", () => {
    const latency = {
      offeredRate: 20_000,
      achievedRate: 20_000,
      ticksOver1ms: 7,
      ticksOver1msBehindCandleCloses: 0,
      ticksOver1msBehindGc: 2,
      ticksOver1msOther: 5,
    };
    const withControl = renderReport({
      sizes: [{ strategies: 5, tickThroughput: {}, tickLatency: { pipeline: latency, loop: latency, pacingOnly: latency } }],
    });
    expect(withControl).toMatch(/\| 5 \([^|]*\) \| none \(pacing only\) \| 20,000 \/ 20,000 \|[^\n]*\| 7 = 0 \+ 2 \+ 5 \|/);
    expect(withControl).toContain('"none (pacing only)" is the control');
    const without = renderReport({ sizes: [{ strategies: 5, tickThroughput: {}, tickLatency: { pipeline: latency, loop: latency } }] });
    expect(without).not.toContain('| none (pacing only) |');
    expect(without).toMatch(/\| loop \| 20,000 \/ 20,000 \|/);
  });

  it('renders a report without figures as dashes, not NaN', () => {
    expect(renderReport({ sizes: [{ strategies: 5, tickThroughput: {} }] })).toContain('–');
  });
});

describe('engine node flags', () => {
  // The benchmark measures the engine as deployed only while its children run with the flags that
  // `npm start` and the CLI's shebang start the engine with (README, Performance).
  it('are the same in the benchmark, npm start and the tradestream shebang', () => {
    const root = join(import.meta.dirname, '..', '..');
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
    const startFlags = start
      .split(' ')
      .slice(1)
      .filter((word) => word.startsWith('--'));
    const shebang = readFileSync(join(root, 'src', 'cli', 'tradestream.ts'), 'utf8').split('\n')[0] ?? '';
    const shebangFlags = shebang.split(' ').filter((word) => word.startsWith('--'));
    expect(ENGINE_NODE_FLAGS).toEqual(expect.arrayContaining(['--single-threaded-gc', '--max-semi-space-size=64']));
    // npm start's flags are those before the script path; the shebang's are all of its flags.
    expect(start.startsWith(`node ${ENGINE_NODE_FLAGS.join(' ')} dist/`)).toBe(true);
    expect(shebangFlags).toEqual([...ENGINE_NODE_FLAGS]);
    expect(startFlags.slice(0, ENGINE_NODE_FLAGS.length)).toEqual([...ENGINE_NODE_FLAGS]);
  });
});
