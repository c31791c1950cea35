import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type BacktestTrade, inferInterval, runBacktest } from '../domain/backtest.js';
import type { Candle, Millis } from '../domain/types.js';
import { epochMillisOfText, isDecimal, misreadEpoch, splitCsvLine, TIME_COLUMNS, timeColumn } from '../sources/csv.js';
import { validatePrice } from '../sources/decode.js';
import { parseInterval, parseTimestamp } from '../sources/schemas.js';

export const BACKTEST_HELP = `Usage: tradestream backtest --type TYPE --candles FILE [--params JSON] [--fee-bps N] [--interval I]

Runs one strategy over a candle file through the live engine's strategy book and paper account.

  --type TYPE      strategy type of STRATEGIES.md, e.g. SMA_RSI
  --params JSON    its parameters as a JSON object, e.g. '{"rsiPeriod":14}' (default {}: all defaults)
  --candles FILE   CSV with the header ts,open,high,low,close,volume (the time column may also
                   be named timestamp, time, open_time or opentime, the first one read; ts in ISO
                   8601 or epoch s, ms, µs or ns, told apart by size; cells may be quoted), or
                   JSON lines of candles {"ts", "open", "high", "low", "close", "volume"} (ts in
                   epoch ms or ISO)
  --fee-bps N      fee per paper fill, basis points of notional (default 10, as the engine)
  --interval I     the candles' interval (1m, 1h, ... or ms): every gap a whole multiple of
                   it, some two candles one interval apart; without it, the gap between most
                   consecutive candles, which must also be the smallest (else exit 2: one
                   candle off its grid would halve the interval and double every annualization)

Prints one JSON line per closed trade (entry and exit time in ISO 8601, prices, net return, bar
indices), then one summary line: trades, win rate, total return, max drawdown, Sharpe and
annualized return (annualized with the candle interval, given or inferred), live score.
A figure JSON cannot hold is written as the string "Infinity", "-Infinity" or "NaN" (a profit
factor with no losing trade; the annualized return of a large gain over few candles).
Exit codes: 0 success, 1 runtime failure, 2 bad usage, parameters or file.`;

