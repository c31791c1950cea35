import type { ConfidenceConfig, EvaluationConfig } from '../../../config/engine.js';
import { scoreConfidence } from '../confidence.js';
import { liveScore } from '../liveScore.js';
import type { Frame } from './frame.js';

const DAY = 86_400_000;

/**
 * Phase 1 over a symbol: on a refresh frame, scores every active strategy of the symbol
 * (performance, frequency, recency) and keeps the score on the strategy for the later phases.
 * A score is emitted when it is new or moved by at least `emitStep`, so recency's slow drift does
 * not flood the sinks; the phases always read the exact latest value.
 */
export class ConfidenceStage {
  private readonly emitted = new Map<string, number>();

  constructor(
    private readonly cfg: ConfidenceConfig,
    private readonly evaluation: EvaluationConfig,
    private readonly emitStep = 1e-3,
  ) {}

  step(frame: Frame): Frame {
    const book = frame.book;
    if (!frame.refresh || book === null) return frame;
    const lookback = this.cfg.frequencyLookbackDays * DAY;
    for (const entry of book.strategies) {
      const score = scoreConfidence(
        {
          strategyId: entry.id,
          symbol: entry.symbol,
          type: entry.type,
          backtestScore: entry.score,
          liveScore: liveScore(entry.account, this.evaluation.periodsPerYear),
          liveTrades: entry.account.trades,
          lastSeenAt: entry.lastSeenAt,
          frequency: book.discoveries.frequency(entry.type, frame.time, lookback),
        },
        frame.time,
        this.cfg,
      );
      entry.confidence = score;
      const last = this.emitted.get(entry.id);
      if (last === undefined || Math.abs(last - score.confidence) >= this.emitStep) {
        this.emitted.set(entry.id, score.confidence);
        frame.outputs.push(score);
      }
    }
    // Discoveries older than the lookback can never count again: drop them so memory stays bounded.
    book.discoveries.forgetUpTo(frame.time - lookback);
    return frame;
  }
}
