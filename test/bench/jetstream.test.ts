import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJetStream } from '../../bench/jetstreamRun.js';
import { renderReport } from '../../bench/run.js';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';

// Behaviour only, on a tiny plan against a nats-server of the test's own: workload 3 publishes the
// stream, runs the engine and the bare consumers over it, and reports every figure. No timing is
// asserted.
let server: NatsServerHandle;

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});

type F = Record<string, unknown>;
const at = (f: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as F | undefined)?.[k], f);

describe('benchmark workload 3 (JetStream end to end)', () => {
  it('consumes the whole stream with the engine and every bare consumer, and adds the main-thread ceiling', async () => {
    const plan = { strategies: 40, warmupCandles: 2, ticksPerCandle: 30, tickCandles: 2, candleRounds: 1, candleWarmRounds: 1, seed: 5 };
    const out = await runJetStream({ url: server.url, serverPid: server.pid, plan });
    const total = out.messages as number;
    expect(total).toBe((out.registrationMessages as number) + (out.tickMessages as number));
    expect(at(out, 'publish.published')).toBe(total);
    // The engine acked every message after its commits; each bare consumer parsed every one.
    expect(at(out, 'engine.ackFloor')).toBe(total);
    for (const mode of ['timer100ms', 'every100', 'each', 'timer100msRetain']) {
      expect(at(out, `bare.${mode}.parsed`)).toBe(total);
      expect(at(out, `bare.${mode}.ackFloor`)).toBe(total);
    }
    // Decoding: every message was read; the demo's rejected discoveries (bad parameters) are the only misses.
    expect(at(out, 'decodeInMemory.messages')).toBe(total);
    const decoded = at(out, 'decodeInMemory.decoded') as number;
    expect(decoded).toBeGreaterThan(total * 0.95);
    expect(decoded).toBeLessThanOrEqual(total);
    // The ceiling is the in-memory pipeline plus decoding, so never faster than the pipeline alone.
    const ceilingMs = at(out, 'mainThreadCeiling.ms') as number;
    expect(ceilingMs).toBeGreaterThanOrEqual(at(out, 'pipelineInMemory.ms') as number);
    expect(ceilingMs).toBeCloseTo((at(out, 'pipelineInMemory.ms') as number) + (at(out, 'decodeInMemory.ms') as number), 0);
    expect(out.mainThreadCeilingOverBare).toBeGreaterThan(0);
    // The CPU account (Linux /proc): every part read (null when the server's pid or /proc is missing), and the total is their sum.
    for (const run of ['engine', 'bare.timer100ms']) {
      const spent = at(out, `${run}.cpuAccount`) as { mainMs: number; newThreadsMs: number; otherThreadsMs: number; serverMs: number; totalMs: number };
      for (const part of ['mainMs', 'newThreadsMs', 'otherThreadsMs', 'serverMs'] as const) expect(spent[part], `${run} ${part}`).toBeGreaterThanOrEqual(0);
      expect(spent.totalMs).toBe(spent.mainMs + spent.newThreadsMs + spent.otherThreadsMs + spent.serverMs);
    }
    expect(at(out, 'cpuBudget.engineCpuMs')).toBe(at(out, 'engine.cpuAccount.totalMs'));
    expect(at(out, 'cpuBudget.engineCpuOverBudget')).toBeGreaterThan(0);
    expect(at(out, 'cpuBudget.floorCpuMs')).toBe(Math.round((at(out, 'bare.timer100ms.cpuAccount.totalMs') as number) + (at(out, 'pipelineInMemory.ms') as number)));
    const report = renderReport({ startedAt: 'now', node: process.version, cpus: 2, cpu: 'x', quick: true, seconds: 1, sizes: [], jetstream: [out] });
    expect(report).toMatch(/\| 40 \| [0-9,]+ \([0-9,]+ \+ [0-9,]+\) \|/);
    expect(report).toMatch(/\| [0-9,]+ \/ [0-9.]+ \(decode [0-9.]+ µs\/msg\) \|/);
    expect(report).toMatch(/\| 40 \| [0-9.]+ \| [0-9.]+ \/ [0-9.]+ \/ [0-9.]+ \/ [0-9.]+ = \*\*[0-9.]+\*\* \| [0-9.]+ \|.* \| [0-9.]+ \/ \*\*[0-9.]+\*\* \|$/m);
    expect(report).not.toContain('NaN');
  }, 120_000);
});
