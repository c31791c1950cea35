import { MFI, SMA } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { sma } from '../../../src/domain/indicators/averages.js';
import { IndicatorHub } from '../../../src/domain/indicators/indicatorHub.js';
import { moneyFlowIndex } from '../../../src/domain/indicators/oscillators.js';
import { close } from '../../../src/domain/indicators/price.js';
import { candlesOf } from '../strategies/runStrategy.js';

describe('sma', () => {
  it('gives the same double as trading-signals SMA on every bar (its arithmetic, without its array)', () => {
    // A random walk with awkward decimals, so any change in summation order would show in the last bits.
    let x = 1234.5678;
    let seed = 7;
    const closes = Array.from({ length: 600 }, () => {
      seed = (seed * 16807) % 2147483647;
      x *= 1 + (seed / 2147483647 - 0.5) * 0.01;
      return x;
    });
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
    let seed = 11;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
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
