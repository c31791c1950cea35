import { describe, expect, it } from 'vitest';
import { type DecodeOptions, decodeMessage, symbolToSubjectToken, validatePrice, validateStrategy } from '../../src/sources/decode.js';

const opts: DecodeOptions = { subjectPrefix: 'tradestream', maxBytes: 65_536 };
const STRAT = 'tradestream.strategies.BTC-USD';
const PRICES = 'tradestream.prices.BTC-USD';

const strategy = {
  symbol: 'BTC/USD',
  type: 'SMA_RSI',
  parameters: { movingAveragePeriod: 14, rsiPeriod: 14 },
  score: 0.9847,
  discoveredAt: '2026-11-20T10:00:00Z',
  window: { start: '2026-01-01T00:00:00Z', end: '2026-06-30T00:00:00Z' },
};
const candle = { symbol: 'BTC/USD', ts: 1_790_000_040_000, open: 10, high: 12, low: 9, close: 11, volume: 3.5, interval: '1m' };
const tick = { symbol: 'BTC/USD', ts: '2026-11-20T10:00:01.250Z', price: 68_000.5, size: 0.25 };

const json = (o: unknown) => JSON.stringify(o);
const decode = (body: unknown, subject = PRICES, o: DecodeOptions = opts) => decodeMessage(typeof body === 'string' ? body : json(body), subject, 7, o);

describe('decodeMessage accepts valid messages exactly', () => {
  it('decodes a strategy with ISO times into epoch milliseconds', () => {
    expect(decode(strategy, STRAT)).toEqual({
      kind: 'strategy',
      seq: 7,
      ts: Date.UTC(2026, 10, 20, 10),
      symbol: 'BTC/USD',
      type: 'SMA_RSI',
      parameters: { movingAveragePeriod: 14, rsiPeriod: 14 },
      score: 0.9847,
      window: { start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 5, 30) },
      externalId: null,
      retired: false,
    });
  });

  it('decodes a retirement with an id, epoch-ms times and no window', () => {
    const body = { ...strategy, id: 'disc-1', retired: true, discoveredAt: 1_790_000_000_000, window: undefined };
    expect(decode(body, STRAT)).toMatchObject({ kind: 'strategy', ts: 1_790_000_000_000, externalId: 'disc-1', retired: true, window: null });
  });

  it('decodes a candle with epoch-ms ts and a "1m" interval', () => {
    expect(decode(candle)).toEqual({
      kind: 'candle',
      seq: 7,
      symbol: 'BTC/USD',
      ts: 1_790_000_040_000,
      interval: 60_000,
      open: 10,
      high: 12,
      low: 9,
      close: 11,
      volume: 3.5,
    });
  });

  it.each([
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['4h', 14_400_000],
    ['1d', 86_400_000],
    [60_000, 60_000],
  ])('reads candle interval %j as %d ms', (interval, ms) => {
    expect(decode({ ...candle, interval })).toMatchObject({ kind: 'candle', interval: ms });
  });

  it('decodes a tick with an ISO ts carrying milliseconds, from bytes', () => {
    const bytes = new TextEncoder().encode(json(tick));
    expect(decodeMessage(bytes, PRICES, 3, opts)).toEqual({
      kind: 'tick',
      seq: 3,
      symbol: 'BTC/USD',
      ts: Date.UTC(2026, 10, 20, 10, 0, 1, 250),
      price: 68_000.5,
      size: 0.25,
    });
  });

  it.each([
    ['2026-11-20T11:30:00+01:30', Date.UTC(2026, 10, 20, 10)],
    ['2026-11-20T05:00:00-0500', Date.UTC(2026, 10, 20, 10)],
    // An offset of hours alone is ISO 8601 too (found by a bug hunt: it was refused).
    ['2026-11-20T11:00:00+01', Date.UTC(2026, 10, 20, 10)],
    ['2026-11-20', Date.UTC(2026, 10, 20)],
    ['2026-11-20T10:00:00.123456789Z', Date.UTC(2026, 10, 20, 10, 0, 0, 123)],
  ])('reads ISO time %s with its zone', (ts, ms) => {
    expect(decode({ ...tick, ts })).toMatchObject({ ts: ms });
  });

  it('truncates a fraction of a millisecond in epoch-ms times, as in ISO strings (every stored time is whole ms)', () => {
    expect(decode({ ...tick, ts: 1_793_491_200_000.5 })).toMatchObject({ kind: 'tick', ts: 1_793_491_200_000 });
    expect(decode({ ...candle, ts: 1_790_000_040_000.999 })).toMatchObject({ kind: 'candle', ts: 1_790_000_040_000 });
    expect(decode({ ...strategy, discoveredAt: 1_793_491_200_000.25, window: { start: 0.5, end: 1.5 } }, STRAT)).toMatchObject({
      kind: 'strategy',
      ts: 1_793_491_200_000,
      window: { start: 0, end: 1 },
    });
  });

  it('accepts prices at the bounds and the largest quantity', () => {
    expect(decode({ ...tick, price: 1e-12, size: 1e18 })).toMatchObject({ kind: 'tick', price: 1e-12, size: 1e18 });
    expect(decode({ ...candle, open: 1e15, high: 1e15, low: 1e-12, close: 1e-12, volume: 1e18 })).toMatchObject({ kind: 'candle', high: 1e15, low: 1e-12 });
  });

  it('reads a tick carrying null candle fields as a tick', () => {
    expect(decode({ ...tick, open: null, close: null })).toMatchObject({ kind: 'tick', price: 68_000.5 });
  });

  it('accepts a zero trade size and ignores unknown extra fields', () => {
    expect(decode({ ...tick, size: 0, exchange: 'x' })).toMatchObject({ kind: 'tick', size: 0 });
  });

  it('uses a custom subject prefix with dots', () => {
    const o = { ...opts, subjectPrefix: 'desk.ts' };
    expect(decode(tick, 'desk.ts.prices.BTC-USD', o)).toMatchObject({ kind: 'tick' });
  });
});

