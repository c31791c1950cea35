import { describe, expect, it } from 'vitest';
import { epochMillis, epochMillisOfText, epochUnitOf, isDecimal, splitCsvLine } from '../../src/sources/csv.js';

describe('isDecimal', () => {
  it('takes decimal numbers as written in cells and flags, and nothing else Number() reads', () => {
    for (const text of ['12', '-0.5', '+3', '.5', '5.', '1e-3', '2.5E+4', ' 7 ']) expect(isDecimal(text), text).toBe(true);
    for (const text of ['0x10', '0b11', '0o7', '', ' ', 'Infinity', 'NaN', '1e', '1.2.3', '--1', '1,5']) expect(isDecimal(text), text).toBe(false);
  });
});

describe('splitCsvLine', () => {
  it('splits plain and quoted cells (RFC 4180 within a line)', () => {
    expect(splitCsvLine('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(splitCsvLine('"BTC/USD","1,5",2')).toEqual(['BTC/USD', '1,5', '2']);
    expect(splitCsvLine('"say ""hi""",x')).toEqual(['say "hi"', 'x']);
    expect(splitCsvLine(' "a" , b')).toEqual(['a', 'b']);
    expect(splitCsvLine('a,""')).toEqual(['a', '']);
    expect(splitCsvLine('a,')).toEqual(['a', '']);
  });

  it('names the column of a quote left open or of text after a closing quote', () => {
    expect(splitCsvLine('a,"b')).toEqual({ error: 'column 2: a quoted cell is not closed' });
    expect(splitCsvLine('"a"b,c')).toEqual({ error: 'column 1: text after the closing quote ("b,c")' });
  });
});

describe('epochMillis', () => {
  // 2026-11-01T00:00:00Z
  const ms = 1_793_491_200_000;

  it('tells seconds, ms, µs and ns apart by magnitude and gives the same instant', () => {
    expect([ms / 1e3, ms, ms * 1e3, ms * 1e6].map(epochUnitOf)).toEqual(['s', 'ms', 'us', 'ns']);
    expect([ms / 1e3, ms, ms * 1e3, ms * 1e6].map((v) => epochMillis(v))).toEqual([ms, ms, ms, ms]);
  });

  it('puts the boundaries at 1e11, 1e14 and 1e17 and cuts fractions of a millisecond', () => {
    expect([99_999_999_999, 1e11, 99_999_999_999_999, 1e14, 1e17].map(epochUnitOf)).toEqual(['s', 'ms', 'ms', 'us', 'ns']);
    expect(epochMillis(1_793_491_200.0017)).toBe(ms + 1);
    expect(epochMillis(ms + 0.9)).toBe(ms);
    expect(epochMillis(ms * 1e3 + 999)).toBe(ms);
    expect(epochMillis(60, 'ms')).toBe(60);
  });

  // Found by a review: 19-digit nanosecond times went through a double, which rounds them by up to
  // 128 ns; 125 of 1,000 times with milliseconds came out 1 ms early.
  it('reads nanosecond and microsecond text exactly, whatever a double would round it to', () => {
    expect(epochMillis(Number('1700000000002000000'))).toBe(1_700_000_000_001);
    expect(epochMillisOfText('1700000000002000000')).toBe(1_700_000_000_002);
    expect(epochMillisOfText('1700000000002999999')).toBe(1_700_000_000_002);
    expect(epochMillisOfText('1700000000002000')).toBe(1_700_000_000_002);
    expect(epochMillisOfText('1700000000002')).toBe(1_700_000_000_002);
    expect(epochMillisOfText('1700000000.002')).toBe(1_700_000_000_002);
    // A kline's close time + 1 unit: the interval's end.
    expect(epochMillisOfText('1700000059999999999', 'ns', 1)).toBe(1_700_000_060_000);
    expect(epochMillisOfText('1700000059', 's', 1)).toBe(1_700_000_060_000);
    let wrong = 0;
    for (let i = 0; i < 1_000; i++) {
      const ms = 1_700_000_000_000 + i * 7_919;
      if (epochMillisOfText(`${BigInt(ms) * 1_000_000n}`) !== ms) wrong++;
    }
    expect(wrong).toBe(0);
  });
});
