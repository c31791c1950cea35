import type { ConfidenceConfig, EvaluationConfig } from '../../../config/engine.js';
import { checkConfidenceWeights, ConfidenceFigures, confidenceScoreOf, scoreConfidenceInto } from '../confidence.js';
import { liveScore } from '../liveScore.js';
import type { Frame } from './frame.js';

const DAY = 86_400_000;

/**
 * Phase 1 over a symbol: on a refresh frame, scores every active strategy of the symbol
 * (performance, frequency, recency) and keeps the figures on the strategy for the later phases.
 * A score is emitted when it is new or moved by at least `emitStep`, so recency's slow drift does
 * not flood the sinks; the phases always read the exact latest value.
 *
 * This runs for every strategy of a symbol on every candle close, so it allocates nothing per
 * strategy beyond the scores it emits: the figures are overwritten in place, and the weights are
 * checked once here rather than on every call.
 */
export class ConfidenceStage {
  constructor(
    private readonly cfg: ConfidenceConfig,
    private readonly evaluation: EvaluationConfig,
    private readonly emitStep = 1e-3,
  ) {
    checkConfidenceWeights(cfg);
  }

  step(frame: Frame): Frame {
    const book = frame.book;
    if (!frame.refresh || book === null) return frame;
    const lookback = this.cfg.frequencyLookbackDays * DAY;
    const periodsPerYear = this.evaluation.periodsPerYear;
    for (const entry of book.strategies) {
      let figures = entry.confidence;
      if (figures === null) {
        // A strategy registered again after a retirement starts with new figures and emits its
        // score anew. (A map of every id's last emitted score, kept past retirements to avoid that,
        // grew with every strategy ever retired: found by a soak hunt.)
        figures = new ConfidenceFigures();
        entry.confidence = figures;
      }
      const account = entry.account;
      // The live score reads only figures that a flat strategy's zero-for-zero candle leaves as they
      // were (about half of all strategy-candles at 10k strategies): reuse it while they stand.
      const version = account.scoreVersion;
      const live = figures.liveScoreVersion === version ? figures.liveScore : liveScore(account, periodsPerYear);
      scoreConfidenceInto(
        figures,
        {
          backtestScore: entry.score,
          liveScore: live,
          liveTrades: account.trades,
          lastSeenAt: entry.lastSeenAt,
          frequency: book.discoveries.frequency(entry.type, frame.time, lookback),
        },
        frame.time,
        this.cfg,
      );
      // Only now that figures.liveScore holds `live` (scoreConfidenceInto throws on a bug before writing).
      figures.liveScoreVersion = version;
      if (Number.isNaN(figures.emitted) || Math.abs(figures.emitted - figures.confidence) >= this.emitStep) {
        figures.emitted = figures.confidence;
        frame.outputs.push(confidenceScoreOf({ strategyId: entry.id, symbol: entry.symbol, type: entry.type }, figures));
      }
    }
    // Discoveries older than the lookback can never count again: drop them so memory stays bounded.
    book.discoveries.forgetUpTo(frame.time - lookback);
    return frame;
  }
}
