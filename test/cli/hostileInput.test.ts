import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import Database from 'better-sqlite3';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWireMessage } from '../../src/cli/demoFeedCommand.js';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import { parseStrategy } from '../../src/domain/strategies/catalog.js';
import type { Portfolio, Position } from '../../src/domain/types.js';
import { demoEvents } from '../../src/sources/demo/demoFeed.js';
import { ensureStream } from '../../src/sources/jetstreamStream.js';
import { tradingPipeline } from '../../src/streams/tradingPipeline.js';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';
import { committedSeq, jetstreamRunArgs, spawnEngine } from './engineProcess.js';

const PREFIX = 'tradestream';

/** 1,000 hostile messages, 125 of each of 8 kinds, each naming what must be refused. */
function hostileMessages(): { subject: string; data: string; kind: string }[] {
  const t = '2026-11-01T00:00:00Z';
  const kinds: ((i: number) => { subject: string; data: string })[] = [
    (i) => ({ subject: `${PREFIX}.prices.BTC-USD`, data: `{"symbol":"BTC/USD","ts":${i},` }),
    (i) => ({ subject: `${PREFIX}.prices.BTC-USD`, data: JSON.stringify({ symbol: 'BTC/USD', ts: t, price: 'cheap', size: i }) }),
    () => ({ subject: `${PREFIX}.strategies.BTC-USD`, data: JSON.stringify({ symbol: 'BTC/USD', type: 'SMA_RSI', parameters: { pad: 'x'.repeat(70_000) }, score: 0.5, discoveredAt: t }) }),
    () => ({ subject: `${PREFIX}.prices.ETH-USD`, data: JSON.stringify({ symbol: 'ETH/USD', ts: t, open: 1, high: 2, low: 0.5, close: 'NaN', volume: 1, interval: '1m' }) }),
    () => ({ subject: `${PREFIX}.prices.ETH-USD`, data: JSON.stringify({ symbol: 'ETH/USD', ts: t, price: -3, size: 1 }) }),
    (i) => ({ subject: `${PREFIX}.strategies.SOL-USD`, data: JSON.stringify({ symbol: 'SOL/USD', type: `NOT_A_TYPE_${i}`, parameters: {}, score: 0.5, discoveredAt: t }) }),
    () => ({ subject: `${PREFIX}.strategies.SOL-USD`, data: JSON.stringify({ symbol: 'SOL/USD', type: 'EMA_MACD', parameters: { shortEmaPeriod: 30, longEmaPeriod: 12 }, score: 0.5, discoveredAt: t }) }),
    () => ({ subject: `${PREFIX}.prices.XRP-USD`, data: JSON.stringify({ symbol: 'BTC/USD', ts: t, price: 1, size: 1 }) }),
  ];
  const names = ['invalid_json', 'wrong_type', 'too_large', 'not_finite', 'non_positive', 'unknown_type', 'bad_parameter', 'subject_mismatch'];
  return Array.from({ length: 1000 }, (_, i) => ({ ...(kinds[i % 8] as (i: number) => { subject: string; data: string })(i), kind: names[i % 8] as string }));
}

describe('hostile input on JetStream', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let dir: string;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    dir = mkdtempSync(join(tmpdir(), 'ts-hostile-'));
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dead-letters every one of 1,000 hostile messages with a reason, stays up, and applies every valid one', async () => {
    const base = defaultConfig();
    const config = { ...base, demo: { ...base.demo, seed: 21, strategies: 120, candles: 30, speed: 'max' as const } };
    // The demo deliberately includes a few strategies with out-of-range parameters: leave them out,
    // so that every message here is either valid or one of the 1,000 hostile ones.
    const valid = [...demoEvents(config.demo, config.evaluation.interval)].filter((e) => e.kind !== 'strategy' || parseStrategy(e.type, e.parameters).ok);
    const hostile = hostileMessages();
    await ensureStream(await jetstreamManager(nc), { stream: 'TRADESTREAM', subjectPrefix: PREFIX });
    const js = jetstream(nc);
    // Hostile messages spread evenly among the valid ones.
    const every = Math.floor(valid.length / hostile.length);
    let h = 0;
    for (const [i, event] of valid.entries()) {
      const m = toWireMessage(event, PREFIX, 'hostile');
      await js.publish(m.subject, m.data);
      if (i % every === 0 && h < hostile.length) {
        const bad = hostile[h++] as { subject: string; data: string };
        await js.publish(bad.subject, bad.data);
      }
    }
    while (h < hostile.length) {
      const bad = hostile[h++] as { subject: string; data: string };
      await js.publish(bad.subject, bad.data);
    }
    const total = valid.length + hostile.length;

    const deadLetters: { code: string; reason: string; subject: string }[] = [];
    const sub = nc.subscribe(`${PREFIX}.dlq.>`, {
      callback: (_err, msg) => {
        deadLetters.push(msg.json());
      },
    });
    const db = join(dir, 'hostile.db');
    const engine = spawnEngine(jetstreamRunArgs(nats.url, db));
    const running = await engine.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start');
    const deadline = Date.now() + 90_000;
    while ((committedSeq(db) < total || deadLetters.length < hostile.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const tail = () => `engine's last lines: ${JSON.stringify(engine.lines.slice(-8))}; stderr: ${engine.stderr.join('').slice(-1000)}`;
    expect(committedSeq(db), tail()).toBe(total);
    expect(engine.child.exitCode, tail()).toBeNull();
    sub.unsubscribe();

    expect(deadLetters).toHaveLength(1000);
    const byCode = new Map<string, number>();
    for (const d of deadLetters) {
      expect(d.reason.length).toBeGreaterThan(5);
      byCode.set(d.code, (byCode.get(d.code) ?? 0) + 1);
    }
    for (const kind of new Set(hostile.map((m) => m.kind))) expect(byCode.get(kind), kind).toBe(125);
    // The dead letters are counted in the metrics, by kind and code.
    const metricsUrl = String(running.url).replace(/^ws/, 'http').replace(/\/ws$/, '/metrics');
    const counted = (await (await fetch(metricsUrl)).text())
      .split('\n')
      .filter((l) => l.startsWith('tradestream_dead_letters_total{'))
      .reduce((sum, l) => sum + Number(l.split(' ')[1]), 0);
    expect(counted).toBe(1000);

    // Every valid input applied: the final positions and portfolio equal an in-process run of the valid inputs alone.
    const batches = await lastValueFrom(from(valid).pipe(tradingPipeline(config), toArray()));
    const outputs = batches.flatMap((b) => b.outputs);
    const portfolio = outputs.filter((o): o is Portfolio => o.kind === 'portfolio').at(-1);
    const positions = new Map<string, Position>();
    for (const o of outputs) if (o.kind === 'position') positions.set(o.positionId, o);
    const d = new Database(db, { readonly: true });
    try {
      const stored = d.prepare('select equity, cash from portfolio').get() as { equity: number; cash: number };
      expect(stored.equity).toBe(portfolio?.equity);
      expect(stored.cash).toBe(portfolio?.cash);
      const rows = d.prepare('select position_id, entry_price, status, pnl from trading_positions order by position_id').all();
      expect(rows).toEqual(
        [...positions.values()]
          .sort((a, b) => (a.positionId < b.positionId ? -1 : 1))
          .map((p) => ({ position_id: p.positionId, entry_price: p.entryPrice, status: p.status, pnl: p.pnl })),
      );
      expect((d.prepare('select count(*) n from rejections').get() as { n: number }).n).toBe(1000);
    } finally {
      d.close();
    }
    engine.child.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
  }, 180_000);
});
