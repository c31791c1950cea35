import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';
import { committedSeq, jetstreamRunArgs, publishDemoFeed, spawnEngine, waitForCommitted } from './engineProcess.js';

// Found by a bug hunt: when the last committed message is gone from the stream at a restart
// (deleted, or aged out by the stream's limits), the rebuild never saw its seq. It then took the
// next new input as rebuilt (never stored nor acked) and, on a quiet stream, never became ready.
describe('a restart after the last committed message left the stream', () => {
  let nats: NatsServerHandle | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ts-gap-'));
  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('becomes ready without new input, then stores and acks the next one', async () => {
    nats = await startNatsServer();
    const last = publishDemoFeed(nats.url, ['--seed', '4', '--strategies', '60', '--candles', '20']);
    const db = join(dir, 'state.db');
    const args = jetstreamRunArgs(nats.url, db);
    const first = spawnEngine(args);
    await first.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start', 90_000);
    await waitForCommitted(db, last, 60_000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const lastTick = await jsm.streams.getMessage('TRADESTREAM', { seq: last });
      if (lastTick === null) throw new Error(`message ${last} not in the stream`);
      expect(await jsm.streams.deleteMessage('TRADESTREAM', last)).toBe(true);

      const second = spawnEngine(args);
      // The rebuild ends where the replay does, with no input after the gap.
      await second.waitForLog((l) => String(l.msg).startsWith('state rebuilt'), 'the rebuild to end', 60_000);
      const url = String((await second.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start')).url).replace(/^ws/, 'http').replace(/\/ws$/, '');
      expect((await fetch(`${url}/readyz`)).status).toBe(200);

      // A new tick (the deleted one, a minute later) is live: stored, committed and acked.
      const tick = lastTick.json<{ symbol: string; ts: string | number; price: number; size: number }>();
      const later = { ...tick, ts: new Date(new Date(tick.ts).getTime() + 60_000).toISOString() };
      const ack = await jetstream(nc).publish(lastTick.subject, JSON.stringify(later));
      expect(ack.seq).toBe(last + 1);
      await waitForCommitted(db, last + 1, 30_000);
      expect(committedSeq(db)).toBe(last + 1);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await nc.close();
    }
  }, 180_000);
});
