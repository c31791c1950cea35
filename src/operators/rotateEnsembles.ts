import type { OperatorFunction } from 'rxjs';
import type { EnsembleConfig, RotationConfig } from '../../config/engine.js';
import type { Frame } from '../domain/stages/frame.js';
import { RotationStage } from '../domain/stages/rotationStage.js';
import { runStage } from './runStage.js';

/**
 * Phase 4, rotation: sets `active`, the symbol's active ensemble, switching by threshold after the
 * minimum hold or at the scheduled rotation (a 'rotation' decision). One frame per frame.
 */
export function rotateEnsembles(rotation: RotationConfig, ensembles: EnsembleConfig): OperatorFunction<Frame, Frame> {
  return runStage(() => new RotationStage(rotation, ensembles));
}
