import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/canonicalJson.js';
import { stableId } from '../../src/domain/stableId.js';
import { type BadLine, checkPriceFileOptions, InputFileError, type PublishMessage, readPrices, readStrategies } from '../../src/sources/inputFiles.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'nats');

async function collect(iterable: AsyncIterable<PublishMessage>): Promise<PublishMessage[]> {
  const out: PublishMessage[] = [];
  for await (const m of iterable) out.push(m);
  return out;
}

/** The msgId of a one-line prices file holding each of `lines`, each file read on its own. */
async function tickIds(...lines: string[]): Promise<(string | undefined)[]> {
  const ids: (string | undefined)[] = [];
  for (const [n, line] of lines.entries()) {
    const file = join(dir, `one-tick-${n}.jsonl`);
    await writeFile(file, `${line}\n`);
    ids.push((await collect(readPrices(file)))[0]?.msgId);
  }
  return ids;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tradestream-inputs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readStrategies', () => {
  it('yields valid lines with subjects and deterministic msgIds, and reports bad lines by number', async () => {
    const bad: BadLine[] = [];
    const messages = await collect(readStrategies(join(fixtures, 'strategies.jsonl'), { onBadLine: (b) => bad.push(b) }));
    expect(messages.map((m) => m.subject)).toEqual([
      'tradestream.strategies.BTC-USD',
      'tradestream.strategies.BTC-USD',
      'tradestream.strategies.ETH-USD',
      'tradestream.strategies.BTC-USD',
    ]);
    expect(bad.map((b) => b.line)).toEqual([5, 6]);
    expect(bad[0]?.reason).toContain('score');
    expect(bad[1]?.reason).toContain('invalid JSON');
    // Line 1 and line 7 are the same strategy (parameters in another order), discovered at another time.
    const [first, , , last] = messages;
    const idHead = (id: string | undefined): string => (id ?? '').split(':').slice(0, 4).join(':');
    expect(idHead(first?.msgId)).toBe(idHead(last?.msgId));
    expect(first?.msgId).toBe(`${idHead(first?.msgId)}:${Date.parse('2026-11-20T10:00:00Z')}`);
    expect(first?.msgId).not.toBe(last?.msgId);
    expect(JSON.parse(first?.data ?? '')).toMatchObject({ type: 'SMA_RSI', score: 0.9847 });

    const again = await collect(readStrategies(join(fixtures, 'strategies.jsonl')));
    expect(again.map((m) => m.msgId)).toEqual(messages.map((m) => m.msgId));
  });

  it('names a strategy by its canonical parameters: defaults spelled out, an ignored extra, even one nested too deeply to print', async () => {
    const file = join(dir, 'extras.jsonl');
    const line = (parameters: string) => `{"symbol":"BTC/USD","type":"SMA_RSI","parameters":${parameters},"score":0.9,"discoveredAt":"2026-11-20T10:00:00Z"}`;
    const deep = `${'['.repeat(15_000)}${']'.repeat(15_000)}`;
    await writeFile(file, [line('{"rsiPeriod":14}'), line('{"rsiPeriod":14,"movingAveragePeriod":14}'), line(`{"rsiPeriod":14,"note":${deep}}`)].join('\n'));
    const ids = (await collect(readStrategies(file))).map((m) => m.msgId);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
  });

  it('uses the given subject prefix and fails on a missing file with InputFileError', async () => {
    const messages = await collect(readStrategies(join(fixtures, 'strategies.jsonl'), { subjectPrefix: 'desk' }));
    expect(messages[0]?.subject).toBe('desk.strategies.BTC-USD');
    await expect(collect(readStrategies(join(dir, 'missing.jsonl')))).rejects.toBeInstanceOf(InputFileError);
  });
  it('skips a line whose discoveredAt or window time is sized as epoch seconds instead of publishing a discovery of 1970', async () => {
    const file = join(dir, 'strategy-units.jsonl');
    const line = (times: Record<string, unknown>) => JSON.stringify({ symbol: 'BTC/USD', type: 'EMA_MACD', parameters: {}, score: 0.9, ...times });
    await writeFile(
      file,
      [
        line({ discoveredAt: 1795168920 }),
        line({ discoveredAt: 1795168920000, window: { start: 1790000000, end: 1795000000 } }),
        line({ discoveredAt: 1795168920000, window: { start: 1790000000000, end: 1795000000000 } }),
      ].join('\n'),
    );
    const bad: BadLine[] = [];
    const messages = await collect(readStrategies(file, { onBadLine: (b) => bad.push(b) }));
    expect(messages.map((m) => m.msgId)).toEqual([expect.stringMatching(/^strategy:BTC\/USD:EMA_MACD:[0-9a-f]{16}:1795168920000$/)]);
    expect(bad.map((b) => [b.line, b.reason])).toEqual([
      [1, expect.stringContaining('field "discoveredAt" 1795168920 is sized as epoch seconds, not ms')],
      [2, expect.stringContaining('field "window.start" 1790000000 is sized as epoch seconds, not ms')],
    ]);
  });

  it('fails on a directory given as the file with InputFileError naming it, as on a missing file', async () => {
    // A directory opens and fails at its first read (EISDIR).
    await expect(collect(readStrategies(fixtures))).rejects.toThrow(
      new InputFileError(`cannot read ${fixtures}: EISDIR: illegal operation on a directory, read`),
    );
    await expect(collect(readPrices(fixtures))).rejects.toBeInstanceOf(InputFileError);
  });
});

