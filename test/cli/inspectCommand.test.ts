import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/sinks/schema.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { inspectCommand } from '../../src/cli/inspectCommand.js';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import { stateIdentity } from '../../src/sinks/stateIdentity.js';
import { StateStore } from '../../src/sinks/stateStore.js';
import { ensemble as ensembleOf, portfolio as portfolioOf, position as positionOf, size as sizeOf, T0 } from '../helpers/outputs.js';

const dir = mkdtempSync(join(tmpdir(), 'ts-inspect-'));

const position = positionOf({
  positionId: 'BTC/USD#1',
  ensembleId: 'BTC/USD:abc',
  quantity: 0.5,
  entryPrice: 60_000,
  markPrice: 61_000,
  size: 0.305,
  stopPrice: 57_000,
  takeProfitPrice: 69_000,
  pnl: 470,
});
const size = sizeOf({ riskParity: 0.1, volTarget: 0.05, combined: 0.045, size: 0.045, reason: 'within limits' });
const ensemble = ensembleOf({
  id: 'BTC/USD:abc',
  members: [
    { strategyId: 'a', type: 'SMA_RSI', confidence: 0.8, performance: 0.9, weight: 0.5, side: 'long' },
    { strategyId: 'b', type: 'EMA_MACD', confidence: 0.8, performance: 0.8, weight: 0.5, side: 'flat' },
  ],
  total: 0.74,
  exposure: 0.5,
  active: true,
});
const portfolio = portfolioOf({ cash: 70_000, equity: 100_470, highWaterMark: 100_500, drawdown: 30 / 100_500 });

function writeDb(file: string, consumer?: string): void {
  const store = StateStore.open(file, { flushInterval: 60_000, ...(consumer === undefined ? {} : { consumer }) });
  store.enqueue({ seq: 7, time: T0, outputs: [position, size, ensemble, portfolio] });
  store.close();
}

