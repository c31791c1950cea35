import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/cli/loadConfig.js';
import { halfLifeDecay } from '../../../src/domain/confidence.js';
import { ConfidenceStage } from '../../../src/domain/stages/confidenceStage.js';
import { EvaluationStage } from '../../../src/domain/stages/evaluationStage.js';
import type { Frame } from '../../../src/domain/stages/frame.js';
import { TimeFilterStage } from '../../../src/domain/stages/timeFilterStage.js';
import type { CandleEvent, StrategyEvent } from '../../../src/domain/types.js';
import { discoveryEvent } from '../../helpers/events.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

/** Distinct scores, so the strategies' performances differ. */
const discovery = (seq: number, ts: number): StrategyEvent => discoveryEvent(seq, ts, { score: 0.5 + seq / 100 });
const candle = (seq: number, ts: number): CandleEvent => ({
  kind: 'candle',
  seq,
  symbol: 'BTC/USD',
  ts,
  interval: 60_000,
  open: 100,
  high: 101,
  low: 99,
  close: 100.5,
  volume: 1,
});

/** Phases 0–2 over strategies discovered 0–50 days before a candle that closes at T0. */
function survivorsAfterClose(decayHalfLifeDays: number, recencyHalfLifeDays: number) {
  const cfg = defaultConfig();
  const evaluation = new EvaluationStage(cfg.evaluation);
  const confidence = new ConfidenceStage({ ...cfg.confidence, recencyHalfLifeDays }, cfg.evaluation);
  const timeFilter = new TimeFilterStage({ ...cfg.timeFilter, decayHalfLifeDays });
  const step = (event: StrategyEvent | CandleEvent): Frame => timeFilter.step(confidence.step(evaluation.step(event)));
  const ages = [0, 1.5, 12, 30, 50];
  for (const [i, days] of ages.entries()) step(discovery(i + 1, T0 - 60_000 - days * DAY));
  const frame = step(candle(ages.length + 1, T0 - 60_000));
  const book = evaluation.book.book('BTC/USD');
  return { frame, entries: book.strategies, timeFilter };
}

describe('TimeFilterStage decay', () => {
  for (const [decay, recency] of [
    [30, 30],
    [10, 30],
  ] as const) {
    it(`decays each survivor's performance with its own half-life (${decay} days; phase 1's recency half-life ${recency})`, () => {
      const { frame, entries } = survivorsAfterClose(decay, recency);
      expect(frame.refresh).toBe(true);
      expect(entries).toHaveLength(5);
      for (const entry of entries) {
        const figures = entry.confidence;
        const candidate = entry.candidate;
        if (figures === null || candidate === null) throw new Error(`strategy ${entry.id} was not scored and filtered`);
        const age = frame.time - entry.lastSeenAt;
        // Same double as the time filter's own formula, whether or not it reused phase 1's recency.
        expect(candidate.performance).toBe(figures.performance * halfLifeDecay(age, decay));
        expect(figures.recency).toBe(halfLifeDecay(age, recency));
      }
    });
  }

  it("decays with its own formula when phase 1's recency is not of this time or of this last discovery", () => {
    const { frame, entries, timeFilter } = survivorsAfterClose(30, 30);
    // The time filter alone on a later frame (phase 1 did not run for it), then after a rediscovery
    // that moved one strategy's last discovery under phase 1's figures.
    const later = { ...frame, time: frame.time + 3 * DAY };
    timeFilter.step(later);
    for (const entry of entries) {
      const expected = (entry.confidence?.performance as number) * halfLifeDecay(later.time - entry.lastSeenAt, 30);
      expect(entry.candidate?.performance).toBe(expected);
    }
    const moved = entries[4];
    if (moved === undefined) throw new Error('no fifth strategy');
    moved.lastSeenAt = frame.time - 2 * DAY;
    timeFilter.step(frame);
    expect(moved.candidate?.performance).toBe((moved.confidence?.performance as number) * halfLifeDecay(2 * DAY, 30));
  });
});

describe('TimeFilterStage backtest windows', () => {
  const windowOfDays = (end: number, days: number) => ({ start: end - days * DAY, end });

  it('judges the window a rediscovery brings, not the one it judged before (the verdict is kept per window)', () => {
    const cfg = defaultConfig();
    const evaluation = new EvaluationStage(cfg.evaluation);
    const confidence = new ConfidenceStage(cfg.confidence, cfg.evaluation);
    const timeFilter = new TimeFilterStage(cfg.timeFilter);
    const step = (event: StrategyEvent | CandleEvent): Frame => timeFilter.step(confidence.step(evaluation.step(event)));
    const decisions = (frame: Frame) => frame.outputs.filter((o) => o.kind === 'decision').map((d) => [d.decision, d.reason]);
    // A window of 10 days: too short for the default minimum of 30.
    step(discoveryEvent(1, T0 - 5 * DAY, { parameters: { rsiPeriod: 14 }, window: windowOfDays(T0 - 5 * DAY, 10) }));
    expect(decisions(step(candle(2, T0)))).toEqual([['strategy.rejected', 'backtest window 10.0 days, minimum 30']]);
    expect(decisions(step(candle(3, T0 + 60_000)))).toEqual([]);
    // Rediscovered on a 100-day window: it passes from the next close on.
    step(discoveryEvent(4, T0 - 4 * DAY, { parameters: { rsiPeriod: 14 }, window: windowOfDays(T0 - 4 * DAY, 100) }));
    expect(decisions(step(candle(5, T0 + 120_000)))).toEqual([['strategy.accepted', 'passes the time filter again']]);
    // And on a 400-day one: too long.
    step(discoveryEvent(6, T0 - 3 * DAY, { parameters: { rsiPeriod: 14 }, window: windowOfDays(T0 - 3 * DAY, 400) }));
    expect(decisions(step(candle(7, T0 + 180_000)))).toEqual([['strategy.rejected', 'backtest window 400.0 days, maximum 365']]);
  });

  it('judges a window again under another time filter configuration', () => {
    const cfg = defaultConfig();
    const evaluation = new EvaluationStage(cfg.evaluation);
    const confidence = new ConfidenceStage(cfg.confidence, cfg.evaluation);
    const lenient = new TimeFilterStage(cfg.timeFilter);
    const strict = new TimeFilterStage({ ...cfg.timeFilter, minWindowDays: 200 });
    evaluation.step(discoveryEvent(1, T0 - 5 * DAY, { parameters: { rsiPeriod: 14 }, window: windowOfDays(T0 - 5 * DAY, 100) }));
    const scored = confidence.step(evaluation.step(candle(2, T0)));
    const entry = evaluation.book.book('BTC/USD').strategies[0];
    lenient.step(scored);
    expect(entry?.survives).toBe(true);
    strict.step(scored);
    expect(entry?.survives).toBe(false);
  });
});
