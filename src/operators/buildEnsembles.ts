import type { OperatorFunction } from 'rxjs';
import type { EnsembleConfig } from '../../config/engine.js';
import { EnsembleStage } from '../domain/stages/ensembleStage.js';
import type { Frame } from '../domain/stages/frame.js';
import { runStage } from './runStage.js';

/**
 * Phase 3: on each refresh frame, sets `best`, the symbol's best ensemble of the survivors, and
 * emits it when it changed (with a decision when its members changed). One frame per frame.
 */
export function buildEnsembles(cfg: EnsembleConfig): OperatorFunction<Frame, Frame> {
  return runStage(() => new EnsembleStage(cfg));
}
