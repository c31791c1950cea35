/**
 * Decodes and validates one input message (DESIGN.md, Inputs): bytes or text, its subject and its
 * stream sequence in; a validated InputEvent or a Rejection out. Invalid input never enters the
 * pipeline, and nothing here throws on bad input: every refusal is a Rejection value that names
 * the field and the value, with a stable `code` for metrics.
 */
import { parseStrategy } from '../domain/strategies/catalog.js';
import type {
  BacktestWindow,
  Candle,
  CandleEvent,
  ControlEvent,
  Millis,
  PriceEvent,
  Rejection,
  SourceInput,
  StrategyEvent,
  TickEvent,
} from '../domain/types.js';
import { describeValue, type FieldFailure, FieldReader, isRecord, jsonTypeOf, SYMBOL_PATTERN } from './schemas.js';

/** How messages are recognised and bounded. */
export interface DecodeOptions {
  /** Subject prefix, e.g. `tradestream` for `tradestream.prices.BTC-USD` (NatsConfig.subjectPrefix). */
  readonly subjectPrefix: string;
  /** Largest accepted message, in bytes of UTF-8 (NatsConfig.maxMessageBytes). */
  readonly maxBytes: number;
  /**
   * When set, candle messages of another interval (ms) are refused (`out_of_range`): a candle
   * builder keyed on one interval cannot merge them. Unset: any interval passes.
   */
  readonly candleInterval?: Millis;
  /**
   * The symbols this engine owns (`evaluation.symbols`, ownedSymbols); unset or null: every symbol.
   * A message whose subject names another symbol is Unowned, and its body is not read: each shard
   * reads the whole stream, and that pass must cost little.
   */
  readonly owned?: ReadonlySet<string> | null;
}

type Source = Rejection['source'];

const utf8 = new TextDecoder('utf-8', { fatal: true });

function reject(seq: number, source: Source, failure: FieldFailure, symbol: string | null): Rejection {
  return { kind: 'rejection', seq, source, code: failure.code, reason: failure.reason, field: failure.field, symbol };
}

/** The body's symbol when it is at least a string, so that rejections can be counted per symbol. */
function claimedSymbol(obj: unknown): string | null {
  return isRecord(obj) && typeof obj.symbol === 'string' && SYMBOL_PATTERN.test(obj.symbol) ? obj.symbol : null;
}

function notAnObject(seq: number, source: Source, obj: unknown): Rejection {
  return reject(seq, source, { code: 'not_an_object', field: null, reason: `message must be a JSON object (was ${jsonTypeOf(obj)})` }, null);
}

/** `BTC/USD` → `BTC-USD`, the symbol as written in subjects. */
export function symbolToSubjectToken(symbol: string): string {
  return symbol.replace('/', '-');
}

/** `BTC-USD` → `BTC/USD`; null when the token is not `BASE-QUOTE`. */
export function subjectTokenToSymbol(token: string): string | null {
  const symbol = token.replace('-', '/');
  return SYMBOL_PATTERN.test(symbol) ? symbol : null;
}

/** The optional backtest window; a missing or null window passes (DESIGN.md, time filter). */
function readWindow(r: FieldReader): BacktestWindow | null {
  const raw = r.optionalRecord('window');
  if (raw === null) return null;
  const w = new FieldReader(raw, 'window.');
  const start = w.timestamp('start');
  const end = w.timestamp('end');
  if (w.failure === null && !(start < end)) {
    w.fail('out_of_range', 'window.start', `field "window.start" ${describeValue(raw.start)} is not before "window.end" ${describeValue(raw.end)}`);
  }
  if (w.failure !== null) r.fail(w.failure.code, w.failure.field, w.failure.reason);
  return { start, end };
}

/**
 * Validates an already-parsed strategy message (`{symbol, type, parameters, score, discoveredAt,
 * window?, id?, retired?}`). Returns the StrategyEvent with times in epoch ms, or a Rejection
 * naming the first bad field. `type` is only checked to be a non-empty string and `parameters` to
 * be an object: the strategy catalog validates both later, with its own reasons.
 */
