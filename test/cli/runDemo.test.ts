import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { spawnEngine } from './engineProcess.js';

const FIVE_TABLES = ['strategies', 'strategy_confidence_scores', 'strategy_ensembles', 'trading_positions', 'portfolio'] as const;

function counts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries(FIVE_TABLES.map((t) => [t, (db.prepare(`select count(*) n from ${t}`).get() as { n: number }).n]));
  } catch {
    return {};
  } finally {
    db.close();
  }
}

describe('tradestream run on the demo feed (what npm start runs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-run-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills all five tables within 30 s, serves a snapshot then position or size updates, and exits 0 on SIGTERM', async () => {
    const db = join(dir, 'nested', 'tradestream.db');
    const started = Date.now();
    // The same flags as `npm start` but a free port and a temporary database: realtime pacing.
    const engine = spawnEngine(['run', '--source', 'demo', '--db', db, '--host', '127.0.0.1', '--port', '0']);
    const running = await engine.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start', 30_000);
    const url = String(running.url);
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);

    const messages: { type: string }[] = [];
    const ws = new WebSocket(url);
    ws.on('message', (data) => {
      const parsed = JSON.parse(data.toString()) as { type: string } | { type: string }[];
      messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
    });
    const deadline = started + 30_000;
    let filled: Record<string, number> = {};
    while (Date.now() < deadline) {
      filled = counts(db);
      const tablesFull = FIVE_TABLES.every((t) => (filled[t] ?? 0) > 0);
      const updates = messages.slice(1).some((m) => m.type === 'position' || m.type === 'size');
      if (tablesFull && updates) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const t of FIVE_TABLES) expect(filled[t], `rows in ${t} within 30 s`).toBeGreaterThan(0);
    expect(messages[0]?.type).toBe('snapshot');
    expect(messages.slice(1).some((m) => m.type === 'position' || m.type === 'size')).toBe(true);
    ws.close();

    // /metrics is Prometheus text, and its counters move while the engine runs.
    const http = url.replace(/^ws/, 'http').replace(/\/ws$/, '');
    const inputs = async () => {
      const text = await (await fetch(`${http}/metrics`)).text();
      for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
        expect(line, 'a Prometheus sample line').toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|NaN|Nan|[+-]Inf)$/);
      }
      const tick = text.split('\n').find((l) => l.startsWith('tradestream_inputs_total{kind="tick"}'));
      return Number(tick?.split(' ')[1]);
    };
    const before = await inputs();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await inputs()).toBeGreaterThan(before);
    // Indicator sharing is reported: instances computed per candle, and the strategies' holds on them.
    const text = await (await fetch(`${http}/metrics`)).text();
    const gauge = (name: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${name} `))
          ?.split(' ')[1],
      );
    expect(gauge('tradestream_strategies')).toBeGreaterThan(1000);
    expect(gauge('tradestream_indicator_instances')).toBeGreaterThan(0);
    expect(gauge('tradestream_indicator_consumers')).toBeGreaterThan(gauge('tradestream_strategies'));
    expect((await fetch(`${http}/readyz`)).status).toBe(200);

    engine.child.kill('SIGTERM');
    await engine.waitForLog((l) => l.msg === 'stopped', 'a clean stop', 10_000);
    expect(await engine.exited).toBe(0);
  }, 60_000);

  it('starts a second demo run on the same file from an empty state, keeping the first run aside', async () => {
    const db = join(dir, 'rerun', 'tradestream.db');
    const decisions = (file: string) => {
      const d = new Database(file, { readonly: true });
      try {
        return (d.prepare('select count(*) n from decisions').get() as { n: number }).n;
      } finally {
        d.close();
      }
    };
    // The decision log file goes aside with the database (it was appended to: a second identical
    // run left twice the lines under one fingerprint).
    const logFile = join(dir, 'rerun', 'decisions.jsonl');
    const once = async () => {
      const engine = spawnEngine([
        'run',
        '--source',
        'demo',
        '--db',
        db,
        '--port',
        '0',
        '--speed',
        'max',
        '--candles',
        '20',
        '--strategies',
        '200',
        '--set',
        `store.decisionLog=${logFile}`,
      ]);
      expect(await engine.exited).toBe(0);
      return String((await engine.waitForLog((l) => l.msg === 'input complete', 'the end of the demo feed')).fingerprint);
    };
    const firstFingerprint = await once();
    const first = decisions(db);
    expect(first).toBeGreaterThan(0);
    // An older run's WAL left beside `.previous` (a killed run's, moved aside by the next start) must
    // not end up beside the newer file moved there: SQLite applied it and the file read as malformed.
    // The first run closed cleanly: without the read-only reader above it would have no WAL of its own.
    for (const suffix of ['-wal', '-shm']) rmSync(db + suffix, { force: true });
    writeFileSync(`${db}.previous-wal`, 'the WAL of an older, killed run');
    // The demo feed restarts at seq 1: without moving the file aside, the store would skip every input it already holds.
    expect(await once()).toBe(firstFingerprint);
    expect(existsSync(`${db}.previous-wal`)).toBe(false);
    expect(decisions(db)).toBe(first);
    expect(decisions(`${db}.previous`)).toBe(first);
    const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(sha256(logFile)).toBe(firstFingerprint);
    expect(sha256(`${logFile}.previous`)).toBe(firstFingerprint);
  }, 60_000);

  // Found by a hunt: `npm start` and `run --source jetstream` share the default file, and two demo
  // starts moved a JetStream engine's state aside, then deleted it.
  it("refuses to move a JetStream engine's state file aside, leaving it in place", async () => {
    const db = join(dir, 'jetstream.db');
    const file = new Database(db);
    // In WAL mode, as a state file is: the refusal's read-only peek creates -wal and -shm beside it.
    file.pragma('journal_mode = WAL');
    file.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY NOT NULL) STRICT');
    file
      .prepare("INSERT INTO meta (key, value) VALUES ('identity', ?)")
      .run(JSON.stringify({ source: 'jetstream', stream: 'TRADESTREAM', consumer: 'desk-1' }));
    file.close();
    const engine = spawnEngine(['run', '--source', 'demo', '--db', db, '--port', '0', '--speed', 'max', '--candles', '2']);
    expect(await engine.exited).toBe(2);
    expect(engine.stderr.join('').trim()).toBe(
      `tradestream: --db ${db} holds the state of a JetStream engine (stream TRADESTREAM, consumer desk-1): a demo run would move it aside; choose another --db`,
    );
    expect(existsSync(`${db}.previous`)).toBe(false);
    // The peek leaves the file as it found it (closed cleanly: no WAL files).
    expect([existsSync(`${db}-wal`), existsSync(`${db}-shm`)]).toEqual([false, false]);
  });

  it('refuses a bad configuration with exit code 2 and names every bad key', async () => {
    const engine = spawnEngine(['run', '--port', '99999', '--set', 'sizing.method=yolo', '--db', join(dir, 'x.db')]);
    expect(await engine.exited).toBe(2);
    const stderr = engine.stderr.join('');
    expect(stderr).toContain('server.port: 99999 is not allowed (expected an integer in 0–65535)');
    expect(stderr).toContain('sizing.method: "yolo" is not allowed');
  });
});
