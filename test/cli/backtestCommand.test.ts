import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../src/cli/backtestCommand.js';

const dir = mkdtempSync(join(tmpdir(), 'backtest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await backtestCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err: err.join('\n') };
}

// The SMA(5)/EMA(5) series of test/domain/backtest.test.ts: enter at bar 5 (close 5), exit at bar 7 (close 40).
const closes = [10, 10, 10, 10, 10, 5, 5, 40];
const start = Date.UTC(2026, 0, 1, 0, 0);
const csv = ['ts,open,high,low,close,volume', ...closes.map((c, i) => `${new Date(start + i * 3_600_000).toISOString()},${c},${c},${c},${c},1`)].join('\n');
const params = ['--type', 'SMA_EMA_CROSSOVER', '--params', '{"smaPeriod":5,"emaPeriod":5}', '--fee-bps', '0'];

describe('tradestream backtest', () => {
  it('prints each trade and a summary as JSON lines from an hourly CSV with ISO times', async () => {
    const r = await run([...params, '--candles', file('hourly.csv', csv)]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.map((l) => JSON.parse(l))).toEqual([
      {
        kind: 'trade',
        entryTime: '2026-01-01T05:00:00.000Z',
        entryPrice: 5,
        exitTime: '2026-01-01T07:00:00.000Z',
        exitPrice: 40,
        return: 7,
        entryBar: 5,
        exitBar: 7,
      },
      expect.objectContaining({
        kind: 'summary',
        type: 'SMA_EMA_CROSSOVER',
        candles: 8,
        interval: 3_600_000,
        periodsPerYear: 8_760,
        trades: 1,
        winRate: 1,
        profitFactor: 'Infinity',
      }),
    ]);
  });

  it('reads JSON lines of candles with epoch-ms times', async () => {
    const lines = closes.map((c, i) => JSON.stringify({ ts: start + i * 60_000, open: c, high: c, low: c, close: c, volume: 1 })).join('\n');
    const r = await run([...params, '--candles', file('minute.jsonl', lines)]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0] as string)).toMatchObject({ entryBar: 5, exitBar: 7 });
    // 8× in 7 minutes annualizes past any double: written like an infinite profit factor (it was null).
    expect(JSON.parse(r.out[1] as string)).toMatchObject({ interval: 60_000, periodsPerYear: 525_600, annualizedReturn: 'Infinity', profitFactor: 'Infinity' });
  });

  it('exits 2 naming the line and value of a bad candle', async () => {
    const bad = csv.replace(/\n([^,\n]+),10,10,10,10,1\n/, '\n$1,10,9,10,10,1\n');
    const r = await run([...params, '--candles', file('bad.csv', bad)]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad.csv:2: field "high" 9 is below "low" 10');
  });

  it('exits 2 naming a timestamp that is not one', async () => {
    const r = await run([...params, '--candles', file('badts.csv', csv.replace('2026-01-01T03:00:00.000Z', 'yesterday'))]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('badts.csv:5: field "ts" must be epoch ms or an ISO 8601 time with a zone (was "yesterday")');
  });

  it('names the time column as the file names it when its value is bad or out of order', async () => {
    const stamped = csv.replace(/^ts,/, 'timestamp,');
    const bad = await run([...params, '--candles', file('badstamp.csv', stamped.replace('2026-01-01T03:00:00.000Z', 'yesterday'))]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('badstamp.csv:5: field "timestamp" must be epoch ms or an ISO 8601 time with a zone (was "yesterday")');
    const back = await run([...params, '--candles', file('backstamp.csv', stamped.replace('2026-01-01T03:00:00.000Z', '2026-01-01T01:00:00.000Z'))]);
    expect(back.code).toBe(2);
    expect(back.err).toContain('backstamp.csv:5: field "timestamp" "2026-01-01T01:00:00.000Z" is not after line 4\'s');
  });

  // Found by a bug hunt: of two columns of one name the last was read, publish reads the first, so
  // one file gave other candles to a backtest than to the engine.
  it('reads the first of two columns of one name, as publish does', async () => {
    const rows = closes.map((c, i) => `${new Date(start + i * 3_600_000).toISOString()},${c},${2 * c},${c / 2},${c},1`);
    const once = await run([...params, '--candles', file('once.csv', ['ts,open,high,low,close,volume', ...rows].join('\n'))]);
    const twice = ['ts,open,high,low,close,volume,close', ...rows.map((r, i) => `${r},${1.5 * (closes[i] as number)}`)].join('\n');
    const r = await run([...params, '--candles', file('twice.csv', twice)]);
    expect(r.err).toBe('');
    expect(r.out).toEqual(once.out);
    expect(JSON.parse(r.out[0] as string)).toMatchObject({ entryPrice: 5, exitPrice: 40 });
  });

  // Found by a bug hunt: a CSV's epoch time, converted to ms, was named in messages as converted
  // (the file's 1767225600 as 1767225600000), and a CSV in seconds of 1971 was refused as JSON lines
  // in seconds once converted (ms below 1e11).
  it('names a CSV time as the file writes it, and reads epoch seconds of 1971', async () => {
    const header = 'ts,open,high,low,close,volume';
    const twice = await run([...params, '--candles', file('same-second.csv', `${header}\n1767225600,1,1,1,1,1\n1767225600,1,1,1,1,1\n`)]);
    expect(twice.code).toBe(2);
    expect(twice.err).toContain('same-second.csv:3: field "ts" 1767225600 is not after line 2\'s');
    const negative = await run([...params, '--candles', file('negative.csv', `${header}\n-5,1,1,1,1,1\n`)]);
    expect(negative.err).toContain('negative.csv:2: field "ts" must be epoch ms or an ISO 8601 time with a zone (was -5)');
    const early = closes.map((c, i) => `${31_536_000 + i * 3_600},${c},${c},${c},${c},1`);
    const r = await run([...params, '--candles', file('1971.csv', [header, ...early].join('\n'))]);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out[0] as string)).toMatchObject({ entryTime: '1971-01-01T05:00:00.000Z', entryBar: 5, exitBar: 7 });
  });

  // Found by a bug hunt: epoch seconds were read as milliseconds, candles 60 ms apart, and every
  // annualized figure came out wrong (a Sharpe of 76.76 for 2.43). A CSV's epoch time is now read in
  // its unit (s, ms, µs or ns by magnitude, src/sources/csv.ts); JSON lines are the engine's epoch ms.
  it('reads CSV times in epoch seconds, ms, µs or ns and quoted cells to the same report as ISO times', async () => {
    const minute = (i: number): number => start + i * 60_000;
    const isoRows = closes.map((c, i) => `${new Date(minute(i)).toISOString()},${c},${c},${c},${c},1`);
    const iso = await run([...params, '--candles', file('minutes-iso.csv', ['ts,open,high,low,close,volume', ...isoRows].join('\n'))]);
    expect(iso.code).toBe(0);
    for (const [unit, scale] of [
      ['s', 1e-3],
      ['ms', 1],
      ['us', 1e3],
      ['ns', 1e6],
    ] as const) {
      const rows = closes.map((c, i) => `"${minute(i) * scale}","${c}",${c},${c},${c},1`);
      const r = await run([...params, '--candles', file(`${unit}.csv`, ['"ts","open",high,low,close,volume', ...rows].join('\n'))]);
      expect(r.err, unit).toBe('');
      expect(r.out, unit).toEqual(iso.out);
    }
    expect(JSON.parse(iso.out[1] as string)).toMatchObject({ interval: 60_000, periodsPerYear: 525_600 });
  });

  it('exits 2 on JSON lines in epoch seconds instead of reporting figures annualized for 60 ms candles', async () => {
    const seconds = closes.map((c, i) => JSON.stringify({ ts: start / 1000 + i * 60, open: c, high: c, low: c, close: c, volume: 1 })).join('\n');
    const r = await run([...params, '--candles', file('seconds.jsonl', seconds)]);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toContain(
      `seconds.jsonl: candles 60 ms apart (from ${start / 1000} and the next ones); times must be ISO 8601 or epoch ms (in JSON lines, seconds since 1970 are read as ms)`,
    );
  });

  it('exits 2 on JSON lines of hourly candles in epoch seconds or minute candles in µs instead of annualizing them as 3.6 s or 16.7 h candles', async () => {
    const lines = (ts: (i: number) => number) => closes.map((c, i) => JSON.stringify({ ts: ts(i), open: c, high: c, low: c, close: c, volume: 1 })).join('\n');
    const seconds = await run([
      ...params,
      '--candles',
      file(
        'hourly-seconds.jsonl',
        lines((i) => start / 1000 + i * 3_600),
      ),
    ]);
    expect(seconds.code).toBe(2);
    expect(seconds.out).toEqual([]);
    expect(seconds.err).toContain(`hourly-seconds.jsonl:1: field "ts" ${start / 1000} is sized as epoch seconds, not ms`);
    const micros = await run([
      ...params,
      '--candles',
      file(
        'minute-micros.jsonl',
        lines((i) => (start + i * 60_000) * 1000),
      ),
    ]);
    expect(micros.code).toBe(2);
    expect(micros.err).toContain(`minute-micros.jsonl:1: field "ts" ${start * 1000} is sized as epoch µs or ns, not ms`);
  });

  // Found by a bug hunt: the interval was the smallest gap, so one candle off its grid halved it and
  // doubled every annualization without a word (a Sharpe of 66 read 94).
  it('refuses a candle off the grid of most candles, and takes --interval for a file whose gaps say another', async () => {
    const hour = 3_600_000;
    const rowAt = (ts: number, c: number) => `${new Date(ts).toISOString()},${c},${c},${c},${c},1`;
    const hourly = (times: number[]) =>
      ['ts,open,high,low,close,volume', ...times.map((t, i) => rowAt(start + t, closes[i % closes.length] as number))].join('\n');
    const offGrid = Array.from({ length: 12 }, (_, i) => i * hour);
    offGrid[6] = 5.5 * hour;
    const off = await run([...params, '--candles', file('offgrid.csv', hourly(offGrid))]);
    expect(off.code).toBe(2);
    expect(off.err).toContain("offgrid.csv:8: candle 1800000 ms after line 7's, while most candles are 3600000 ms apart");
    const offGiven = await run([...params, '--interval', '1h', '--candles', file('offgrid2.csv', hourly(offGrid))]);
    expect(offGiven.code).toBe(2);
    expect(offGiven.err).toContain("offgrid2.csv:8: candle 1800000 ms after line 7's, not a whole number of --interval 3600000 ms");

    // Missing candles are larger gaps: the interval stays the usual and smallest gap.
    const missing = await run([...params, '--candles', file('missing.csv', hourly([0, 1, 2, 4, 5, 6, 8, 9, 10].map((h) => h * hour)))]);
    expect(missing.code, missing.err).toBe(0);
    expect(JSON.parse(missing.out.at(-1) as string)).toMatchObject({ interval: hour });
    // Most gaps two hours and a few one: ambiguous without --interval, read as hourly with it.
    const sparse = hourly([0, 2, 4, 6, 8, 9, 11, 13, 15].map((h) => h * hour));
    const guessed = await run([...params, '--candles', file('sparse.csv', sparse)]);
    expect(guessed.code).toBe(2);
    expect(guessed.err).toContain('give --interval to say which');
    const told = await run([...params, '--interval', '1h', '--candles', file('sparse2.csv', sparse)]);
    expect(told.code, told.err).toBe(0);
    expect(JSON.parse(told.out.at(-1) as string)).toMatchObject({ interval: hour, periodsPerYear: 8_760 });
    // An --interval no two candles are apart: hourly candles read as minute ones with 59 missing between each two.
    const minutes = await run([...params, '--interval', '1m', '--candles', file('hourly-as-minutes.csv', csv)]);
    expect(minutes.code).toBe(2);
    expect(minutes.err).toContain(
      "hourly-as-minutes.csv: no two candles are --interval 60000 ms apart (the closest are 3600000 ms apart), so every candle between them would be missing; give the candles' own interval",
    );
    const bad = await run([...params, '--interval', '1x', '--candles', file('sparse3.csv', sparse)]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--interval "1x" is not a candle interval of at least 1 s');
  });

  it("does not read a symbol column: an exchange export's BTCUSDT backtests as the same series", async () => {
    const withSymbol = csv.replace('ts,open', 'symbol,ts,open').replace(/\n(?=\d)/g, '\nBTCUSDT,');
    expect(withSymbol.split('\n')[1]).toMatch(/^BTCUSDT,2026-01-01T00:00/);
    const plain = await run([...params, '--candles', file('plain.csv', csv)]);
    const exported = await run([...params, '--candles', file('exported.csv', withSymbol)]);
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toEqual(plain.out);
  });

  it('reads the time column by the names publish takes (timestamp, time, open_time), the first one when there are two', async () => {
    const plain = await run([...params, '--candles', file('plain-ts.csv', csv)]);
    for (const name of ['timestamp', 'time', 'open_time', 'OpenTime']) {
      const r = await run([...params, '--candles', file(`${name}.csv`, csv.replace(/^ts,/, `${name},`))]);
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      expect(r.out).toEqual(plain.out);
    }
    // An exchange export with both open and close times: the first is the candle's time, as publish reads it.
    const twoTimes = csv.replace(/^ts,(.*)$/m, 'open_time,$1,ts').replace(/\n(.*)/g, '\n$1,1');
    expect(twoTimes.split('\n')[1]).toMatch(/^2026-01-01T00:00:00.000Z,10,10,10,10,1,1$/);
    const both = await run([...params, '--candles', file('two-times.csv', twoTimes)]);
    expect(both.code, both.err).toBe(0);
    expect(both.out).toEqual(plain.out);
    const none = await run([...params, '--candles', file('no-time.csv', csv.replace(/^ts,/, 'date,'))]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('missing a time column (ts, timestamp, time, open_time, opentime) (was "date,open,high,low,close,volume")');
  });

  it('exits 2 on a price or a --fee-bps written in hex instead of reading 0x10 as 16', async () => {
    const hex = await run([...params, '--candles', file('hex.csv', csv.replace(/,5,5,5,5,1$/m, ',0x5,5,5,5,1'))]);
    expect(hex.code).toBe(2);
    expect(hex.err).toContain('hex.csv:7:');
    expect(hex.err).toContain('"0x5"');
    const fee = await run([
      '--type',
      'SMA_EMA_CROSSOVER',
      '--params',
      '{"smaPeriod":5,"emaPeriod":5}',
      '--fee-bps',
      '0x10',
      '--candles',
      file('plain-fee.csv', csv),
    ]);
    expect(fee.code).toBe(2);
    expect(fee.err).toContain('--fee-bps must be a number in 0–1000 (was "0x10")');
  });

  it('exits 2 naming the line of a quote left open', async () => {
    const r = await run([...params, '--candles', file('quote.csv', csv.replace('\n2026-01-01T02', '\n"2026-01-01T02'))]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('quote.csv:4: column 1: a quoted cell is not closed');
  });

  it('exits 2 naming a parameter out of range', async () => {
    const r = await run(['--type', 'SMA_RSI', '--params', '{"rsiPeriod":1}', '--candles', file('ok.csv', csv)]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('parameter rsiPeriod 1 is out of range 2–30');
  });

  it('exits 2 on an unknown type, a missing flag, malformed --params or a missing file', async () => {
    const path = file('ok2.csv', csv);
    expect((await run(['--type', 'NOPE', '--candles', path])).err).toContain('unknown strategy type "NOPE"');
    expect((await run(['--candles', path])).code).toBe(2);
    expect((await run(['--type', 'SMA_RSI', '--params', '{rsi', '--candles', path])).err).toContain('--params is not valid JSON');
    const missing = await run(['--type', 'SMA_RSI', '--candles', join(dir, 'none.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('none.csv: no such file');
    expect((await run(['--type', 'SMA_RSI', '--bogus'])).code).toBe(2);
  });

  it('prints its usage with --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    // The usage line names every option, as the README's command line does (--interval was missing).
    expect(r.out.join('\n')).toContain('Usage: tradestream backtest --type TYPE --candles FILE [--params JSON] [--fee-bps N] [--interval I]\n');
    // The time column's other names, which the reader takes, are in the usage too.
    expect(r.out.join('\n')).toMatch(/timestamp, time, open_time or opentime/);
  });
});
