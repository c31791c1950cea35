import { describe, expect, it } from 'vitest';
import type { TimeFilterConfig } from '../../config/engine.js';
import { decayedPerformance, filterByTime, timeExclusion } from '../../src/domain/timeFilter.js';
import type { BacktestWindow } from '../../src/domain/types.js';

const DAY = 86_400_000;
const NOW = 1_000 * DAY;

// The defaults of config/engine.ts, written out so a change there does not silently move these numbers.
const cfg: TimeFilterConfig = { maxAgeDays: 90, minWindowDays: 30, maxWindowDays: 365, decayHalfLifeDays: 30 };

const windowOfDays = (days: number): BacktestWindow => ({ start: 0, end: Math.round(days * DAY) });
const judge = (lastSeenAt: number, window: BacktestWindow | null = windowOfDays(100), performance = 0.8) =>
  filterByTime({ lastSeenAt, window, performance }, NOW, cfg);

describe('filterByTime', () => {
  it('passes a strategy last discovered exactly 90 days ago, decayed by 0.5^3', () => {
    // 0.8 · 0.5^(90/30) = 0.8 · 0.125 = 0.1
    expect(judge(NOW - 90 * DAY)).toEqual({ pass: true, decayedPerformance: 0.1 });
  });

  it('excludes one last discovered 90 days and 1 ms ago, with the age and the limit in the reason', () => {
    expect(judge(NOW - 90 * DAY - 1)).toEqual({
      pass: false,
      code: 'stale',
      // 1 ms is 1.157e-8 days: printed with the digits that show it is past 90.
      reason: 'last discovered 90.00000001 days ago, limit 90',
    });
  });

  it('writes the age with one decimal when that already shows it is past the limit', () => {
    // 91.2 days = 91 days + 0.2·86,400,000 ms = 91 days + 17,280,000 ms.
    expect(judge(NOW - 91 * DAY - 17_280_000)).toMatchObject({ code: 'stale', reason: 'last discovered 91.2 days ago, limit 90' });
  });

  it('leaves performance undecayed at age 0 and halves it at one half-life', () => {
    expect(judge(NOW)).toEqual({ pass: true, decayedPerformance: 0.8 });
    expect(judge(NOW - 30 * DAY)).toEqual({ pass: true, decayedPerformance: 0.4 });
  });

  it('treats a discovery stamped after now as age 0', () => {
    expect(judge(NOW + DAY)).toEqual({ pass: true, decayedPerformance: 0.8 });
  });

  it.each([
    [29.9, { pass: false, code: 'window_too_short', reason: 'backtest window 29.9 days, minimum 30' }],
    [30, { pass: true, decayedPerformance: 0.8 }],
    [365, { pass: true, decayedPerformance: 0.8 }],
    [365.1, { pass: false, code: 'window_too_long', reason: 'backtest window 365.1 days, maximum 365' }],
  ])('judges a backtest window of %s days at the limits [30, 365]', (days, verdict) => {
    expect(judge(NOW, windowOfDays(days))).toEqual(verdict);
  });

  it('passes a strategy with no backtest window', () => {
    expect(judge(NOW - 30 * DAY, null)).toEqual({ pass: true, decayedPerformance: 0.4 });
  });

  it('reports staleness before a bad window', () => {
    expect(judge(NOW - 100 * DAY, windowOfDays(1))).toMatchObject({ pass: false, code: 'stale' });
  });

  it('throws on a NaN input rather than judging it', () => {
    expect(() => judge(Number.NaN)).toThrow(RangeError);
    expect(() => judge(NOW, null, Number.NaN)).toThrow(RangeError);
  });
});

describe('timeExclusion and decayedPerformance (the allocation-free path of the time stage)', () => {
  const cases: [string, number, BacktestWindow | null][] = [
    ['fresh, good window', NOW - DAY, windowOfDays(100)],
    ['exactly at the age limit', NOW - 90 * DAY, windowOfDays(100)],
    ['1 ms past the age limit', NOW - 90 * DAY - 1, windowOfDays(100)],
    ['discovered after now', NOW + DAY, windowOfDays(100)],
    ['no window', NOW - 10 * DAY, null],
    ['window too short', NOW - 10 * DAY, windowOfDays(29.9)],
    ['window too long', NOW - 10 * DAY, windowOfDays(365.1)],
    ['stale and window too short', NOW - 100 * DAY, windowOfDays(1)],
  ];
  it.each(cases)('agrees with filterByTime: %s', (_name, lastSeenAt, window) => {
    const verdict = judge(lastSeenAt, window, 0.8);
    const code = timeExclusion(lastSeenAt, window, NOW, cfg);
    if (verdict.pass) {
      expect(code).toBeNull();
      expect(decayedPerformance(0.8, lastSeenAt, NOW, cfg)).toBe(verdict.decayedPerformance);
    } else expect(code).toBe(verdict.code);
  });

  it('throws on a NaN time rather than judging it', () => {
    expect(() => timeExclusion(Number.NaN, null, NOW, cfg)).toThrow(RangeError);
    expect(() => timeExclusion(NOW, null, Number.NaN, cfg)).toThrow(RangeError);
  });
});
