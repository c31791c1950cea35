import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import type { Decision, EngineOutput, OutputBatch, Rejection, SourceInput } from '../../src/domain/types.js';
import { DecisionLog } from '../../src/sinks/decisionLog.js';
import { decodeMessage } from '../../src/sources/decode.js';
import { demoEvents } from '../../src/sources/demo/demoFeed.js';
import { tradingPipeline } from '../../src/streams/tradingPipeline.js';

function demoConfig(seed: number, strategies = 300, candles = 150) {
  const config = defaultConfig();
  return { ...config, demo: { ...config.demo, seed, strategies, candles, speed: 'max' as const } };
}

async function run(inputs: readonly SourceInput[], config = defaultConfig()): Promise<OutputBatch[]> {
  return lastValueFrom(from(inputs).pipe(tradingPipeline(config), toArray()));
}

function fingerprint(batches: readonly OutputBatch[]): { hash: string; decisions: Decision[] } {
  const log = new DecisionLog();
  const decisions: Decision[] = [];
  for (const batch of batches)
    for (const output of batch.outputs)
      if (output.kind === 'decision') {
        log.append(output);
        decisions.push(output);
      }
  return { hash: log.fingerprint(), decisions };
}

const outputsOf = <K extends EngineOutput['kind']>(batches: readonly OutputBatch[], kind: K) =>
  batches.flatMap((b) => b.outputs.filter((o): o is Extract<EngineOutput, { kind: K }> => o.kind === kind));

describe('tradingPipeline on the demo feed', () => {
  it('produces byte-identical decision logs for two runs of the same seed, and a different one for another seed', async () => {
    const config = demoConfig(7);
    const events = [...demoEvents(config.demo, config.evaluation.interval)];
    const first = fingerprint(await run(events, config));
    const second = fingerprint(await run([...demoEvents(config.demo, config.evaluation.interval)], config));
    expect(first.decisions.length).toBeGreaterThan(300);
    expect(second.hash).toBe(first.hash);
    const other = demoConfig(8);
    const third = fingerprint(await run([...demoEvents(other.demo, other.evaluation.interval)], other));
    expect(third.hash).not.toBe(first.hash);
  });

  it('runs every phase: scores, ensembles, a rotation, sizes, opened positions and a portfolio', async () => {
    const config = demoConfig(11, 400, 240);
    const batches = await run([...demoEvents(config.demo, config.evaluation.interval)], config);
    const { decisions } = fingerprint(batches);
    const kinds = new Set(decisions.map((d) => d.decision));
    expect(kinds).toContain('strategy.accepted');
    expect(kinds).toContain('ensemble.changed');
    expect(kinds).toContain('rotation');
    expect(kinds).toContain('position.opened');
    expect(outputsOf(batches, 'score').length).toBeGreaterThan(0);
    expect(outputsOf(batches, 'size').some((s) => s.size > 0)).toBe(true);
    const portfolios = outputsOf(batches, 'portfolio');
    const last = portfolios[portfolios.length - 1];
    expect(last?.equity).toBeGreaterThan(0);
    // Equity is cash plus marked positions: every portfolio output must be internally consistent.
    for (const p of portfolios) expect(p.drawdown).toBeCloseTo(Math.max(0, 1 - p.equity / p.highWaterMark), 12);
    // Every size stays inside the hard limits (2% at risk with a 5% stop: at most 0.4 of equity).
    for (const s of outputsOf(batches, 'size')) expect(s.size).toBeLessThanOrEqual(0.4 + 1e-12);
  });
});