export function validateStrategy(obj: unknown, seq: number): StrategyEvent | Rejection {
  if (!isRecord(obj)) return notAnObject(seq, 'strategy', obj);
  const r = new FieldReader(obj);
  const symbol = r.symbol('symbol');
  const type = r.text('type');
  const parameters = r.record('parameters');
  const score = r.between('score', 0, 1);
  const ts = r.timestamp('discoveredAt');
  const window = readWindow(r);
  const externalId = r.optionalText('id');
  const retired = r.optionalFlag('retired', false);
  if (r.failure !== null) return reject(seq, 'strategy', r.failure, claimedSymbol(obj));
  // The catalog's own check (type known, parameters in range): bad input never enters the pipeline.
  const parsed = parseStrategy(type, parameters);
  if (!parsed.ok) return reject(seq, 'strategy', { code: parsed.code, field: parsed.field, reason: parsed.reason }, symbol);
  return { kind: 'strategy', seq, ts, symbol, type, parameters, score, window, externalId, retired };
}

/** The first OHLC inconsistency of a candle, or null. */
function ohlcFailure(c: Pick<Candle, 'open' | 'high' | 'low' | 'close'>): FieldFailure | null {
  const below = (a: string, av: number, b: string, bv: number): FieldFailure => ({
    code: 'inconsistent_ohlc',
    field: a,
    reason: `field "${a}" ${av} is below "${b}" ${bv}`,
  });
  const above = (a: string, av: number, b: string, bv: number): FieldFailure => ({
    code: 'inconsistent_ohlc',
    field: a,
    reason: `field "${a}" ${av} is above "${b}" ${bv}`,
  });
  if (c.high < c.low) return below('high', c.high, 'low', c.low);
  if (c.high < c.open) return below('high', c.high, 'open', c.open);
  if (c.high < c.close) return below('high', c.high, 'close', c.close);
  if (c.low > c.open) return above('low', c.low, 'open', c.open);
  if (c.low > c.close) return above('low', c.low, 'close', c.close);
  return null;
}

function validateCandle(obj: Record<string, unknown>, seq: number, expectedInterval: Millis | undefined): CandleEvent | Rejection {
  const r = new FieldReader(obj);
  const symbol = r.symbol('symbol');
  const ts = r.timestamp('ts');
  const open = r.price('open');
  const high = r.price('high');
  const low = r.price('low');
  const close = r.price('close');
  const volume = r.quantity('volume');
  const interval = r.interval('interval');
  if (r.failure !== null) return reject(seq, 'candle', r.failure, claimedSymbol(obj));
  const ohlc = ohlcFailure({ open, high, low, close });
  if (ohlc !== null) return reject(seq, 'candle', ohlc, symbol);
  if (expectedInterval !== undefined && interval !== expectedInterval) {
    const reason = `field "interval" ${describeValue(obj.interval)} (${interval} ms) does not match the engine's candle interval ${expectedInterval} ms`;
    return reject(seq, 'candle', { code: 'out_of_range', field: 'interval', reason }, symbol);
  }
  return { kind: 'candle', seq, symbol, ts, interval, open, high, low, close, volume };
}

function validateTick(obj: Record<string, unknown>, seq: number): TickEvent | Rejection {
  const r = new FieldReader(obj);
  const symbol = r.symbol('symbol');
  const ts = r.timestamp('ts');
  const price = r.price('price');
  const size = r.quantity('size');
  if (r.failure !== null) return reject(seq, 'tick', r.failure, claimedSymbol(obj));
  return { kind: 'tick', seq, symbol, ts, price, size };
}

/**
 * Validates an already-parsed price message: a candle when it has any of open/high/low/close
 * (`{symbol, ts, open, high, low, close, volume, interval}`), else a tick when it has `price`
 * (`{symbol, ts, price, size}`). Returns the PriceEvent with `ts` in epoch ms and `interval` in
 * ms, or a Rejection naming the first bad field. Extra fields are ignored.
 */
