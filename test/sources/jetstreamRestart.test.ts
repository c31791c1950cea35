import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SourceInput } from '../../src/domain/types.js';
import { type PublishMessage, publishMessages } from '../../src/sources/inputFiles.js';
import { connectNats } from '../../src/sources/jetstreamConnection.js';
import { JetStreamSource } from '../../src/sources/jetstreamSource.js';
import { ensureStream } from '../../src/sources/jetstreamStream.js';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function ticks(from: number, count: number): PublishMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const ts = 1795168800000 + (from + i) * 1_000;
    return { subject: 'tradestream.prices.BTC-USD', data: JSON.stringify({ symbol: 'BTC/USD', ts, price: 100 + i / 100, size: 1 }), msgId: `tick:${ts}` };
  });
}

let server: NatsServerHandle;
let nc: NatsConnection;
let source: JetStreamSource | undefined;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats({ servers: server.url });
});

afterAll(async () => {
  await source?.close().catch(() => undefined);
  await nc?.close().catch(() => undefined);
  await server?.stop();
});

it('reconnects after a server restart mid-consume and delivers the rest in order', async () => {
  await ensureStream(await jetstreamManager(nc), {});
  expect(await publishMessages(jetstream(nc), ticks(0, 1_000))).toEqual({ published: 1_000, duplicates: 0, failed: 0 });

  // max_ack_pending 100 and no acks: delivery stops at 100, in the middle of the stream.
  source = await JetStreamSource.connect({ servers: server.url }, { maxAckPending: 100, ackWaitMs: 2_000, batchSize: 50 });
  const seen: SourceInput[] = [];
  let acking = false;
  const errors: unknown[] = [];
  const sub = source.events(0).subscribe({
    next: (event) => {
      seen.push(event);
      if (acking) source?.ack(event.seq);
    },
    error: (error) => errors.push(error),
  });
  await waitFor('100 inputs before the restart', () => seen.length === 100);
  await waitFor('100 pending acks', async () => (await source?.consumerInfo())?.num_ack_pending === 100);

  const pidBefore = server.pid;
  await server.restart();
  expect(server.pid).not.toBe(pidBefore);

  // The engine commits what it has; delivery resumes on the same durable.
  acking = true;
  source.ack(100);
  // Publishes across the restart are retried with their msgID by publishMessages.
  const more = await publishMessages(jetstream(nc), ticks(1_000, 200), { retryDelayMs: 200 });
  expect(more.failed).toBe(0);
  await waitFor('all 1,200 inputs', () => seen.length >= 1_200, 30_000);
  expect(errors).toEqual([]);
  expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 1_200 }, (_, i) => i + 1));
  expect(seen.every((e) => e.kind === 'tick')).toBe(true);
  await waitFor('every ack settled', async () => (await source?.consumerInfo())?.num_ack_pending === 0);
  sub.unsubscribe();
});
