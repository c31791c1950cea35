/**
 * Input files for `tradestream publish`: strategies (JSON lines) and prices (JSON lines of candles
 * or ticks, CSV with a `symbol,ts,open,high,low,close,volume` header, or the exchange kline CSV
 * layout without a symbol column) turned into JetStream messages with deterministic msgIDs, and
 * a publisher that relies on the stream's duplicate window so that a repeated load stores nothing
 * twice. Every line is checked with the engine's own validators; a bad line is reported with its
 * number and skipped, never stopping the load.
 */

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { JetStreamClient } from '@nats-io/jetstream';
import { canonicalJson } from '../domain/canonicalJson.js';
import { stableId } from '../domain/stableId.js';
import { parseStrategy } from '../domain/strategies/catalog.js';
import type { Millis } from '../domain/types.js';
import { epochMillisOfText, epochUnitOf, isDecimal, misreadEpoch, splitCsvLine, TIME_COLUMNS, timeColumn } from './csv.js';
import { symbolToSubjectToken, validatePrice, validateStrategy } from './decode.js';
import { describeValue, parseInterval, SYMBOL_PATTERN } from './schemas.js';

/** One message to publish on the input stream. */
export interface PublishMessage {
  readonly subject: string;
  /** JSON text of the message. */
  readonly data: string;
  /** Deterministic id: the stream drops a repeat within its duplicate window. */
  readonly msgId: string;
}

/** A line that was skipped, and why. */
export interface BadLine {
  readonly path: string;
  /** 1-based line number in the file. */
  readonly line: number;
  readonly reason: string;
}

/** Options shared by the file readers. */
export interface InputFileOptions {
  /** Subject prefix (default `tradestream`). */
  readonly subjectPrefix?: string;
  /** Called for every skipped line (default: ignored). */
  readonly onBadLine?: (bad: BadLine) => void;
  /** Lines longer than this are skipped: the engine would dead-letter them (bytes, default 65,536). */
  readonly maxBytes?: number;
}

/** Options of readPrices. */
export interface PriceFileOptions extends InputFileOptions {
  /** Symbol (`BTC/USD`) of a kline CSV, which has no symbol column. Required for that layout. */
  readonly symbol?: string;
  /**
   * Candle interval for CSV rows (`1m`, or ms); when candleInterval is given, it must be that.
   * Default: candleInterval (else `1m`) for header CSV; kline CSV derives it from the close time.
   */
  readonly interval?: string | number;
  /**
   * The engine's candle interval (ms, evaluation.interval): candles of another interval are bad
   * lines here, as the engine would refuse them (they used to be published, then dead-lettered).
   */
  readonly candleInterval?: Millis;
}

/** `"60000"` (a CSV cell or a command-line value) → 60000; other values as they are. */
function intervalValue(value: string | number): string | number {
  return typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}

/**
 * Checks the options of a price file before anything is read or connected: a bad interval or
 * symbol would otherwise make every line bad and the command succeed with nothing published.
 */
export function checkPriceFileOptions(opts: PriceFileOptions): void {
  const interval = opts.interval === undefined ? undefined : parseInterval(intervalValue(opts.interval));
  if (interval === null) {
    throw new InputFileError(`interval ${describeValue(opts.interval)}: expected a duration like 1m, 5m, 1h or a number of milliseconds`);
  }
  if (interval !== undefined && opts.candleInterval !== undefined && interval !== opts.candleInterval) {
    throw new InputFileError(
      `interval ${describeValue(opts.interval)} (${interval} ms) is not the engine's candle interval (evaluation.interval ${opts.candleInterval} ms): every candle would be refused`,
    );
  }
  if (opts.symbol !== undefined && !SYMBOL_PATTERN.test(opts.symbol)) {
    throw new InputFileError(`symbol ${describeValue(opts.symbol)}: expected a symbol like BTC/USD`);
  }
}

/** The first of `columns` whose cell is empty or missing in `fields`, by its name. */
function emptyCell(fields: readonly string[], columns: readonly (readonly [string, number])[]): string | null {
  for (const [name, index] of columns) if ((fields[index] ?? '').trim() === '') return name;
  return null;
}

