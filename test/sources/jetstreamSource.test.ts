import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { firstValueFrom, lastValueFrom, type Subscription, take, tap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceInput } from '../../src/domain/types.js';
import { type PublishMessage, publishMessages, readPrices, readStrategies } from '../../src/sources/inputFiles.js';
import { connectNats } from '../../src/sources/jetstreamConnection.js';
import { JetStreamSource, type JetStreamSourceOptions } from '../../src/sources/jetstreamSource.js';
import { ensureStream } from '../../src/sources/jetstreamStream.js';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'nats');

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function* concat(...sources: AsyncIterable<PublishMessage>[]): AsyncGenerator<PublishMessage> {
  for (const source of sources) yield* source;
}

const fileMessages = (prefix: string): AsyncGenerator<PublishMessage> =>
  concat(readStrategies(join(fixtures, 'strategies.jsonl'), { subjectPrefix: prefix }), readPrices(join(fixtures, 'candles.jsonl'), { subjectPrefix: prefix }));

/** 4 strategies then 4 prices (bad lines of the fixtures are skipped by the readers). */
const FILE_KINDS = ['strategy', 'strategy', 'strategy', 'strategy', 'candle', 'candle', 'tick', 'candle'];

let server: NatsServerHandle;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let counter = 0;

/** A fresh stream name and prefix per test, so tests share one server without sharing data. */
function isolated(): { stream: string; subjectPrefix: string; consumer: string } {
  counter += 1;
  return { stream: `TS_${counter}`, subjectPrefix: `t${counter}`, consumer: `engine-${counter}` };
}

const sources: JetStreamSource[] = [];
async function openSource(opts: JetStreamSourceOptions): Promise<JetStreamSource> {
  const source = await JetStreamSource.connect({ servers: server.url }, opts);
  sources.push(source);
  return source;
}

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats({ servers: server.url });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
});

afterAll(async () => {
  for (const source of sources) await source.close().catch(() => undefined);
  await nc?.close();
  await server?.stop();
});

describe('ensureStream', () => {
  it('creates the input stream when missing, capturing strategies and prices only, and reuses it', async () => {
    const { stream, subjectPrefix } = isolated();
    const created = await ensureStream(jsm, { stream, subjectPrefix });
    expect(created.config.subjects?.sort()).toEqual([`${subjectPrefix}.control.>`, `${subjectPrefix}.prices.>`, `${subjectPrefix}.strategies.>`]);
    expect(created.config.retention).toBe('limits');
    expect(created.config.num_replicas).toBe(1);
    expect(created.config.duplicate_window).toBe(120_000 * 1_000_000);

    const reused = await ensureStream(jsm, { stream, subjectPrefix });
    expect(reused.created).toBe(created.created);

    const updated = await ensureStream(jsm, { stream, subjectPrefix, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 });
    expect(updated.created).toBe(created.created);
    expect(updated.config.duplicate_window).toBe(60_000 * 1_000_000);
    expect(updated.config.max_age).toBe(3_600_000 * 1_000_000);

    await expect(ensureStream(jsm, { stream, subjectPrefix, retention: 'interest' })).rejects.toThrow(/cannot be changed/);
    // Decisions and dead letters are not captured: publishing there finds no stream.
    await expect(js.publish(`${subjectPrefix}.decisions.BTC-USD`, '{}', { timeout: 1_000 })).rejects.toThrow();
    await expect(js.publish(`${subjectPrefix}.dlq.tick`, '{}', { timeout: 1_000 })).rejects.toThrow();
  });
});

