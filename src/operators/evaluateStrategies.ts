import type { OperatorFunction } from 'rxjs';
import type { EvaluationConfig } from '../../config/engine.js';
import type { Frame } from '../domain/stages/frame.js';
import { EvaluationStage } from '../domain/stages/evaluationStage.js';
import type { InputEvent, Rejection } from '../domain/types.js';
import { runStage } from './runStage.js';

/**
 * Live evaluation: emits one Frame per input (validated event or source rejection). Strategy
 * messages register, update or retire strategies; prices build candles, and each closed candle runs
 * every strategy of its symbol as a paper strategy. Completes and errors with its source.
 */
export function evaluateStrategies(cfg: EvaluationConfig): OperatorFunction<InputEvent | Rejection, Frame> {
  return runStage(() => new EvaluationStage(cfg));
}