describe('readPrices', () => {
  it('reads JSON lines of candles and ticks, skipping an inconsistent candle by line number', async () => {
    const bad: BadLine[] = [];
    const messages = await collect(readPrices(join(fixtures, 'candles.jsonl'), { onBadLine: (b) => bad.push(b) }));
    expect(messages.map((m) => m.msgId)).toEqual([
      'candle:BTC/USD:60000:1795168800000',
      'candle:BTC/USD:60000:1795168860000',
      expect.stringMatching(/^tick:BTC\/USD:1795168920000:[0-9a-f]{16}$/),
      'candle:ETH/USD:60000:1795168800000',
    ]);
    expect(messages[3]?.subject).toBe('tradestream.prices.ETH-USD');
    expect(bad).toEqual([{ path: join(fixtures, 'candles.jsonl'), line: 4, reason: expect.stringContaining('high') }]);
  });

  it('gives equal ticks of one symbol and millisecond distinct msgIds, the same on every read of the file', async () => {
    const file = join(dir, 'equal-trades.jsonl');
    const trade = '{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1}';
    await writeFile(file, `${trade}\n${trade}\n{"symbol":"BTC/USD","ts":1795168920001,"price":100,"size":0.1}\n`);
    const ids = (await collect(readPrices(file))).map((m) => m.msgId);
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).toMatch(/^tick:BTC\/USD:1795168920000:[0-9a-f]{16}$/);
    expect(ids[1]).toBe(`${ids[0]}:1`);
    expect((await collect(readPrices(file))).map((m) => m.msgId)).toEqual(ids);
  });

  it('gives one trade the same msgId however the line writes it: spacing, key order, number format', async () => {
    const first = join(dir, 'one-trade.jsonl');
    await writeFile(first, '{"symbol":"BTC/USD","ts":1795168920000,"price":100.5,"size":0.1}\n');
    const second = join(dir, 'one-trade-again.jsonl');
    await writeFile(second, '{ "size": 0.10, "price": 100.50, "ts": 1795168920000, "symbol": "BTC/USD" }\n');
    const ids = [...(await collect(readPrices(first))), ...(await collect(readPrices(second)))].map((m) => m.msgId);
    expect(ids[0]).toMatch(/^tick:BTC\/USD:1795168920000:[0-9a-f]{16}$/);
    // Published from either file, the stream's duplicate window sees one trade.
    expect(ids[1]).toBe(ids[0]);
    // Another price at that time is another trade.
    await writeFile(second, '{"symbol":"BTC/USD","ts":1795168920000,"price":100.51,"size":0.1}\n');
    expect((await collect(readPrices(second)))[0]?.msgId).not.toBe(ids[0]);
  });

  it('keeps apart two trades of one price, size and millisecond that the lines tell apart, published from two files', async () => {
    // A trade id, a venue or a sub-millisecond time: the engine reads none of them, but they are two
    // trades (two sizes of volume), and each file alone numbers no repeat; the stream must keep both.
    const pairs: [string, string][] = [
      ['{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1,"id":7001}', '{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1,"id":7002}'],
      [
        '{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1,"venue":"A"}',
        '{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1,"venue":"B"}',
      ],
      [
        '{"symbol":"BTC/USD","ts":"2026-11-19T12:02:00.000100Z","price":100,"size":0.1}',
        '{"symbol":"BTC/USD","ts":"2026-11-19T12:02:00.000900Z","price":100,"size":0.1}',
      ],
    ];
    for (const [a, b] of pairs) {
      const [ia, ib] = await tickIds(a, b);
      expect(ia, `${a} / ${b}`).toMatch(/^tick:BTC\/USD:\d+:[0-9a-f]{16}$/);
      expect(ib, `${a} / ${b}`).not.toBe(ia);
    }
  });

  it('keeps apart two trades whose lines differ only in an integer past Number.MAX_SAFE_INTEGER, which parses to one double', async () => {
    const trade = (id: string) => `{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1,"id":${id}}`;
    const pairs: [string, string][] = [
      ['9007199254740993', '9007199254740992'],
      ['-9007199254740993', '-9007199254740992'],
      ['9.007199254740993e15', '9.007199254740992E+15'],
      ['[1,12345678901234567890]', '[1,12345678901234567891]'],
    ];
    for (const [a, b] of pairs) {
      expect(JSON.parse(trade(a))).toEqual(JSON.parse(trade(b)));
      const [ia, ib] = await tickIds(trade(a), trade(b));
      expect(ia, `${a} / ${b}`).toMatch(/^tick:BTC\/USD:1795168920000:[0-9a-f]{16}$/);
      expect(ib, `${a} / ${b}`).not.toBe(ia);
      // The line as written is its identity: the same file read again repeats the id.
      expect((await tickIds(trade(a)))[0]).toBe(ia);
    }
  });

  it('keeps the canonical id of a line whose long digits are inside strings or within the safe integers', async () => {
    const canonicalId = (line: string) => `tick:BTC/USD:1795168920000:${stableId(canonicalJson(JSON.parse(line)))}`;
    const pairs: [string, string][] = [
      // An ordinary trade, reformatted.
      [
        '{"symbol":"BTC/USD","ts":1795168920000,"price":100.5,"size":0.1,"id":7001}',
        '{ "id": 7001, "size": 0.10, "price": 1.005e2, "ts": 1795168920000, "symbol": "BTC/USD" }',
      ],
      // Digits past 2^53 in a string value, in a key and after an escaped quote are text.
      [
        '{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1,"id":"9007199254740993","9007199254740993e5":1,"note":"a\\"12345678901234567890"}',
        '{"note":"a\\"12345678901234567890","9007199254740993e5":1.0,"id":"9007199254740993","size":0.1,"price":100,"ts":1795168920000,"symbol":"BTC/USD"}',
      ],
      // The largest safe integer is still a number a double holds exactly.
      [
        '{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1,"id":9007199254740991}',
        '{"id":9.007199254740991e15,"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1}',
      ],
    ];
    for (const [a, b] of pairs) {
      const [ia, ib] = await tickIds(a, b);
      expect(ia, a).toBe(canonicalId(a));
      expect(ib, b).toBe(ia);
    }
  });

  it('publishes a tick whose extra field canonical JSON cannot print (1e400, deep nesting), by the line as written', async () => {
    const file = join(dir, 'odd-extras.jsonl');
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    await writeFile(
      file,
      `{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1,"x":1e400}\n{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1,"x":${deep}}\n`,
    );
    const ids = (await collect(readPrices(file))).map((m) => m.msgId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });

  it('numbers equal ticks of one millisecond apart in the file, with an earlier-stamped tick between them', async () => {
    const file = join(dir, 'equal-trades-apart.jsonl');
    const trade = '{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1}';
    await writeFile(file, `${trade}\n{"symbol":"BTC/USD","ts":1795168919000,"price":99,"size":0.1}\n${trade}\n`);
    const ids = (await collect(readPrices(file))).map((m) => m.msgId);
    expect(ids[2]).toBe(`${ids[0]}:1`);
  });

  it('skips a JSON line whose numeric ts is sized as epoch seconds or µs instead of publishing it as a price of 1970 or of the year 55,800', async () => {
    const file = join(dir, 'json-units.jsonl');
    await writeFile(
      file,
      [
        '{"symbol":"BTC/USD","ts":1795168920,"price":100,"size":0.1}',
        '{"symbol":"BTC/USD","ts":1795168860,"open":1,"high":1,"low":1,"close":1,"volume":1,"interval":60000}',
        '{"symbol":"BTC/USD","ts":1795168920000000,"price":100,"size":0.1}',
        '{"symbol":"BTC/USD","ts":1795168920000,"price":100,"size":0.1}',
      ].join('\n'),
    );
    const bad: BadLine[] = [];
    const messages = await collect(readPrices(file, { onBadLine: (b) => bad.push(b) }));
    expect(messages.map((m) => m.msgId)).toEqual([expect.stringMatching(/^tick:BTC\/USD:1795168920000:/)]);
    expect(bad.map((b) => [b.line, b.reason])).toEqual([
      [1, expect.stringContaining('field "ts" 1795168920 is sized as epoch seconds, not ms')],
      [2, expect.stringContaining('field "ts" 1795168860 is sized as epoch seconds, not ms')],
      [3, expect.stringContaining('field "ts" 1795168920000000 is sized as epoch µs or ns, not ms')],
    ]);
  });

  it('reads a CSV with a symbol header into candle JSON', async () => {
    const bad: BadLine[] = [];
    const messages = await collect(readPrices(join(fixtures, 'candles.csv'), { onBadLine: (b) => bad.push(b) }));
    expect(messages).toHaveLength(3);
    expect(JSON.parse(messages[0]?.data ?? '')).toEqual({
      symbol: 'BTC/USD',
      ts: 1795168800000,
      open: 100,
      high: 101,
      low: 99,
      close: 100.5,
      volume: 12,
      interval: '1m',
    });
    expect(messages[2]?.msgId).toBe('candle:ETH/USD:60000:1795168800000');
    expect(bad.map((b) => b.line)).toEqual([4]);
    expect(bad[0]?.reason).toContain('high');
  });

  it('reads an exchange kline CSV in microseconds with the symbol given, deriving the interval', async () => {
    const bad: BadLine[] = [];
    const messages = await collect(readPrices(join(fixtures, 'klines.csv'), { symbol: 'BTC/USD', onBadLine: (b) => bad.push(b) }));
    expect(messages.map((m) => m.msgId)).toEqual(['candle:BTC/USD:60000:1795168800000', 'candle:BTC/USD:60000:1795168860000']);
    expect(JSON.parse(messages[1]?.data ?? '')).toMatchObject({ ts: 1795168860000, open: 100.5, high: 102, close: 101.5, volume: 8, interval: 60000 });
    expect(bad.map((b) => b.line)).toEqual([3]);
  });

  it('skips a kline row whose close time makes it a candle of another length than the interval given, instead of relabelling it', async () => {
    const path = join(dir, 'klines-5m.csv');
    // A 5m row (close time open + 5m − 1 ms), then 1m rows closing at open + 1m − 1 ms and at open + 1m.
    await writeFile(
      path,
      '1795168800000,1,2,0.5,1.5,10,1795169099999\n1795169100000,1,2,0.5,1.5,10,1795169159999\n1795169160000,1,2,0.5,1.5,10,1795169220000\n',
    );
    const bad: BadLine[] = [];
    const messages = await collect(readPrices(path, { symbol: 'BTC/USD', interval: '1m', onBadLine: (b) => bad.push(b) }));
    expect(messages.map((m) => m.msgId)).toEqual(['candle:BTC/USD:60000:1795169100000', 'candle:BTC/USD:60000:1795169160000']);
    expect(bad.map((b) => [b.line, b.reason])).toEqual([[1, `kline row's close time makes it a 300000 ms candle, not the --interval "1m" (60000 ms)`]]);
  });

  it('reads a kline CSV in milliseconds with a header line, and refuses one without a symbol', async () => {
    const path = join(dir, 'klines-ms.csv');
    await writeFile(path, 'open_time,open,high,low,close,volume,close_time\n1795168800000,1,2,0.5,1.5,10,1795172399999\n');
    const messages = await collect(readPrices(path, { symbol: 'SOL/USD' }));
    expect(messages.map((m) => m.msgId)).toEqual(['candle:SOL/USD:3600000:1795168800000']);
    await expect(collect(readPrices(path))).rejects.toThrow(/kline CSV.*symbol/);
  });

  // Found by a bug hunt: a kline CSV is read by position, and a header naming its columns in
  // another order (close before open) was skipped as a header line: every candle was published with
  // open and close swapped, valid either way.
  it('refuses a kline CSV whose header names the price columns in another order than the layout', async () => {
    const path = join(dir, 'klines-reordered.csv');
    await writeFile(path, 'ts,close,high,low,open,volume\n1795168800000,1.5,2,0.5,1,10\n');
    await expect(collect(readPrices(path, { symbol: 'SOL/USD', interval: '1m' }))).rejects.toThrow(
      `${path}:1: a CSV without a symbol column is read as an exchange kline CSV, by position (open time, open, high, low, close, volume, close time), but its header names another order: "close" is column 2, "open" is column 5;`,
    );
    const inOrder = join(dir, 'klines-named.csv');
    await writeFile(inOrder, '"Open time",Open,High,Low,Close,Volume,"Close time"\n1795168800000,1,2,0.5,1.5,10,1795168859999\n');
    expect((await collect(readPrices(inOrder, { symbol: 'SOL/USD' }))).map((m) => m.msgId)).toEqual(['candle:SOL/USD:60000:1795168800000']);
  });
});

