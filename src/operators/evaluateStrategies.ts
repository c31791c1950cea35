import type { OperatorFunction } from 'rxjs';
import type { EvaluationConfig } from '../../config/engine.js';
import { EvaluationStage } from '../domain/stages/evaluationStage.js';
import type { Frame } from '../domain/stages/frame.js';
import type { StrategyBook } from '../domain/strategyBook.js';
import type { SourceInput } from '../domain/types.js';
import { runStage } from './runStage.js';

/**
 * Live evaluation: emits one Frame per input (validated event or source rejection). Strategy
 * messages register, update or retire strategies; prices build candles, and each closed candle runs
 * every strategy of its symbol as a paper strategy. Completes and errors with its source.
 * `onBook` receives the subscription's registry, read-only, for metrics (indicator sharing).
 */
export function evaluateStrategies(cfg: EvaluationConfig, onBook?: (book: StrategyBook) => void): OperatorFunction<SourceInput, Frame> {
  return runStage(() => {
    const stage = new EvaluationStage(cfg);
    onBook?.(stage.book);
    return stage;
  });
}
