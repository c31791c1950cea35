/**
 * The state file's schema, its migrations, and the prepared statements over it: everything that
 * knows a column name is in this file, so the store itself deals only in domain values.
 * `MIGRATIONS[i]` takes a file from version i to
 * version i + 1; the version lives in `meta` (key `schema_version`). Tables are STRICT so that a
 * value of the wrong type (a NaN bound as NULL, a string where a number belongs) fails the
 * statement, and with it the whole flush, instead of being stored.
 *
 * Times are event times in epoch ms, never wall time, so a replay into a fresh file writes the same
 * rows as the live run did. Sizes are fractions of equity, prices and PnL in quote currency.
 */
import type Database from 'better-sqlite3';
import type {
  BindingLimit,
  BreakerState,
  ConfidenceScore,
  Ensemble,
  EnsembleMember,
  Portfolio,
  Position,
  PositionSize,
  PositionStatus,
  Rejection,
  StrategyRecord,
} from '../domain/types.js';
import { canonicalJson } from './decisionLog.js';
import type { DecisionRow } from './pendingWrites.js';

/**
 * Version 1. Plain `CREATE TABLE` (no IF NOT EXISTS) on purpose: a version-0 file that already has
 * a table of the same name is someone else's database, and must fail loudly rather than be reused.
 */
const V1 = `
CREATE TABLE strategies (
  strategy_id   TEXT PRIMARY KEY,
  external_id   TEXT,
  symbol        TEXT NOT NULL,
  type          TEXT NOT NULL,
  parameters    TEXT NOT NULL,             -- canonical JSON
  score         REAL NOT NULL,             -- latest backtest score, [0, 1]
  window_start  INTEGER,
  window_end    INTEGER,
  first_seen_at INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  seen_count    INTEGER NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('active', 'retired')),
  updated_at    INTEGER NOT NULL           -- event time of the record
) STRICT;
CREATE INDEX strategies_by_symbol ON strategies (symbol, type);

CREATE TABLE strategy_confidence_scores (
  strategy_id TEXT PRIMARY KEY,
  symbol      TEXT NOT NULL,
  type        TEXT NOT NULL,
  confidence  REAL NOT NULL,
  performance REAL NOT NULL,
  frequency   REAL NOT NULL,
  recency     REAL NOT NULL,
  live_score  REAL,
  live_trades INTEGER NOT NULL,
  time        INTEGER NOT NULL
) STRICT;

CREATE TABLE strategy_ensembles (
  ensemble_id     TEXT PRIMARY KEY,
  symbol          TEXT NOT NULL,
  members         TEXT NOT NULL,           -- canonical JSON array of EnsembleMember
  total           REAL NOT NULL,
  performance     REAL NOT NULL,
  diversification REAL NOT NULL,
  risk            REAL NOT NULL,
  usable          INTEGER NOT NULL CHECK (usable IN (0, 1)),
  exposure        REAL NOT NULL,
  active          INTEGER NOT NULL CHECK (active IN (0, 1)),
  time            INTEGER NOT NULL
) STRICT;
-- Phase 4 holds one active ensemble per symbol; the store enforces it rather than trusting it.
CREATE UNIQUE INDEX strategy_ensembles_one_active ON strategy_ensembles (symbol) WHERE active = 1;

CREATE TABLE trading_positions (
  position_id       TEXT PRIMARY KEY,
  symbol            TEXT NOT NULL,
  strategy_id       TEXT NOT NULL,         -- the ensemble the position is held for
  quantity          REAL NOT NULL,         -- base units
  entry_price       REAL NOT NULL,
  mark_price        REAL NOT NULL,
  position_size     REAL NOT NULL,         -- notional at mark / equity
  stop_price        REAL NOT NULL,
  take_profit_price REAL NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  entry_time        INTEGER NOT NULL,
  exit_time         INTEGER,
  pnl               REAL NOT NULL,
  time              INTEGER NOT NULL
) STRICT;
CREATE INDEX trading_positions_by_status ON trading_positions (status, symbol);

CREATE TABLE position_sizes (
  symbol            TEXT PRIMARY KEY,
  kelly             REAL NOT NULL,
  risk_parity       REAL NOT NULL,
  vol_target        REAL NOT NULL,
  combined          REAL NOT NULL,
  size              REAL NOT NULL,
  binding           TEXT NOT NULL,
  risk_contribution REAL NOT NULL,
  reason            TEXT NOT NULL,
  time              INTEGER NOT NULL
) STRICT;

CREATE TABLE portfolio (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  cash            REAL NOT NULL,
  equity          REAL NOT NULL,
  high_water_mark REAL NOT NULL,
  drawdown        REAL NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('NORMAL', 'REDUCING', 'HALTED')),
  size_scale      REAL NOT NULL,
  halted_at       INTEGER,
  time            INTEGER NOT NULL
) STRICT;

-- One row per minute of event time: time is the minute's start, as_of the portfolio's own time.
CREATE TABLE portfolio_history (
  time     INTEGER PRIMARY KEY,
  as_of    INTEGER NOT NULL,
  equity   REAL NOT NULL,
  drawdown REAL NOT NULL,
  state    TEXT NOT NULL CHECK (state IN ('NORMAL', 'REDUCING', 'HALTED'))
) STRICT;

CREATE TABLE decisions (
  seq_no    INTEGER PRIMARY KEY AUTOINCREMENT,
  input_seq INTEGER NOT NULL,
  time      INTEGER NOT NULL,
  decision  TEXT NOT NULL,
  symbol    TEXT,
  reason    TEXT NOT NULL,
  line      TEXT NOT NULL                  -- the canonical JSON line the fingerprint hashes
) STRICT;
CREATE INDEX decisions_by_input_seq ON decisions (input_seq);

CREATE TABLE rejections (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  input_seq INTEGER NOT NULL,
  source    TEXT NOT NULL,
  code      TEXT NOT NULL,
  reason    TEXT NOT NULL,
  field     TEXT,
  symbol    TEXT
) STRICT;

CREATE TABLE consumer_state (
  name       TEXT PRIMARY KEY,
  last_seq   INTEGER NOT NULL,             -- highest input seq whose effects are committed
  updated_at INTEGER NOT NULL              -- event time of that input
) STRICT;
`;