describe('publish and consume', () => {
  it('publishes a file of strategies and candles and consumes them in order with seqs; duplicates are not stored twice', async () => {
    const names = isolated();
    await ensureStream(jsm, names);
    const progress: number[] = [];
    const first = await publishMessages(js, fileMessages(names.subjectPrefix), { onProgress: (p) => progress.push(p.published) });
    expect(first).toEqual({ published: 8, duplicates: 0, failed: 0 });
    expect(progress.at(-1)).toBe(8);

    const again = await publishMessages(js, fileMessages(names.subjectPrefix));
    expect(again).toEqual({ published: 0, duplicates: 8, failed: 0 });
    expect((await jsm.streams.info(names.stream)).state.messages).toBe(8);

    const source = await openSource(names);
    const events = await firstValueFrom(source.events(0).pipe(take(8), toArray()));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.map((e) => e.kind)).toEqual(FILE_KINDS);
    expect(events[0]).toMatchObject({ kind: 'strategy', symbol: 'BTC/USD', type: 'SMA_RSI', score: 0.9847 });
    expect(events[4]).toMatchObject({ kind: 'candle', symbol: 'BTC/USD', ts: 1795168800000, interval: 60_000 });
  });

  it('stores two trades from two files whose ids differ only past Number.MAX_SAFE_INTEGER, and still drops a repeat', async () => {
    const names = isolated();
    await ensureStream(jsm, names);
    const dir = await mkdtemp(join(tmpdir(), 'tradestream-bigid-'));
    try {
      const trade = (id: string) => `{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1,"id":${id}}\n`;
      const fa = join(dir, 'a.jsonl');
      const fb = join(dir, 'b.jsonl');
      await writeFile(fa, trade('9007199254740993'));
      await writeFile(fb, trade('9007199254740992'));
      const prices = (file: string) => readPrices(file, { subjectPrefix: names.subjectPrefix });
      expect(await publishMessages(js, prices(fa))).toEqual({ published: 1, duplicates: 0, failed: 0 });
      expect(await publishMessages(js, prices(fb))).toEqual({ published: 1, duplicates: 0, failed: 0 });
      expect(await publishMessages(js, prices(fa))).toEqual({ published: 0, duplicates: 1, failed: 0 });
      expect((await jsm.streams.info(names.stream)).state.messages).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('resumes after startAfterSeq, acks after ack(upToSeq), and reuses a durable left at the committed position', async () => {
    const names = isolated();
    await ensureStream(jsm, names);
    await publishMessages(js, fileMessages(names.subjectPrefix));

    const source = await openSource(names);
    const seen: SourceInput[] = [];
    let sub: Subscription = source.events(3).subscribe((e) => seen.push(e));
    await waitFor('5 events after seq 3', () => seen.length === 5);
    expect(seen.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8]);
    await waitFor('5 pending acks', async () => (await source.consumerInfo()).num_ack_pending === 5);

    source.ack(6);
    await waitFor('2 pending acks after ack(6)', async () => (await source.consumerInfo()).num_ack_pending === 2);
    source.ack(8);
    await waitFor('no pending acks after ack(8)', async () => (await source.consumerInfo()).num_ack_pending === 0);
    expect((await source.consumerInfo()).ack_floor.stream_seq).toBe(8);
    sub.unsubscribe();

    // A restart (a new process: a new source on its own connection, the old one closed) at the
    // committed position reuses the durable and sees only new input. Closing first matters: a pull
    // request the old consumer thread still had open could take the late tick before the restart.
    const created = (await source.consumerInfo()).created;
    await source.close();
    const restarted = await openSource(names);
    await js.publish(`${names.subjectPrefix}.prices.BTC-USD`, JSON.stringify({ symbol: 'BTC/USD', ts: 1795169000000, price: 102, size: 1 }), {
      msgID: 'late-tick',
    });
    const next = await firstValueFrom(restarted.events(8));
    expect(next).toMatchObject({ kind: 'tick', seq: 9, price: 102 });
    expect((await restarted.consumerInfo()).created).toBe(created);

    // A restart behind the durable (the store lost commits) recreates it at the store's position;
    // a new subscription on the same source first ends the previous one's consumer thread.
    sub = restarted.events(2).subscribe((e) => seen.push(e));
    seen.length = 0;
    await waitFor('7 events after seq 2', () => seen.length === 7);
    expect(seen.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    sub.unsubscribe();
  });

  // Shard by symbol: engines share the stream, each with its own durable; one left at another's
  // consumer name used to recreate that durable under it (the other failed: "was deleted").
  it("refuses the durable of an engine that owns other symbols, and leaves that engine's durable and run alone", async () => {
    const names = isolated();
    await ensureStream(jsm, names);
    await publishMessages(js, fileMessages(names.subjectPrefix));

    const first = await openSource({ ...names, symbols: 'BTC/USD' });
    const seen: SourceInput[] = [];
    let firstError: unknown = null;
    const sub = first.events(0).subscribe({ next: (e) => seen.push(e), error: (e) => (firstError = e) });
    await waitFor('8 inputs of the first engine', () => seen.length === 8);
    const created = (await first.consumerInfo()).created;

    const second = await openSource({ ...names, symbols: 'SOL/USD, ETH/USD' });
    await expect(firstValueFrom(second.events(0))).rejects.toThrow(
      `consumer ${names.consumer} of ${names.stream} is the durable of the engine owning the symbols BTC/USD, and this engine owns the symbols ETH/USD,SOL/USD: give each engine its own --consumer`,
    );
    const unsharded = await openSource(names);
    await expect(firstValueFrom(unsharded.events(0))).rejects.toThrow('and this engine owns every symbol');

    await js.publish(`${names.subjectPrefix}.prices.BTC-USD`, JSON.stringify({ symbol: 'BTC/USD', ts: 1795169000000, price: 102, size: 1 }), {
      msgID: 'after-the-refusals',
    });
    await waitFor('the next input of the first engine', () => seen.length === 9);
    expect(firstError).toBeNull();
    expect((await first.consumerInfo()).created).toBe(created);
    sub.unsubscribe();
  });

  // A symbol that no shard owns was passed over by every shard, acked and never traded, silently.
  it('warns when no engine owns a symbol it passes over, and notes when an engine for it starts', async () => {
    const names = isolated();
    await ensureStream(jsm, names);
    await publishMessages(js, fileMessages(names.subjectPrefix));
    const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
    const log = {
      info: (obj: object, msg: string) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
      warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    };
    const ownerless: (readonly string[])[] = [];
    const source = await JetStreamSource.connect(
      { servers: server.url },
      { ...names, symbols: 'BTC/USD', onOwnerless: (symbols) => ownerless.push(symbols), ownerGraceMs: 0 },
      log,
    );
    sources.push(source);
    const seen: SourceInput[] = [];
    const sub = source.events(0).subscribe((e) => seen.push(e));
    await waitFor('8 inputs', () => seen.length === 8);
    await waitFor('the warning about ETH/USD', () => lines.some((l) => l.level === 'warn' && l.obj.symbol === 'ETH/USD'));
    expect(lines.find((l) => l.obj.symbol === 'ETH/USD')?.msg).toMatch(/^no engine owns ETH\/USD: none of the stream's durables is for it/);
    expect(lines.filter((l) => l.obj.symbol !== undefined && l.obj.symbol !== 'ETH/USD')).toEqual([]);

    // An engine for ETH/USD starts on its own durable; the ETH messages passed over after it find it.
    const other = await openSource({ ...names, consumer: `${names.consumer}-eth`, symbols: 'ETH/USD' });
    const otherSub = other.events(0).subscribe();
    await waitFor("the ETH engine's durable", async () => (await other.consumerInfo().catch(() => null)) !== null);
    for (let i = 0; i < 40 && !lines.some((l) => l.level === 'info' && l.obj.symbol === 'ETH/USD'); i++) {
      await js.publish(`${names.subjectPrefix}.prices.ETH-USD`, JSON.stringify({ symbol: 'ETH/USD', ts: 1795169000000 + i, price: 3000, size: 1 }), {
        msgID: `eth-${i}`,
      });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(lines.at(-1)).toMatchObject({ level: 'info', obj: { symbol: 'ETH/USD' }, msg: 'a symbol no engine owned has an engine now' });
    // The metric's feed: ETH/USD ownerless at the first reading, nothing at the last.
    expect(ownerless[0]).toEqual(['ETH/USD']);
    expect(ownerless.at(-1)).toEqual([]);
    sub.unsubscribe();
    otherSub.unsubscribe();
  });

  it('dead-letters hostile messages with reasons, terminates them, and they are not redelivered after ack_wait', async () => {
    const names = isolated();
    const prefix = names.subjectPrefix;
    await ensureStream(jsm, names);
    const letters: Record<string, unknown>[] = [];
    const dlq = nc.subscribe(`${prefix}.dlq.>`, {
      callback: (_err, msg) => {
        letters.push({ ...msg.json<Record<string, unknown>>(), dlqSubject: msg.subject });
      },
    });
    await nc.flush();

    const candle = (over: Record<string, unknown>): string =>
      JSON.stringify({ symbol: 'BTC/USD', ts: 1795168800000, open: 100, high: 101, low: 99, close: 100.5, volume: 1, interval: '1m', ...over });
    const hostile: [string, string][] = [
      [`${prefix}.prices.BTC-USD`, '{"symbol": "BTC/USD", "ts": 1795168800000, "price": '], // invalid JSON
      [`${prefix}.prices.BTC-USD`, candle({ close: 'NaN' })],
      [`${prefix}.prices.BTC-USD`, candle({ ts: 1795168860000 })], // valid, between hostile ones
      [`${prefix}.prices.BTC-USD`, JSON.stringify({ symbol: 'BTC/USD', ts: 1795168800000, price: -5, size: 1 })],
      [`${prefix}.prices.BTC-USD`, candle({ note: 'x'.repeat(2_000) })],
      [`${prefix}.prices.ETH-USD`, candle({ ts: 1795168920000 })], // body says BTC/USD
    ];
    for (const [subject, data] of hostile) await js.publish(subject, data);

    const source = await openSource({ ...names, maxMessageBytes: 1_024, ackWaitMs: 1_000 });
    const seen: SourceInput[] = [];
    const sub = source.events(0).subscribe((e) => seen.push(e));
    await waitFor('6 inputs', () => seen.length === 6);
    expect(seen.map((e) => (e.kind === 'rejection' ? e.code : e.kind))).toEqual([
      'invalid_json',
      'not_finite',
      'candle',
      'non_positive',
      'too_large',
      'subject_mismatch',
    ]);

    await waitFor('5 dead letters', () => letters.length === 5);
    const bySeq = new Map(letters.map((l) => [l.seq, l]));
    expect(bySeq.get(1)).toMatchObject({
      dlqSubject: `${prefix}.dlq.unknown`,
      code: 'invalid_json',
      field: null,
      data: hostile[0]?.[1],
      subject: `${prefix}.prices.BTC-USD`,
    });
    expect(bySeq.get(2)).toMatchObject({ dlqSubject: `${prefix}.dlq.candle`, code: 'not_finite', field: 'close', reason: expect.stringContaining('close') });
    expect(bySeq.get(4)).toMatchObject({ dlqSubject: `${prefix}.dlq.tick`, code: 'non_positive', field: 'price', reason: expect.stringContaining('-5') });
    expect(bySeq.get(5)).toMatchObject({ dlqSubject: `${prefix}.dlq.unknown`, code: 'too_large', truncated: true });
    expect(Buffer.byteLength(String(bySeq.get(5)?.data))).toBeLessThanOrEqual(1_024);
    expect(bySeq.get(6)).toMatchObject({
      dlqSubject: `${prefix}.dlq.candle`,
      code: 'subject_mismatch',
      field: 'symbol',
      reason: expect.stringContaining('ETH/USD'),
    });

    // Seq 1 and 2 were terminated at once; 3 (valid) waits for the commit, and 4..6 behind it.
    await waitFor('4 pending after the first two terms', async () => (await source.consumerInfo()).num_ack_pending === 4);
    source.ack(3);
    await waitFor('nothing pending after ack(3)', async () => (await source.consumerInfo()).num_ack_pending === 0);

    // Let ack_wait (1 s) pass twice over: nothing may come back.
    await new Promise((r) => setTimeout(r, 2_500));
    const info = await source.consumerInfo();
    expect(info.num_redelivered).toBe(0);
    expect(info.delivered.consumer_seq).toBe(6);
    expect(seen).toHaveLength(6);
    sub.unsubscribe();
    dlq.unsubscribe();
  });
});

describe('stream order with gaps', () => {
  it('skips sequences removed from the stream (purged head, deleted message) instead of waiting for them', async () => {
    const names = isolated();
    await ensureStream(jsm, names);
    await publishMessages(js, fileMessages(names.subjectPrefix));
    await jsm.streams.purge(names.stream, { seq: 3 }); // removes 1 and 2
    await jsm.streams.deleteMessage(names.stream, 5);

    const warnings: string[] = [];
    const source = await JetStreamSource.connect({ servers: server.url }, names, { info: () => undefined, warn: (_o, msg) => warnings.push(msg) });
    sources.push(source);
    const events = await firstValueFrom(source.events(0).pipe(take(5), toArray()));
    expect(events.map((e) => e.seq)).toEqual([3, 4, 6, 7, 8]);
    expect(warnings).toEqual([]);
  });
});

describe('replayEvents', () => {
  it('cuts its window on the market clock: a price the engine would refuse as too far ahead, or a later command, neither ends nor starts it', async () => {
    const names = isolated();
    await ensureStream(jsm, names);
    const source = await openSource(names);
    const prices = `${names.subjectPrefix}.prices.BTC-USD`;
    const candle = (minute: number) =>
      JSON.stringify({
        symbol: 'BTC/USD',
        ts: Date.parse('2026-11-20T10:00:00Z') + minute * 60_000,
        open: 1,
        high: 1,
        low: 1,
        close: 1,
        volume: 1,
        interval: '1m',
      });
    await js.publish(prices, candle(0));
    await js.publish(prices, candle(1));
    // A tick with a mistyped year (2206), then an operator's command stamped by a clock a day ahead.
    await js.publish(prices, JSON.stringify({ symbol: 'BTC/USD', ts: '2206-11-20T10:01:30Z', price: 1, size: 1 }));
    await js.publish(`${names.subjectPrefix}.control.breaker-reset`, JSON.stringify({ ts: '2026-11-21T10:00:00Z', operator: 'alice', reason: 'test' }));
    await js.publish(prices, candle(2));
    await js.publish(prices, candle(3));
    const seqs = async (opts: { since?: number; until?: number }) => (await lastValueFrom(source.replayEvents(opts).pipe(toArray()))).map((e) => e.seq);
    expect(await seqs({ until: Date.parse('2026-11-20T10:02:30Z') })).toEqual([1, 2, 3, 4, 5]);
    expect(await seqs({ since: Date.parse('2026-11-20T10:01:30Z') })).toEqual([5, 6]);
  });

  it('replays from a sequence or an event time and completes at the last sequence as of the start', async () => {
    const names = isolated();
    await ensureStream(jsm, names);
    const source = await openSource(names);
    expect(await lastValueFrom(source.replayEvents().pipe(toArray()))).toEqual([]);

    await publishMessages(js, fileMessages(names.subjectPrefix));
    const all = await lastValueFrom(source.replayEvents().pipe(toArray()));
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(all.map((e) => e.kind)).toEqual(FILE_KINDS);

    const fromSix = await lastValueFrom(source.replayEvents({ fromSeq: 6 }).pipe(toArray()));
    expect(fromSix.map((e) => e.seq)).toEqual([6, 7, 8]);

    // Event time: strategies were discovered 2026-11-20T10:00..10:03 and 2026-11-21; candles from 10:00.
    // The window ends on the market clock: the discoveries of 10:03 and 11-21 (seq 3, 4) do not end
    // it, the candles of 10:00 and 10:01 (seq 5, 6) are in it, the tick of 10:02 (seq 7) ends it.
    // Found by a bug hunt: the replay stopped at seq 3, and the two candles inside the window were lost.
    const until = await lastValueFrom(source.replayEvents({ until: Date.parse('2026-11-20T10:01:30Z') }).pipe(toArray()));
    expect(until.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // The window starts on the market clock too: at the candle of 10:01 (seq 6), not at the discovery
    // of 11-21 (seq 4), which used to start it before two earlier candles (found by a bug hunt).
    const since = await lastValueFrom(source.replayEvents({ since: Date.parse('2026-11-20T10:00:30Z') }).pipe(toArray()));
    expect(since.map((e) => e.seq)).toEqual([6, 7, 8]);
    expect(await lastValueFrom(source.replayEvents({ since: Date.parse('2026-11-21T00:00:00Z') }).pipe(toArray()))).toEqual([]);

    // Messages published after a replay started are not waited for.
    let published: Promise<unknown> | undefined;
    const publishOnFirst = tap<SourceInput>(() => {
      published ??= js.publish(`${names.subjectPrefix}.prices.BTC-USD`, JSON.stringify({ symbol: 'BTC/USD', ts: 1795169000000, price: 102, size: 1 }));
    });
    const replayed = await lastValueFrom(source.replayEvents({ fromSeq: 7 }).pipe(publishOnFirst, toArray()));
    expect(replayed.map((e) => e.seq)).toEqual([7, 8]);
    expect((await published) as { seq: number }).toMatchObject({ seq: 9 });
  });

  it('errors with JetStreamSourceError when the stream does not exist', async () => {
    const source = await openSource({ stream: 'NO_SUCH_STREAM' });
    await expect(lastValueFrom(source.replayEvents())).rejects.toMatchObject({ name: 'JetStreamSourceError' });
  });
});

// Found by a bug hunt: Node hands a worker's queued messages over in one callback with no timers
// or I/O between them, so over a backlog the pipeline ran for seconds at a stretch (/healthz went
// 8.2 s without an answer). Batch work now runs in slices of about 20 ms.
describe('a backlog', () => {
  it('lets timers and I/O run between slices of batch work, and still delivers every message in order', async () => {
    const names = isolated();
    await ensureStream(jsm, names);
    const total = 400;
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        js.publish(`${names.subjectPrefix}.prices.BTC-USD`, JSON.stringify({ symbol: 'BTC/USD', ts: 1_795_168_800_000 + i, price: 100, size: 1 })),
      ),
    );
    // Batches of 10, each message 1 ms of work: the backlog is 400 ms of work, the slice about 20 ms.
    const source = await openSource({ ...names, batchSize: 10 });
    const seqs: number[] = [];
    let beforeTimer = -1;
    await lastValueFrom(
      source.events(0).pipe(
        tap((event) => {
          if (seqs.length === 0) setTimeout(() => (beforeTimer = seqs.length), 0);
          seqs.push(event.seq);
          const until = performance.now() + 1;
          while (performance.now() < until);
        }),
        take(total),
      ),
    );
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(beforeTimer).toBeGreaterThan(0);
    expect(beforeTimer).toBeLessThan(total / 2);
  });
});
