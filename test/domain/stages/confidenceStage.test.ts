import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/cli/loadConfig.js';
import { liveScore } from '../../../src/domain/liveScore.js';
import { ConfidenceStage } from '../../../src/domain/stages/confidenceStage.js';
import { EvaluationStage } from '../../../src/domain/stages/evaluationStage.js';
import { discoveryEvent, flatCandle } from '../../helpers/events.js';
import { randomWalk } from '../../helpers/randomWalk.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

describe('ConfidenceStage live score', () => {
  it("scores each strategy with its account's current live score, to the bit, also where it reuses the last one", () => {
    // Return windows of 12 candles, so they fill and flat strategies turn zeros over for zeros.
    const base = defaultConfig();
    const cfg = { ...base, evaluation: { ...base.evaluation, returnsWindow: 12 } };
    const evaluation = new EvaluationStage(cfg.evaluation);
    const confidence = new ConfidenceStage(cfg.confidence, cfg.evaluation);
    for (let seq = 1; seq <= 20; seq++) confidence.step(evaluation.step(discoveryEvent(seq, T0 - seq * MINUTE)));
    const closes = randomWalk(400, 100, 5, 0.02);
    let seq = 100;
    let reused = 0;
    let scored = 0;
    closes.forEach((close, i) => {
      const candle = flatCandle(seq++, 'BTC/USD', T0 + i * MINUTE, close);
      const versions = evaluation.book.book('BTC/USD').strategies.map((e) => e.confidence?.liveScoreVersion);
      confidence.step(evaluation.step(candle));
      evaluation.book.book('BTC/USD').strategies.forEach((entry, k) => {
        const figures = entry.confidence;
        if (figures === null) throw new Error(`strategy ${entry.id} was not scored`);
        expect(Object.is(figures.liveScore, liveScore(entry.account, cfg.evaluation.periodsPerYear))).toBe(true);
        scored++;
        if (versions[k] === entry.account.scoreVersion) reused++;
      });
    });
    // Both paths ran many times (measured: 5,357 reused of 8,000).
    expect(reused).toBeGreaterThan(4000);
    expect(scored - reused).toBeGreaterThan(2000);
  });
});

// The stage used to keep every id's last emitted score past its retirement (a map that grew with
// every strategy ever retired; found by a soak hunt). A strategy registered again starts anew.
describe('ConfidenceStage after a retirement', () => {
  it('emits the score of a strategy registered again after its retirement on its first refresh', () => {
    const base = defaultConfig();
    const evaluation = new EvaluationStage(base.evaluation);
    const confidence = new ConfidenceStage(base.confidence, base.evaluation);
    const T0 = Date.parse('2026-11-01T00:00:00Z');
    const M = 60_000;
    let seq = 1;
    const candle = (i: number) => flatCandle(seq++, 'BTC/USD', T0 + i * M, 100 + i);
    const scores = (event: Parameters<EvaluationStage['step']>[0]) => confidence.step(evaluation.step(event)).outputs.filter((o) => o.kind === 'score').length;
    // One strategy throughout: discoveryEvent's first argument picks its parameters.
    scores(discoveryEvent(1, T0, { seq: seq++ }));
    let first = 0;
    for (let i = 1; i < 5; i++) first += scores(candle(i));
    expect(first).toBe(1);
    scores(discoveryEvent(1, T0 + 5 * M, { seq: seq++, retired: true }));
    scores(candle(6));
    scores(discoveryEvent(1, T0 + 7 * M, { seq: seq++ }));
    expect(scores(candle(8))).toBe(1);
  });
});

// The market clock moves with prices only, so a discovery can arrive stamped after the time a
// candle close is scored at (the discovery system's clock ahead of the price feed). Recency takes
// it at age 0 and the time filter passes it; frequency used to leave it out ([now − lookback, now]).
describe('ConfidenceStage with a discovery stamped after the market clock', () => {
  it("counts it in its type's frequency, as recency counts it at age 0", () => {
    const cfg = defaultConfig();
    const evaluation = new EvaluationStage(cfg.evaluation);
    const confidence = new ConfidenceStage(cfg.confidence, cfg.evaluation);
    const DAY = 86_400_000;
    let seq = 1;
    // SMA_RSI strategy 1: discovered 2 days ago and again an hour after the candle below.
    // EMA_MACD: two strategies, discovered 3 and 4 days ago.
    const events = [
      discoveryEvent(1, T0 - 2 * DAY, { seq: seq++, score: 0.8 }),
      discoveryEvent(2, T0 - 3 * DAY, { seq: seq++, type: 'EMA_MACD', parameters: {}, score: 0.8 }),
      discoveryEvent(3, T0 - 4 * DAY, { seq: seq++, type: 'EMA_MACD', parameters: { shortEmaPeriod: 10 }, score: 0.8 }),
      flatCandle(seq++, 'BTC/USD', T0 - MINUTE, 100),
      discoveryEvent(1, T0 + 3_600_000, { seq: seq++, score: 0.8 }),
    ];
    for (const event of events) confidence.step(evaluation.step(event));
    const frame = confidence.step(evaluation.step(flatCandle(seq++, 'BTC/USD', T0, 101)));
    expect(frame.refresh).toBe(true);
    const book = evaluation.book.book('BTC/USD');
    expect(book.strategies).toHaveLength(3);
    const sma = book.strategies.find((e) => e.type === 'SMA_RSI');
    if (sma === undefined || sma.confidence === null) throw new Error('the SMA_RSI strategy was not scored');
    // The discovery is after the market clock: its age is 0.
    expect(sma.lastSeenAt).toBeGreaterThan(frame.time);
    expect(sma.confidence.recency).toBe(1);
    // SMA_RSI 2 discoveries, EMA_MACD 2 → frequency 2/2 (was 1/2: the later one was not counted).
    expect(sma.confidence.frequency).toBe(1);
    for (const entry of book.strategies.filter((e) => e.type === 'EMA_MACD')) expect(entry.confidence?.frequency).toBe(1);
    // No live trade: performance is the backtest score. 0.60·0.8 + 0.25·1 + 0.15·1.
    expect(sma.confidence.performance).toBe(0.8);
    expect(sma.confidence.confidence).toBeCloseTo(0.6 * 0.8 + 0.25 + 0.15, 12);
  });
});
