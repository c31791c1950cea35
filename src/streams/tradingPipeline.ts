import { type OperatorFunction, pipe } from 'rxjs';
import type { EngineConfig } from '../../config/engine.js';
import type { StrategyBook } from '../domain/strategyBook.js';
import type { OutputBatch, SourceInput } from '../domain/types.js';
import { buildEnsembles } from '../operators/buildEnsembles.js';
import { evaluateStrategies } from '../operators/evaluateStrategies.js';
import { filterByTime } from '../operators/filterByTime.js';
import { rotateEnsembles } from '../operators/rotateEnsembles.js';
import { scoreConfidence } from '../operators/scoreConfidence.js';
import { sizeAndTrade } from '../operators/sizeAndTrade.js';
import { toOutputBatch } from '../operators/toOutputBatch.js';

/**
 * The whole engine, one input at a time, in input order (seq): validated strategy and price events
 * (and source rejections, passed through for counting) in, one OutputBatch per input out. Every
 * stage is synchronous, so the outputs are a function of the input sequence alone: live and replay
 * runs of the same input produce the same decisions. `onBook` exposes the registry to metrics.
 */
export function tradingPipeline(config: EngineConfig, onBook?: (book: StrategyBook) => void): OperatorFunction<SourceInput, OutputBatch> {
  return pipe(
    evaluateStrategies(config.evaluation, onBook), //         live evaluation: registry, candles, paper trades
    scoreConfidence(config.confidence, config.evaluation), // 1 confidence
    filterByTime(config.timeFilter), //                       2 time filter
    buildEnsembles(config.ensembles), //                      3 ensembles
    rotateEnsembles(config.rotation, config.ensembles), //    4 rotation
    sizeAndTrade(config), //                                  5 risk sizing, then 4's positions at that size
    toOutputBatch(),
  );
}
