import type { TimeFilterConfig } from '../../../config/engine.js';
import type { EnsembleCandidate } from '../ensembles.js';
import { filterByTime } from '../timeFilter.js';
import type { Frame } from './frame.js';

/**
 * Phase 2 over a symbol: on a refresh frame, runs the time filter on every scored strategy and
 * hands the survivors, with their time-decayed performance, to phase 3 as ensemble candidates.
 * A strategy's move between survivor and excluded is a decision (logged once per transition).
 */
export class TimeFilterStage {
  constructor(private readonly cfg: TimeFilterConfig) {}

  step(frame: Frame): Frame {
    const book = frame.book;
    if (!frame.refresh || book === null) return frame;
    const survivors = new Map<string, EnsembleCandidate>();
    for (const entry of book.strategies) {
      if (entry.confidence === null) continue;
      const verdict = filterByTime({ lastSeenAt: entry.lastSeenAt, window: entry.window, performance: entry.confidence.performance }, frame.time, this.cfg);
      const before = entry.verdict;
      entry.verdict = verdict;
      if (verdict.pass) {
        survivors.set(entry.id, {
          strategyId: entry.id,
          type: entry.type,
          confidence: entry.confidence.confidence,
          performance: verdict.decayedPerformance,
          side: entry.account.side,
          returns: entry.account.returns,
        });
        if (before !== null && !before.pass) {
          frame.outputs.push({ kind: 'decision', decision: 'strategy.accepted', time: frame.time, seq: frame.seq, symbol: book.symbol, reason: 'passes the time filter again', details: { strategyId: entry.id } });
        }
      } else if (before === null || before.pass) {
        frame.outputs.push({ kind: 'decision', decision: 'strategy.rejected', time: frame.time, seq: frame.seq, symbol: book.symbol, reason: verdict.reason, details: { strategyId: entry.id, code: verdict.code } });
      }
    }
    return { ...frame, survivors };
  }
}