/**
 * Version 2: indexes for the lookups by symbol and by input sequence (inspect, operators reading
 * the decision log of one input), which version 1 answered with full scans.
 */
const V2 = `
CREATE INDEX trading_positions_by_symbol ON trading_positions (symbol, status);
CREATE INDEX decisions_by_input ON decisions (input_seq);
`;

/**
 * Version 3:
 * - `consumer_state.updated_at` may be NULL. An input that carries no event time (a malformed
 *   message before the first price: the engine clock is still −∞) still commits its position;
 *   the row keeps the event time of the latest committed input that had one, NULL until then.
 *   Version 2 required a number there, so such a flush rolled back and the engine stopped.
 *   SQLite cannot drop a NOT NULL constraint in place: the table is rebuilt, rows kept.
 * - Drops `decisions_by_input`, which version 2 added over the same column as version 1's
 *   `decisions_by_input_seq`: every decision insert updated two identical indexes.
 */
const V3 = `
CREATE TABLE consumer_state_v3 (
  name       TEXT PRIMARY KEY,
  last_seq   INTEGER NOT NULL,             -- highest input seq whose effects are committed
  updated_at INTEGER                       -- event time of the latest committed input that had one; NULL until one had
) STRICT;
INSERT INTO consumer_state_v3 (name, last_seq, updated_at) SELECT name, last_seq, updated_at FROM consumer_state;
DROP TABLE consumer_state;
ALTER TABLE consumer_state_v3 RENAME TO consumer_state;
DROP INDEX decisions_by_input;
`;

/** `MIGRATIONS[i]` migrates a file from schema version i to i + 1. Append only; never edit a shipped one. */
export const MIGRATIONS: readonly string[] = [V1, V2, V3];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Every table the store owns, in the order `tableCounts()` reports them. */
export const TABLES = [
  'strategies',
  'strategy_confidence_scores',
  'strategy_ensembles',
  'trading_positions',
  'position_sizes',
  'portfolio',
  'portfolio_history',
  'decisions',
  'rejections',
  'consumer_state',
] as const;

