import { describe, expect, it } from 'vitest';
import type { ConfidenceConfig } from '../../config/engine.js';
import {
  blendedPerformance,
  ConfidenceFigures,
  type ConfidenceInput,
  checkConfidenceWeights,
  halfLifeDecay,
  scoreConfidence,
  scoreConfidenceInto,
} from '../../src/domain/confidence.js';
import { ConfidenceStage } from '../../src/domain/stages/confidenceStage.js';

const DAY = 86_400_000;

// The defaults of config/engine.ts, written out so a change there does not silently move these numbers.
const cfg: ConfidenceConfig = {
  performanceWeight: 0.6,
  frequencyWeight: 0.25,
  recencyWeight: 0.15,
  liveTradesPrior: 20,
  frequencyLookbackDays: 90,
  recencyHalfLifeDays: 30,
};

const input = (overrides: Partial<ConfidenceInput> = {}): ConfidenceInput => ({
  strategyId: 's1',
  symbol: 'BTC/USD',
  type: 'SMA_RSI',
  backtestScore: 0.9,
  liveScore: 0.5,
  liveTrades: 20,
  lastSeenAt: 0,
  frequency: 0.5,
  ...overrides,
});

describe('blendedPerformance', () => {
  it.each([
    // n = 0: live weight 0/(0 + 20) = 0 → the backtest score 0.9.
    [0, 0.9],
    // n = 20: half weight, 0.5·0.9 + 0.5·0.5 = 0.7.
    [20, 0.7],
    // n = 60: weight 60/80 = 0.75, 0.25·0.9 + 0.75·0.5 = 0.225 + 0.375 = 0.6.
    [60, 0.6],
  ])('weights the live score by n/(n + 20) at n = %i: %s', (n, expected) => {
    expect(blendedPerformance(0.9, 0.5, n, 20)).toBeCloseTo(expected, 15);
  });

  it('keeps the backtest score while there is no live score, whatever the trade count', () => {
    expect(blendedPerformance(0.9, null, 60, 20)).toBe(0.9);
  });

  it('takes the live score outright with n0 = 0 once a trade closed, and the backtest with none', () => {
    expect(blendedPerformance(0.9, 0.5, 3, 0)).toBe(0.5);
    expect(blendedPerformance(0.9, 0.5, 0, 0)).toBe(0.9);
  });

  it('throws on NaN inputs and a negative trade count', () => {
    expect(() => blendedPerformance(Number.NaN, 0.5, 1, 20)).toThrow(RangeError);
    expect(() => blendedPerformance(0.9, Number.NaN, 1, 20)).toThrow(RangeError);
    expect(() => blendedPerformance(0.9, 0.5, -1, 20)).toThrow(RangeError);
  });
});

describe('halfLifeDecay', () => {
  it('is exactly 0.5 at one half-life, 0.25 at two and 1 at age 0', () => {
    expect(halfLifeDecay(30 * DAY, 30)).toBe(0.5);
    expect(halfLifeDecay(60 * DAY, 30)).toBe(0.25);
    expect(halfLifeDecay(0, 30)).toBe(1);
  });

  it('treats a negative age (discovered after now) as age 0', () => {
    expect(halfLifeDecay(-DAY, 30)).toBe(1);
  });
});

