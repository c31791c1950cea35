import { describe, expect, it } from 'vitest';
import { CandleBuilder } from '../../src/domain/candleBuilder.js';
import type { Candle, Tick } from '../../src/domain/types.js';

const MIN = 60_000;
const T0 = 1_700_000_040_000; // a whole minute: 1_700_000_040_000 / 60_000 = 28_333_334
const tick = (ts: number, price: number, size = 1): Tick => ({ symbol: 'BTC/USD', ts, price, size });
const candle = (ts: number, close: number, over: Partial<Candle> = {}): Candle => ({
  symbol: 'BTC/USD',
  ts,
  interval: MIN,
  open: close,
  high: close + 1,
  low: close - 1,
  close,
  volume: 5,
  ...over,
});

describe('CandleBuilder', () => {
  it('aggregates ticks of one minute into OHLCV and closes it on the first tick of a later minute', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    // Hand-computed: open = first price 100, high = max 103, low = min 99, close = last 101,
    // volume = 0.5 + 2 + 1.25 + 0.25 = 4.
    expect(b.onTick(tick(T0 + 1_000, 100, 0.5))).toEqual({ closed: null, applied: true });
    expect(b.onTick(tick(T0 + 20_000, 103, 2))).toEqual({ closed: null, applied: true });
    expect(b.onTick(tick(T0 + 30_000, 99, 1.25))).toEqual({ closed: null, applied: true });
    expect(b.onTick(tick(T0 + 59_999, 101, 0.25))).toEqual({ closed: null, applied: true });
    const next = b.onTick(tick(T0 + MIN, 105, 1));
    expect(next).toEqual({
      applied: true,
      closed: { symbol: 'BTC/USD', ts: T0, interval: MIN, open: 100, high: 103, low: 99, close: 101, volume: 4 },
    });
    expect(b.lastPrice()).toBe(105);
  });

  it('keys candles on the minute the tick falls in, not on the first tick time', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    b.onTick(tick(T0 + 45_000, 10));
    const { closed } = b.onTick(tick(T0 + 3 * MIN + 5, 11));
    expect(closed?.ts).toBe(T0);
  });

  it('skips intervals without ticks instead of inventing flat candles', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    b.onTick(tick(T0, 10));
    expect(b.onTick(tick(T0 + 5 * MIN, 12)).closed?.ts).toBe(T0);
    expect(b.onTick(tick(T0 + 6 * MIN, 13)).closed).toMatchObject({ ts: T0 + 5 * MIN, open: 12, close: 12 });
  });

  it('ignores a late tick from an earlier minute and leaves the last price alone', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    b.onTick(tick(T0, 10));
    b.onTick(tick(T0 + MIN, 20));
    expect(b.onTick(tick(T0 + 59_000, 1_000))).toEqual({ closed: null, applied: false });
    expect(b.lastPrice()).toBe(20);
    const { closed } = b.onTick(tick(T0 + 2 * MIN, 30));
    expect(closed).toMatchObject({ ts: T0 + MIN, open: 20, high: 20, low: 20, close: 20, volume: 1 });
  });

  it('takes the open and close of a minute from its earliest and latest ticks by event time, not by arrival', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    // Arrival order 50 s @ 101, 10 s @ 99, 30 s @ 104: by event time the open is 99 (10 s), the
    // close 101 (50 s), high 104, low 99, volume 3; the last price stays 101 throughout.
    b.onTick(tick(T0 + 50_000, 101));
    expect(b.onTick(tick(T0 + 10_000, 99))).toEqual({ closed: null, applied: true });
    expect(b.lastPrice()).toBe(101);
    b.onTick(tick(T0 + 30_000, 104));
    expect(b.lastPrice()).toBe(101);
    expect(b.onTick(tick(T0 + MIN, 102)).closed).toMatchObject({ ts: T0, open: 99, high: 104, low: 99, close: 101, volume: 3 });
    expect(b.lastPrice()).toBe(102);
  });

  it('ignores a tick for a minute an explicit candle already closed', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    b.onCandle(candle(T0, 50));
    expect(b.onTick(tick(T0 + 10, 51))).toEqual({ closed: null, applied: false });
  });

  it('lets an explicit candle for the minute being built replace the ticks of that minute', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    b.onTick(tick(T0 + 1, 10));
    b.onTick(tick(T0 + 2, 12));
    expect(b.onCandle(candle(T0, 11))).toEqual([candle(T0, 11)]);
    expect(b.lastPrice()).toBe(11);
    // Nothing is left building: the next tick starts a fresh candle and closes nothing.
    expect(b.onTick(tick(T0 + MIN, 13))).toEqual({ closed: null, applied: true });
  });

  it('closes the candle being built before an explicit candle of a later minute', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    b.onTick(tick(T0 + 1, 10, 2));
    const out = b.onCandle(candle(T0 + MIN, 11));
    expect(out).toEqual([{ symbol: 'BTC/USD', ts: T0, interval: MIN, open: 10, high: 10, low: 10, close: 10, volume: 2 }, candle(T0 + MIN, 11)]);
  });

  it('closes an explicit candle for a tickless minute before the one being built and keeps building', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    b.onCandle(candle(T0, 10));
    b.onTick(tick(T0 + 2 * MIN, 30));
    expect(b.onCandle(candle(T0 + MIN, 20))).toEqual([candle(T0 + MIN, 20)]);
    expect(b.lastPrice()).toBe(30);
    expect(b.onTick(tick(T0 + 3 * MIN, 31)).closed).toMatchObject({ ts: T0 + 2 * MIN, close: 30 });
  });

  it('ignores a duplicate or older explicit candle', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    expect(b.onCandle(candle(T0 + MIN, 10))).toHaveLength(1);
    expect(b.onCandle(candle(T0 + MIN, 99))).toEqual([]);
    expect(b.onCandle(candle(T0, 99))).toEqual([]);
    expect(b.lastPrice()).toBe(10);
  });

  it('returns a plain candle stamped at its bucket, without the event envelope', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    const event = { ...candle(T0 + 7, 10), kind: 'candle', seq: 9 };
    expect(b.onCandle(event)).toEqual([candle(T0, 10)]);
  });

  it('has no last price before the first tick', () => {
    expect(new CandleBuilder('BTC/USD', MIN).lastPrice()).toBeNull();
  });

  it('refuses ticks of another symbol and candles of another interval as wiring bugs', () => {
    const b = new CandleBuilder('BTC/USD', MIN);
    expect(() => b.onTick({ ...tick(T0, 1), symbol: 'ETH/USD' })).toThrow(RangeError);
    expect(() => b.onCandle(candle(T0, 1, { interval: 5 * MIN }))).toThrow(/300000 ms/);
    expect(() => new CandleBuilder('BTC/USD', 0)).toThrow(RangeError);
  });
});
