import type { EnsembleCandidate } from '../ensembles.js';
import type { SymbolBook } from '../strategyBook.js';
import type { Candle, EngineOutput, Ensemble, InputEvent, Millis } from '../types.js';

/**
 * What travels between the phases for one input event. Each stage returns a new frame with its
 * own fields filled in and appends its outputs (new readonly values) to `outputs`, an array that
 * belongs to this one event. Stages run synchronously in phase order, so every frame sees the
 * state exactly as the events before it left it: the order of events alone decides the outcome.
 */
export interface Frame {
  /** Input sequence (total order of the input stream). */
  readonly seq: number;
  /** Engine clock after this event: the largest event time seen so far (ms). */
  readonly time: Millis;
  /** The validated input, or null when the input was rejected at the source. */
  readonly event: InputEvent | null;
  /** The symbol's book, or null for a rejected input. */
  readonly book: SymbolBook | null;
  /** True when the event is a price that was applied (marks the symbol). */
  readonly priced: boolean;
  /** Candles this event closed, oldest first (already evaluated by every strategy). */
  readonly closedCandles: readonly Candle[];
  /** Phases 1–3 recompute this symbol on this event (a candle closed, or its strategies changed). */
  readonly refresh: boolean;
  /** Phase 2: surviving strategies of the symbol as ensemble candidates (refresh frames only). */
  readonly survivors: ReadonlyMap<string, EnsembleCandidate> | null;
  /** Phase 3: the best ensemble found for the symbol on this refresh, or null. */
  readonly best: Ensemble | null;
  /** Phase 4: the symbol's active ensemble after this event, or null. */
  readonly active: Ensemble | null;
  readonly outputs: EngineOutput[];
}
