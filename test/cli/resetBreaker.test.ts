// DESIGN.md phase 5: "HALTED ends when an operator resets it". The reset is an input of the stream,
// so a replay applies it where the live run did.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';
import { committedSeq, jetstreamRunArgs, publishDemoFeed, readDb, runCli, spawnEngine, waitForCommitted } from './engineProcess.js';

// A breaker that halts on the first position's fees (15 bp of a size of 1.4% is 0.002% of equity).
const HAIR_TRIGGER = ['--set', 'sizing.drawdownReduce=0.00001', '--set', 'sizing.drawdownHalt=0.00002'];

describe('tradestream reset-breaker', () => {
  let nats: NatsServerHandle;
  let dir: string;
  let published: number;

  beforeAll(async () => {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'ts-reset-'));
    published = publishDemoFeed(nats.url, ['--seed', '5', '--strategies', '150', '--candles', '40']);
  }, 120_000);

  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends a HALTED breaker through the input stream, and a replay applies it at the same place', async () => {
    const db = join(dir, 'live.db');
    const engine = spawnEngine(jetstreamRunArgs(nats.url, db, ...HAIR_TRIGGER));
    await engine.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start');
    await waitForCommitted(db, published);
    const state = () =>
      readDb(db, (d) => d.prepare('select state, high_water_mark, equity from portfolio').get() as { state: string; high_water_mark: number; equity: number });
    expect(state().state).toBe('HALTED');

    const refused = runCli(['reset-breaker', '--operator', 'alice', '--nats-url', nats.url]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('tradestream: reset-breaker: --reason: field "reason" is missing');
    // An engine's option has no meaning here (the reset goes to every engine on the stream).
    const engineFlag = runCli(['reset-breaker', '--operator', 'alice', '--reason', 'x', '--db', db, '--nats-url', nats.url]);
    expect(engineFlag.status).toBe(2);
    expect(engineFlag.stderr).toContain("Unknown option '--db'");
    const limits = async () => {
      const nc = await connect({ servers: nats.url });
      try {
        const { max_age, max_bytes, duplicate_window, num_replicas } = (await (await jetstreamManager(nc)).streams.info('TRADESTREAM')).config;
        return { max_age, max_bytes, duplicate_window, num_replicas };
      } finally {
        await nc.close();
      }
    };
    const before = await limits();

    const reset = runCli(['reset-breaker', '--operator', 'alice', '--reason', 'loss reviewed', '--nats-url', nats.url]);
    expect(reset.status, reset.stderr).toBe(0);
    expect(JSON.parse(reset.stdout.trim())).toMatchObject({ published: 1, failed: 0, stream: 'TRADESTREAM' });
    await waitForCommitted(db, published + 1);
    expect(committedSeq(db)).toBe(published + 1);
    // Found by a review: the reset rewrote the stream's limits to the operator's configuration (a
    // short nats.maxAge given with it purged the stream's history). It changes nothing of the stream.
    const shortAge = runCli([
      'reset-breaker',
      '--operator',
      'bob',
      '--reason',
      'again',
      '--nats-url',
      nats.url,
      '--set',
      'nats.maxAge=2000',
      '--set',
      'nats.duplicateWindow=1000',
    ]);
    expect(shortAge.status, shortAge.stderr).toBe(0);
    expect(await limits()).toEqual(before);
    await waitForCommitted(db, published + 2);
    const after = state();
    expect(after).toEqual({ state: 'NORMAL', high_water_mark: after.equity, equity: after.equity });
    const decision = readDb(db, (d) => d.prepare('select line from decisions order by seq_no desc limit 1').pluck().get() as string);
    expect(JSON.parse(decision)).toMatchObject({
      decision: 'breaker.changed',
      seq: published + 2,
      symbol: null,
      details: { from: 'NORMAL', to: 'NORMAL', operator: 'bob' },
      reason: expect.stringMatching(/^operator reset at \d+: high-water mark re-based from .* to equity .*, by bob \(issued .*Z\): again$/),
    });

    // Addressed to the engines of some symbols (sharded engines): this one owns every symbol.
    const badSymbols = runCli(['reset-breaker', '--operator', 'carol', '--reason', 'x', '--symbols', 'DOGE/USD,doge', '--nats-url', nats.url]);
    expect(badSymbols.status).toBe(2);
    expect(badSymbols.stderr).toContain('reset-breaker: --symbols: field "symbols" holds "doge", which is not a symbol like "BTC/USD"');
    const addressed = runCli(['reset-breaker', '--operator', 'carol', '--reason', 'doge desk', '--symbols', 'DOGE/USD', '--nats-url', nats.url]);
    expect(addressed.status, addressed.stderr).toBe(0);
    await waitForCommitted(db, published + 3);
    const last = readDb(db, (d) => d.prepare('select line from decisions order by seq_no desc limit 1').pluck().get() as string);
    expect(JSON.parse(last)).toMatchObject({
      decision: 'breaker.changed',
      seq: published + 3,
      reason: expect.stringMatching(/, by carol for DOGE\/USD \(issued .*Z\): doge desk$/),
    });

    engine.child.kill('SIGTERM');
    const stopped = await engine.waitForLog((l) => l.msg === 'stopped', 'stop');
    expect(await engine.exited).toBe(0);
    const replay = runCli(['replay', '--from-seq', '1', '--db', join(dir, 'replay.db'), '--nats-url', nats.url, '--json', ...HAIR_TRIGGER]);
    expect(replay.status, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout).fingerprint).toBe(stopped.fingerprint);
  }, 180_000);

  it('refuses a stream that does not capture the control subjects, changing nothing', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      await (await jetstreamManager(nc)).streams.add({ name: 'OLD', subjects: ['old.strategies.>', 'old.prices.>'] });
    } finally {
      await nc.close();
    }
    const r = runCli(['reset-breaker', '--operator', 'alice', '--reason', 'x', '--nats-url', nats.url, '--stream', 'OLD', '--set', 'nats.subjectPrefix=old']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('tradestream: stream OLD does not capture old.control.>: start the engine on it once (it adds the subjects), then try again');
  }, 60_000);
});
