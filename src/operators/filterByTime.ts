import type { OperatorFunction } from 'rxjs';
import type { TimeFilterConfig } from '../../config/engine.js';
import type { Frame } from '../domain/stages/frame.js';
import { TimeFilterStage } from '../domain/stages/timeFilterStage.js';
import { runStage } from './runStage.js';

/**
 * Phase 2: on each refresh frame, excludes stale strategies and bad backtest windows (a decision per
 * transition) and sets `survivors` with time-decayed performance. One frame per frame.
 */
export function filterByTime(cfg: TimeFilterConfig): OperatorFunction<Frame, Frame> {
  return runStage(() => new TimeFilterStage(cfg));
}