describe('decodeMessage refuses malformed input with the field and the value', () => {
  // Found by a bug hunt: a 30 KB message whose value was 15,000 nested arrays parsed, but printing
  // the value for the reason overflowed the stack; the RangeError stopped the engine, and on every
  // restart again, since the message was never acked.
  it('refuses a value nested too deeply to print, naming the field, without throwing', () => {
    const deep = `${'['.repeat(15_000)}${']'.repeat(15_000)}`;
    expect(decode(`{"symbol":"BTC/USD","ts":1790000000000,"price":${deep},"size":1}`)).toMatchObject({
      kind: 'rejection',
      code: 'wrong_type',
      field: 'price',
      reason: 'field "price" must be a finite number (was an array nested too deeply to print)',
    });
    const discovery = `{"symbol":"BTC/USD","type":"SMA_RSI","parameters":{"rsiPeriod":${deep}},"score":0.5,"discoveredAt":1790000000000}`;
    expect(decode(discovery, STRAT)).toMatchObject({
      kind: 'rejection',
      code: 'bad_parameter',
      field: 'parameters.rsiPeriod',
      reason: 'parameter rsiPeriod a list nested too deeply to print is not a finite number',
    });
  });

  const cases: [string, string, unknown, string, string | null, string][] = [
    // name, subject, body, code, field, reason
    ['bad JSON', PRICES, '{"symbol":"BTC/USD",}', 'invalid_json', null, 'invalid JSON: '],
    ['empty body', PRICES, '', 'invalid_json', null, 'invalid JSON: '],
    ['a JSON array', PRICES, '[1,2]', 'not_an_object', null, 'message must be a JSON object (was array)'],
    ['JSON null', STRAT, 'null', 'not_an_object', null, 'message must be a JSON object (was null)'],
    ['a missing close', PRICES, { ...candle, close: undefined }, 'missing_field', 'close', 'field "close" is missing'],
    ['a null price', PRICES, { ...tick, price: null, open: undefined }, 'missing_field', 'price', 'field "price" is missing (was null)'],
    ['neither price nor OHLC', PRICES, { symbol: 'BTC/USD', ts: 1 }, 'missing_field', 'price', 'field "price" is missing'],
    ['a missing score', STRAT, { ...strategy, score: undefined }, 'missing_field', 'score', 'field "score" is missing'],
    ['a missing window end', STRAT, { ...strategy, window: { start: 1 } }, 'missing_field', 'window.end', 'field "window.end" is missing'],
    ['a price as a string', PRICES, { ...tick, price: '68000' }, 'wrong_type', 'price', 'field "price" must be a finite number (was "68000")'],
    ['close "NaN"', PRICES, { ...candle, close: 'NaN' }, 'not_finite', 'close', 'field "close" must be a finite number (was "NaN")'],
    ['size "-Infinity"', PRICES, { ...tick, size: '-Infinity' }, 'not_finite', 'size', 'field "size" must be a finite number (was "-Infinity")'],
    [
      'a 1e400 volume (Infinity after parsing)',
      PRICES,
      '{"symbol":"BTC/USD","ts":1,"open":1,"high":1,"low":1,"close":1,"volume":1e400,"interval":"1m"}',
      'not_finite',
      'volume',
      'field "volume" must be a finite number (was Infinity)',
    ],
    ['a negative price', PRICES, { ...tick, price: -5 }, 'non_positive', 'price', 'field "price" must be > 0 (was -5)'],
    ['a 1e-300 price', PRICES, { ...tick, price: 1e-300 }, 'out_of_range', 'price', 'field "price" must be in [1e-12, 1000000000000000] (was 1e-300)'],
    [
      'a subnormal close',
      PRICES,
      { ...candle, low: 5e-324, close: 5e-324 },
      'out_of_range',
      'low',
      'field "low" must be in [1e-12, 1000000000000000] (was 5e-324)',
    ],
    ['a 1e308 high', PRICES, { ...candle, high: 1e308 }, 'out_of_range', 'high', 'field "high" must be in [1e-12, 1000000000000000] (was 1e+308)'],
    ['a 1e19 trade size', PRICES, { ...tick, size: 1e19 }, 'out_of_range', 'size', 'field "size" must be <= 1000000000000000000 (was 10000000000000000000)'],
    ['a 1.7e308 volume', PRICES, { ...candle, volume: 1.7e308 }, 'out_of_range', 'volume', 'field "volume" must be <= 1000000000000000000 (was 1.7e+308)'],
    ['a zero open', PRICES, { ...candle, open: 0 }, 'non_positive', 'open', 'field "open" must be > 0 (was 0)'],
    ['a negative volume', PRICES, { ...candle, volume: -1 }, 'out_of_range', 'volume', 'field "volume" must be >= 0 (was -1)'],
    ['high below low', PRICES, { ...candle, high: 9, low: 10, open: 9.5, close: 9.5 }, 'inconsistent_ohlc', 'high', 'field "high" 9 is below "low" 10'],
    ['high below close', PRICES, { ...candle, close: 12.5 }, 'inconsistent_ohlc', 'high', 'field "high" 12 is below "close" 12.5'],
    ['low above open', PRICES, { ...candle, open: 8 }, 'inconsistent_ohlc', 'low', 'field "low" 9 is above "open" 8'],
    ['score 1.5', STRAT, { ...strategy, score: 1.5 }, 'out_of_range', 'score', 'field "score" must be in [0, 1] (was 1.5)'],
    ['score -0.1', STRAT, { ...strategy, score: -0.1 }, 'out_of_range', 'score', 'field "score" must be in [0, 1] (was -0.1)'],
    ['an empty type', STRAT, { ...strategy, type: ' ' }, 'wrong_type', 'type', 'field "type" must be a non-empty string (was " ")'],
    ['parameters as an array', STRAT, { ...strategy, parameters: [14] }, 'wrong_type', 'parameters', 'field "parameters" must be an object (was [14])'],
    ['retired "yes"', STRAT, { ...strategy, retired: 'yes' }, 'wrong_type', 'retired', 'field "retired" must be true or false (was "yes")'],
    ['a numeric id', STRAT, { ...strategy, id: 5 }, 'wrong_type', 'id', 'field "id" must be a string (was 5)'],
    [
      'a window ending before it starts',
      STRAT,
      { ...strategy, window: { start: '2026-06-30T00:00:00Z', end: '2026-01-01T00:00:00Z' } },
      'out_of_range',
      'window.start',
      'field "window.start" "2026-06-30T00:00:00Z" is not before "window.end" "2026-01-01T00:00:00Z"',
    ],
    ['a window that is a string', STRAT, { ...strategy, window: '30d' }, 'wrong_type', 'window', 'field "window" must be an object (was "30d")'],
    [
      'a time without a zone',
      PRICES,
      { ...tick, ts: '2026-11-20T10:00:00' },
      'bad_timestamp',
      'ts',
      'field "ts" must be epoch ms or an ISO 8601 time with a zone (was "2026-11-20T10:00:00")',
    ],
    [
      'February 30th',
      STRAT,
      { ...strategy, discoveredAt: '2026-02-30T00:00:00Z' },
      'bad_timestamp',
      'discoveredAt',
      'field "discoveredAt" must be epoch ms or an ISO 8601 time with a zone (was "2026-02-30T00:00:00Z")',
    ],
    ['a negative epoch', PRICES, { ...tick, ts: -1 }, 'bad_timestamp', 'ts', 'field "ts" must be epoch ms or an ISO 8601 time with a zone (was -1)'],
    // The epoch's first hour written with a positive offset is before the epoch (found by a bug hunt: read as -3,600,000 ms).
    [
      'an ISO time before the epoch through its offset',
      PRICES,
      { ...tick, ts: '1970-01-01T00:00:00+01:00' },
      'bad_timestamp',
      'ts',
      'field "ts" must be epoch ms or an ISO 8601 time with a zone (was "1970-01-01T00:00:00+01:00")',
    ],
    ['a boolean ts', PRICES, { ...tick, ts: true }, 'bad_timestamp', 'ts', 'field "ts" must be epoch ms or an ISO 8601 time with a zone (was true)'],
    [
      'interval "1x"',
      PRICES,
      { ...candle, interval: '1x' },
      'wrong_type',
      'interval',
      'field "interval" must be a duration like "1m", "5m", "1h", "1d" or a positive integer of ms (was "1x")',
    ],
    [
      'interval 0',
      PRICES,
      { ...candle, interval: 0 },
      'out_of_range',
      'interval',
      'field "interval" must be a duration like "1m", "5m", "1h", "1d" or a positive integer of ms (was 0)',
    ],
    [
      'a symbol without a slash',
      PRICES,
      { ...tick, symbol: 'BTCUSD' },
      'bad_symbol',
      'symbol',
      'field "symbol" must look like BASE/QUOTE, e.g. "BTC/USD" (was "BTCUSD")',
    ],
    [
      'a lower-case symbol',
      STRAT,
      { ...strategy, symbol: 'btc/usd' },
      'bad_symbol',
      'symbol',
      'field "symbol" must look like BASE/QUOTE, e.g. "BTC/USD" (was "btc/usd")',
    ],
    [
      "a symbol that is not the subject's",
      PRICES,
      { ...tick, symbol: 'ETH/USD' },
      'subject_mismatch',
      'symbol',
      'field "symbol" "ETH/USD" does not match the subject\'s symbol "BTC/USD" (subject "tradestream.prices.BTC-USD")',
    ],
    [
      'an unknown subject family',
      'tradestream.orders.BTC-USD',
      tick,
      'unknown_subject',
      'subject',
      'subject "tradestream.orders.BTC-USD" is not tradestream.strategies.<SYMBOL>, tradestream.prices.<SYMBOL> or tradestream.control.breaker-reset',
    ],
    ['another prefix', 'other.prices.BTC-USD', tick, 'unknown_subject', 'subject', 'subject "other.prices.BTC-USD" is not'],
    ['a subject without a symbol', 'tradestream.prices', tick, 'unknown_subject', 'subject', 'subject "tradestream.prices" is not'],
    [
      'a malformed subject symbol',
      'tradestream.prices.BTCUSD',
      tick,
      'bad_symbol',
      'subject',
      'subject "tradestream.prices.BTCUSD" must end in a symbol like BTC-USD (was "BTCUSD")',
    ],
  ];

  it.each(cases)('refuses %s', (_name, subject, body, code, field, reason) => {
    const out = decode(body, subject);
    expect(out).toMatchObject({ kind: 'rejection', seq: 7, code, field });
    if (out.kind !== 'rejection') throw new Error('unreachable');
    expect(out.reason.startsWith(reason)).toBe(true);
  });

  it('gives the same verdicts for subjects seen before, and after a flood of distinct bogus subjects', () => {
    // Subject routes are remembered (bounded): the second decode of each subject reads the memory.
    for (let round = 0; round < 2; round++) {
      expect(decode(tick, PRICES)).toMatchObject({ kind: 'tick', symbol: 'BTC/USD' });
      expect(decode(tick, 'tradestream.prices.BTCUSD')).toMatchObject({ code: 'bad_symbol', field: 'subject' });
      expect(decode(tick, 'tradestream.orders.BTC-USD')).toMatchObject({ code: 'unknown_subject' });
      expect(decode(tick, PRICES, { ...opts, subjectPrefix: 'other' })).toMatchObject({ code: 'unknown_subject' });
    }
    for (let i = 0; i < 10_000; i++) expect(decode(tick, `tradestream.prices.X${i}`)).toMatchObject({ code: 'bad_symbol' });
    expect(decode({ ...tick, symbol: 'ETH/USD' }, 'tradestream.prices.ETH-USD')).toMatchObject({ kind: 'tick', symbol: 'ETH/USD' });
    expect(decode(tick, PRICES)).toMatchObject({ kind: 'tick', symbol: 'BTC/USD' });
  });

  it('says where bad JSON broke', () => {
    const out = decode('{"symbol":"BTC/USD",}');
    expect(out).toMatchObject({ code: 'invalid_json', symbol: 'BTC/USD', source: 'unknown' });
    expect(out.kind === 'rejection' && out.reason).toMatch(/^invalid JSON: .*position 20/);
  });

  it('refuses bytes that are not UTF-8 as invalid JSON', () => {
    expect(decodeMessage(new Uint8Array([0x7b, 0xff, 0x7d]), PRICES, 1, opts)).toMatchObject({ code: 'invalid_json' });
  });

  it('refuses a message above maxBytes, counting UTF-8 bytes, before parsing it', () => {
    const body = json({ ...tick, note: 'é'.repeat(60) }); // 'é' is 2 bytes in UTF-8
    const bytes = new TextEncoder().encode(body).byteLength;
    expect(decode(body, PRICES, { ...opts, maxBytes: bytes })).toMatchObject({ kind: 'tick' });
    const out = decode(body, PRICES, { ...opts, maxBytes: bytes - 1 });
    expect(out).toMatchObject({ code: 'too_large', reason: `message is ${bytes} bytes, above the limit of ${bytes - 1}` });
    expect(decode('x'.repeat(2000), PRICES, { ...opts, maxBytes: 1999 })).toMatchObject({ code: 'too_large' });
    expect(decodeMessage(new Uint8Array(300), PRICES, 1, { ...opts, maxBytes: 299 })).toMatchObject({ code: 'too_large' });
  });

  it('refuses a candle of another interval when the engine interval is given', () => {
    const out = decode({ ...candle, interval: '5m' }, PRICES, { ...opts, candleInterval: 60_000 });
    expect(out).toMatchObject({
      code: 'out_of_range',
      field: 'interval',
      reason: 'field "interval" "5m" (300000 ms) does not match the engine\'s candle interval 60000 ms',
    });
  });

  it('labels rejections with what the message claimed to be and its symbol', () => {
    expect(decode({ ...candle, low: 'x' })).toMatchObject({ source: 'candle', symbol: 'BTC/USD' });
    expect(decode({ ...tick, price: 0 })).toMatchObject({ source: 'tick', symbol: 'BTC/USD' });
    expect(decode({ ...strategy, score: 2 }, STRAT)).toMatchObject({ source: 'strategy', symbol: 'BTC/USD' });
    expect(decode('[]', 'tradestream.strategies.ETH-USD')).toMatchObject({ source: 'strategy', symbol: 'ETH/USD' });
    expect(decode(tick, 'nope')).toMatchObject({ source: 'unknown', symbol: null });
  });

  it('reports the first bad field in message order', () => {
    expect(decode({ ...candle, open: -1, high: 'NaN' })).toMatchObject({ field: 'open', code: 'non_positive' });
  });
});