describe('tradingPipeline with malformed input', () => {
  const prefix = 'tradestream';
  const opts = { subjectPrefix: prefix, maxBytes: 65_536 };
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  const strategy = (over: Record<string, unknown>) =>
    JSON.stringify({
      symbol: 'BTC/USD',
      type: 'SMA_RSI',
      parameters: { rsiPeriod: 14 },
      score: 0.9,
      discoveredAt: '2026-10-20T00:00:00Z',
      window: { start: '2026-06-01T00:00:00Z', end: '2026-10-01T00:00:00Z' },
      ...over,
    });
  const candle = (i: number, over: Record<string, unknown> = {}) =>
    JSON.stringify({ symbol: 'BTC/USD', ts: t0 + i * 60_000, open: 100 + i, high: 102 + i, low: 99 + i, close: 101 + i, volume: 5, interval: '1m', ...over });

  const messages: { subject: string; data: string; valid: boolean; expect?: RegExp }[] = [
    { subject: `${prefix}.strategies.BTC-USD`, data: strategy({}), valid: true },
    { subject: `${prefix}.strategies.BTC-USD`, data: '{"symbol": "BTC/USD", ', valid: false, expect: /JSON/i },
    { subject: `${prefix}.strategies.BTC-USD`, data: strategy({ score: undefined }), valid: false, expect: /score/ },
    { subject: `${prefix}.strategies.BTC-USD`, data: strategy({ score: 'high' }), valid: false, expect: /score/ },
    { subject: `${prefix}.strategies.BTC-USD`, data: strategy({ type: 'NO_SUCH_TYPE' }), valid: false, expect: /NO_SUCH_TYPE/ },
    { subject: `${prefix}.strategies.BTC-USD`, data: strategy({ parameters: { rsiPeriod: 1 } }), valid: false, expect: /rsiPeriod/ },
    { subject: `${prefix}.strategies.BTC-USD`, data: strategy({ type: 'EMA_MACD', parameters: { shortEmaPeriod: 20, longEmaPeriod: 15 } }), valid: false, expect: /shortEmaPeriod/ },
    { subject: `${prefix}.strategies.BTC-USD`, data: strategy({ type: 'EMA_MACD', parameters: { shortEmaPeriod: 5 } }), valid: true },
    ...Array.from({ length: 60 }, (_, i) => ({ subject: `${prefix}.prices.BTC-USD`, data: candle(i), valid: true })),
    { subject: `${prefix}.prices.BTC-USD`, data: candle(60, { close: 'NaN' }), valid: false, expect: /close/ },
    { subject: `${prefix}.prices.BTC-USD`, data: candle(61, { open: -5 }), valid: false, expect: /open/ },
    { subject: `${prefix}.prices.BTC-USD`, data: candle(62, { low: 0 }), valid: false, expect: /low/ },
    { subject: `${prefix}.prices.BTC-USD`, data: candle(63, { high: 50 }), valid: false, expect: /high/ },
    { subject: `${prefix}.prices.BTC-USD`, data: candle(64, { volume: undefined }), valid: false, expect: /volume/ },
    { subject: `${prefix}.prices.BTC-USD`, data: '[1,2,3]', valid: false, expect: /object/ },
    { subject: `${prefix}.prices.BTC-USD`, data: candle(65), valid: true },
  ];

  it('counts each bad message with a reason naming the field, and processes every valid one', async () => {
    const inputs = messages.map((m, i) => decodeMessage(m.data, m.subject, i + 1, opts));
    const batches = await run(inputs);
    expect(batches).toHaveLength(messages.length);
    const rejections = outputsOf(batches, 'rejection');
    const bad = messages.filter((m) => !m.valid);
    expect(rejections).toHaveLength(bad.length);
    for (const [i, m] of messages.entries()) {
      const rejection = batches[i]?.outputs.find((o): o is Rejection => o.kind === 'rejection');
      if (m.valid) expect(rejection, `message ${i} should be valid`).toBeUndefined();
      else expect(rejection?.reason, `message ${i}`).toMatch(m.expect as RegExp);
    }
    const accepted = fingerprint(batches).decisions.filter((d) => d.decision === 'strategy.accepted');
    expect(accepted).toHaveLength(2);
    // 61 valid candles were applied: the last valid candle's close is the portfolio's mark for BTC.
    const scores = outputsOf(batches, 'score');
    expect(new Set(scores.map((s) => s.strategyId)).size).toBe(2);
  });
});
