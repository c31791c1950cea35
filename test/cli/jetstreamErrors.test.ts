import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';
import { jetstreamRunArgs, publishDemoFeed, runCli, spawnEngine } from './engineProcess.js';

/** The one line a user error or a server's refusal must be: no stack frames. */
function expectOneLine(stderr: string, ...parts: string[]): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  for (const part of parts) expect(stderr).toContain(part);
}

// Found by a bug hunt: errors of the stream or of the source ended in stack traces (and hangs).
describe('the CLI on JetStream errors', () => {
  let nats: NatsServerHandle;
  let dir: string;

  beforeAll(async () => {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'ts-jserr-'));
    publishDemoFeed(nats.url, ['--seed', '5', '--strategies', '30', '--candles', '5']);
  }, 120_000);

  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a stream the server refuses in one line with the reason, exit 1', () => {
    // The engine owns the stream's settings: its start refuses a retention the stream cannot change to.
    const r = runCli(jetstreamRunArgs(nats.url, join(dir, 'retention.db'), '--set', 'nats.retention=interest'));
    expect(r.status, r.stderr).toBe(1);
    expectOneLine(r.stderr, 'tradestream: stream TRADESTREAM has retention limits');
  });

  // Found by a bug hunt: publish and demo-feed created the stream or updated its limits to their own
  // configuration, so a publish without the engine's settings rewrote them (a short nats.maxAge
  // given with it purged the history), as reset-breaker once did.
  it("publish and demo-feed leave an existing stream's settings as they are, and refuse one that does not capture their subjects", async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const limits = async () => {
        const { max_age, max_bytes, duplicate_window, num_replicas, subjects } = (await jsm.streams.info('TRADESTREAM')).config;
        return { max_age, max_bytes, duplicate_window, num_replicas, subjects };
      };
      const before = await limits();
      const csv = join(dir, 'one.csv');
      writeFileSync(csv, 'symbol,ts,open,high,low,close,volume\nBTC/USD,1793491200000,1,2,0.5,1.5,10\n');
      const published = runCli(['publish', 'prices', csv, '--nats-url', nats.url, '--set', 'nats.maxAge=2000', '--set', 'nats.duplicateWindow=1000']);
      expect(published.status, published.stderr).toBe(0);
      const fed = runCli(['demo-feed', '--to-nats', '--nats-url', nats.url, '--candles', '1', '--set', 'nats.maxAge=2000']);
      expect(fed.status, fed.stderr).toBe(0);
      expect(await limits()).toEqual(before);

      await jsm.streams.add({ name: 'PRICES_ONLY', subjects: ['desk.prices.>'] });
      const refused = runCli(['publish', 'prices', csv, '--nats-url', nats.url, '--stream', 'PRICES_ONLY', '--set', 'nats.subjectPrefix=desk']);
      expect(refused.status).toBe(1);
      expectOneLine(
        refused.stderr,
        'tradestream: stream PRICES_ONLY does not capture desk.strategies.>: start the engine on it once (it adds the subjects), then try again',
      );
    } finally {
      await nc.close();
    }
  }, 60_000);

  // Found by a bug hunt: the engine printed a stack trace and never exited (its NATS connection and
  // state lock were only released after a clean end).
  it('run: a fatal source error ends the engine with one line, exit 1, the lock released', async () => {
    const db = join(dir, 'fatal.db');
    const engine = spawnEngine(jetstreamRunArgs(nats.url, db, '--set', 'nats.retention=interest'));
    const code = await Promise.race([engine.exited, new Promise((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000))]);
    if (code === 'still running after 20 s') engine.child.kill('SIGKILL');
    expect(code, engine.stderr.join('')).toBe(1);
    expectOneLine(engine.stderr.join(''), 'tradestream: ', 'has retention limits');
    expect(existsSync(`${db}.lock.pid`)).toBe(false);
  }, 60_000);

  // Found by a bug hunt: a stack trace, and the new --db left behind, so a retry was refused.
  it('replay: a missing stream is one line, exit 1, and leaves no --db behind', () => {
    const db = join(dir, 'nostream.db');
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = runCli(['replay', '--from-seq', '1', '--stream', 'NOPE', '--db', db, '--nats-url', nats.url]);
      expect(r.status, r.stderr).toBe(1);
      expectOneLine(r.stderr, 'tradestream: cannot replay NOPE: ', 'stream not found');
      expect(existsSync(db)).toBe(false);
    }
  });

  // Found by a bug hunt: each gave a raw stack trace (EEXIST from mkdir, SQLITE_NOTADB, or the
  // empty path opened as a temporary database).
  it('bad --db paths: one line naming --db and the path, exit 2', () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database\n');
    const through = join(text, 'x.db');
    const cases: [string[], string[]][] = [
      [['run', '--port', '0', '--db', through], [`--db ${through}: cannot create its directory`]],
      [['run', '--port', '0', '--db', ''], ['store.db: "" is not allowed (expected a file path (not empty))']],
      [
        ['run', '--source', 'jetstream', '--nats-url', nats.url, '--port', '0', '--db', text],
        [`state file ${text}: cannot open as a writable state database`, '(--db)'],
      ],
      [
        ['replay', '--from-seq', '1', '--nats-url', nats.url, '--db', through],
        [`state file ${through}: cannot open as a writable state database`, '(--db)'],
      ],
    ];
    for (const [args, parts] of cases) {
      const r = runCli(args, 30_000);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      // A config error lists its problems on a second line.
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      for (const part of parts) expect(r.stderr).toContain(part);
    }
  }, 120_000);

  // Found by a bug hunt: `publish prices --interval 5m` (the engine on 1m candles) skipped every
  // line and exited 0, as did any file of bad lines only.
  it("publish: an interval other than the engine's is a usage error, and a file of bad lines only exits 1 with its summary", () => {
    const csv = join(dir, 'prices.csv');
    writeFileSync(csv, 'symbol,ts,open,high,low,close,volume\nBTC/USD,1793491200000,1,2,0.5,1.5,10\n');
    const wrong = runCli(['publish', 'prices', csv, '--interval', '5m', '--nats-url', nats.url]);
    expect(wrong.status, wrong.stderr).toBe(2);
    expectOneLine(wrong.stderr, 'interval "5m" (300000 ms) is not the engine\'s candle interval (evaluation.interval 60000 ms)');
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"symbol":"BTC/USD","ts":1793491200000,"price":-1,"size":1}\nnot json\n');
    const r = runCli(['publish', 'prices', bad, '--nats-url', nats.url]);
    expect(r.status, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ published: 0, duplicates: 0, failed: 0 });
    expect(r.stderr).toContain('2 bad lines skipped');
  });
});
