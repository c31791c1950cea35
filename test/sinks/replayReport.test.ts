import { describe, expect, it } from 'vitest';
import type { BreakerState, Decision, OutputBatch, Portfolio } from '../../src/domain/types.js';
import { ReplayReport, sharpe } from '../../src/sinks/replayReport.js';

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

  // Found by a bug hunt: an interval of event time without a portfolio output (a gap in the feed)
  // was no sample at all, so the return across a gap of ten silent minutes counted as one minute's
  // and the Sharpe came out the same as without the gap (319.10), √(13/3) too high for 1m candles.
  it('samples equity once per interval of event time, a gap in the feed keeping the equity before it', () => {
    const report = new ReplayReport(100_000, MIN, 525_600);
    report.observe(portfolioBatch(1, T0, 101_000, 101_000));
    // No price for ten minutes: equity stands at 101,000 over T0+1 .. T0+10.
    report.observe(portfolioBatch(2, T0 + 11 * MIN, 100_000, 101_000));
    report.observe(portfolioBatch(3, T0 + 12 * MIN, 102_000, 102_000));
    // Returns of the 13 intervals: +1%, ten of 0, 100,000/101,000 − 1 = −0.990099%, +2%.
    // mean 0.0200990099/13 = 0.00154607768, sample std 0.00687359061, × √525,600 = 163.070.
    expect(report.figures().sharpe).toBeCloseTo(163.07047195643844, 9);
    const returns = [0.01, ...Array<number>(10).fill(0), 100_000 / 101_000 - 1, 0.02];
    expect(report.figures().sharpe).toBeCloseTo(sharpe(returns, 525_600), 9);
  });

  it('samples a run without gaps as before: one return per interval with a portfolio output', () => {
    const report = new ReplayReport(100_000, MIN, 525_600);
    report.observe(portfolioBatch(1, T0, 101_000, 101_000));
    report.observe(portfolioBatch(2, T0 + MIN, 100_000, 101_000));
    report.observe(portfolioBatch(3, T0 + MIN + 30_000, 99_000, 101_000)); // same interval: its last output counts
    report.observe(portfolioBatch(4, T0 + 2 * MIN, 102_000, 102_000));
    // +1%, 99,000/101,000 − 1, 102,000/99,000 − 1.
    expect(report.figures().sharpe).toBeCloseTo(sharpe([0.01, 99_000 / 101_000 - 1, 102_000 / 99_000 - 1], 525_600), 12);
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
