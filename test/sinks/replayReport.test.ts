import { describe, expect, it } from 'vitest';
import type { BreakerState, Decision, OutputBatch, Portfolio } from '../../src/domain/types.js';
import { ReplayReport } from '../../src/sinks/replayReport.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

/** A batch holding one portfolio output, as the trading stage reports it (breaker figures included). */
function portfolioBatch(seq: number, time: number, equity: number, highWaterMark: number, state: BreakerState = 'NORMAL'): OutputBatch {
  const portfolio: Portfolio = {
    kind: 'portfolio',
    time,
    cash: equity,
    equity,
    highWaterMark,
    drawdown: (highWaterMark - equity) / highWaterMark,
    state,
    sizeScale: state === 'HALTED' ? 0 : 1,
    haltedAt: state === 'HALTED' ? time : null,
  };
  return { seq, time, outputs: [portfolio] };
}

describe('ReplayReport', () => {
  it('measures max drawdown from the run high of equity, not from the breaker high-water mark an operator reset re-based', () => {
    const report = new ReplayReport(100_000, MIN, 525_600);
    report.observe(portfolioBatch(1, T0, 100_000, 100_000));
    report.observe(portfolioBatch(2, T0 + MIN, 96_000, 100_000));
    // An operator's reset re-bases the breaker's mark to 96,000 ...
    report.observe(portfolioBatch(3, T0 + 2 * MIN, 96_000, 96_000));
    // ... and equity falls on to 90,000: 6.25% below the breaker's mark, 10% below the run's high.
    report.observe(portfolioBatch(4, T0 + 3 * MIN, 90_000, 96_000));
    const figures = report.figures();
    expect(figures.maxDrawdown).toBe(0.1); // (100,000 − 90,000) / 100,000
    expect(figures.pnl).toBe(-10_000);
  });

  it('counts a fall from a high reached during the run', () => {
    const report = new ReplayReport(100_000, MIN, 525_600);
    report.observe(portfolioBatch(1, T0, 120_000, 120_000));
    report.observe(portfolioBatch(2, T0 + MIN, 108_000, 120_000));
    expect(report.figures().maxDrawdown).toBe(0.1); // (120,000 − 108,000) / 120,000
  });

  it('spans the market clock from the first price, not a discovery stamped months before it', () => {
    const report = new ReplayReport(100_000, MIN, 525_600);
    // Before the first price a discovery's batch carries its own discoveredAt (the demo feed's are months old).
    const discoveredAt = T0 - 120 * 24 * 60 * MIN;
    const accepted: Decision = {
      kind: 'decision',
      decision: 'strategy.accepted',
      time: discoveredAt,
      seq: 1,
      symbol: 'BTC/USD',
      reason: 'accepted',
      details: {},
    };
    report.observe({ seq: 1, time: discoveredAt, outputs: [accepted] });
    expect(report.figures().from).toBeNull();
    expect(report.figures().until).toBeNull();
    report.observe(portfolioBatch(2, T0, 100_000, 100_000));
    report.observe(portfolioBatch(3, T0 + 5 * MIN, 100_100, 100_100));
    // A discovery after the first price is dated at the market clock.
    report.observe({ seq: 4, time: T0 + 5 * MIN, outputs: [{ ...accepted, seq: 4, time: T0 + 5 * MIN }] });
    const figures = report.figures();
    expect(figures.from).toBe(T0);
    expect(figures.until).toBe(T0 + 5 * MIN);
    expect(figures.inputs).toBe(4);
  });
});
