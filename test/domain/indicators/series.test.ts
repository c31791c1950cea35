import { describe, expect, it } from 'vitest';
import { ema } from '../../../src/domain/indicators/averages.js';
import { averageTrueRange, parabolicSar } from '../../../src/domain/indicators/directional.js';
import { IndicatorHub } from '../../../src/domain/indicators/indicatorHub.js';
import { close } from '../../../src/domain/indicators/price.js';
import { regressionChannel, regressionLine } from '../../../src/domain/indicators/regression.js';
import type { SeriesSpec } from '../../../src/domain/indicators/seriesNode.js';
import { delayed, highest, lowest, stdDev } from '../../../src/domain/indicators/windows.js';
import { randomWalk } from '../../helpers/randomWalk.js';
import { type Bar, candlesOf } from '../strategies/runStrategy.js';

/** Values of one series over `bars` (NaN while warming), fed through a hub. */
function valuesOf(spec: SeriesSpec, bars: readonly Bar[]): number[] {
  const hub = new IndicatorHub();
  const node = hub.acquire(spec);
  return candlesOf(bars).map((c) => {
    hub.update(c);
    return node.value;
  });
}

describe('series values', () => {
  it('gives the highest and lowest of the last period values, as a scan of the window does', () => {
    // Rounded pseudo-random closes, so equal values repeat (the deque must keep the right one).
    const closes = Array.from({ length: 300 }, (_, i) => Math.round(100 + 10 * Math.sin(i * 1.7) + 5 * Math.cos(i * 0.31)));
    const scan = (xs: readonly number[], period: number, pick: (...v: number[]) => number) =>
      xs.map((_, i) => (i + 1 < period ? Number.NaN : pick(...xs.slice(i + 1 - period, i + 1))));
    for (const period of [1, 2, 5, 17, 60]) {
      expect(valuesOf(highest(close, period), closes)).toEqual(scan(closes, period, Math.max));
      expect(valuesOf(lowest(close, period), closes)).toEqual(scan(closes, period, Math.min));
      // A warming input (NaN for its first 3 bars) is skipped: the window counts its values only.
      const lagged = [Number.NaN, Number.NaN, Number.NaN, ...scan(closes.slice(0, -3), period, Math.max)];
      expect(valuesOf(highest(delayed(close, 3), period), closes)).toEqual(lagged);
    }
  });

  it('seeds the EMA with the SMA of its first period inputs, as TA-Lib does', () => {
    // EMA(3): seed (1 + 2 + 3)/3 = 2 at bar 2; bar 3: 2 + 0.5·(10 − 2) = 6.
    expect(valuesOf(ema(close, 3), [1, 2, 3, 10])).toEqual([Number.NaN, Number.NaN, 2, 6]);
  });

  it('skips the first bar in the ATR and Wilder-smooths after the mean of the first true ranges', () => {
    // TR from bar 1: bar1 max(2, |12−10|, |10−10|) = 2; bar2 max(4, |14−11|, |10−11|) = 4 → ATR(2) = 3;
    // bar3 TR max(1, |12−12|, |11−12|) = 1 → ATR = (3·1 + 1)/2 = 2.
    const bars: Bar[] = [
      [10, 11, 9, 10, 1],
      [10, 12, 10, 11, 1],
      [11, 14, 10, 12, 1],
      [12, 12, 11, 11.5, 1],
    ];
    expect(valuesOf(averageTrueRange(2), bars)).toEqual([Number.NaN, Number.NaN, 3, 2]);
  });

  it('computes the parabolic SAR step by step as TA-Lib SAREXT', () => {
    // Bar 1 has no −DM (low rose) → long; SAR = bar-0 low 9, EP = 12.
    // bar1: out 9; next = 9 + 0.02·(12 − 9) = 9.06.
    // bar2: high 13 new EP, AF 0.04: out 9.06; next = 9.06 + 0.04·(13 − 9.06) = 9.2176.
    // bar3: low 8 <= 9.2176 → short, SAR = max(EP 13, highs 13, 12) = 13; next = max(13 + 0.02·(8 − 13), 13) = 13.
    // bar4: out 13; low 7 new EP, AF 0.04: next = 13 + 0.04·(7 − 13) = 12.76.
    // bar5: high 14 >= 12.76 → long, SAR = min(EP 7, lows 7, 9) = 7.
    const bars: Bar[] = [
      [10, 11, 9, 10, 1],
      [10, 12, 10, 11, 1],
      [11, 13, 11, 12, 1],
      [12, 12, 8, 8.5, 1],
      [8.5, 9, 7, 8.8, 1],
      [9, 14, 9, 13.5, 1],
    ];
    const sar = valuesOf(parabolicSar(0.02, 0.02, 0.2), bars);
    expect(sar[0]).toBeNaN();
    for (const [i, v] of [9, 9.06, 13, 13, 7].entries()) expect(sar[i + 1]).toBeCloseTo(v, 12);
  });

  it('uses the population standard deviation', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum 32, /8 = 4 → 2 (population; sample would be 2.138).
    expect(valuesOf(stdDev(close, 8), [2, 4, 4, 4, 5, 5, 7, 9])[7]).toBeCloseTo(2, 12);
  });

  it('keeps the standard deviation of a price far from 0 to the two-pass value over a long run', () => {
    // BTC-like closes: 100,000 plus a walk of about ±1 a bar, in cents. Running sums of the prices
    // read the deviation 4.3e-4 off within these 50,000 bars (found by a bug hunt), and re-summing
    // them at each turn of the window still 3.3e-5 (sumSquares / n − mean² cancels ten digits);
    // sums of distances to a recent value, re-read at each turn, stay within 1e-12 (2e-14 seen).
    let price = 100_000;
    let seed = 12_345;
    const closes = Array.from({ length: 50_000 }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      price = Math.round((price + (seed / 2_147_483_648 - 0.5) * 2) * 100) / 100;
      return price;
    });
    const period = 20;
    const values = valuesOf(stdDev(close, period), closes);
    let worst = 0;
    for (let i = period - 1; i < closes.length; i += 97) {
      const window = closes.slice(i + 1 - period, i + 1);
      const mean = window.reduce((a, x) => a + x, 0) / period;
      const exact = Math.sqrt(window.reduce((a, x) => a + (x - mean) ** 2, 0) / period);
      worst = Math.max(worst, Math.abs((values[i] as number) / exact - 1));
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('reads a delayed series as the value computed that many bars ago', () => {
    expect(valuesOf(delayed(close, 2), [1, 2, 3, 4])).toEqual([Number.NaN, Number.NaN, 1, 2]);
  });
});

describe('regression line and channel', () => {
  it('give, on every bar, the same doubles as the least-squares formulas computed directly on the window (oldest bar x = 0)', () => {
    const closes = randomWalk(300, 431.77, 5, 0.02);
    for (const period of [2, 3, 14, 50]) {
      const hub = new IndicatorHub();
      const line = hub.acquire(regressionLine(close, period));
      const upper = hub.acquire(regressionChannel(close, period, 2, 1));
      candlesOf(closes).forEach((candle, bar) => {
        hub.update(candle);
        if (bar < period - 1) {
          expect(line.value).toBeNaN();
          return;
        }
        const window = closes.slice(bar - period + 1, bar + 1);
        const n = period;
        let sy = 0;
        let sxy = 0;
        window.forEach((y, i) => {
          sy += y;
          sxy += i * y;
        });
        const sx = (n * (n - 1)) / 2;
        const sxx = ((n - 1) * n * (2 * n - 1)) / 6;
        const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        const intercept = (sy - slope * sx) / n;
        let ss = 0;
        window.forEach((y, i) => {
          const r = y - (intercept + slope * i);
          ss += r * r;
        });
        expect(line.value).toStrictEqual(intercept + slope * (n - 1));
        expect(upper.value).toStrictEqual(intercept + slope * (n - 1) + 2 * Math.sqrt(ss / n));
      });
    }
  });
});
