import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { prepareStatements, SCHEMA_VERSION, schemaVersionOf } from '../sinks/schema.js';
import { recordedIdentity } from '../sinks/stateIdentity.js';
import { configFromFlags, UsageError } from './cliOptions.js';

export const INSPECT_HELP = `Usage: tradestream inspect [--db FILE] [--config FILE] [--json]

Prints the state in a TradeStream SQLite file: the symbols its engine owns, portfolio and breaker, open positions, sizes,
active ensembles and row counts (a table, or one JSON object with --json).

  --db FILE       the state file (default: store.db of the configuration, as for run: TRADESTREAM_DB,
                  the --config file, else ./data/tradestream.db)
  --config FILE   JSON config file whose store.db to read
  --json          print one JSON object`;

const num = (value: number, digits = 4) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

/** `tradestream inspect`: the current state of a database, for people and scripts. */
export async function inspectCommand(args: string[]): Promise<number> {
  // Its own options only: the engine's flags (--port, --set, ...) have no meaning here and were
  // accepted and ignored, even invalid ones.
  const { values } = parseArgs({
    args,
    options: { db: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) {
    console.log(INSPECT_HELP);
    return 0;
  }
  const db = configFromFlags({ db: values.db, config: values.config }).store.db;
  if (!existsSync(db)) throw new UsageError(`--db ${db}: no such file`);
  // Read-only: inspecting must not create, migrate or lock the file an engine may be using (it
  // used to open it as a store: an empty file became a database, an older one was migrated).
  let file: Database.Database;
  try {
    file = new Database(db, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new UsageError(`--db ${db}: cannot open it read-only (${(error as Error).message})`);
  }
  try {
    let version: number;
    try {
      version = schemaVersionOf(file);
    } catch (error) {
      throw new UsageError(`--db ${db}: not a TradeStream state file (${(error as Error).message})`);
    }
    if (version === 0) throw new UsageError(`--db ${db}: not a TradeStream state file (no schema version)`);
    if (version !== SCHEMA_VERSION) {
      throw new UsageError(
        `--db ${db}: schema version ${version}; this engine reads version ${SCHEMA_VERSION} (${version < SCHEMA_VERSION ? 'run the engine on the file once to migrate it' : 'use a newer engine'})`,
      );
    }
    const sql = prepareStatements(file);
    const consumers = sql.consumers();
    // The symbols its engine owns (shard by symbol); a file from before identities, or of an engine
    // of every symbol, owns them all.
    const owned = recordedIdentity(file)?.['evaluation.symbols'];
    const state = {
      symbols: typeof owned === 'string' && owned !== '' ? owned.split(',') : 'every symbol',
      portfolio: sql.portfolio(),
      positions: sql.openPositions(),
      sizes: sql.sizes(),
      ensembles: sql.activeEnsembles(),
      counts: sql.tableCounts(),
      // Each durable consumer (run: tradestream-engine by default, replay: replay, demo: engine) keeps its own position.
      consumers,
      lastSeq: Math.max(0, ...consumers.map((c) => c.lastSeq)),
    };
    if (values.json === true) {
      console.log(JSON.stringify(state));
      return 0;
    }
    console.log(`symbols: ${Array.isArray(state.symbols) ? state.symbols.join(', ') : state.symbols}`);
    const p = state.portfolio;
    console.log(
      p === null
        ? 'portfolio: none yet'
        : `portfolio: equity ${num(p.equity, 2)}  cash ${num(p.cash, 2)}  high-water ${num(p.highWaterMark, 2)}  drawdown ${num(p.drawdown * 100, 3)}%  breaker ${p.state} (scale ${num(p.sizeScale, 3)})  at ${new Date(p.time).toISOString()}`,
    );
    console.log(`\npositions (${state.positions.length} open)`);
    if (state.positions.length > 0)
      console.log(
        table([
          ['position', 'symbol', 'quantity', 'entry', 'mark', 'size', 'stop', 'take-profit', 'pnl'],
          ...state.positions.map((x) => [
            x.positionId,
            x.symbol,
            num(x.quantity, 6),
            num(x.entryPrice, 6),
            num(x.markPrice, 6),
            num(x.size),
            num(x.stopPrice, 6),
            num(x.takeProfitPrice, 6),
            num(x.pnl, 2),
          ]),
        ]),
      );
    console.log(`\nsizes (${state.sizes.length})`);
    if (state.sizes.length > 0)
      console.log(
        table([
          ['symbol', 'kelly', 'riskParity', 'volTarget', 'combined', 'size', 'binding', 'risk share'],
          ...state.sizes.map((s) => [
            s.symbol,
            num(s.kelly),
            num(s.riskParity),
            num(s.volTarget),
            num(s.combined),
            num(s.size),
            s.binding,
            num(s.riskContribution),
          ]),
        ]),
      );
    console.log(`\nactive ensembles (${state.ensembles.length})`);
    for (const e of state.ensembles) {
      console.log(`${e.symbol}  ${e.id}  total ${num(e.total)}  exposure ${num(e.exposure)}  ${e.usable ? 'usable' : 'not usable'}`);
      for (const m of e.members) console.log(`    ${m.type.padEnd(26)} confidence ${num(m.confidence)}  weight ${num(m.weight)}  ${m.side}  ${m.strategyId}`);
    }
    console.log(
      `\nrows: ${Object.entries(state.counts)
        .map(([t, n]) => `${t}=${n}`)
        .join(' ')}`,
    );
    console.log(
      state.consumers.length === 0
        ? 'last input seq 0 (nothing committed)'
        : `last input seq ${state.consumers.map((c) => `${c.lastSeq} (${c.name})`).join(', ')}`,
    );
    return 0;
  } finally {
    file.close();
  }
}
