import type { EnsembleConfig, RotationConfig } from '../../../config/engine.js';
import { rescoreActive } from '../ensembles.js';
import { initialRotation, type RotationState, rotate } from '../rotation.js';
import type { Frame } from './frame.js';

/**
 * Phase 4, rotation: per symbol one active ensemble. On a refresh frame the active member set is
 * re-scored on current inputs (null when a member no longer survives) and compared with phase 3's
 * best by the rotation rules. Every frame of the symbol carries the active ensemble onward.
 */
export class RotationStage {
  private readonly states = new Map<string, RotationState>();

  constructor(
    private readonly rotation: RotationConfig,
    private readonly ensembles: EnsembleConfig,
  ) {}

  step(frame: Frame): Frame {
    const book = frame.book;
    if (book === null) return frame;
    let state = this.states.get(book.symbol) ?? initialRotation;
    if (frame.refresh && frame.survivors !== null) {
      const before = state.active;
      const { current, missing } = before === null ? { current: null, missing: [] } : rescoreActive(before, frame.survivors, frame.time, this.ensembles);
      const result = rotate(state, frame.best, current, frame.time, this.rotation, missing);
      state = result.state;
      this.states.set(book.symbol, state);
      if (result.decision !== null) frame.outputs.push({ ...result.decision, seq: frame.seq });
      const after = state.active;
      const changed = after !== null && (before === null || before.id !== after.id || before.total !== after.total || before.exposure !== after.exposure);
      // Phase 3 streams its best as a candidate (`active: false`). When that best is the active set
      // itself, the active copy must come after it, changed or not: the store and the live state
      // keep the last output per ensemble, and would otherwise read the active set as dropped.
      const restated = after !== null && frame.best !== null && frame.best.id === after.id && frame.outputs.includes(frame.best);
      if (after !== null && (changed || restated)) frame.outputs.push(after);
      if (before !== null && (after === null || after.id !== before.id)) frame.outputs.push({ ...before, time: frame.time, active: false });
    }
    return { ...frame, active: state.active };
  }
}