/** Thrown by `refuseForeign` for another application's database: tables, but no TradeStream schema version. */
export class ForeignDatabaseError extends Error {
  constructor(readonly tables: readonly string[]) {
    const named = tables.slice(0, 5).join(', ') + (tables.length > 5 ? `, … (${tables.length} tables)` : '');
    super(`holds tables of another application (${named}) and no TradeStream schema version; use another file`);
    this.name = 'ForeignDatabaseError';
  }
}

/**
 * Throws ForeignDatabaseError when `db` has no schema version yet holds tables: the engine would
 * have added its tables beside another application's and written its state into that file (found by
 * a bug hunt). Read-only, so it can run before anything changes the file.
 */
export function refuseForeign(db: Database.Database): void {
  if (schemaVersionOf(db) > 0) return;
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'meta' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .pluck()
    .all() as string[];
  if (tables.length > 0) throw new ForeignDatabaseError(tables);
}

/** Thrown by `migrateSchema` for a file written by a newer engine. */
export class NewerSchemaError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(`schema version ${found} is newer than version ${supported}, the newest this engine knows; upgrade the engine or use another file`);
    this.name = 'NewerSchemaError';
  }
}

/**
 * Brings an open database to SCHEMA_VERSION in one immediate transaction, and returns the version
 * the file had (0 for a new file). Always rewrites `schema_version`, even when nothing migrates:
 * that write is what proves, at open time rather than at the first flush, that the file is a
 * database we can write. Throws NewerSchemaError for a newer file, leaving it untouched.
 */
export function migrateSchema(db: Database.Database): number {
  const migrate = db.transaction((): number => {
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value ANY NOT NULL) STRICT');
    const found = schemaVersionOf(db);
    if (found > SCHEMA_VERSION) throw new NewerSchemaError(found, SCHEMA_VERSION);
    for (let version = found; version < SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version] as string);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(SCHEMA_VERSION);
    return found;
  });
  return migrate.immediate();
}

/**
 * Writes and reads of the store, each a statement prepared once. Writers take domain values and
 * bind them positionally (booleans as 0/1, JSON columns as canonical JSON so that equal values are
 * equal bytes); readers return domain values.
 */
export interface StateStatements {
  upsertStrategy(s: StrategyRecord): void;
  upsertScore(c: ConfidenceScore): void;
  /** Upserts the ensemble; an active one first deactivates the symbol's other ensembles. */
  upsertEnsemble(e: Ensemble): void;
  upsertPosition(p: Position): void;
  upsertSize(z: PositionSize): void;
  upsertPortfolio(p: Portfolio): void;
  /** Keeps the latest portfolio (by its own time) of the event-time minute starting at `minute`. */
  upsertHistory(minute: number, p: Portfolio): void;
  insertDecision(d: DecisionRow): void;
  insertRejection(r: Rejection): void;
  /** `time`: event time of the latest committed input that had one; null until one had. */
  upsertConsumer(name: string, lastSeq: number, time: number | null): void;
  consumerSeq(name: string): number | null;
  /** Every consumer's committed position: name, last input seq, event time of the latest input that had one. */
  consumers(): { name: string; lastSeq: number; updatedAt: number | null }[];
  openPositions(): Position[];
  positions(): Position[];
  sizes(): PositionSize[];
  activeEnsembles(): Ensemble[];
  portfolio(): Portfolio | null;
  /** One row at a time: a long history is not held in memory at once (read it whole before the next statement). */
  decisionLines(): IterableIterator<string>;
  tableCounts(): Record<string, number>;
}

/**
 * The schema version of an open database without changing it (0 for a file without `meta`, i.e.
 * not a TradeStream state file or an empty one). For read-only readers such as `inspect`.
 */
