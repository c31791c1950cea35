import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Decision, EngineOutput, OutputBatch, Position } from '../../src/domain/types.js';
import { canonicalJson, DecisionLog } from '../../src/sinks/decisionLog.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/sinks/schema.js';
import { type FlushTimers, StateStore, StateStoreError } from '../../src/sinks/stateStore.js';
import { decision, ensemble, MINUTE, portfolio, position, rejection, score, size, strategy, T0 } from '../helpers/outputs.js';

function batch(seq: number, outputs: readonly EngineOutput[], time = T0 + seq): OutputBatch {
  return { seq, time, outputs };
}

/** A batch with one output of every kind, as one price tick that opens a position might produce. */
function realisticBatch(seq: number): OutputBatch {
  return batch(seq, [strategy(), score(), ensemble(), size(), position(), portfolio(), decision({ seq }), rejection({ seq })]);
}

describe('StateStore', () => {
  let dir: string;
  let path: string;
  const opened: StateStore[] = [];

  /** Opens a store whose flush timer never fires unless a test advances fake timers. */
  function open(file = path, opts: Partial<{ maxBatchOutputs: number; consumer: string }> = {}, timers?: FlushTimers): StateStore {
    const store = StateStore.open(file, { flushInterval: 60_000, ...opts }, timers);
    opened.push(store);
    return store;
  }

  /** A second, independent connection: it sees only what was committed. */
  function readCommitted<T>(query: string, ...params: unknown[]): T[] {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare(query).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'state-store-'));
    path = join(dir, 'data', 'tradestream.db');
  });
  afterEach(() => {
    for (const store of opened.splice(0)) {
      try {
        store.close();
      } catch {
        // A test that left a failing batch queued has already asserted on that failure.
      }
    }
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the directory and a WAL database with every table at schema version 1', () => {
    const store = open();
    expect(readCommitted<{ journal_mode: string }>('PRAGMA journal_mode')[0]?.journal_mode).toBe('wal');
    expect(readCommitted<{ value: number }>("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: SCHEMA_VERSION }]);
    expect(store.tableCounts()).toEqual({
      strategies: 0,
      strategy_confidence_scores: 0,
      strategy_ensembles: 0,
      trading_positions: 0,
      position_sizes: 0,
      portfolio: 0,
      portfolio_history: 0,
      decisions: 0,
      rejections: 0,
      consumer_state: 0,
    });
    expect(store.lastSeq()).toBe(0);
  });

  it('writes a row to every table when a realistic batch is flushed', () => {
    const store = open();
    store.enqueue(realisticBatch(1));
    expect(store.tableCounts().strategies).toBe(0);

    const result = store.flush();

    expect(result.rows).toBe(9);
    expect(result.lastSeq).toBe(1);
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(readCommitted('SELECT * FROM strategies')).toEqual([
      {
        strategy_id: 's-sma-rsi-1',
        external_id: 'ext-1',
        symbol: 'BTC/USD',
        type: 'SMA_RSI',
        parameters: '{"movingAveragePeriod":20,"overbought":70,"oversold":30,"rsiPeriod":14}',
        score: 0.9847,
        window_start: T0 - 60 * 24 * 60 * MINUTE,
        window_end: T0,
        first_seen_at: T0,
        last_seen_at: T0,
        seen_count: 1,
        status: 'active',
        updated_at: T0,
      },
    ]);
    expect(readCommitted('SELECT * FROM strategy_confidence_scores')).toEqual([
      {
        strategy_id: 's-sma-rsi-1',
        symbol: 'BTC/USD',
        type: 'SMA_RSI',
        confidence: 0.8,
        performance: 0.9,
        frequency: 0.5,
        recency: 1,
        live_score: null,
        live_trades: 0,
        time: T0,
      },
    ]);
    expect(readCommitted('SELECT ensemble_id, symbol, usable, active, total FROM strategy_ensembles')).toEqual([
      { ensemble_id: 'ens-a', symbol: 'BTC/USD', usable: 1, active: 1, total: 0.74 },
    ]);
    expect(store.readActiveEnsembles()).toEqual([ensemble()]);
    expect(readCommitted('SELECT position_id, strategy_id, entry_price, position_size, status, exit_time FROM trading_positions')).toEqual([
      { position_id: 'pos-btc-1', strategy_id: 'ens-a', entry_price: 37_000, position_size: 0.037, status: 'open', exit_time: null },
    ]);
    expect(store.readOpenPositions()).toEqual([position()]);
    expect(store.readSizes()).toEqual([size()]);
    expect(store.readPortfolio()).toEqual(portfolio());
    expect(readCommitted('SELECT * FROM portfolio_history')).toEqual([{ time: T0, as_of: T0, equity: 99_994.45, drawdown: 0.0000555, state: 'NORMAL' }]);
    expect(readCommitted('SELECT seq_no, input_seq, time, decision, symbol, reason, line FROM decisions')).toEqual([
      {
        seq_no: 1,
        input_seq: 1,
        time: T0,
        decision: 'position.opened',
        symbol: 'BTC/USD',
        reason: 'target 0.037 of equity for ensemble ens-a',
        line: canonicalJson(decision()),
      },
    ]);
    expect(readCommitted('SELECT * FROM rejections')).toEqual([
      { id: 1, input_seq: 1, source: 'candle', code: 'invalid_range', reason: 'high 9 is below low 10', field: 'high', symbol: 'ETH/USD' },
    ]);
    expect(readCommitted('SELECT * FROM consumer_state')).toEqual([{ name: 'engine', last_seq: 1, updated_at: T0 + 1 }]);
  });

  it('coalesces ten updates of one position into one row with the last values', () => {
    const store = open();
    for (let seq = 1; seq <= 10; seq++) {
      store.enqueue(batch(seq, [position({ time: T0 + seq, markPrice: 37_000 + seq, pnl: seq })]));
    }

    const result = store.flush();

    expect(result).toMatchObject({ rows: 1, lastSeq: 10 });
    expect(readCommitted('SELECT mark_price, pnl, time FROM trading_positions')).toEqual([{ mark_price: 37_010, pnl: 10, time: T0 + 10 }]);
    expect(store.lastSeq()).toBe(10);
  });

  it('rolls back the whole flush, consumer position included, when one statement fails', () => {
    const store = open();
    store.enqueue(realisticBatch(1));
    store.flush();
    const before = store.tableCounts();
    const commits: number[] = [];
    store.onCommit((seq) => commits.push(seq));

    // Strategies, scores and ensembles are written before positions; the CHECK on status fails
    // mid-transaction, after those rows went in, and decisions and consumer_state would follow.
    const badStatus = position({ positionId: 'pos-eth-1', symbol: 'ETH/USD', status: 'bogus' as Position['status'] });
    store.enqueue(
      batch(2, [
        strategy({ strategyId: 's-new', seenCount: 1 }),
        score({ strategyId: 's-new' }),
        ensemble({ id: 'ens-b', symbol: 'ETH/USD' }),
        badStatus,
        decision({ seq: 2, decision: 'position.opened', symbol: 'ETH/USD' }),
        rejection({ seq: 2 }),
      ]),
    );

    let failure: unknown;
    try {
      store.flush();
    } catch (error) {
      failure = error;
    }

    expect(failure).toBeInstanceOf(StateStoreError);
    expect((failure as Error).message).toContain(path);
    expect((failure as Error).message).toContain('seq 2');
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect(((failure as Error).cause as Error).message).toContain('CHECK constraint failed');
    expect(store.tableCounts()).toEqual(before);
    expect(readCommitted('SELECT strategy_id FROM strategies')).toEqual([{ strategy_id: 's-sma-rsi-1' }]);
    expect(store.lastSeq()).toBe(1);
    expect(commits).toEqual([]);
    // The queue is kept, so the same failure repeats rather than the batch silently vanishing.
    expect(() => store.flush()).toThrow(StateStoreError);
  });

  it('calls onCommit with the last seq only after the commit is visible to other connections', () => {
    const store = open();
    const seen: { seq: number; committed: unknown[] }[] = [];
    store.onCommit((seq) => seen.push({ seq, committed: readCommitted('SELECT last_seq FROM consumer_state') }));

    expect(store.flush()).toEqual({ rows: 0, lastSeq: null, ms: 0 });
    expect(seen).toEqual([]);

    store.enqueue(realisticBatch(3));
    store.enqueue(batch(4, []));
    store.enqueue(batch(7, [size({ size: 0.1 })]));
    store.flush();

    expect(seen).toEqual([{ seq: 7, committed: [{ last_seq: 7 }] }]);
  });

  it('flushes every flushInterval ms on the injected timer', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = StateStore.open(path, { flushInterval: 100 }, { setInterval, clearInterval });
    opened.push(store);
    const commits: number[] = [];
    store.onCommit((seq) => commits.push(seq));
    store.enqueue(realisticBatch(1));

    vi.advanceTimersByTime(99);
    expect(commits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(commits).toEqual([1]);

    store.enqueue(realisticBatch(2));
    vi.advanceTimersByTime(100);
    expect(commits).toEqual([1, 2]);
    store.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops the timer and reports a failed timer flush to onError listeners', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = StateStore.open(path, { flushInterval: 100 }, { setInterval, clearInterval });
    opened.push(store);
    const errors: Error[] = [];
    store.onError((error) => errors.push(error));
    store.enqueue(batch(1, [position({ status: 'bogus' as Position['status'] })]));

    vi.advanceTimersByTime(100);

    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StateStoreError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('flushes early on a microtask once maxBatchOutputs outputs are queued, not inside enqueue', async () => {
    const store = open(path, { maxBatchOutputs: 3 });
    const commits: number[] = [];
    store.onCommit((seq) => commits.push(seq));

    store.enqueue(batch(1, [size({ symbol: 'BTC/USD' }), size({ symbol: 'ETH/USD' })]));
    store.enqueue(batch(2, [size({ symbol: 'SOL/USD' })]));
    expect(commits).toEqual([]);

    await Promise.resolve();

    expect(commits).toEqual([2]);
    expect(store.tableCounts().position_sizes).toBe(3);
  });

  it('keeps the data and lastSeq when the file is reopened, and ignores batches already committed', () => {
    const first = open();
    first.enqueue(realisticBatch(1));
    first.enqueue(batch(2, [decision({ seq: 2, decision: 'position.resized' })]));
    first.close();

    const second = open();
    expect(second.lastSeq()).toBe(2);
    expect(second.readOpenPositions()).toEqual([position()]);
    expect(second.readPortfolio()).toEqual(portfolio());

    // A redelivered input (seq 2) must not log its decision twice; seq 3 is new.
    second.enqueue(batch(2, [decision({ seq: 2, decision: 'position.resized' })]));
    second.enqueue(batch(3, [decision({ seq: 3, decision: 'position.closed' })]));
    second.flush();

    expect([...second.readDecisionLines()].map((line) => (JSON.parse(line) as Decision).seq)).toEqual([1, 2, 3]);
    expect(second.lastSeq()).toBe(3);
  });

  it('migrates a version 1 file to the current version on open, keeping its rows', () => {
    mkdirSync(dirname(path), { recursive: true });
    const raw = new Database(path);
    raw.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY NOT NULL) STRICT');
    raw.exec(MIGRATIONS[0] as string);
    raw.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', 1)").run();
    raw.prepare("INSERT INTO consumer_state (name, last_seq, updated_at) VALUES ('engine', 41, 0)").run();
    raw.close();
    const store = open();
    expect(store.lastSeq()).toBe(41);
    expect(readCommitted("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: SCHEMA_VERSION }]);
    // Version 2's index by symbol is there; its second index over decisions.input_seq is gone again (version 3).
    expect(
      readCommitted("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('decisions', 'trading_positions') AND sql IS NOT NULL ORDER BY name"),
    ).toEqual([{ name: 'decisions_by_input_seq' }, { name: 'trading_positions_by_status' }, { name: 'trading_positions_by_symbol' }]);
  });

  it('migrates a version 2 file to version 3: the consumer row is kept and its event time may be NULL', () => {
    mkdirSync(dirname(path), { recursive: true });
    const raw = new Database(path);
    raw.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY NOT NULL) STRICT');
    raw.exec(MIGRATIONS[0] as string);
    raw.exec(MIGRATIONS[1] as string);
    raw.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', 2)").run();
    raw.prepare("INSERT INTO consumer_state (name, last_seq, updated_at) VALUES ('engine', 41, ?)").run(T0);
    // Version 2 refuses a consumer row without an event time.
    expect(() => raw.prepare("INSERT INTO consumer_state (name, last_seq, updated_at) VALUES ('other', 1, NULL)").run()).toThrow(
      /NOT NULL constraint failed: consumer_state.updated_at/,
    );
    raw.close();
    const store = open(path, { consumer: 'other' });
    expect(SCHEMA_VERSION).toBe(3);
    expect(readCommitted("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: 3 }]);
    expect(store.lastSeq('engine')).toBe(41);
    store.enqueue(batch(7, [rejection({ seq: 7 })], Number.NEGATIVE_INFINITY));
    store.flush();
    expect(readCommitted('SELECT name, last_seq, updated_at FROM consumer_state ORDER BY name')).toEqual([
      { name: 'engine', last_seq: 41, updated_at: T0 },
      { name: 'other', last_seq: 7, updated_at: null },
    ]);
  });

  it('commits inputs without an event time, keeping the latest event time an input had', () => {
    const store = open();
    // A malformed message before the first price: its batch carries the engine clock, −∞.
    store.enqueue(batch(1, [rejection({ seq: 1 })], Number.NEGATIVE_INFINITY));
    store.flush();
    expect(store.lastSeq()).toBe(1);
    expect(readCommitted('SELECT last_seq, updated_at FROM consumer_state')).toEqual([{ last_seq: 1, updated_at: null }]);
    store.enqueue(batch(2, [], T0 + 5));
    store.enqueue(batch(3, [rejection({ seq: 3 })], Number.NEGATIVE_INFINITY));
    store.flush();
    expect(readCommitted('SELECT last_seq, updated_at FROM consumer_state')).toEqual([{ last_seq: 3, updated_at: T0 + 5 }]);
    store.enqueue(batch(4, [rejection({ seq: 4 })], Number.NEGATIVE_INFINITY));
    store.flush();
    expect(readCommitted('SELECT last_seq, updated_at FROM consumer_state')).toEqual([{ last_seq: 4, updated_at: T0 + 5 }]);
    expect(readCommitted('SELECT input_seq FROM rejections ORDER BY id')).toEqual([{ input_seq: 1 }, { input_seq: 3 }, { input_seq: 4 }]);
  });

  it('keeps the stored event time when a reopened store commits an input without one', () => {
    const first = open();
    first.enqueue(batch(1, [], T0 + 9));
    first.close();
    const second = open();
    second.enqueue(batch(2, [rejection({ seq: 2 })], Number.NEGATIVE_INFINITY));
    second.flush();
    expect(readCommitted('SELECT last_seq, updated_at FROM consumer_state')).toEqual([{ last_seq: 2, updated_at: T0 + 9 }]);
  });

  it('keeps one consumer position per consumer name', () => {
    const store = open(path, { consumer: 'shard-a' });
    store.enqueue(batch(5, []));
    store.flush();
    expect(store.lastSeq()).toBe(5);
    expect(store.lastSeq('shard-b')).toBe(0);
    expect(readCommitted('SELECT name, last_seq FROM consumer_state')).toEqual([{ name: 'shard-a', last_seq: 5 }]);
  });

  it('refuses a file with a newer schema version, naming both versions and leaving it as it was', () => {
    open().close();
    const raw = new Database(path);
    raw.prepare("UPDATE meta SET value = 99 WHERE key = 'schema_version'").run();
    raw.close();

    expect(() => open()).toThrow(StateStoreError);
    expect(() => open()).toThrow(`state file ${path}: refused: schema version 99 is newer than version ${SCHEMA_VERSION}`);
    expect(readCommitted("SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: 99 }]);
  });

  // Found by a bug hunt: a database of another application became a state file beside its tables.
  it("refuses another application's SQLite database, naming its tables and leaving the file as it was", () => {
    const foreign = join(dir, 'app.db');
    const raw = new Database(foreign);
    raw.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('alice')");
    raw.close();
    const before = readFileSync(foreign);

    expect(() => open(foreign)).toThrow(
      `state file ${foreign}: refused: holds tables of another application (users) and no TradeStream schema version; use another file`,
    );
    expect(readFileSync(foreign).equals(before)).toBe(true);
    // An empty SQLite file is a new state file.
    const empty = join(dir, 'empty.db');
    new Database(empty).close();
    open(empty).close();
  });

  it("takes a file written before identities were recorded as its own consumer's, and refuses it to another", () => {
    const legacy = open();
    legacy.enqueue(batch(3, []));
    legacy.flush();
    legacy.close();
    const identity = { source: 'jetstream', stream: 'TRADESTREAM', consumer: 'other', capital: 100_000 };
    expect(() => StateStore.open(path, { flushInterval: 1_000, consumer: 'other', identity })).toThrow(
      `state file ${path}: refused: written by an engine with other settings (consumer: "engine" in the file, "other" now)`,
    );
    const adopted = StateStore.open(path, { flushInterval: 1_000, identity: { ...identity, consumer: 'engine' } });
    expect(adopted.lastSeq()).toBe(3);
    adopted.close();
    expect(readCommitted("SELECT value FROM meta WHERE key = 'identity'")).toEqual([{ value: JSON.stringify({ ...identity, consumer: 'engine' }) }]);
  });

  // Found by a review: the stream-length refusal was thrown alone, hiding that the stream differed.
  it('names every difference of identity and stream length together, recording nothing', () => {
    const identity = { source: 'jetstream', stream: 'A', consumer: 'engine', capital: 100_000 };
    const first = StateStore.open(path, { flushInterval: 1_000, identity });
    first.enqueue(batch(600, []));
    first.flush();
    first.close();
    expect(() => StateStore.open(path, { flushInterval: 1_000, identity: { ...identity, stream: 'B' }, inputEnd: 10 })).toThrow(
      `(stream: "A" in the file, "B" now; input stream: the file committed input 600, the stream's last message is 10 (a stream created again?))`,
    );
    expect(readCommitted("SELECT value FROM meta WHERE key = 'identity'")).toEqual([{ value: JSON.stringify(identity) }]);
  });

  it('refuses a file that is not a SQLite database, naming the path and leaving the file alone', () => {
    const garbage = join(dir, 'notes.db');
    writeFileSync(garbage, 'these are not the pages you are looking for\n'.repeat(200));

    let failure: unknown;
    try {
      open(garbage);
    } catch (error) {
      failure = error;
    }

    expect(failure).toBeInstanceOf(StateStoreError);
    expect((failure as StateStoreError).path).toBe(garbage);
    expect((failure as Error).message).toMatch(new RegExp(`^state file ${garbage}: .*not a database`));
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect(readFileSync(garbage, 'utf8')).toBe('these are not the pages you are looking for\n'.repeat(200));
  });

  it('refuses a SQLite file of another application that already has a table of ours', () => {
    const foreignPath = join(dir, 'foreign.db');
    const foreign = new Database(foreignPath);
    foreign.exec('CREATE TABLE strategies (name TEXT)');
    foreign.close();

    expect(() => open(foreignPath)).toThrow(`state file ${foreignPath}: refused: holds tables of another application (strategies)`);
  });

  it('stores decision lines in the order they were queued, across batches and flushes', () => {
    const store = open();
    const decisions = [
      decision({ seq: 1, decision: 'strategy.accepted', reason: 'new strategy', details: { strategyId: 's1' } }),
      decision({ seq: 1, decision: 'ensemble.changed', reason: 'better total', details: { total: 0.74 } }),
      decision({ seq: 2, decision: 'rotation', reason: 'scheduled', details: { from: null, to: 'ens-a' } }),
      decision({ seq: 3, decision: 'breaker.changed', symbol: null, reason: 'drawdown 5.1%', details: { to: 'REDUCING' } }),
    ];
    const [accepted, changed, rotation, breaker] = decisions as [Decision, Decision, Decision, Decision];
    store.enqueue(batch(1, [accepted, changed]));
    store.enqueue(batch(2, [rotation]));
    store.flush();
    store.enqueue(batch(3, [breaker]));
    store.flush();

    const log = new DecisionLog();
    const expected = decisions.map((d) => log.append(d));
    const lines = [...store.readDecisionLines()];

    expect(lines).toEqual(expected);
    const sha = createHash('sha256');
    for (const line of lines) sha.update(`${line}\n`);
    expect(sha.digest('hex')).toBe(log.fingerprint());
  });

  it('stores the decision lines it is given and serializes the decisions it is not given', () => {
    const store = open();
    const given = decision({ seq: 1, reason: 'given' });
    const missing = decision({ seq: 1, reason: 'missing' });
    // The engine passes the decision log's own lines; a marker line shows that it is used as is.
    store.enqueue(batch(1, [given, missing]), new Map([[given, '{"line":"from the decision log"}']]));
    store.flush();
    expect([...store.readDecisionLines()]).toEqual(['{"line":"from the decision log"}', canonicalJson(missing)]);
  });

  it('refuses, queuing nothing, a batch whose decision is not finite JSON', () => {
    const store = open();
    const broken = batch(1, [size(), decision({ details: { size: Number.NaN } })]);

    expect(() => store.enqueue(broken)).toThrow('$.details.size is NaN');
    expect(store.flush()).toEqual({ rows: 0, lastSeq: null, ms: 0 });
  });

  it('keeps at most one active ensemble per symbol, the one activated last', () => {
    const store = open();
    store.enqueue(batch(1, [ensemble({ id: 'ens-a' }), ensemble({ id: 'ens-eth', symbol: 'ETH/USD' })]));
    store.flush();
    store.enqueue(batch(2, [ensemble({ id: 'ens-b', total: 0.9 })]));
    store.flush();
    expect(store.readActiveEnsembles().map((e) => e.id)).toEqual(['ens-b', 'ens-eth']);

    // Within one flush a, then b, then a again are activated: a was queued first, yet must win.
    store.enqueue(batch(3, [ensemble({ id: 'ens-a', total: 0.92 })]));
    store.enqueue(batch(4, [ensemble({ id: 'ens-b', total: 0.95 })]));
    store.enqueue(batch(5, [ensemble({ id: 'ens-a', total: 0.99 })]));
    store.flush();

    expect(store.readActiveEnsembles().map((e) => e.id)).toEqual(['ens-a', 'ens-eth']);
    expect(readCommitted('SELECT ensemble_id, active FROM strategy_ensembles ORDER BY ensemble_id')).toEqual([
      { ensemble_id: 'ens-a', active: 1 },
      { ensemble_id: 'ens-b', active: 0 },
      { ensemble_id: 'ens-eth', active: 1 },
    ]);
  });

  it('keeps one portfolio history row per minute of event time, the latest in that minute', () => {
    const store = open();
    store.enqueue(batch(1, [portfolio({ time: T0 + 1_000, equity: 100_001 })]));
    store.enqueue(batch(2, [portfolio({ time: T0 + 59_000, equity: 100_059 })]));
    store.flush();
    // An older event time of the same minute, arriving later, does not replace the latest.
    store.enqueue(batch(3, [portfolio({ time: T0 + 30_000, equity: 100_030 })]));
    store.enqueue(batch(4, [portfolio({ time: T0 + MINUTE + 5_000, equity: 100_065 })]));
    store.flush();

    expect(readCommitted('SELECT time, as_of, equity FROM portfolio_history ORDER BY time')).toEqual([
      { time: T0, as_of: T0 + 59_000, equity: 100_059 },
      { time: T0 + MINUTE, as_of: T0 + MINUTE + 5_000, equity: 100_065 },
    ]);
    expect(store.readPortfolio()?.equity).toBe(100_065);
  });

  it('lists open positions first and closed ones after', () => {
    const store = open();
    store.enqueue(
      batch(1, [
        position({ positionId: 'p-closed', symbol: 'AAA/USD', status: 'closed', exitTime: T0 + 5 }),
        position({ positionId: 'p-open', symbol: 'ZZZ/USD' }),
      ]),
    );
    store.flush();

    expect(store.readPositions().map((p) => p.positionId)).toEqual(['p-open', 'p-closed']);
    expect(store.readOpenPositions().map((p) => p.positionId)).toEqual(['p-open']);
  });

  describe("writer: 'thread'", () => {
    function openThreaded(file = path): StateStore {
      const store = StateStore.open(file, { flushInterval: 60_000, writer: 'thread' });
      opened.push(store);
      return store;
    }
    const dump = (file: string) => {
      const db = new Database(file, { readonly: true });
      try {
        const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter((t) => t !== 'meta');
        return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]));
      } finally {
        db.close();
      }
    };
    const batches = (): OutputBatch[] => [
      realisticBatch(1),
      batch(2, [position({ size: 0.2 }), size({ size: 0.2 }), decision({ seq: 2, decision: 'position.resized' })]),
      batch(3, [ensemble({ id: 'ens-b' }), strategy({ strategyId: 's-2', seenCount: 2 }), score({ strategyId: 's-2' })]),
      batch(5, [portfolio({ time: T0 + 2 * MINUTE, equity: 101_000 }), rejection({ seq: 5 })]),
    ];

    it('writes the same rows as the inline writer, committing each flush in order, listeners on this thread', async () => {
      const inline = open(join(dir, 'inline.db'));
      const threaded = openThreaded(join(dir, 'thread.db'));
      const commits: number[] = [];
      const flushed: (number | null)[] = [];
      threaded.onCommit((seq) => commits.push(seq));
      threaded.onFlush((r) => flushed.push(r.lastSeq));
      for (const b of batches()) {
        inline.enqueue(b);
        threaded.enqueue(b);
        inline.flush();
        // Handed over, not committed yet: the commit arrives as an answer on this thread.
        expect(threaded.flush().lastSeq).toBe(null);
      }
      // Three flushes were asked while the first was in flight: they went as one write after it.
      await vi.waitFor(() => expect(commits).toEqual([1, 5]), { timeout: 15_000 });
      expect(flushed).toEqual([1, 5]);
      expect(threaded.lastSeq()).toBe(5);
      inline.close();
      threaded.close();
      const a = dump(join(dir, 'inline.db'));
      const b = dump(join(dir, 'thread.db'));
      // Same rows; consumer_state differs only in when it was written, which both stamp from the batch.
      expect(b).toEqual(a);
      expect((b.decisions as unknown[]).length).toBe(2);
    });

    it('close() waits for the write in flight and commits what is queued, synchronously', () => {
      const store = openThreaded();
      const commits: number[] = [];
      store.onCommit((seq) => commits.push(seq));
      store.enqueue(realisticBatch(1));
      store.flush();
      store.enqueue(batch(2, [size({ size: 0.3 })]));
      store.close();
      expect(commits).toEqual([1, 2]);
      expect(readCommitted('SELECT last_seq FROM consumer_state')).toEqual([{ last_seq: 2 }]);
      expect(readCommitted<{ size: number }>('SELECT size FROM position_sizes')[0]?.size).toBe(0.3);
      expect(() => store.flush()).toThrow(/flush after close/);
      store.close();
    });

    it('reports a failed write to onError without a commit, and every later flush throws it', async () => {
      const store = openThreaded();
      const commits: number[] = [];
      const errors: Error[] = [];
      store.onCommit((seq) => commits.push(seq));
      store.onError((error) => errors.push(error));
      store.enqueue(realisticBatch(1));
      store.flush();
      await vi.waitFor(() => expect(commits).toEqual([1]), { timeout: 15_000 });
      store.enqueue(batch(2, [strategy({ strategyId: 's-new' }), position({ positionId: 'p-bad', status: 'bogus' as Position['status'] })]));
      store.flush();
      await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 15_000 });
      expect(errors[0]).toBeInstanceOf(StateStoreError);
      expect(errors[0]?.message).toMatch(/flush of 2 rows up to seq 2 rolled back: CHECK constraint failed/);
      expect(commits).toEqual([1]);
      expect(store.lastSeq()).toBe(1);
      expect(readCommitted('SELECT strategy_id FROM strategies')).toEqual([{ strategy_id: 's-sma-rsi-1' }]);
      store.enqueue(batch(3, [size()]));
      expect(() => store.flush()).toThrow(/seq 2 rolled back/);
      expect(() => store.close()).toThrow(/seq 2 rolled back/);
    });

    it('ignores a batch of a seq already handed to the writer, as inline ignores a committed one', async () => {
      const store = openThreaded();
      const commits: number[] = [];
      store.onCommit((seq) => commits.push(seq));
      store.enqueue(batch(5, [size({ size: 0.5 })]));
      store.flush();
      // Seq 5 is with the writer, maybe not committed yet: a redelivered older input must not
      // queue a second flush that would move the consumer position back.
      store.enqueue(batch(3, [size({ size: 0.3 })]));
      store.enqueue(batch(5, [size({ size: 0.9 })]));
      store.flush();
      store.close();
      expect(commits).toEqual([5]);
      expect(readCommitted('SELECT last_seq FROM consumer_state')).toEqual([{ last_seq: 5 }]);
      expect(readCommitted<{ size: number }>('SELECT size FROM position_sizes')[0]?.size).toBe(0.5);
    });

    it('keeps the queue and throws when a flush cannot be handed to the writer (a value structured clone refuses)', () => {
      const store = openThreaded();
      const odd = strategy({ parameters: { period: 14, bad: (() => 1) as unknown as number } });
      store.enqueue(batch(1, [odd]));
      expect(() => store.flush()).toThrow(/flush of 1 rows up to seq 1 could not be handed to the writer thread: .*could not be cloned/);
      // Nothing was handed over, so nothing waits for an answer: close() does not hang on it.
      expect(() => store.flush()).toThrow(/could not be handed/);
      expect(() => store.close()).toThrow(/could not be handed/);
      expect(readCommitted('SELECT count(*) AS n FROM strategies')).toEqual([{ n: 0 }]);
    });

    it('close() throws a write that fails while it waits, after closing the writer, and only once', () => {
      const store = openThreaded();
      const errors: Error[] = [];
      store.onError((error) => errors.push(error));
      store.enqueue(batch(1, [position({ status: 'bogus' as Position['status'] })]));
      expect(() => store.close()).toThrow(/flush of 1 rows up to seq 1 rolled back: CHECK constraint failed/);
      // Thrown by close(), not also reported: nothing else is running to hear it.
      expect(errors).toEqual([]);
      expect(() => store.close()).not.toThrow();
      expect(readCommitted('SELECT count(*) AS n FROM consumer_state')).toEqual([{ n: 0 }]);
    });
  });

  it('flushes on close, closes once, and refuses work afterwards', () => {
    const store = open();
    store.enqueue(realisticBatch(1));
    store.close();
    store.close();

    expect(readCommitted('SELECT last_seq FROM consumer_state')).toEqual([{ last_seq: 1 }]);
    expect(() => store.enqueue(realisticBatch(2))).toThrow(StateStoreError);
    expect(() => store.flush()).toThrow('flush after close');
  });
});
