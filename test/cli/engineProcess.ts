import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, expect } from 'vitest';

/**
 * Engines still running when a test file ends: a test that fails before it stops its engine (a
 * timeout) must not leave the process behind, reconnecting forever to a server that is gone (two
 * were found on the machine after failed runs).
 */
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

/** Path of the built CLI (the tests build the project once, in `npm test`, before vitest runs). */
// TS_TEST_CLI lets a developer point the tests at a private build while teammates rebuild dist/.
export const CLI = process.env.TS_TEST_CLI ?? fileURLToPath(new URL('../../dist/src/cli/tradestream.js', import.meta.url));

/** A spawned `tradestream` process with its JSON log lines collected. */
export interface EngineProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly stderr: string[];
  /** Resolves with the first log line matching `predicate`, or rejects after `timeoutMs`. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** `run` of an engine on the JetStream server at `natsUrl` with the state file `db`, on a free port, then `extra`. */
export function jetstreamRunArgs(natsUrl: string, db: string, ...extra: string[]): string[] {
  return ['run', '--source', 'jetstream', '--nats-url', natsUrl, '--db', db, '--port', '0', ...extra];
}

/** Spawns `node dist/src/cli/tradestream.js ...args` and parses its pino lines. */
export function spawnEngine(args: readonly string[], env: Record<string, string> = {}): EngineProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let at = buffer.indexOf('\n');
    while (at >= 0) {
      const text = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      at = buffer.indexOf('\n');
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { msg: text };
      }
      lines.push(line);
      for (const w of [...waiters]) if (w.predicate(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    lines,
    stderr,
    exited,
    waitForLog(predicate, what, timeoutMs = 60_000) {
      const found = lines.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${stderr.join('').slice(-2000)}; last lines: ${JSON.stringify(lines.slice(-5))}`)), timeoutMs);
        waiters.push({
          predicate,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then((code) => reject(new Error(`engine exited (${code}) while waiting for ${what}; stderr: ${stderr.join('').slice(-2000)}`)));
      });
    },
  };
}

/** Runs the CLI to completion; returns exit code, stdout and stderr. */
export function runCli(args: readonly string[], timeoutMs = 120_000): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Publishes the seeded demo feed to the server at `natsUrl` with the CLI; returns the stream's last seq. */
export function publishDemoFeed(natsUrl: string, demoArgs: readonly string[]): number {
  const published = runCli(['demo-feed', '--to-nats', '--nats-url', natsUrl, ...demoArgs]);
  expect(published.status, published.stderr).toBe(0);
  return JSON.parse(published.stdout.trim().split('\n').at(-1) as string).published as number;
}

/** Opens a state file read-only for `read`, then closes it. */
export function readDb<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The last input seq committed to a state file, 0 when it does not exist yet. */
export function committedSeq(file: string): number {
  if (!existsSync(file)) return 0;
  return readDb(file, (db) => (db.prepare('select max(last_seq) s from consumer_state').get() as { s: number | null }).s ?? 0);
}

/** Resolves once the state file has committed `seq`; rejects after `timeoutMs`. */
export async function waitForCommitted(file: string, seq: number, timeoutMs = 60_000, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (committedSeq(file) < seq) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for seq ${seq} in ${file} (at ${committedSeq(file)})`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
