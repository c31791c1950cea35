import type { OperatorFunction } from 'rxjs';
import type { EngineConfig } from '../../config/engine.js';
import type { Frame } from '../domain/stages/frame.js';
import { TradingStage } from '../domain/stages/tradingStage.js';
import { runStage } from './runStage.js';

/**
 * Phase 5 and phase 4's positions: on every applied price, marks the portfolio, checks stop-loss and
 * take-profit, runs the drawdown breaker, sizes the symbols under the hard limits (all symbols on a
 * refresh), and moves the symbol's position to exposure × size. One frame per frame.
 */
export function sizeAndTrade(cfg: EngineConfig): OperatorFunction<Frame, Frame> {
  return runStage(() => new TradingStage(cfg));
}
