import { describe, expect, it } from 'vitest';
import { inferInterval, runBacktest, YEAR_MS } from '../../src/domain/backtest.js';
import type { Candle } from '../../src/domain/types.js';

/** Flat 1-minute bars at the given closes (open = high = low = close, volume 1). */
function flatBars(closes: readonly number[], interval = 60_000): Candle[] {
  return closes.map((c, i) => ({ symbol: 'X/USD', ts: 1_700_000_000_000 + i * interval, interval, open: c, high: c, low: c, close: c, volume: 1 }));
}

// SMA(5) against EMA(5) (EMA seeded with the SMA): bars 0–4 close 10 → both 10 at bar 4.
// Bar 5 close 5: SMA 45/5 = 9, EMA 10 + (5 − 10)/3 = 8.333 → crosses up: enter at 5.
// Bar 6 close 5: SMA 40/5 = 8, EMA 8.333 + (5 − 8.333)/3 = 7.222 → above: hold.
// Bar 7 close 40: SMA 70/5 = 14, EMA 7.222 + (40 − 7.222)/3 = 18.148 → crosses down: exit at 40.
const closes = [10, 10, 10, 10, 10, 5, 5, 40];
const crossover = { type: 'SMA_EMA_CROSSOVER', parameters: { smaPeriod: 5, emaPeriod: 5 } };

describe('runBacktest', () => {
  it('reports the round trip with its bar indices, times and prices, without fees', () => {
    const candles = flatBars(closes);
    const r = runBacktest({ ...crossover, candles, feeBps: 0 });
    if (!r.ok) throw new Error(r.reason);
    expect(r.trades).toEqual([{ entryBar: 5, exitBar: 7, entryTime: candles[5]?.ts, exitTime: candles[7]?.ts, entryPrice: 5, exitPrice: 40, return: 7 }]);
    expect(r.summary).toMatchObject({
      candles: 8,
      interval: 60_000,
      periodsPerYear: 525_600,
      trades: 1,
      wins: 1,
      winRate: 1,
      openTrade: false,
      maxDrawdown: 0,
    });
    expect(r.summary.totalReturn).toBeCloseTo(7, 12);
  });

  it('charges the fee on both fills and annualizes Sharpe over the per-candle equity returns', () => {
    const r = runBacktest({ ...crossover, candles: flatBars(closes), feeBps: 10 });
    if (!r.ok) throw new Error(r.reason);
    // Net return (1 − 0.001)² · 40/5 − 1 = 6.984008 (PaperAccount's TradeClosed definition).
    expect(r.trades[0]?.return).toBeCloseTo(0.999 * 0.999 * 8 - 1, 12);
    // Equity returns of bars 1–7: 0, 0, 0, 0, −0.001 (entry fee), 0, 8·0.999 − 1 = 6.992.
    const samples = [0, 0, 0, 0, -0.001, 0, 6.992];
    const mean = samples.reduce((a, b) => a + b, 0) / 7;
    const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / 6);
    expect(r.summary.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(525_600), 6);
    expect(r.summary.maxDrawdown).toBeCloseTo(0.001, 12);
    expect(r.summary.totalReturn).toBeCloseTo(0.999 * 0.999 * 8 - 1, 12);
    expect(r.summary.liveScore).toBeGreaterThan(0);
  });

  it('counts an entry without an exit as an open trade, not a closed one', () => {
    const r = runBacktest({ ...crossover, candles: flatBars(closes.slice(0, 7)), feeBps: 0 });
    if (!r.ok) throw new Error(r.reason);
    expect(r.trades).toEqual([]);
    expect(r.summary).toMatchObject({ trades: 0, winRate: 0, openTrade: true, realizedReturn: 0 });
  });

  it('annualizes with the interval of the candles: 5-minute bars make 105,120 periods a year', () => {
    const r = runBacktest({ ...crossover, candles: flatBars(closes, 300_000) });
    if (!r.ok) throw new Error(r.reason);
    expect(r.summary.periodsPerYear).toBe(105_120);
    expect(YEAR_MS / 300_000).toBe(105_120);
  });

  it('returns a bad parameter as a rejection naming the parameter and its value', () => {
    const r = runBacktest({ type: 'SMA_RSI', parameters: { rsiPeriod: 1 }, candles: flatBars(closes) });
    expect(r).toEqual({ ok: false, field: 'parameters.rsiPeriod', reason: 'parameter rsiPeriod 1 is out of range 2–30' });
  });

  it('returns an unknown type as a rejection', () => {
    const r = runBacktest({ type: 'NOPE', parameters: {}, candles: flatBars(closes) });
    expect(r.ok === false && r.field).toBe('type');
  });

  it('refuses candles that are not in increasing time', () => {
    const candles = flatBars(closes);
    expect(() => runBacktest({ ...crossover, candles: [candles[1] as Candle, candles[0] as Candle] })).toThrow(RangeError);
  });
});

describe('inferInterval', () => {
  it('takes the smallest gap, so missing candles do not stretch the interval', () => {
    expect(inferInterval([0, 60_000, 180_000, 240_000])).toBe(60_000);
  });

  it('has no answer for one candle or times that do not increase', () => {
    expect(inferInterval([0])).toBeNull();
    expect(inferInterval([0, 60_000, 60_000])).toBeNull();
  });
});