/** The bad-line reason of the first of `columns` whose cell is not a decimal number (isDecimal), or null. */
function nonDecimalCell(fields: readonly string[], columns: readonly (readonly [string, number])[]): string | null {
  for (const [name, index] of columns) {
    const cell = (fields[index] ?? '').trim();
    if (!isDecimal(cell)) return `column "${name}" is not a decimal number (was ${JSON.stringify(cell)})`;
  }
  return null;
}

/** A file cannot be read at all (missing, unreadable, or a layout that needs an option). */
export class InputFileError extends Error {
  override readonly name = 'InputFileError';
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
  }
}

async function* numberedLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new InputFileError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let line = 0;
  // A directory opens but fails its first read (EISDIR): that is a file that cannot be read too,
  // not a runtime failure (it exited 1 with the bare error, a missing file 2 naming the path).
  try {
    for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      line += 1;
      yield { line, text: line === 1 ? text.replace(/^\uFEFF/, '') : text };
    }
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(`cannot read ${path}${line > 0 ? ` after line ${line}` : ''}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

function parseJsonLine(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Strategies from a JSON-lines file, one message per valid line, on
 * `<prefix>.strategies.<SYM>` with msgId `strategy:<symbol>:<type>:<params hash>:<discoveredAt ms>`
 * (`:retired` appended for retirements), the hash of the canonical parameters (the strategy's
 * identity: defaults filled, unknown extras dropped). The line's text is published as written. Blank lines
 * are ignored; invalid ones reported through `onBadLine`.
 */
export async function* readStrategies(path: string, opts: InputFileOptions = {}): AsyncGenerator<PublishMessage> {
  const prefix = opts.subjectPrefix ?? 'tradestream';
  const maxBytes = opts.maxBytes ?? 65_536;
  const bad = (line: number, reason: string): void => opts.onBadLine?.({ path, line, reason });
  for await (const { line, text } of numberedLines(path)) {
    const data = text.trim();
    if (data === '') continue;
    if (Buffer.byteLength(data) > maxBytes) {
      bad(line, `line is ${Buffer.byteLength(data)} bytes, above the limit of ${maxBytes}`);
      continue;
    }
    const parsed = parseJsonLine(data);
    if ('error' in parsed) {
      bad(line, parsed.error);
      continue;
    }
    const event = validateStrategy(parsed.value, 0);
    if (event.kind === 'rejection') {
      bad(line, event.reason);
      continue;
    }
    const misread = misreadEpoch(parsed.value, STRATEGY_TIMES);
    if (misread !== null) {
      bad(line, misread);
      continue;
    }
    // The canonical parameters, not the line's: an ignored extra parameter changed the id, and one
    // nested 15,000 deep overflowed the stack and stopped the command (found by a bug hunt).
    const identity = parseStrategy(event.type, event.parameters);
    if (!identity.ok) throw new Error(`readStrategies: line ${line} passed validation but not the catalog (${identity.reason})`);
    const paramsHash = stableId(canonicalJson(identity.value.parameters));
    const msgId = `strategy:${event.symbol}:${event.type}:${paramsHash}:${event.ts}${event.retired ? ':retired' : ''}`;
    yield { subject: `${prefix}.strategies.${symbolToSubjectToken(event.symbol)}`, data, msgId };
  }
}

type RowResult = { readonly obj: Record<string, unknown> } | { readonly error: string } | null;
type RowParser = (fields: string[]) => RowResult;

const HEADER_COLUMNS = ['symbol', 'ts', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Parser for a CSV with a header naming `symbol`, `ts` (or timestamp/time), open…volume, optional interval. */
function headerCsv(header: string[], opts: PriceFileOptions): RowParser {
  const names = header.map((h) => h.trim().toLowerCase());
  const col = (name: string): number => (name === 'ts' ? timeColumn(names) : names.indexOf(name));
  const missing = HEADER_COLUMNS.filter((c) => col(c) < 0);
  if (missing.length > 0) throw new InputFileError(`CSV header lacks column(s) ${missing.join(', ')} (has ${names.join(',')})`);
  const intervalCol = names.indexOf('interval');
  const required = HEADER_COLUMNS.map((c) => [c, col(c)] as const);
  const numeric = required.filter(([c]) => c !== 'symbol' && c !== 'ts');
  return (fields) => {
    if (fields.length < names.length) return { error: `row has ${fields.length} columns, the header ${names.length}` };
    // Number('') is 0: an empty price or volume must be refused, not published as zero.
    const empty = emptyCell(fields, required);
    if (empty !== null) return { error: `column "${empty}" is empty` };
    const notDecimal = nonDecimalCell(fields, numeric);
    if (notDecimal !== null) return { error: notDecimal };
    const get = (name: string): string => (fields[col(name)] ?? '').trim();
    const ts = get('ts');
    const obj: Record<string, unknown> = {
      symbol: get('symbol'),
      // Epoch seconds, ms, µs or ns by magnitude (csv.ts): seconds used to be published as 1970 ms.
      ts: /^-?\d+(\.\d+)?$/.test(ts) ? epochMillisOfText(ts) : ts,
      open: Number(get('open')),
      high: Number(get('high')),
      low: Number(get('low')),
      close: Number(get('close')),
      volume: Number(get('volume')),
      interval: intervalValue(intervalCol >= 0 ? (fields[intervalCol] ?? '').trim() : (opts.interval ?? opts.candleInterval ?? '1m')),
    };
    return { obj };
  };
}

/** The kline layout's first six columns, by position, as a header line may name them. */
const KLINE_COLUMNS = ['open time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** The same columns with their positions, for the cell checks. */
const KLINE_CELLS = KLINE_COLUMNS.map((name, at) => [name, at] as const);

/**
 * Parser for the exchange kline layout: open time, open, high, low, close, volume, close time, …
 * Times in s, ms, µs (newer exchange dumps) or ns, by the open time's magnitude (csv.ts). Interval
 * from the option, else close time − open time + 1 unit.
 */
function klineCsv(symbol: string, opts: PriceFileOptions): RowParser {
  return (fields) => {
    if (fields.length < 6) return { error: `kline row has ${fields.length} columns, expected at least 6 (open time, open, high, low, close, volume)` };
    const empty = emptyCell(fields, KLINE_CELLS);
    if (empty !== null) return { error: `kline column "${empty}" is empty` };
    const notDecimal = nonDecimalCell(fields, KLINE_CELLS);
    if (notDecimal !== null) return { error: `kline ${notDecimal}` };
    const openRaw = Number(fields[0]);
    const closeRaw = fields[6] === undefined ? Number.NaN : Number(fields[6]);
    const unit = epochUnitOf(openRaw);
    const ts = Number.isFinite(openRaw) ? epochMillisOfText(fields[0] as string, unit) : Number.NaN;
    // The candle's length by its close time: open + interval − 1 unit (Binance), or open + interval.
    const byClose = Number.isFinite(closeRaw) ? epochMillisOfText(fields[6] as string, unit, 1) - ts : null;
    let interval: unknown = opts.interval === undefined ? undefined : intervalValue(opts.interval);
    if (interval === undefined) {
      if (byClose === null) return { error: 'kline row has no close time to derive the interval from; pass an interval' };
      interval = byClose;
    } else if (byClose !== null && Number.isFinite(byClose)) {
      // --interval names the engine's interval; a row whose close time says another length is a
      // candle of another interval (5m klines with --interval 1m were published as 1m candles).
      const given = parseInterval(interval);
      const exact = epochMillisOfText(fields[6] as string, unit) - ts;
      if (given !== null && byClose !== given && exact !== given) {
        return { error: `kline row's close time makes it a ${byClose} ms candle, not the --interval ${describeValue(opts.interval)} (${given} ms)` };
      }
    }
    const [, open, high, low, close, volume] = fields.map((f) => Number(f));
    return { obj: { symbol, ts: Number.isFinite(openRaw) ? ts : fields[0], open, high, low, close, volume, interval } };
  };
}

