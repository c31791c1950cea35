import { map, type OperatorFunction } from 'rxjs';
import type { Frame } from '../domain/stages/frame.js';
import type { OutputBatch } from '../domain/types.js';

/**
 * Ends the pipeline: one OutputBatch per frame, carrying the input's seq (the unit of
 * acknowledgement) and its outputs in phase order. Completes and errors with its source.
 */
export function toOutputBatch(): OperatorFunction<Frame, OutputBatch> {
  return map((frame) => ({ seq: frame.seq, time: frame.time, outputs: frame.outputs }));
}
