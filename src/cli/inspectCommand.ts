import { existsSync } from 'node:fs';
import { StateStore } from '../sinks/stateStore.js';
import { parseCommand, UsageError } from './cliOptions.js';

export const INSPECT_HELP = `Usage: tradestream inspect --db FILE [--json]

Prints the state in a TradeStream SQLite file: portfolio and breaker, open positions, sizes,
active ensembles and row counts (a table, or one JSON object with --json).`;

const num = (value: number, digits = 4) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

/** `tradestream inspect`: the current state of a database, for people and scripts. */
export async function inspectCommand(args: string[]): Promise<number> {
  const { values } = parseCommand(args, { json: { type: 'boolean' } });
  if (values.help === true) {
    console.log(INSPECT_HELP);
    return 0;
  }
  const db = values.db;
  if (typeof db !== 'string') throw new UsageError('inspect needs --db FILE');
  if (!existsSync(db)) throw new UsageError(`--db ${db}: no such file`);
  const store = StateStore.open(db, { flushInterval: 60_000 });
  try {
    const state = {
      portfolio: store.readPortfolio(),
      positions: store.readOpenPositions(),
      sizes: store.readSizes(),
      ensembles: store.readActiveEnsembles(),
      counts: store.tableCounts(),
      lastSeq: store.lastSeq(),
    };
    if (values.json === true) {
      console.log(JSON.stringify(state));
      return 0;
    }
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
          ...state.positions.map((x) => [x.positionId, x.symbol, num(x.quantity, 6), num(x.entryPrice, 6), num(x.markPrice, 6), num(x.size), num(x.stopPrice, 6), num(x.takeProfitPrice, 6), num(x.pnl, 2)]),
        ]),
      );
    console.log(`\nsizes (${state.sizes.length})`);
    if (state.sizes.length > 0)
      console.log(
        table([
          ['symbol', 'kelly', 'riskParity', 'volTarget', 'combined', 'size', 'binding', 'risk share'],
          ...state.sizes.map((s) => [s.symbol, num(s.kelly), num(s.riskParity), num(s.volTarget), num(s.combined), num(s.size), s.binding, num(s.riskContribution)]),
        ]),
      );
    console.log(`\nactive ensembles (${state.ensembles.length})`);
    for (const e of state.ensembles) {
      console.log(`${e.symbol}  ${e.id}  total ${num(e.total)}  exposure ${num(e.exposure)}  ${e.usable ? 'usable' : 'not usable'}`);
      for (const m of e.members) console.log(`    ${m.type.padEnd(26)} confidence ${num(m.confidence)}  weight ${num(m.weight)}  ${m.side}  ${m.strategyId}`);
    }
    console.log(`\nrows: ${Object.entries(state.counts).map(([t, n]) => `${t}=${n}`).join(' ')}  last input seq ${state.lastSeq}`);
    return 0;
  } finally {
    store.close();
  }
}