/** Where the command writes: stdout for results, stderr for messages. */
export interface BacktestIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: BacktestIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * JSON has no ∞ or NaN (JSON.stringify writes null): a non-finite figure is written as the string
 * "Infinity", "-Infinity" or "NaN" (a profit factor with no losing trade, the annualized return of
 * a few minutes' gain). A JSON.stringify replacer.
 */
function nonFiniteAsString(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** `--interval`: 1m, 1h, ... or ms (as a candle message's interval), at least the engine's 1 s; undefined when not given. */
function intervalFlag(value: string | undefined): Millis | undefined {
  if (value === undefined) return undefined;
  const ms = parseInterval(/^\d+$/.test(value) ? Number(value) : value);
  if (ms === null || ms < 1000) throw new BadInput(`--interval "${value}" is not a candle interval of at least 1 s (e.g. 1m, 1h, 1d or ms)`);
  return ms;
}

/** Bad usage, parameters or input file: exit 2 with the message. */
class BadInput extends Error {
  override readonly name = 'BadInput';
}

/** One candle row before the interval is known: its 1-based line and fields as read. */
interface Row {
  readonly line: number;
  readonly fields: Record<string, unknown>;
  readonly ts: Millis;
  /** The time as the file writes it, for messages: a CSV's epoch time is converted to ms in `fields.ts`. */
  readonly written: unknown;
  /** A JSON line, whose numeric time is taken as epoch ms as written (a CSV's was read in its unit). */
  readonly json: boolean;
}

/** The price columns a CSV header must name, besides its time column (TIME_COLUMNS, as `publish` reads it). */
const CSV_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

/** The cells of a CSV line, quoted or not; BadInput naming the line when a quote is left open. */
function csvCells(path: string, line: number, text: string): string[] {
  const cells = splitCsvLine(text);
  if (!Array.isArray(cells)) throw new BadInput(`${path}:${line}: ${cells.error}`);
  return cells;
}

/** Rows of a header CSV or of JSON lines; throws BadInput naming the line and the value. */
function readRows(path: string, text: string): Row[] {
  const lines = text.split(/\r?\n/);
  const rows: Row[] = [];
  let columns: string[] | null = null;
  let tsAt = -1;
  let json: boolean | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const trimmed = (lines[i] as string).trim();
    if (trimmed === '') continue;
    let fields: Record<string, unknown>;
    let written: unknown;
    if (json === null) json = trimmed.startsWith('{');
    if (json) {
      try {
        fields = JSON.parse(trimmed) as Record<string, unknown>;
      } catch (error) {
        throw new BadInput(`${path}:${line}: not valid JSON (${(error as Error).message})`);
      }
      if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
        throw new BadInput(`${path}:${line}: a candle must be a JSON object (was ${trimmed.slice(0, 60)})`);
      written = fields.ts;
    } else if (columns === null) {
      columns = csvCells(path, line, trimmed).map((c) => c.trim().toLowerCase());
      tsAt = timeColumn(columns);
      const missing: string[] = CSV_COLUMNS.filter((c) => !columns?.includes(c));
      if (tsAt < 0) missing.unshift(`a time column (${TIME_COLUMNS.join(', ')})`);
      if (missing.length > 0)
        throw new BadInput(`${path}:${line}: the CSV header must name ts,${CSV_COLUMNS.join(',')}; missing ${missing.join(', ')} (was "${trimmed}")`);
      continue;
    } else {
      const cells = csvCells(path, line, trimmed).map((c) => c.trim());
      if (cells.length !== columns.length) throw new BadInput(`${path}:${line}: ${cells.length} columns, the header has ${columns.length}`);
      fields = {};
      for (const [k, name] of columns.entries()) {
        // A second column named ts is not the time this file is read by (the first time column is, as in publish).
        if (name === 'ts' && k !== tsAt) continue;
        // Nor is a second column of any other name read: the first is, as publish reads it (the last
        // overwrote it, so one file's candles differed between publish and backtest; found by a bug hunt).
        if (k !== tsAt && columns.indexOf(name) !== k) continue;
        const cell = cells[k] as string;
        // Numbers stay numbers (prices, epoch times); a non-numeric ts is an ISO time for parseTimestamp.
        // (Decimal only: Number() reads 0x10 as 16, which validation then took as a price.)
        fields[k === tsAt ? 'ts' : name] = isDecimal(cell) ? Number(cell) : cell;
      }
      written = fields.ts;
      // Epoch seconds, ms, µs or ns by magnitude (src/sources/csv.ts); JSON lines are the engine's epoch ms.
      if (typeof fields.ts === 'number') fields.ts = epochMillisOfText(cells[tsAt] as string);
    }
    // The time column as the file names it (a CSV's may be timestamp, time, ...).
    const tsName = json ? 'ts' : (columns?.[tsAt] ?? 'ts');
    const ts = parseTimestamp(fields.ts);
    if (ts === null) throw new BadInput(`${path}:${line}: field "${tsName}" must be epoch ms or an ISO 8601 time with a zone (was ${JSON.stringify(written)})`);
    const previous = rows[rows.length - 1];
    if (previous !== undefined && !(ts > previous.ts)) {
      throw new BadInput(
        `${path}:${line}: field "${tsName}" ${JSON.stringify(written)} is not after line ${previous.line}'s; candles must be in increasing time`,
      );
    }
    rows.push({ line, fields, ts, written, json });
  }
  return rows;
}

/** Candles of the file, validated by the engine's own price validation with the given or inferred interval. */
function candlesOf(path: string, rows: readonly Row[], given: Millis | undefined): Candle[] {
  if (rows.length < 2) throw new BadInput(`${path}: ${rows.length} candle(s); a backtest needs at least 2 to infer the interval`);
  const interval = given ?? (inferInterval(rows.map((r) => r.ts)) as Millis);
  // Candles a few ms apart are epoch seconds read as milliseconds: annualized over 525,600,000
  // "candles" a year, a Sharpe of 2.43 came out as 76.76. The engine's own shortest interval is 1 s.
  if (interval < 1000) {
    throw new BadInput(
      `${path}: candles ${interval} ms apart (from ${JSON.stringify(rows[0]?.written)} and the next ones); times must be ISO 8601 or epoch ms (in JSON lines, seconds since 1970 are read as ms)`,
    );
  }
  // Hourly candles in epoch seconds are 3,600 "ms" apart and passed the check above: a Sharpe of 66
  // came out as 2,101. A JSON time sized as seconds or µs is refused, as publish refuses it
  // (misreadEpoch); only a CSV's ts was converted to ms, so a JSON number is as written. A CSV's
  // converted time is not sized again: seconds of 1971 (ms below 1e11) were refused as JSON lines
  // in seconds, naming a value the file did not hold (found by a bug hunt).
  for (const row of rows) {
    const misread = row.json ? misreadEpoch(row.fields, ['ts']) : null;
    if (misread !== null) throw new BadInput(`${path}:${row.line}: ${misread}`);
  }
  checkGrid(path, rows, interval, given !== undefined);
  return rows.map((row) => {
    // One series: a symbol column, if any, is not read (an exchange export's BTCUSDT was refused as
    // not BASE/QUOTE, found by a bug hunt); the interval is the file's.
    const event = validatePrice({ ...row.fields, symbol: 'BACKTEST/USD', ts: row.ts, interval }, row.line);
    if (event.kind === 'rejection') throw new BadInput(`${path}:${row.line}: ${event.reason}`);
    if (event.kind !== 'candle') throw new BadInput(`${path}:${row.line}: not a candle (a tick?); expected ${CSV_COLUMNS.join(', ')}`);
    return { symbol: event.symbol, ts: event.ts, interval, open: event.open, high: event.high, low: event.low, close: event.close, volume: event.volume };
  });
}

/**
 * The candles must sit on the interval's grid. A given interval: every gap a whole multiple of it
 * (a larger gap is missing candles). An inferred one (the smallest gap): also the gap between most
 * candles. Found by a bug hunt: one hourly candle stamped 30 minutes off made the inferred interval
 * 30 minutes, and the Sharpe of 66 read 94 without a word.
 */
function checkGrid(path: string, rows: readonly Row[], interval: Millis, given: boolean): void {
  const counts = new Map<number, number>();
  for (let i = 1; i < rows.length; i++) {
    const row = rows[i] as Row;
    const before = rows[i - 1] as Row;
    const gap = row.ts - before.ts;
    if (given && gap % interval !== 0) {
      throw new BadInput(`${path}:${row.line}: candle ${gap} ms after line ${before.line}'s, not a whole number of --interval ${interval} ms`);
    }
    counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  if (given) {
    // Every gap a whole multiple of a far smaller --interval: hourly candles with --interval 1m
    // were annualized as minute candles with 59 missing between each two (a Sharpe √60 too high,
    // found by a bug hunt). Candles are missing here and there, not between every two.
    if (!counts.has(interval)) {
      const closest = Math.min(...counts.keys());
      throw new BadInput(
        `${path}: no two candles are --interval ${interval} ms apart (the closest are ${closest} ms apart), so every candle between them would be missing; give the candles' own interval`,
      );
    }
    return;
  }
  let usual = interval;
  for (const [gap, n] of counts) if (n > (counts.get(usual) ?? 0)) usual = gap;
  if (usual === interval) return;
  const at = rows.findIndex((row, i) => i > 0 && row.ts - (rows[i - 1] as Row).ts === interval);
  throw new BadInput(
    `${path}:${rows[at]?.line}: candle ${interval} ms after line ${rows[at - 1]?.line}'s, while most candles are ${usual} ms apart: a candle off its grid, or mixed intervals; give --interval to say which`,
  );
}

function tradeLine(t: BacktestTrade): string {
  return JSON.stringify({
    kind: 'trade',
    entryTime: new Date(t.entryTime).toISOString(),
    entryPrice: t.entryPrice,
    exitTime: new Date(t.exitTime).toISOString(),
    exitPrice: t.exitPrice,
    return: t.return,
    entryBar: t.entryBar,
    exitBar: t.exitBar,
  });
}

function parameters(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new BadInput(`--params is not valid JSON (${(error as Error).message}): ${raw}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadInput(`--params must be a JSON object (was ${raw})`);
  return value as Record<string, unknown>;
}

function feeBps(raw: string | undefined): number {
  if (raw === undefined) return 10;
  const value = Number(raw);
  if (!isDecimal(raw) || !(value >= 0 && value <= 1000)) throw new BadInput(`--fee-bps must be a number in 0–1000 (was "${raw}")`);
  return value;
}

/**
 * `tradestream backtest`: one strategy over a candle file, on the live engine's code path
 * (domain/backtest.ts). Writes trades and the summary as JSON lines to `io.out`, messages to
 * `io.err`. Returns 0, 2 on bad usage, parameters or file (the message names the flag, the line or
 * the parameter and the value), 1 on any other failure.
 */
export async function backtestCommand(args: string[], io: BacktestIo = processIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        type: { type: 'string' },
        params: { type: 'string' },
        candles: { type: 'string' },
        'fee-bps': { type: 'string' },
        interval: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      io.out(BACKTEST_HELP);
      return 0;
    }
    if (values.type === undefined) throw new BadInput('backtest needs --type TYPE (e.g. SMA_RSI)');
    if (values.candles === undefined) throw new BadInput('backtest needs --candles FILE');
    const params = parameters(values.params);
    const fee = feeBps(values['fee-bps']);
    const path = values.candles;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new BadInput(`--candles ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
    const candles = candlesOf(path, readRows(path, text), intervalFlag(values.interval));
    const result = runBacktest({ type: values.type, parameters: params, candles, feeBps: fee });
    if (!result.ok) throw new BadInput(`--${result.field === 'type' ? 'type' : 'params'}: ${result.reason}`);
    for (const trade of result.trades) io.out(tradeLine(trade));
    const summary = result.summary;
    io.out(JSON.stringify({ kind: 'summary', type: values.type, ...summary }, nonFiniteAsString));
    return 0;
  } catch (error) {
    if (error instanceof BadInput) {
      io.err(`tradestream backtest: ${error.message}`);
      return 2;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`tradestream backtest: ${error.message}\n\n${BACKTEST_HELP}`);
      return 2;
    }
    io.err(`tradestream backtest: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
