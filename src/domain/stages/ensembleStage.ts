import type { EnsembleConfig } from '../../../config/engine.js';
import { buildEnsemble, selectCandidates } from '../ensembles.js';
import type { Ensemble } from '../types.js';
import type { Frame } from './frame.js';

/**
 * Phase 3 over a symbol: on a refresh frame, builds the best ensemble from the survivors. A new
 * member set is an 'ensemble.changed' decision; new figures for the same set are streamed only.
 */
export class EnsembleStage {
  private readonly best = new Map<string, Ensemble | null>();

  constructor(private readonly cfg: EnsembleConfig) {}

  step(frame: Frame): Frame {
    const book = frame.book;
    if (!frame.refresh || book === null || frame.survivors === null) return frame;
    const candidates = selectCandidates(frame.survivors, this.cfg);
    const best = buildEnsemble(book.symbol, candidates, frame.time, this.cfg);
    const before = this.best.get(book.symbol) ?? null;
    this.best.set(book.symbol, best);
    if ((before?.id ?? null) !== (best?.id ?? null)) {
      frame.outputs.push({
        kind: 'decision',
        decision: 'ensemble.changed',
        time: frame.time,
        seq: frame.seq,
        symbol: book.symbol,
        reason:
          best === null
            ? `no valid ensemble among ${candidates.length} candidates`
            : `best of ${candidates.length} candidates: ${best.members.length} members, total ${best.total.toFixed(4)}${best.usable ? '' : ' (not usable)'}`,
        details: { from: before?.id ?? null, to: best?.id ?? null, total: best?.total ?? null, members: best?.members.map((m) => m.strategyId) ?? [] },
      });
    }
    if (best !== null && (before === null || before.id !== best.id || before.total !== best.total || before.exposure !== best.exposure)) frame.outputs.push(best);
    return { ...frame, best };
  }
}