/**
 * Why a kline CSV's header line does not fit the layout read by position, or null: a price
 * column (open, high, low, close, volume) or a time column (TIME_COLUMNS) that it names at another
 * position than the layout's.
 */
function klineHeaderMisplaced(header: readonly string[]): string | null {
  const names = header.map((h) => h.trim().toLowerCase());
  const wrong: string[] = [];
  for (const [at, name] of names.entries()) {
    const expected = KLINE_COLUMNS.indexOf(name as (typeof KLINE_COLUMNS)[number]);
    const time = TIME_COLUMNS.includes(name);
    if ((expected > 0 && expected !== at) || (time && at !== 0)) wrong.push(`"${header[at]?.trim()}" is column ${at + 1}`);
  }
  if (wrong.length === 0) return null;
  return `a CSV without a symbol column is read as an exchange kline CSV, by position (${KLINE_COLUMNS.join(', ')}, close time), but its header names another order: ${wrong.join(', ')}; add a symbol column (symbol,ts,open,high,low,close,volume) or put the columns in the kline order`;
}

/**
 * Prices from JSON lines (candles or ticks), a header CSV, or a kline CSV (`opts.symbol`
 * required), chosen by the first non-blank line. One message per valid line on
 * `<prefix>.prices.<SYM>`: msgId `candle:<symbol>:<interval ms>:<ts ms>` for candles,
 * `tick:<symbol>:<ts ms>:<hash of the line's canonical JSON>` for ticks (tickIdentity: one trade
 * written with other spacing, key order or number format has one id; lines that differ in any
 * field, such as a trade id, are distinct trades), with `:<n>` added for the n-th repeat of an
 * identical tick among its symbol's ticks of that time, in whatever order the file holds them
 * (two equal trades in one millisecond are two trades, and publishing the file again still repeats
 * every id; see TickRepeats for the bound). Invalid lines go to `onBadLine`. Throws
 * InputFileError when the file cannot be read or the layout needs a missing option.
 */
