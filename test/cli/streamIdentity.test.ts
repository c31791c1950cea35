// Found by a bug hunt: after the input stream was deleted and created again, a restart replayed the
// new stream's first inputs as the file's history (their sequence numbers start again at 1), then
// consumed after the file's committed seq: none of the new inputs was ever applied, silently.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';
import { jetstreamRunArgs, publishDemoFeed, spawnEngine, waitForCommitted } from './engineProcess.js';

describe('a state file and the stream it was written from', () => {
  let nats: NatsServerHandle;
  const dir = mkdtempSync(join(tmpdir(), 'ts-stream-id-'));
  beforeAll(async () => {
    nats = await startNatsServer();
  }, 60_000);
  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const deleteStream = async () => {
    const nc = await connect({ servers: nats.url });
    try {
      expect(await (await jetstreamManager(nc)).streams.delete('TRADESTREAM')).toBe(true);
    } finally {
      await nc.close();
    }
  };

  it('refuses a restart on a stream created again, or shorter than what the file committed, recording nothing', async () => {
    const db = join(dir, 'state.db');
    const args = jetstreamRunArgs(nats.url, db);
    const first = publishDemoFeed(nats.url, ['--seed', '5', '--strategies', '60', '--candles', '20']);
    const engine = spawnEngine(args);
    await engine.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start', 60_000);
    await waitForCommitted(db, first);
    engine.child.kill('SIGTERM');
    expect(await engine.exited).toBe(0);

    await deleteStream();
    const longer = publishDemoFeed(nats.url, ['--seed', '6', '--strategies', '120', '--candles', '40']);
    expect(longer).toBeGreaterThan(first);
    const recreated = spawnEngine(args);
    expect(await recreated.exited).toBe(2);
    expect(recreated.stderr.join('')).toMatch(/refused: written by an engine with other settings \(stream\.created: "[^"]+" in the file, "[^"]+" now\)/);

    // A file from before identities were recorded has no creation time to compare: the stream's end
    // before the file's committed input is then what gives the new stream away, and nothing is
    // recorded in the file it refuses (found by a hunt: a failed start wrote its identity in).
    await deleteStream();
    const second = publishDemoFeed(nats.url, ['--seed', '7', '--strategies', '30', '--candles', '10']);
    expect(second).toBeLessThan(first);
    const legacy = new Database(db);
    legacy.prepare("DELETE FROM meta WHERE key = 'identity'").run();
    legacy.close();
    const shorter = spawnEngine(args);
    expect(await shorter.exited).toBe(2);
    expect(shorter.stderr.join('')).toContain(
      `(input stream: the file committed input ${first}, the stream's last message is ${second} (a stream created again?))`,
    );
    const after = new Database(db, { readonly: true });
    expect(after.prepare("SELECT count(*) FROM meta WHERE key = 'identity'").pluck().get()).toBe(0);
    after.close();
  }, 120_000);
});
