import type { OperatorFunction } from 'rxjs';
import type { ConfidenceConfig, EvaluationConfig } from '../../config/engine.js';
import { ConfidenceStage } from '../domain/stages/confidenceStage.js';
import type { Frame } from '../domain/stages/frame.js';
import { runStage } from './runStage.js';

/**
 * Phase 1: on each refresh frame, scores every strategy of the frame's symbol and appends the
 * scores that moved to the frame's outputs. Emits one frame per frame; completes/errors with source.
 */
export function scoreConfidence(cfg: ConfidenceConfig, evaluation: EvaluationConfig): OperatorFunction<Frame, Frame> {
  return runStage(() => new ConfidenceStage(cfg, evaluation));
}
