import type { TimeFilterConfig } from '../../../config/engine.js';
import { type EnsembleCandidate, SurvivorCandidate } from '../ensembles.js';
import type { StrategyEntry, SymbolBook } from '../strategyBook.js';
import { ageExclusion, decayedPerformance, exclusionReason, type TimeExclusion, windowExclusion } from '../timeFilter.js';
import type { Frame } from './frame.js';

/**
 * Phase 2 over a symbol: on a refresh frame, runs the time filter on every scored strategy and
 * hands the survivors, with their time-decayed performance, to phase 3 as ensemble candidates.
 * A strategy's move between survivor and excluded is a decision (logged once per transition).
 *
 * Runs for every strategy of a symbol on every candle close, so it allocates nothing per strategy:
 * each strategy's candidate is updated in place, the reason text of an exclusion is written only
 * when it is logged, and the survivors are a view over the book instead of a new map.
 */
export class TimeFilterStage {
  constructor(private readonly cfg: TimeFilterConfig) {}

  step(frame: Frame): Frame {
    const book = frame.book;
    if (!frame.refresh || book === null) return frame;
    const now = frame.time;
    for (const entry of book.strategies) {
      const figures = entry.confidence;
      if (figures === null) continue;
      const before = entry.survives;
      const code = ageExclusion(entry.lastSeenAt, now, this.cfg) ?? this.windowVerdict(entry);
      if (code === null) {
        entry.survives = true;
        let candidate = entry.candidate;
        if (candidate === null) {
          candidate = new SurvivorCandidate(entry.id, entry.type, entry.account.returns);
          entry.candidate = candidate;
        }
        candidate.confidence = figures.confidence;
        // Phase 1's recency is 0.5^(age / half-life) of the same age at the same time: with the
        // same half-life it is this decay factor, the same double, so the pow is not paid twice.
        candidate.performance =
          figures.time === now && figures.recencyLastSeenAt === entry.lastSeenAt && figures.recencyHalfLifeDays === this.cfg.decayHalfLifeDays
            ? figures.performance * figures.recency
            : decayedPerformance(figures.performance, entry.lastSeenAt, now, this.cfg);
        candidate.side = entry.account.side;
        if (before === false) {
          frame.outputs.push({
            kind: 'decision',
            decision: 'strategy.accepted',
            time: now,
            seq: frame.seq,
            symbol: book.symbol,
            reason: 'passes the time filter again',
            details: { strategyId: entry.id },
          });
        }
      } else {
        entry.survives = false;
        if (before !== false) {
          const reason = exclusionReason(code, entry.lastSeenAt, entry.window, now, this.cfg);
          frame.outputs.push({
            kind: 'decision',
            decision: 'strategy.rejected',
            time: now,
            seq: frame.seq,
            symbol: book.symbol,
            reason,
            details: { strategyId: entry.id, code },
          });
        }
      }
    }
    return { ...frame, survivors: new SurvivorView(book) };
  }

  /**
   * windowExclusion of the strategy's backtest window, kept on the entry for the window object it
   * judged: a window is replaced only by a rediscovery, and reading it again on every candle close
   * was a cold load per strategy (the object was allocated when its discovery was decoded).
   */
  private windowVerdict(entry: StrategyEntry): TimeExclusion | null {
    if (entry.judgedWindow !== entry.window || entry.judgedBy !== this.cfg) {
      entry.windowExclusion = windowExclusion(entry.window, this.cfg);
      entry.judgedWindow = entry.window;
      entry.judgedBy = this.cfg;
    }
    return entry.windowExclusion;
  }
}

/**
 * The symbol's time-filter survivors by strategy id, read straight from the book: the strategies
 * whose last verdict passed, as their candidates. Valid for the frame that made it (the stages run
 * synchronously, so nothing changes the book before phases 3 and 4 have read it). Iterates in
 * registration order, like the map it replaces.
 */
class SurvivorView implements ReadonlyMap<string, EnsembleCandidate> {
  constructor(private readonly book: SymbolBook) {}

  get size(): number {
    let n = 0;
    for (const entry of this.book.strategies) if (survivorOf(entry) !== undefined) n++;
    return n;
  }

  get(id: string): EnsembleCandidate | undefined {
    const entry = this.book.byId.get(id);
    return entry === undefined ? undefined : survivorOf(entry);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  *values(): MapIterator<EnsembleCandidate> {
    for (const entry of this.book.strategies) {
      const candidate = survivorOf(entry);
      if (candidate !== undefined) yield candidate;
    }
  }

  *keys(): MapIterator<string> {
    for (const candidate of this.values()) yield candidate.strategyId;
  }

  *entries(): MapIterator<[string, EnsembleCandidate]> {
    for (const candidate of this.values()) yield [candidate.strategyId, candidate];
  }

  [Symbol.iterator](): MapIterator<[string, EnsembleCandidate]> {
    return this.entries();
  }

  forEach(callback: (value: EnsembleCandidate, key: string, map: ReadonlyMap<string, EnsembleCandidate>) => void): void {
    // A plain loop, not values(): the ensemble stage visits every survivor on every candle close.
    for (const entry of this.book.strategies) {
      const candidate = survivorOf(entry);
      if (candidate !== undefined) callback(candidate, candidate.strategyId, this);
    }
  }
}

/** The strategy's candidate when its last time-filter verdict passed. */
function survivorOf(entry: StrategyEntry): EnsembleCandidate | undefined {
  return entry.survives === true && entry.candidate !== null ? entry.candidate : undefined;
}