// Found by a bug hunt on the CLI: `--interval 60000` (ms, as documented) made every line bad and the
// command succeed with nothing published; empty cells were published as 0; candles of another
// interval than the engine's were published, then dead-lettered by the engine.
describe('readPrices refusals', () => {
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  const read = async (path: string, opts: Parameters<typeof readPrices>[1] = {}) => {
    const bad: BadLine[] = [];
    const messages = await collect(readPrices(path, { ...opts, onBadLine: (b) => bad.push(b) }));
    return { candles: messages.map((m) => JSON.parse(m.data) as { interval: unknown; volume: number }), bad: bad.map((b) => `${b.line}: ${b.reason}`) };
  };

  it('takes an interval in milliseconds, as an option or in an interval column', async () => {
    const csv = await file('ms.csv', 'symbol,ts,open,high,low,close,volume\nBTC/USD,1793491200000,1,2,0.5,1.5,10\n');
    expect((await read(csv, { interval: '60000' })).candles.map((c) => c.interval)).toEqual([60_000]);
    const column = await file('col.csv', 'symbol,ts,open,high,low,close,volume,interval\nBTC/USD,1793491200000,1,2,0.5,1.5,10,60000\n');
    expect((await read(column)).candles.map((c) => c.interval)).toEqual([60_000]);
  });

  it('refuses a bad interval or symbol option before reading anything, naming it', () => {
    expect(() => checkPriceFileOptions({ interval: '7x' })).toThrow('interval "7x": expected a duration like 1m, 5m, 1h or a number of milliseconds');
    expect(() => checkPriceFileOptions({ symbol: 'btcusd' })).toThrow('symbol "btcusd": expected a symbol like BTC/USD');
    expect(() => checkPriceFileOptions({ interval: '5m', symbol: 'BTC/USD' })).not.toThrow();
  });

  // Found by a bug hunt: `publish prices --interval 5m` with the engine's 1m candles made every line
  // bad, and the command exited 0 with nothing published.
  it("refuses an interval option other than the engine's before reading anything, and defaults CSV rows to the engine's", async () => {
    expect(() => checkPriceFileOptions({ interval: '5m', candleInterval: 60_000 })).toThrow(
      `interval "5m" (300000 ms) is not the engine's candle interval (evaluation.interval 60000 ms): every candle would be refused`,
    );
    expect(() => checkPriceFileOptions({ interval: '60000', candleInterval: 60_000 })).not.toThrow();
    const csv = await file('engine5m.csv', 'symbol,ts,open,high,low,close,volume\nBTC/USD,1793491200000,1,2,0.5,1.5,10\n');
    expect((await read(csv, { candleInterval: 300_000 })).candles.map((c) => c.interval)).toEqual([300_000]);
  });

  it('refuses empty cells and short rows instead of publishing zeros, keeping the good lines', async () => {
    const csv = await file(
      'holes.csv',
      'symbol,ts,open,high,low,close,volume\nBTC/USD,1793491200000,1,2,0.5,1.5,\nBTC/USD,1793491260000,1,2,0.5,1.5\nBTC/USD,1793491320000,1,2,0.5,1.5,7\n',
    );
    const { candles, bad } = await read(csv);
    expect(candles.map((c) => c.volume)).toEqual([7]);
    expect(bad).toEqual(['2: column "volume" is empty', '3: row has 6 columns, the header 7']);
    const kline = await file('kline-holes.csv', '1793491200000,1,2,0.5,1.5,,1793491259999\n1793491260000,1,2,0.5,1.5,3,1793491319999\n');
    const k = await read(kline, { symbol: 'BTC/USD' });
    expect(k.candles.map((c) => c.volume)).toEqual([3]);
    expect(k.bad).toEqual(['1: kline column "volume" is empty']);
  });

  it('refuses a price written in hex, binary or octal (Number() read 0x10 as 16), in a header CSV and a kline CSV', async () => {
    const csv = await file(
      'hex.csv',
      'symbol,ts,open,high,low,close,volume\nBTC/USD,1793491200000,0x10,20,10,16,5\nBTC/USD,1793491260000,16,20,10,16,0b101\nBTC/USD,1793491320000,16,20,10,1.6e1,5\n',
    );
    const { candles, bad } = await read(csv);
    expect(candles.map((c) => c.volume)).toEqual([5]);
    expect(bad).toEqual(['2: column "open" is not a decimal number (was "0x10")', '3: column "volume" is not a decimal number (was "0b101")']);
    const kline = await file('kline-hex.csv', '1793491200000,16,20,10,0o20,5,1793491259999\n1793491260000,16,20,10,16,5,1793491319999\n');
    const k = await read(kline, { symbol: 'BTC/USD' });
    expect(k.candles).toHaveLength(1);
    expect(k.bad).toEqual(['1: kline column "close" is not a decimal number (was "0o20")']);
  });

  it("refuses candles of another interval than the engine's when it is given", async () => {
    const csv = await file('hourly.csv', 'symbol,ts,open,high,low,close,volume,interval\nBTC/USD,1793491200000,1,2,0.5,1.5,10,1h\n');
    const { candles, bad } = await read(csv, { candleInterval: 60_000 });
    expect(candles).toEqual([]);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^2: .*interval/);
  });

  // Found by a bug hunt: epoch seconds in a header CSV were published as 1970 milliseconds, and a
  // file written with quoted cells (spreadsheets, pandas with quoting) was refused line by line.
  it('reads epoch seconds, µs and ns as the same instant as ms, and quoted cells', async () => {
    const ms = 1_793_491_200_000;
    const rows = [`${ms / 1000}`, `"${ms}"`, `${ms * 1000 + 60_000_000}`, `${ms * 1e6 + 120_000_000_000}`];
    const csv = await file(
      'units.csv',
      ['"symbol","ts",open,high,low,close,volume', ...rows.map((t, i) => `"BTC/USD",${t},1,2,0.5,"1.5",${i + 1}`)].join('\n'),
    );
    const { candles, bad } = await read(csv);
    expect(bad).toEqual([]);
    expect(candles.map((c) => (c as unknown as { ts: number }).ts)).toEqual([ms, ms, ms + 60_000, ms + 120_000]);
    expect(candles[0]).toMatchObject({ symbol: 'BTC/USD', close: 1.5, volume: 1 });
    const seconds = await file('kline-s.csv', `${ms / 1000},1,2,0.5,1.5,3,${ms / 1000 + 59}\n`);
    const k = await read(seconds, { symbol: 'BTC/USD' });
    expect(k.candles).toEqual([expect.objectContaining({ ts: ms, interval: 60_000 })]);
  });

  it('reports a quote left open or text after a closing quote by line and column, keeping the other lines', async () => {
    const csv = await file(
      'quotes.csv',
      'symbol,ts,open,high,low,close,volume\n"BTC/USD,1793491200000,1,2,0.5,1.5,1\nBTC/USD,"1793491260000"x,1,2,0.5,1.5,2\nBTC/USD,1793491320000,1,2,0.5,1.5,3\n',
    );
    const { candles, bad } = await read(csv);
    expect(candles.map((c) => c.volume)).toEqual([3]);
    expect(bad).toEqual(['2: column 1: a quoted cell is not closed', '3: column 2: text after the closing quote ("x,1,2,0.5,1.5,2")']);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});