export async function* readPrices(path: string, opts: PriceFileOptions = {}): AsyncGenerator<PublishMessage> {
  checkPriceFileOptions(opts);
  const prefix = opts.subjectPrefix ?? 'tradestream';
  const maxBytes = opts.maxBytes ?? 65_536;
  const bad = (line: number, reason: string): void => opts.onBadLine?.({ path, line, reason });
  let parseRow: RowParser | 'json' | undefined;
  const repeats = new TickRepeats();
  for await (const { line, text } of numberedLines(path)) {
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (parseRow === undefined) {
      if (trimmed.startsWith('{')) parseRow = 'json';
      else {
        const fields = splitCsvLine(trimmed);
        if (!Array.isArray(fields)) throw new InputFileError(`${path}:${line}: ${fields.error}`);
        const first = (fields[0] ?? '').trim().toLowerCase();
        if (fields.some((f) => f.trim().toLowerCase() === 'symbol')) {
          parseRow = headerCsv(fields, opts);
          continue;
        }
        if (opts.symbol === undefined) {
          throw new InputFileError(`${path} looks like a kline CSV (no symbol column): pass the symbol, e.g. BTC/USD`);
        }
        parseRow = klineCsv(opts.symbol, opts);
        if (!/^\d/.test(first)) {
          // A kline header line. The layout is read by position, so a header naming a price column
          // elsewhere (`ts,close,high,low,open,volume`, found by a bug hunt) swapped open and close
          // without a word: refused, naming the columns.
          const misplaced = klineHeaderMisplaced(fields);
          if (misplaced !== null) throw new InputFileError(`${path}:${line}: ${misplaced}`);
          continue;
        }
      }
    }
    if (Buffer.byteLength(trimmed) > maxBytes) {
      bad(line, `line is ${Buffer.byteLength(trimmed)} bytes, above the limit of ${maxBytes}`);
      continue;
    }
    let obj: unknown;
    let data: string | undefined;
    if (parseRow === 'json') {
      const parsed = parseJsonLine(trimmed);
      if ('error' in parsed) {
        bad(line, parsed.error);
        continue;
      }
      obj = parsed.value;
      data = trimmed;
      const misread = misreadEpoch(obj, PRICE_TIMES);
      if (misread !== null) {
        bad(line, misread);
        continue;
      }
    } else {
      const cells = splitCsvLine(trimmed);
      const row = Array.isArray(cells) ? parseRow(cells) : cells;
      if (row === null) continue;
      if ('error' in row) {
        bad(line, row.error);
        continue;
      }
      obj = row.obj;
    }
    const event = validatePrice(obj, 0, opts.candleInterval);
    if (event.kind === 'rejection') {
      bad(line, event.reason);
      continue;
    }
    const body = data ?? JSON.stringify(obj);
    const msgId =
      event.kind === 'candle'
        ? `candle:${event.symbol}:${event.interval}:${event.ts}`
        : repeats.msgId(event.symbol, event.ts, stableId(tickIdentity(obj, body)));
    yield { subject: `${prefix}.prices.${symbolToSubjectToken(event.symbol)}`, data: body, msgId };
  }
}