describe('validateStrategy and validatePrice', () => {
  it('validate parsed objects without a subject', () => {
    expect(validateStrategy(strategy, 1)).toMatchObject({ kind: 'strategy', seq: 1, symbol: 'BTC/USD' });
    expect(validatePrice(tick, 2)).toMatchObject({ kind: 'tick', seq: 2 });
    expect(validatePrice(candle, 3)).toMatchObject({ kind: 'candle', seq: 3 });
  });

  it('refuse non-objects', () => {
    expect(validateStrategy('x', 1)).toMatchObject({ code: 'not_an_object', reason: 'message must be a JSON object (was string)' });
    expect(validatePrice(undefined, 1)).toMatchObject({ code: 'not_an_object' });
  });
});

describe('symbolToSubjectToken', () => {
  it('writes BTC/USD as BTC-USD', () => {
    expect(symbolToSubjectToken('BTC/USD')).toBe('BTC-USD');
  });
});

describe('operator commands (tradestream.control.breaker-reset)', () => {
  const CONTROL = 'tradestream.control.breaker-reset';
  const reset = { ts: '2026-11-20T10:00:00Z', operator: 'alice', reason: 'loss reviewed' };

  it('decodes a breaker reset with its issue time, operator and reason', () => {
    expect(decode(reset, CONTROL)).toEqual({
      kind: 'control',
      seq: 7,
      command: 'breaker.reset',
      ts: Date.UTC(2026, 10, 20, 10),
      operator: 'alice',
      reason: 'loss reviewed',
      symbols: null,
    });
  });

  it('takes the symbols whose engines it is for, and refuses a bad list naming the value', () => {
    expect(decode({ ...reset, symbols: ['BTC/USD', 'ETH/USD'] }, CONTROL)).toMatchObject({ kind: 'control', symbols: ['BTC/USD', 'ETH/USD'] });
    expect(decode({ ...reset, symbols: 'BTC/USD' }, CONTROL)).toMatchObject({
      code: 'wrong_type',
      field: 'symbols',
      reason: 'field "symbols" must be a list of 1 to 1000 symbols like "BTC/USD" (was "BTC/USD")',
    });
    expect(decode({ ...reset, symbols: [] }, CONTROL)).toMatchObject({ code: 'out_of_range', field: 'symbols' });
    expect(decode({ ...reset, symbols: ['BTC/USD', 7] }, CONTROL)).toMatchObject({
      code: 'out_of_range',
      field: 'symbols',
      reason: expect.stringContaining('holds 7, which is not a symbol like "BTC/USD"'),
    });
    expect(decode({ ...reset, symbols: ['BTC/USD', 'BTC/USD'] }, CONTROL)).toMatchObject({
      field: 'symbols',
      reason: expect.stringContaining('names a symbol more than once'),
    });
  });

  it('refuses an unknown command and a bad field, naming it and its value', () => {
    expect(decode(reset, 'tradestream.control.flatten-all')).toMatchObject({ code: 'unknown_subject', source: 'unknown', field: 'subject' });
    expect(decode({ ...reset, operator: '' }, CONTROL)).toMatchObject({
      source: 'control',
      code: 'wrong_type',
      field: 'operator',
      reason: 'field "operator" must be a non-empty string (was "")',
    });
    expect(decode({ ...reset, ts: 'yesterday' }, CONTROL)).toMatchObject({ source: 'control', code: 'bad_timestamp', field: 'ts' });
    expect(decode({ ...reset, reason: 'x'.repeat(501) }, CONTROL)).toMatchObject({
      code: 'out_of_range',
      field: 'reason',
      reason: 'field "reason" must be at most 500 characters (was 501)',
    });
    expect(decode('[1]', CONTROL)).toMatchObject({ source: 'control', code: 'not_an_object' });
    expect(decode('{', CONTROL)).toMatchObject({ source: 'control', code: 'invalid_json' });
  });
});
