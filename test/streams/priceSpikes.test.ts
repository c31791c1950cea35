// Found by a bug hunt: prices swinging within the bounds (1e-12 to 1e15) for hundreds of candles let
// a paper account buy at 1e-6 and sell at 1e6 again and again; its equity passed a double's range,
// the candle's return came out Infinity, and the pipeline stopped (at seq 442 of 601). The account
// now rebases its equity figures (test/domain/paperAccount.test.ts has the arithmetic).
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import type { SourceInput } from '../../src/domain/types.js';
import { decodeMessage } from '../../src/sources/decode.js';
import { tradingPipeline } from '../../src/streams/tradingPipeline.js';

describe('prices swinging between 1e-6 and 1e6 for a thousand candles', () => {
  it('keeps the pipeline running with every output finite', async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const opts = { subjectPrefix: 'tradestream', maxBytes: 65_536 };
    const events: SourceInput[] = [];
    const add = (subject: string, body: object): void => {
      events.push(decodeMessage(JSON.stringify(body), subject, events.length + 1, opts));
    };
    for (const [type, parameters] of [
      ['SMA_EMA_CROSSOVER', { smaPeriod: 50, emaPeriod: 50 }],
      ['EMA_MACD', {}],
      ['PARABOLIC_SAR', {}],
    ] as const) {
      add('tradestream.strategies.BTC-USD', { symbol: 'BTC/USD', type, parameters, score: 0.9, discoveredAt: t0 });
    }
    for (let i = 0; i < 1_000; i++) {
      const p = i % 7 === 0 ? 1e6 : i % 5 === 0 ? 1e-6 : 100;
      add('tradestream.prices.BTC-USD', {
        symbol: 'BTC/USD',
        ts: t0 + i * 60_000,
        open: p,
        high: p * 1.01,
        low: p * 0.99,
        close: p,
        volume: 1,
        interval: '1m',
      });
    }
    expect(events.filter((e) => e.kind === 'rejection')).toEqual([]);
    const batches = await lastValueFrom(from(events).pipe(tradingPipeline(defaultConfig()), toArray()));
    expect(batches.at(-1)?.seq).toBe(events.length);
    const notFinite = (value: unknown): boolean =>
      typeof value === 'number'
        ? !Number.isFinite(value) && value !== Number.POSITIVE_INFINITY
        : typeof value === 'object' && value !== null && Object.values(value).some(notFinite);
    expect(batches.flatMap((b) => b.outputs).filter((o) => notFinite(o))).toEqual([]);
    expect(batches.flatMap((b) => b.outputs).some((o) => o.kind === 'score' && o.liveTrades > 0)).toBe(true);
  });
});
