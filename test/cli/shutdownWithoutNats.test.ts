import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';
import { committedSeq, jetstreamRunArgs, publishDemoFeed, spawnEngine, waitForCommitted } from './engineProcess.js';

describe('shutdown while the NATS server is away', () => {
  let nats: NatsServerHandle | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ts-shutdown-'));
  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits on SIGTERM with its state flushed, within seconds, after the server went away', async () => {
    nats = await startNatsServer();
    const last = publishDemoFeed(nats.url, ['--seed', '3', '--strategies', '60', '--candles', '20']);
    const db = join(dir, 'state.db');
    const engine = spawnEngine(jetstreamRunArgs(nats.url, db));
    await engine.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start', 90_000);
    await waitForCommitted(db, last, 60_000);
    await nats.stop();
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    engine.child.kill('SIGTERM');
    const code = await Promise.race([engine.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
    const seconds = (Date.now() - t0) / 1000;
    if (code === 'still running') engine.child.kill('SIGKILL');
    console.log(`shutdown without NATS took ${seconds.toFixed(1)} s; last log lines: ${JSON.stringify(engine.lines.slice(-5).map((l) => `${Number(l.time) % 100000} ${String(l.msg)}`))}`);
    // Found by a bug hunt: the source drained a connection that reconnects forever, so SIGTERM
    // never ended the process (a supervisor would SIGKILL it after its grace period).
    expect({ code, within: seconds < 15 }).toEqual({ code: 0, within: true });
    expect(committedSeq(db)).toBe(last);
  }, 120_000);
});