/**
 * What a tick's msgId hashes: the line's JSON value in canonical form (keys sorted, no spacing,
 * numbers as JSON.stringify prints them), so that one trade written with other spacing, key order
 * or number format (`1.50`) has one id, while every field is kept: two trades of one price, size
 * and millisecond that the lines tell apart (a trade id, a venue, a sub-millisecond ISO time) are
 * two trades, which hashing price and size alone made one id for across files (the stream dropped
 * the second). A value canonicalJson cannot print (an extra field of 1e400, nesting deep enough to
 * overflow its stack) falls back to the line as written, and so does a line holding a number past
 * Number.MAX_SAFE_INTEGER (beyondSafeNumber): trade ids 9007199254740993 and 9007199254740992 parse
 * to one double, so their canonical forms were one id and the stream dropped the second trade.
 */
function tickIdentity(obj: unknown, line: string): string {
  if (beyondSafeNumber(line)) return line;
  try {
    return canonicalJson(obj);
  } catch {
    return line;
  }
}

/**
 * A JSON number token, or a whole string (whose digits are text, not numbers). In valid JSON every
 * `"` outside a string opens one, so scanning from the start never lands inside a string.
 */
const JSON_NUMBER_OR_STRING = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * True when the JSON text holds a number token (not digits inside a string) whose magnitude exceeds
 * Number.MAX_SAFE_INTEGER: `9007199254740993`, `9.007199254740993e15`, `1e20`, `1e400`. Above it a
 * double no longer tells neighbouring integers apart, so two such lines that differ only there have
 * one canonical form. Every double up to it prints as a token up to it, so a canonical form never
 * holds one: a line hashed as written for this reason never shares a hash input with a canonical
 * form. The pre-test keeps the scan off ordinary lines: such a token has 16 digits in a row or an
 * exponent.
 */
function beyondSafeNumber(text: string): boolean {
  if (!/\d{16}|\d[eE]/.test(text)) return false;
  for (const [token] of text.matchAll(JSON_NUMBER_OR_STRING)) {
    if (token.startsWith('"')) continue;
    if (Math.abs(Number(token)) > Number.MAX_SAFE_INTEGER) return true;
  }
  return false;
}

/** The times of a strategy line and of a price line. */
const STRATEGY_TIMES = ['discoveredAt', 'window.start', 'window.end'];
const PRICE_TIMES = ['ts'];

/**
 * Numbers identical ticks of one symbol and time. A tick has no trade id, so its msgId is its
 * content: without a number, the second of two equal trades in one millisecond (a taker order
 * filling two equal maker orders) was dropped by the stream as a duplicate (found by a bug hunt).
 * The counts of the latest MAX_TICK_TIMES (symbol, time) pairs are kept: memory stays bounded on
 * files of millions of ticks, and a file whose ticks are out of time order still numbers its
 * repeats (keeping only each symbol's latest time gave a repeat after an earlier-stamped tick the
 * first one's id, and the stream dropped it: found by a review).
 */
class TickRepeats {
  /** Seen counts by content hash, per `<symbol> <ts>`, oldest pair first. */
  private readonly seen = new Map<string, Map<string, number>>();