export function schemaVersionOf(db: Database.Database): number {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
  if (!hasMeta) return 0;
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: unknown } | undefined;
  const found = row === undefined ? 0 : Number(row.value);
  if (!Number.isInteger(found) || found < 0) throw new Error(`meta.schema_version is ${String(row?.value)}, not a version number`);
  return found;
}

/** Prepares every statement of the store once, on a database already at SCHEMA_VERSION. */
export function prepareStatements(db: Database.Database): StateStatements {
  const upsertStrategy = db.prepare(`
    INSERT INTO strategies (strategy_id, external_id, symbol, type, parameters, score, window_start, window_end,
                            first_seen_at, last_seen_at, seen_count, status, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (strategy_id) DO UPDATE SET
      external_id = excluded.external_id, symbol = excluded.symbol, type = excluded.type, parameters = excluded.parameters,
      score = excluded.score, window_start = excluded.window_start, window_end = excluded.window_end,
      first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at, seen_count = excluded.seen_count,
      status = excluded.status, updated_at = excluded.updated_at`);
  const upsertScore = db.prepare(`
    INSERT INTO strategy_confidence_scores (strategy_id, symbol, type, confidence, performance, frequency, recency, live_score, live_trades, time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (strategy_id) DO UPDATE SET
      symbol = excluded.symbol, type = excluded.type, confidence = excluded.confidence, performance = excluded.performance,
      frequency = excluded.frequency, recency = excluded.recency, live_score = excluded.live_score,
      live_trades = excluded.live_trades, time = excluded.time`);
  const deactivateEnsembles = db.prepare('UPDATE strategy_ensembles SET active = 0 WHERE symbol = ? AND active = 1 AND ensemble_id <> ?');
  const upsertEnsemble = db.prepare(`
    INSERT INTO strategy_ensembles (ensemble_id, symbol, members, total, performance, diversification, risk, usable, exposure, active, time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (ensemble_id) DO UPDATE SET
      symbol = excluded.symbol, members = excluded.members, total = excluded.total, performance = excluded.performance,
      diversification = excluded.diversification, risk = excluded.risk, usable = excluded.usable,
      exposure = excluded.exposure, active = excluded.active, time = excluded.time`);
  const upsertPosition = db.prepare(`
    INSERT INTO trading_positions (position_id, symbol, strategy_id, quantity, entry_price, mark_price, position_size, stop_price,
                                   take_profit_price, status, entry_time, exit_time, pnl, time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (position_id) DO UPDATE SET
      symbol = excluded.symbol, strategy_id = excluded.strategy_id, quantity = excluded.quantity,
      entry_price = excluded.entry_price, mark_price = excluded.mark_price, position_size = excluded.position_size,
      stop_price = excluded.stop_price, take_profit_price = excluded.take_profit_price, status = excluded.status,
      entry_time = excluded.entry_time, exit_time = excluded.exit_time, pnl = excluded.pnl, time = excluded.time`);
  const upsertSize = db.prepare(`
    INSERT INTO position_sizes (symbol, kelly, risk_parity, vol_target, combined, size, binding, risk_contribution, reason, time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (symbol) DO UPDATE SET
      kelly = excluded.kelly, risk_parity = excluded.risk_parity, vol_target = excluded.vol_target, combined = excluded.combined,
      size = excluded.size, binding = excluded.binding, risk_contribution = excluded.risk_contribution,
      reason = excluded.reason, time = excluded.time`);
  const upsertPortfolio = db.prepare(`
    INSERT INTO portfolio (id, cash, equity, high_water_mark, drawdown, state, size_scale, halted_at, time)
    VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET
      cash = excluded.cash, equity = excluded.equity, high_water_mark = excluded.high_water_mark, drawdown = excluded.drawdown,
      state = excluded.state, size_scale = excluded.size_scale, halted_at = excluded.halted_at, time = excluded.time`);
  // Event times of different inputs need not increase, so "latest" is decided by the portfolio's
  // own time, not by which flush came last.
  const upsertHistory = db.prepare(`
    INSERT INTO portfolio_history (time, as_of, equity, drawdown, state) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (time) DO UPDATE SET as_of = excluded.as_of, equity = excluded.equity, drawdown = excluded.drawdown, state = excluded.state
    WHERE excluded.as_of >= portfolio_history.as_of`);
  const insertDecision = db.prepare('INSERT INTO decisions (input_seq, time, decision, symbol, reason, line) VALUES (?, ?, ?, ?, ?, ?)');
  const insertRejection = db.prepare('INSERT INTO rejections (input_seq, source, code, reason, field, symbol) VALUES (?, ?, ?, ?, ?, ?)');
  const upsertConsumer = db.prepare(`
    INSERT INTO consumer_state (name, last_seq, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET last_seq = excluded.last_seq, updated_at = COALESCE(excluded.updated_at, consumer_state.updated_at)`);
  const selectConsumer = db.prepare('SELECT last_seq FROM consumer_state WHERE name = ?').pluck();
  const selectConsumers = db.prepare('SELECT name, last_seq, updated_at FROM consumer_state ORDER BY name');
  const selectOpenPositions = db.prepare("SELECT * FROM trading_positions WHERE status = 'open' ORDER BY symbol, position_id");
  const selectPositions = db.prepare("SELECT * FROM trading_positions ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, symbol, entry_time, position_id");
  const selectSizes = db.prepare('SELECT * FROM position_sizes ORDER BY symbol');
  const selectActiveEnsembles = db.prepare('SELECT * FROM strategy_ensembles WHERE active = 1 ORDER BY symbol');
  const selectPortfolio = db.prepare('SELECT * FROM portfolio WHERE id = 1');
  const selectDecisionLines = db.prepare('SELECT line FROM decisions ORDER BY seq_no').pluck();
  const countRows = TABLES.map((table) => [table, db.prepare(`SELECT count(*) FROM ${table}`).pluck()] as const);

  return {
    upsertStrategy: (s) => {
      upsertStrategy.run(
        s.strategyId,
        s.externalId,
        s.symbol,
        s.type,
        canonicalJson(s.parameters),
        s.score,
        s.window?.start ?? null,
        s.window?.end ?? null,
        s.firstSeenAt,
        s.lastSeenAt,
        s.seenCount,
        s.status,
        s.time,
      );
    },
    upsertScore: (c) => {
      upsertScore.run(c.strategyId, c.symbol, c.type, c.confidence, c.performance, c.frequency, c.recency, c.liveScore, c.liveTrades, c.time);
    },
    upsertEnsemble: (e) => {
      if (e.active) deactivateEnsembles.run(e.symbol, e.id);
      upsertEnsemble.run(
        e.id,
        e.symbol,
        canonicalJson(e.members),
        e.total,
        e.performance,
        e.diversification,
        e.risk,
        e.usable ? 1 : 0,
        e.exposure,
        e.active ? 1 : 0,
        e.time,
      );
    },
    upsertPosition: (p) => {
      upsertPosition.run(
        p.positionId,
        p.symbol,
        p.ensembleId,
        p.quantity,
        p.entryPrice,
        p.markPrice,
        p.size,
        p.stopPrice,
        p.takeProfitPrice,
        p.status,
        p.entryTime,
        p.exitTime,
        p.pnl,
        p.time,
      );
    },
    upsertSize: (z) => {
      upsertSize.run(z.symbol, z.kelly, z.riskParity, z.volTarget, z.combined, z.size, z.binding, z.riskContribution, z.reason, z.time);
    },
    upsertPortfolio: (p) => {
      upsertPortfolio.run(p.cash, p.equity, p.highWaterMark, p.drawdown, p.state, p.sizeScale, p.haltedAt, p.time);
    },
    upsertHistory: (minute, p) => {
      upsertHistory.run(minute, p.time, p.equity, p.drawdown, p.state);
    },
    insertDecision: (d) => {
      insertDecision.run(d.seq, d.time, d.decision, d.symbol, d.reason, d.line);
    },
    insertRejection: (r) => {
      insertRejection.run(r.seq, r.source, r.code, r.reason, r.field, r.symbol);
    },
    upsertConsumer: (name, lastSeq, time) => {
      upsertConsumer.run(name, lastSeq, time);
    },
    consumerSeq: (name) => (selectConsumer.get(name) as number | undefined) ?? null,
    consumers: () =>
      (selectConsumers.all() as { name: string; last_seq: number; updated_at: number | null }[]).map((r) => ({
        name: r.name,
        lastSeq: r.last_seq,
        updatedAt: r.updated_at,
      })),
    openPositions: () => (selectOpenPositions.all() as PositionRow[]).map(toPosition),
    positions: () => (selectPositions.all() as PositionRow[]).map(toPosition),
    sizes: () => (selectSizes.all() as SizeRow[]).map(toSize),
    activeEnsembles: () => (selectActiveEnsembles.all() as EnsembleRow[]).map(toEnsemble),
    portfolio: () => {
      const row = selectPortfolio.get() as PortfolioRow | undefined;
      return row === undefined ? null : toPortfolio(row);
    },
    // A generator: nothing is opened before the first read, and a reader that stops early (or
    // throws) closes the statement, which would otherwise keep the connection busy.
    decisionLines: function* () {
      yield* selectDecisionLines.iterate() as IterableIterator<string>;
    },
    tableCounts: () => Object.fromEntries(countRows.map(([table, count]) => [table, count.get() as number])),
  };
}

