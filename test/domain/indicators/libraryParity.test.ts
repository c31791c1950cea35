import { Aroon, CCI, CMO, MFI, RSI, SMA } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { sma } from '../../../src/domain/indicators/averages.js';
import { IndicatorHub } from '../../../src/domain/indicators/indicatorHub.js';
import { aroonDown, aroonUp, chandeMomentum, commodityChannelIndex, moneyFlowIndex, rsi } from '../../../src/domain/indicators/oscillators.js';
import { close } from '../../../src/domain/indicators/price.js';
import { lehmer, randomWalk } from '../../helpers/randomWalk.js';
import { candlesOf } from '../strategies/runStrategy.js';

describe('sma', () => {
  it('gives the same double as trading-signals SMA on every bar (its arithmetic, without its array)', () => {
    // A random walk with awkward decimals, so any change in summation order would show in the last bits.
    const closes = randomWalk(600, 1234.5678, 7, 0.01);
    for (const period of [1, 2, 3, 14, 50, 200]) {
      const hub = new IndicatorHub();
      const node = hub.acquire(sma(close, period));
      const reference = new SMA(period);
      for (const candle of candlesOf(closes)) {
        hub.update(candle);
        expect(node.value).toStrictEqual(reference.add(candle.close) ?? Number.NaN);
      }
    }
  });
});

describe('moneyFlowIndex', () => {
  it('gives the same double as trading-signals MFI on every bar, flat stretches included', () => {
    let x = 100.37;
    const rand = lehmer(11);
    const bars = Array.from({ length: 500 }, (_, i) => {
      // Every 40th stretch of 5 bars is flat (equal typical prices: a flow in neither direction).
      if (i % 40 >= 5) x *= 1 + (rand() - 0.5) * 0.01;
      const spread = i % 40 < 5 ? 0 : x * 0.002 * rand();
      return [x, x + spread, x - spread, x, i % 40 < 5 ? 0 : 1 + rand() * 10] as const;
    });
    for (const period of [1, 2, 14, 30]) {
      const hub = new IndicatorHub();
      const node = hub.acquire(moneyFlowIndex(period));
      const reference = new MFI(period);
      for (const candle of candlesOf(bars)) {
        hub.update(candle);
        expect(node.value).toStrictEqual(reference.add(candle) ?? Number.NaN);
      }
    }
  });
});

/** A seeded random walk of closes with flat stretches (the first 6 bars of every 50 repeat the close) and rising runs (bars 120–159 of every 200). */
function awkwardCloses(length: number, seed: number): number[] {
  const rand = lehmer(seed);
  let x = 987.6543;
  return Array.from({ length }, (_, i) => {
    const u = rand();
    if (i % 50 < 6) return x;
    x *= i % 200 >= 120 && i % 200 < 160 ? 1 + u * 0.004 : 1 + (u - 0.5) * 0.01;
    return x;
  });
}

describe('rsi', () => {
  it('gives the same double as trading-signals RSI on every bar, flat bars and loss-free runs (RSI 100) included', () => {
    const closes = awkwardCloses(800, 13);
    let hundreds = 0;
    for (const period of [2, 3, 14, 30]) {
      const hub = new IndicatorHub();
      const node = hub.acquire(rsi(close, period));
      const reference = new RSI(period);
      for (const candle of candlesOf(closes)) {
        hub.update(candle);
        expect(node.value).toStrictEqual(reference.add(candle.close) ?? Number.NaN);
        if (node.value === 100) hundreds++;
      }
    }
    // The rising runs really reached the avgLoss = 0 branch.
    expect(hundreds).toBeGreaterThan(10);
  });

  it('rejects a period below 2, with which the library never produces a value', () => {
    const hub = new IndicatorHub();
    expect(() => hub.acquire(rsi(close, 1))).toThrow('rsi: period must be an integer >= 2 (was 1)');
  });
});

describe('commodityChannelIndex', () => {
  it('gives the same double as trading-signals CCI on every bar, and 0 where the mean deviation is 0', () => {
    const closes = awkwardCloses(600, 29);
    // Flat stretches have zero range too, so the typical price is constant over a short window.
    const bars = closes.map((c, i) => (i % 50 < 6 ? ([c, c, c, c, 1] as const) : ([c, c * 1.001, c * 0.998, c, 1] as const)));
    let zeros = 0;
    for (const period of [1, 2, 5, 14, 20, 50]) {
      const hub = new IndicatorHub();
      const node = hub.acquire(commodityChannelIndex(period));
      const reference = new CCI(period);
      for (const candle of candlesOf(bars)) {
        hub.update(candle);
        const expected = reference.add(candle);
        // The library divides 0 by 0 on a flat window; the engine reports 0 there, as TA-Lib does.
        expect(node.value).toStrictEqual(expected === null ? Number.NaN : Number.isFinite(expected) ? expected : 0);
        if (expected !== null && !Number.isFinite(expected)) zeros++;
      }
    }
    expect(zeros).toBeGreaterThan(5);
  });
});

describe('aroonUp and aroonDown', () => {
  it('give the same doubles as trading-signals Aroon on every bar, repeated highs and lows (latest wins) included', () => {
    // Highs and lows rounded to a coarse grid so that equal extremes recur inside the window.
    const closes = awkwardCloses(600, 41);
    const bars = closes.map((c) => {
      const hi = Math.round(c * 1.002 * 2) / 2;
      const lo = Math.round(c * 0.998 * 2) / 2;
      return [c, hi, lo, c, 1] as const;
    });
    let ties = 0;
    for (const period of [1, 2, 5, 14, 25, 50]) {
      const hub = new IndicatorHub();
      const up = hub.acquire(aroonUp(period));
      const down = hub.acquire(aroonDown(period));
      const reference = new Aroon(period);
      const window: { high: number; low: number }[] = [];
      for (const candle of candlesOf(bars)) {
        hub.update(candle);
        const expected = reference.add(candle);
        expect(up.value).toStrictEqual(expected === null ? Number.NaN : expected.aroonUp);
        expect(down.value).toStrictEqual(expected === null ? Number.NaN : expected.aroonDown);
        window.push(candle);
        if (window.length > period + 1) window.shift();
        const top = Math.max(...window.map((b) => b.high));
        if (window.filter((b) => b.high === top).length > 1) ties++;
      }
    }
    expect(ties).toBeGreaterThan(100);
  });
});

describe('chandeMomentum', () => {
  it('gives the same double as trading-signals CMO on every bar, flat windows (0) included', () => {
    const closes = awkwardCloses(600, 53);
    let flat = 0;
    for (const period of [1, 2, 5, 9, 14, 40]) {
      const hub = new IndicatorHub();
      const node = hub.acquire(chandeMomentum(close, period));
      const reference = new CMO(period);
      for (const candle of candlesOf(closes)) {
        hub.update(candle);
        const expected = reference.add(candle.close);
        expect(node.value).toStrictEqual(expected ?? Number.NaN);
        if (expected === 0) flat++;
      }
    }
    expect(flat).toBeGreaterThan(5);
  });
});
