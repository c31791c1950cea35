// Found by a bug hunt: a second demo engine started on a running engine's state file moved that file
// aside (the running engine kept writing to `.previous`), then failed on the port with a stack trace.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireStateLock, StateLockError } from '../../src/sinks/stateLock.js';
import { committedSeq, jetstreamRunArgs, runCli, spawnEngine } from './engineProcess.js';

const dir = mkdtempSync(join(tmpdir(), 'ts-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const demo = (db: string, port = '0') => ['run', '--source', 'demo', '--db', db, '--host', '127.0.0.1', '--port', port];

describe('one engine per state file', () => {
  it('refuses a second engine on a state file in use, naming the holder, and leaves the file in place', async () => {
    const db = join(dir, 'held.db');
    const first = spawnEngine(demo(db));
    await first.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start', 30_000);
    expect(readFileSync(`${db}.lock.pid`, 'utf8').trim()).toBe(String(first.child.pid));
    // The lock leaves no journal of its own beside the state file while it is held.
    expect(existsSync(`${db}.lock-journal`)).toBe(false);

    const second = runCli(demo(db), 30_000);
    expect(second.status).toBe(1);
    expect(second.stderr.trim()).toBe(
      `tradestream: state file ${db} is in use by process ${first.child.pid} (lock file ${db}.lock); stop that engine or choose another --db`,
    );
    expect(existsSync(`${db}.previous`)).toBe(false);
    expect(committedSeq(db)).toBeGreaterThan(0);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(`${db}.lock.pid`)).toBe(false);
  }, 60_000);

  // The review of the first version (a pid file created exclusively) found two engines getting the
  // lock when started together, and a reused pid keeping a dead engine's lock alive. The lock is now
  // an fcntl lock the kernel drops with its process.
  it('is free again once its engine is killed, and a left pid file names no one', async () => {
    const db = join(dir, 'killed.db');
    const first = spawnEngine(demo(db));
    await first.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start', 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    // The pid file of the killed engine is left behind, naming this (live) test process: no matter.
    // So is a lock file of the first version's kind (a text file with a live pid, as when the dead
    // engine's pid is reused), which kept the engine from starting.
    writeFileSync(`${db}.lock.pid`, `${process.pid}\n`);
    writeFileSync(`${db}.lock`, `${process.pid}\n`);
    const second = spawnEngine(demo(db));
    await second.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start', 30_000);
    expect(readFileSync(`${db}.lock.pid`, 'utf8').trim()).toBe(String(second.child.pid));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 60_000);

  // Found by a bug hunt: two engines ran on one file, one of them through a symbolic link to it.
  it('finds the same lock through a symbolic link to the state file or to its directory', () => {
    const real = join(dir, 'real', 'state.db');
    mkdirSync(dirname(real));
    writeFileSync(real, '');
    symlinkSync(real, join(dir, 'link.db'));
    symlinkSync(dirname(real), join(dir, 'linked-dir'));
    const release = acquireStateLock(real);
    try {
      for (const other of [join(dir, 'link.db'), join(dir, 'linked-dir', 'state.db')]) {
        expect(() => acquireStateLock(other), other).toThrow(StateLockError);
      }
      // A link to a file not created yet (found by a review: its lock was the link's own).
      symlinkSync(join(dirname(real), 'later.db'), join(dir, 'dangling.db'));
      const releaseLater = acquireStateLock(join(dir, 'dangling.db'));
      expect(() => acquireStateLock(join(dirname(real), 'later.db'))).toThrow(StateLockError);
      releaseLater();
      // A file that does not exist yet, through the linked directory.
      const releaseNew = acquireStateLock(join(dir, 'linked-dir', 'new.db'));
      expect(() => acquireStateLock(join(dirname(real), 'new.db'))).toThrow(`(lock file ${join(dirname(real), 'new.db')}.lock)`);
      releaseNew();
    } finally {
      release();
    }
  });

  it('lets exactly one of several engines started together take the lock', async () => {
    const db = join(dir, 'race.db');
    const script = `import('${join(import.meta.dirname, '..', '..', 'dist', 'src', 'sinks', 'stateLock.js')}').then(({ acquireStateLock }) => {
      try { acquireStateLock(${JSON.stringify(db)}); process.stdout.write('held'); setTimeout(() => {}, 1500); }
      catch (error) { process.stdout.write(error.name); }
    })`;
    for (let trial = 0; trial < 5; trial++) {
      const results = await Promise.all(
        [0, 1, 2].map(
          () =>
            new Promise<string>((resolve) => {
              const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
              let out = '';
              child.stdout.on('data', (d) => (out += d));
              child.on('exit', () => resolve(out));
            }),
        ),
      );
      expect(
        results.filter((r) => r === 'held'),
        results.join(','),
      ).toHaveLength(1);
      expect(results.filter((r) => r === 'StateLockError')).toHaveLength(2);
    }
  }, 60_000);

  it('reports a NATS server that cannot be reached in one line with exit 1, for run and publish', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `nats://127.0.0.1:${port}`;
    for (const args of [
      jetstreamRunArgs(url, join(dir, 'nats.db')),
      ['publish', 'prices', join(import.meta.dirname, '..', 'fixtures', 'nats', 'candles.jsonl'), '--nats-url', url],
    ]) {
      const r = runCli(args, 60_000);
      expect(r.status, args[0]).toBe(1);
      expect(r.stderr.trim(), args[0]).toBe(`tradestream: cannot connect to NATS at ${url}: connection refused`);
    }
  }, 120_000);

  it('reports a port in use in one line with exit 1, no stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = runCli(demo(join(dir, 'port.db'), String(port)), 30_000);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`tradestream: live server cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'port.db.lock.pid'))).toBe(false);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