  /** `tick:<symbol>:<ts>:<hash>` for the first such tick, then `...:<hash>:1`, `...:<hash>:2`. */
  msgId(symbol: string, ts: number, hash: string): string {
    const at = `${symbol} ${ts}`;
    let counts = this.seen.get(at);
    if (counts === undefined) {
      counts = new Map();
      this.seen.set(at, counts);
      if (this.seen.size > MAX_TICK_TIMES) this.seen.delete(this.seen.keys().next().value as string);
    }
    const n = counts.get(hash) ?? 0;
    counts.set(hash, n + 1);
    const id = `tick:${symbol}:${ts}:${hash}`;
    return n === 0 ? id : `${id}:${n}`;
  }
}

/** (symbol, time) pairs whose tick counts TickRepeats keeps. */
const MAX_TICK_TIMES = 100_000;

/** Progress of publishMessages. */
export interface PublishProgress {
  /** Stored as new messages. */
  readonly published: number;
  /** Already in the stream (same msgId within the duplicate window). */
  readonly duplicates: number;
  /** Gave up after every attempt. */
  readonly failed: number;
  /** (published + duplicates) per second since the start. */
  readonly rate: number;
  /** Wall time since the start (ms). */
  readonly elapsedMs: number;
}

/** Options of publishMessages. */
export interface PublishOptions {
  /** Publishes in flight at once (default 256). */
  readonly concurrency?: number;
  /** Time to wait for the stream's ack of one publish (ms, default 5,000). */
  readonly timeoutMs?: number;
  /** Attempts per message, all with the same msgId (default 5). */
  readonly maxAttempts?: number;
  /** Pause before retry n is n × this (ms, default 500). */
  readonly retryDelayMs?: number;
  /** Least time between two onProgress calls (ms, default 1,000); a last call comes at the end. */
  readonly progressIntervalMs?: number;
  readonly onProgress?: (progress: PublishProgress) => void;
  /** Called for a message given up on, with the last error. */
  readonly onFailed?: (message: PublishMessage, error: unknown) => void;
  /** Wall clock for progress (ms; default Date.now). */
  readonly now?: () => number;
}

/** What publishMessages did. */
export interface PublishSummary {
  readonly published: number;
  readonly duplicates: number;
  readonly failed: number;
}

/**
 * Publishes `messages` to JetStream with their msgIds, `concurrency` at a time, in file order
 * (one connection keeps the order; only a message that succeeds on a retry can land after later
 * ones). A timed-out publish is retried with the same msgId, so a message stored whose ack was
 * lost counts as a duplicate, never twice. Resolves with the counts; rejects only when reading
 * `messages` throws (InputFileError).
 */
export async function publishMessages(
  js: JetStreamClient,
  messages: AsyncIterable<PublishMessage> | Iterable<PublishMessage>,
  opts: PublishOptions = {},
): Promise<PublishSummary> {
  const concurrency = opts.concurrency ?? 256;
  const maxAttempts = opts.maxAttempts ?? 5;
  const retryDelayMs = opts.retryDelayMs ?? 500;
  const timeout = opts.timeoutMs ?? 5_000;
  const interval = opts.progressIntervalMs ?? 1_000;
  const now = opts.now ?? Date.now;
  const started = now();
  let lastReport = started;
  let published = 0;
  let duplicates = 0;
  let failed = 0;

  const report = (): void => {
    const elapsedMs = now() - started;
    lastReport = now();
    opts.onProgress?.({ published, duplicates, failed, elapsedMs, rate: elapsedMs > 0 ? ((published + duplicates) * 1_000) / elapsedMs : 0 });
  };

  const publishOne = async (message: PublishMessage): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const ack = await js.publish(message.subject, message.data, { msgID: message.msgId, timeout });
        if (ack.duplicate) duplicates += 1;
        else published += 1;
        return;
      } catch (error) {
        if (attempt >= maxAttempts) {
          failed += 1;
          opts.onFailed?.(message, error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
      }
    }
  };

  let batch: Promise<void>[] = [];
  for await (const message of messages) {
    batch.push(publishOne(message));
    if (batch.length >= concurrency) {
      await Promise.all(batch);
      batch = [];
      if (now() - lastReport >= interval) report();
    }
  }
  await Promise.all(batch);
  report();
  return { published, duplicates, failed };
}
