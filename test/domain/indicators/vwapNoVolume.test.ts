// Found by a bug hunt (2026-12-01); fails on the code before its fix.
import { describe, expect, it } from 'vitest';
import { runStrategy, type Bar } from '../strategies/runStrategy.js';

describe('VWAP_CROSSOVER when the volume stops (integer volumes, so the running sums are exact)', () => {
  it('does not read "VWAP = 0" as the close crossing above the VWAP', () => {
    // 30 bars falling with volume 1..3 (close below VWAP), then 25 bars with no volume.
    const bars: Bar[] = [];
    let x = 100;
    for (let i = 0; i < 55; i++) {
      const o = x;
      x -= i < 30 ? 0.5 : 0;
      bars.push([o, o + 0.1, x - 0.1, x, i < 30 ? 1 + (i % 3) : 0]);
    }
    const signals = runStrategy('VWAP_CROSSOVER', { vwapPeriod: 20 }, bars, 'flat');
    // Bar 49: the 20-bar window (30..49) has no volume; the engine's VWAP is 0 and the close 85 > 0.
    expect(signals.indexOf('enter')).toBe(-1);
  });
});