interface PositionRow {
  position_id: string;
  symbol: string;
  strategy_id: string;
  quantity: number;
  entry_price: number;
  mark_price: number;
  position_size: number;
  stop_price: number;
  take_profit_price: number;
  status: PositionStatus;
  entry_time: number;
  exit_time: number | null;
  pnl: number;
  time: number;
}

function toPosition(r: PositionRow): Position {
  return {
    kind: 'position',
    time: r.time,
    positionId: r.position_id,
    symbol: r.symbol,
    ensembleId: r.strategy_id,
    quantity: r.quantity,
    entryPrice: r.entry_price,
    entryTime: r.entry_time,
    markPrice: r.mark_price,
    size: r.position_size,
    stopPrice: r.stop_price,
    takeProfitPrice: r.take_profit_price,
    status: r.status,
    exitTime: r.exit_time,
    pnl: r.pnl,
  };
}

interface SizeRow {
  symbol: string;
  kelly: number;
  risk_parity: number;
  vol_target: number;
  combined: number;
  size: number;
  binding: BindingLimit;
  risk_contribution: number;
  reason: string;
  time: number;
}

function toSize(r: SizeRow): PositionSize {
  return {
    kind: 'size',
    time: r.time,
    symbol: r.symbol,
    kelly: r.kelly,
    riskParity: r.risk_parity,
    volTarget: r.vol_target,
    combined: r.combined,
    size: r.size,
    binding: r.binding,
    riskContribution: r.risk_contribution,
    reason: r.reason,
  };
}

interface EnsembleRow {
  ensemble_id: string;
  symbol: string;
  members: string;
  total: number;
  performance: number;
  diversification: number;
  risk: number;
  usable: number;
  exposure: number;
  active: number;
  time: number;
}

function toEnsemble(r: EnsembleRow): Ensemble {
  return {
    kind: 'ensemble',
    time: r.time,
    symbol: r.symbol,
    id: r.ensemble_id,
    members: JSON.parse(r.members) as EnsembleMember[],
    total: r.total,
    performance: r.performance,
    diversification: r.diversification,
    risk: r.risk,
    usable: r.usable === 1,
    exposure: r.exposure,
    active: r.active === 1,
  };
}

interface PortfolioRow {
  cash: number;
  equity: number;
  high_water_mark: number;
  drawdown: number;
  state: BreakerState;
  size_scale: number;
  halted_at: number | null;
  time: number;
}

function toPortfolio(r: PortfolioRow): Portfolio {
  return {
    kind: 'portfolio',
    time: r.time,
    cash: r.cash,
    equity: r.equity,
    highWaterMark: r.high_water_mark,
    drawdown: r.drawdown,
    state: r.state,
    sizeScale: r.size_scale,
    haltedAt: r.halted_at,
  };
}