export function validatePrice(obj: unknown, seq: number, candleInterval?: Millis): PriceEvent | Rejection {
  if (!isRecord(obj)) return notAnObject(seq, 'unknown', obj);
  // null counts as absent, as elsewhere: a tick carrying `"open": null` is a tick (found by a bug hunt).
  if (obj.open != null || obj.high != null || obj.low != null || obj.close != null) return validateCandle(obj, seq, candleInterval);
  if (obj.price !== undefined) return validateTick(obj, seq);
  const reason = 'field "price" is missing: a price message is a tick with "price" or a candle with "open", "high", "low", "close"';
  return reject(seq, 'unknown', { code: 'missing_field', field: 'price', reason }, claimedSymbol(obj));
}

/** Longest operator name and reason kept in a control message (characters). */
export const MAX_CONTROL_TEXT = 500;

/** Most symbols a control message may address. */
export const MAX_CONTROL_SYMBOLS = 1_000;

/**
 * Validates an already-parsed control message of subject `<prefix>.control.breaker-reset`:
 * `{ "ts": epoch ms or ISO time, "operator": "alice", "reason": "why" }`, both texts non-empty and
 * at most MAX_CONTROL_TEXT characters, and optionally `"symbols": ["BTC/USD", ...]` (distinct, at
 * most MAX_CONTROL_SYMBOLS): the engines that own any of them, where symbols are sharded. Returns
 * the ControlEvent or a Rejection naming the field.
 */
export function validateControl(obj: unknown, seq: number): ControlEvent | Rejection {
  if (!isRecord(obj)) return notAnObject(seq, 'control', obj);
  const r = new FieldReader(obj);
  const ts = r.timestamp('ts');
  const operator = r.text('operator');
  const reason = r.text('reason');
  for (const [field, value] of [
    ['operator', operator],
    ['reason', reason],
  ] as const) {
    if (value.length > MAX_CONTROL_TEXT) r.fail('out_of_range', field, `field "${field}" must be at most ${MAX_CONTROL_TEXT} characters (was ${value.length})`);
  }
  const symbols = controlSymbols(obj.symbols, r);
  if (r.failure !== null) return reject(seq, 'control', r.failure, null);
  return { kind: 'control', seq, command: 'breaker.reset', ts, operator, reason, symbols };
}

/** A control message's optional `symbols`: null when absent, else distinct symbols (a failure on `r` otherwise). */
function controlSymbols(value: unknown, r: FieldReader): string[] | null {
  if (value === undefined) return null;
  const fail = (why: string) => {
    r.fail(Array.isArray(value) ? 'out_of_range' : 'wrong_type', 'symbols', `field "symbols" ${why} (was ${describeValue(value)})`);
    return null;
  };
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CONTROL_SYMBOLS) {
    return fail(`must be a list of 1 to ${MAX_CONTROL_SYMBOLS} symbols like "BTC/USD"`);
  }
  const bad = value.find((s) => typeof s !== 'string' || !SYMBOL_PATTERN.test(s));
  if (bad !== undefined) return fail(`holds ${describeValue(bad)}, which is not a symbol like "BTC/USD"`);
  if (new Set(value).size !== value.length) return fail('names a symbol more than once');
  return value as string[];
}

/** The message's size in UTF-8 bytes, or 0 when it surely fits under `maxBytes`. */
function utf8SizeIfLarge(data: Uint8Array | string, maxBytes: number): number {
  if (typeof data !== 'string') return data.byteLength;
  // A UTF-16 code unit takes 1 to 3 UTF-8 bytes: most messages need no counting.
  if (data.length * 3 <= maxBytes) return 0;
  return Buffer.byteLength(data, 'utf8');
}

/** What a subject says: its family, its last token and that token's symbol (null when it is not one). */
interface Route {
  readonly family: 'strategies' | 'prices' | 'control';
  readonly token: string;
  readonly symbol: string | null;
}

/**
 * Routes of the subjects seen, per prefix: a feed uses a few dozen subjects, and parsing one costs
 * about as much as the rest of a tick's validation. Bounded (cleared when full), so a flood of
 * distinct bogus subjects cannot grow it; null stands for a subject of neither family.
 */
