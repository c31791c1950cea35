// Found by a bug hunt (2026-12-01); fails on the code before its fix.
import { CMF } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { IndicatorHub } from '../../../src/domain/indicators/indicatorHub.js';
import { chaikinMoneyFlow, rollingVwap, volumeWeightedAverage } from '../../../src/domain/indicators/volume.js';
import { runStrategy, candlesOf, type Bar } from '../strategies/runStrategy.js';

// 40 bars with volume (closes near the lows: CMF < 0), then 30 bars without any volume.
const bars: Bar[] = [];
let x = 100;
const vols = [1.1, 2.2, 3.3, 0.7, 5.9, 0.3, 4.4, 1.7];
for (let i = 0; i < 70; i++) {
  const o = x;
  x = x * (i % 3 === 0 ? 1.004 : 0.997);
  const c = x;
  // Bar 39, the last with volume, closes on its low: CMF < 0 while it is in the window.
  const low = i === 39 ? c : Math.min(o, c) * 0.999;
  bars.push([o, Math.max(o, c) * 1.002, low, c, i < 40 ? (vols[i % vols.length] as number) : 0]);
}

describe('rolling sums over a window with no volume', () => {
  it('CMF(20) is 0 like trading-signals CMF (and stays in −1..1), VWAP/VWMA are not negative prices', () => {
    const hub = new IndicatorHub();
    const cmf = hub.acquire(chaikinMoneyFlow(20));
    const vwap = hub.acquire(rollingVwap(20));
    const vwma = hub.acquire(volumeWeightedAverage(20));
    const ref = new CMF(20);
    let reference: number | null = null;
    for (const c of candlesOf(bars)) {
      hub.update(c);
      reference = ref.add(c);
    }
    expect(reference).toBe(0);
    expect(cmf.value).toBe(0);
    expect(vwap.value < 0).toBe(false);
    expect(vwma.value < 0).toBe(false);
  });

  it('CMF_ZERO_LINE does not enter when the volume stops (CMF goes from < 0 to "no flow", not a cross above 0)', () => {
    // From a flat side on every bar: bar 58's CMF is bar 39's alone (< 0); bar 59's window has no
    // volume at all, so CMF is 0 (trading-signals) and nothing crosses above 0.
    const signals = runStrategy('CMF_ZERO_LINE', { period: 20 }, bars, 'flat');
    expect(signals[59]).toBe('hold');
  });
});
