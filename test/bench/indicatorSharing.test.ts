import { describe, expect, it } from 'vitest';
import { measureSharing } from '../../bench/indicatorSharing.js';

// Behaviour only: issue 3's sharing benchmark measures strategies that really hold series, shared
// in one hub against one hub each. No timing is asserted.
describe('indicator sharing benchmark', () => {
  it('builds the strategies in both layouts and shares equal series in one hub', () => {
    const result = measureSharing(120, 40);
    expect(result.strategies).toBeGreaterThan(50);
    expect(result.measuredCandles).toBeGreaterThan(0);
    // Every strategy holds at least one series, and equal series are one instance when shared.
    expect(result.shared.consumers).toBeGreaterThanOrEqual(result.strategies);
    expect(result.shared.indicatorInstances).toBeGreaterThan(0);
    expect(result.unshared.indicatorInstances).toBeGreaterThan(result.shared.indicatorInstances);
    expect(result.shared.nsPerStrategyCandle).toBeGreaterThan(0);
    expect(result.unshared.nsPerStrategyCandle).toBeGreaterThan(0);
    expect(Number.isFinite(result.speedup)).toBe(true);
  });
});