const routes = new Map<string, Map<string, Route | null>>();
const MAX_ROUTES = 4096;

function routeOf(subject: string, prefix: string): Route | null {
  let known = routes.get(prefix);
  if (known === undefined) {
    known = new Map();
    routes.set(prefix, known);
  }
  let route = known.get(subject);
  if (route === undefined) {
    route = parseRoute(subject, prefix);
    if (known.size >= MAX_ROUTES) known.clear();
    known.set(subject, route);
  }
  return route;
}

function parseRoute(subject: string, prefix: string): Route | null {
  const head = `${prefix}.`;
  const rest = subject.startsWith(head) ? subject.slice(head.length) : '';
  const dot = rest.indexOf('.');
  const family = dot < 0 ? '' : rest.slice(0, dot);
  const token = rest.slice(dot + 1);
  if (family === 'control') return token === 'breaker-reset' ? { family, token, symbol: null } : null;
  if (family !== 'strategies' && family !== 'prices') return null;
  return { family, token, symbol: subjectTokenToSymbol(token) };
}

/**
 * Decodes one message of the input stream. `subject` must be `<prefix>.strategies.<SYM>` or
 * `<prefix>.prices.<SYM>` (SYM written `BTC-USD`), the body valid JSON of the matching kind, at
 * most `opts.maxBytes` bytes, and its `symbol` equal to the subject's. Returns the InputEvent
 * stamped with `seq` (the stream sequence), a Rejection, or Unowned (opts.owned); never throws on bad input.
 */
export function decodeMessage(data: Uint8Array | string, subject: string, seq: number, opts: DecodeOptions): SourceInput {
  const route = routeOf(subject, opts.subjectPrefix);
  if (route === null) {
    const head = `${opts.subjectPrefix}.`;
    const reason = `subject ${describeValue(subject)} is not ${head}strategies.<SYMBOL>, ${head}prices.<SYMBOL> or ${head}control.breaker-reset`;
    return reject(seq, 'unknown', { code: 'unknown_subject', field: 'subject', reason }, null);
  }
  const { family, token, symbol: subjectSymbol } = route;
  const claimed: Source = family === 'strategies' ? 'strategy' : family === 'control' ? 'control' : 'unknown';
  if (subjectSymbol === null && family !== 'control') {
    const reason = `subject ${describeValue(subject)} must end in a symbol like BTC-USD (was ${describeValue(token)})`;
    return reject(seq, claimed, { code: 'bad_symbol', field: 'subject', reason }, null);
  }
  if (subjectSymbol !== null && opts.owned && !opts.owned.has(subjectSymbol)) return { kind: 'unowned', seq, symbol: subjectSymbol };

  const bytes = utf8SizeIfLarge(data, opts.maxBytes);
  if (bytes > opts.maxBytes) {
    const reason = `message is ${bytes} bytes, above the limit of ${opts.maxBytes}`;
    return reject(seq, claimed, { code: 'too_large', field: null, reason }, subjectSymbol);
  }

  let obj: unknown;
  try {
    obj = JSON.parse(typeof data === 'string' ? data : utf8.decode(data));
  } catch (err) {
    const reason = `invalid JSON: ${err instanceof Error ? err.message : String(err)}`;
    return reject(seq, claimed, { code: 'invalid_json', field: null, reason }, subjectSymbol);
  }

  if (family === 'control') return validateControl(obj, seq);
  const event = family === 'strategies' ? validateStrategy(obj, seq) : validatePrice(obj, seq, opts.candleInterval);
  if (event.kind === 'rejection') return event.symbol === null ? { ...event, symbol: subjectSymbol } : event;
  if (event.symbol !== subjectSymbol) {
    const reason = `field "symbol" ${describeValue(event.symbol)} does not match the subject's symbol ${describeValue(subjectSymbol)} (subject ${describeValue(subject)})`;
    return reject(seq, event.kind, { code: 'subject_mismatch', field: 'symbol', reason }, subjectSymbol);
  }
  return event;
}