describe('scoreConfidence', () => {
  it('combines 0.60·performance + 0.25·frequency + 0.15·recency and reports the components', () => {
    // performance 0.7 (n = 20, above); frequency 0.5; age 30 days → recency 0.5.
    // 0.6·0.7 + 0.25·0.5 + 0.15·0.5 = 0.42 + 0.125 + 0.075 = 0.62
    const score = scoreConfidence(input({ lastSeenAt: DAY }), 31 * DAY, cfg);
    expect(score).toMatchObject({
      kind: 'score',
      time: 31 * DAY,
      strategyId: 's1',
      symbol: 'BTC/USD',
      type: 'SMA_RSI',
      frequency: 0.5,
      recency: 0.5,
      liveScore: 0.5,
      liveTrades: 20,
    });
    expect(score.performance).toBeCloseTo(0.7, 15);
    expect(score.confidence).toBeCloseTo(0.62, 15);
  });

  it('gives a freshly discovered strategy full recency', () => {
    // performance 0.9 (no live score), frequency 1, recency 1: 0.6·0.9 + 0.25 + 0.15 = 0.94
    const score = scoreConfidence(input({ liveScore: null, liveTrades: 0, frequency: 1, lastSeenAt: 5 * DAY }), 5 * DAY, cfg);
    expect(score.recency).toBe(1);
    expect(score.confidence).toBeCloseTo(0.94, 15);
  });

  it('lowers the confidence of a strategy that trades badly live', () => {
    const good = scoreConfidence(input({ liveScore: 0.9, liveTrades: 40 }), 0, cfg);
    const bad = scoreConfidence(input({ liveScore: 0.2, liveTrades: 40 }), 0, cfg);
    // Weight 40/60 = 2/3: performance 0.3 + 0.6 = 0.9 vs 0.3 + 0.1333 = 0.4333; the gap × 0.6 = 0.28.
    expect(good.confidence - bad.confidence).toBeCloseTo(0.28, 12);
  });

  it('accepts weights that sum to 1 within 1e-9 and throws beyond', () => {
    expect(() => scoreConfidence(input(), 0, { ...cfg, recencyWeight: 0.15 + 5e-10 })).not.toThrow();
    expect(() => scoreConfidence(input(), 0, { ...cfg, recencyWeight: 0.16 })).toThrow(/weights must sum to 1/);
  });

  it('throws on a NaN input rather than scoring it', () => {
    expect(() => scoreConfidence(input({ frequency: Number.NaN }), 0, cfg)).toThrow(RangeError);
    expect(() => scoreConfidence(input({ lastSeenAt: Number.NaN }), 0, cfg)).toThrow(RangeError);
    expect(() => scoreConfidence(input({ backtestScore: Number.NaN }), 0, cfg)).toThrow(RangeError);
    expect(() => scoreConfidence(input(), Number.NaN, cfg)).toThrow(RangeError);
  });
});

describe('scoreConfidenceInto (the allocation-free path of the confidence stage)', () => {
  it('writes the same numbers scoreConfidence returns, reusing one figures object', () => {
    const figures = new ConfidenceFigures();
    for (const over of [{}, { liveScore: null, liveTrades: 0 }, { lastSeenAt: 40 * DAY, frequency: 1 }]) {
      const expected = scoreConfidence(input(over), 45 * DAY, cfg);
      scoreConfidenceInto(figures, input(over), 45 * DAY, cfg);
      expect({ ...figures, emitted: undefined, recencyHalfLifeDays: undefined, recencyLastSeenAt: undefined, liveScoreVersion: undefined }).toEqual({
        ...expected,
        kind: undefined,
        strategyId: undefined,
        symbol: undefined,
        type: undefined,
        emitted: undefined,
        recencyHalfLifeDays: undefined,
        recencyLastSeenAt: undefined,
        liveScoreVersion: undefined,
      });
      expect(figures.recencyHalfLifeDays).toBe(cfg.recencyHalfLifeDays);
      expect(figures.recencyLastSeenAt).toBe(input(over).lastSeenAt);
    }
  });

  it('has its weights checked once, by checkConfidenceWeights, which the stage runs when it is built', () => {
    const bad = { ...cfg, recencyWeight: 0.16 };
    expect(() => checkConfidenceWeights(bad)).toThrow(/weights must sum to 1/);
    expect(
      () => new ConfidenceStage(bad, { interval: 60_000, feeBps: 10, returnsWindow: 240, periodsPerYear: 525_600, maxTimeJump: 86_400_000, symbols: '' }),
    ).toThrow(/weights must sum to 1/);
    expect(() => checkConfidenceWeights(cfg)).not.toThrow();
  });
});