async function capture(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void lines.push(parts.join(' ')));
  try {
    return { code: await inspectCommand(args), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('tradestream inspect', () => {
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints positions, sizes, the active ensemble and the portfolio as JSON', async () => {
    const file = join(dir, 'state.db');
    writeDb(file);
    const { code, out } = await capture(['--db', file, '--json']);
    expect(code).toBe(0);
    const state = JSON.parse(out);
    expect(state.lastSeq).toBe(7);
    expect(state.positions).toEqual([{ ...position }]);
    expect(state.sizes).toEqual([{ ...size }]);
    expect(state.ensembles[0]).toMatchObject({ id: 'BTC/USD:abc', total: 0.74, active: true });
    expect(state.portfolio).toMatchObject({ equity: 100_470, state: 'NORMAL' });
  });

  it('names the symbols its engine owns (shard by symbol), or every symbol', async () => {
    const file = join(dir, 'shard.db');
    const config = defaultConfig();
    const identity = stateIdentity({ ...config, evaluation: { ...config.evaluation, symbols: 'SOL/USD, BTC/USD' } }, 'engine');
    StateStore.open(file, { flushInterval: 60_000, identity }).close();
    expect(JSON.parse((await capture(['--db', file, '--json'])).out).symbols).toEqual(['BTC/USD', 'SOL/USD']);
    expect((await capture(['--db', file])).out).toContain('symbols: BTC/USD, SOL/USD');
    const whole = join(dir, 'whole.db');
    StateStore.open(whole, { flushInterval: 60_000, identity: stateIdentity(config, 'engine') }).close();
    expect(JSON.parse((await capture(['--db', whole, '--json'])).out).symbols).toBe('every symbol');
  });

  it('prints the same state as tables for a person', async () => {
    const file = join(dir, 'state2.db');
    writeDb(file);
    const { code, out } = await capture(['--db', file]);
    expect(code).toBe(0);
    expect(out).toContain('portfolio: equity 100470.00  cash 70000.00  high-water 100500.00  drawdown 0.030%  breaker NORMAL');
    expect(out).toMatch(/BTC\/USD#1\s+BTC\/USD\s+0\.500000\s+60000\.000000\s+61000\.000000\s+0\.3050/);
    expect(out).toContain('BTC/USD  BTC/USD:abc  total 0.7400  exposure 0.5000  usable');
    expect(out).toContain('last input seq 7');
  });

  // Found by a bug hunt: inspect opened the file as a store, so it created, migrated and locked
  // files it only had to read, and it printed the position of the consumer named 'engine' only:
  // 0 for a JetStream run's file (tradestream-engine) or a replay's (replay).
  it('reports every consumer position, not only the default one', async () => {
    const file = join(dir, 'live.db');
    writeDb(file, 'tradestream-engine');
    const { out } = await capture(['--db', file]);
    expect(out).toContain('last input seq 7 (tradestream-engine)');
    const json = JSON.parse((await capture(['--db', file, '--json'])).out);
    expect(json.lastSeq).toBe(7);
    expect(json.consumers).toEqual([{ name: 'tradestream-engine', lastSeq: 7, updatedAt: T0 }]);
  });

  it('leaves the file as it was: an empty file is refused, not turned into a database', async () => {
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    await expect(inspectCommand(['--db', empty])).rejects.toThrow(`--db ${empty}: not a TradeStream state file (no schema version)`);
    expect(statSync(empty).size).toBe(0);
  });

  it('refuses an older schema without migrating it', async () => {
    const old = join(dir, 'v2.db');
    const raw = new Database(old);
    raw.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY NOT NULL) STRICT');
    raw.exec(MIGRATIONS[0] as string);
    raw.exec(MIGRATIONS[1] as string);
    raw.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', 2)").run();
    raw.close();
    const before = readFileSync(old);
    await expect(inspectCommand(['--db', old])).rejects.toThrow(
      `--db ${old}: schema version 2; this engine reads version 3 (run the engine on the file once to migrate it)`,
    );
    expect(readFileSync(old).equals(before)).toBe(true);
  });

  it('reads a file an engine holds a write lock on', async () => {
    const file = join(dir, 'locked.db');
    writeDb(file);
    const writer = new Database(file);
    writer.exec('BEGIN IMMEDIATE');
    try {
      const { code, out } = await capture(['--db', file]);
      expect(code).toBe(0);
      expect(out).toContain('last input seq 7 (engine)');
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  });

  // Found by a bug hunt: inspect took every engine flag (--port, --set, --speed ...) and ignored it,
  // even an invalid value.
  it('refuses options of other commands as unknown (a usage error, exit 2)', async () => {
    const file = join(dir, 'options.db');
    writeDb(file);
    for (const extra of [
      ['--port', '0'],
      ['--set', 'sizing.method=nope'],
      ['--speed', 'warp'],
      ['--nats-url', 'x'],
    ]) {
      await expect(inspectCommand(['--db', file, ...extra])).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    }
    await expect(inspectCommand(['--db', file, 'extra'])).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
  });

  // Found by a bug hunt: inspect read --db only, though every flag is also a config key and an
  // environment variable (README, Command line).
  it('reads the configured store.db: TRADESTREAM_DB, a config file, --db above both', async () => {
    const fromEnv = join(dir, 'env.db');
    writeDb(fromEnv, 'from-env');
    const fromFile = join(dir, 'file.db');
    writeDb(fromFile, 'from-file');
    const config = join(dir, 'inspect.json');
    writeFileSync(config, JSON.stringify({ store: { db: fromFile } }));
    const consumers = async (args: string[]) => JSON.parse((await capture([...args, '--json'])).out).consumers.map((c: { name: string }) => c.name);
    vi.stubEnv('TRADESTREAM_DB', fromEnv);
    try {
      expect(await consumers([])).toEqual(['from-env']);
      expect(await consumers(['--db', fromFile])).toEqual(['from-file']);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(await consumers(['--config', config])).toEqual(['from-file']);
  });

  it('refuses a missing file with a usage error naming it', async () => {
    await expect(inspectCommand(['--db', join(dir, 'nope.db')])).rejects.toThrow(`--db ${join(dir, 'nope.db')}: no such file`);
  });
});
