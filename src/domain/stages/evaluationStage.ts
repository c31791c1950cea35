import type { EvaluationConfig } from '../../../config/engine.js';
import { StrategyBook } from '../strategyBook.js';
import type { EngineOutput, InputEvent, Rejection } from '../types.js';
import type { Frame } from './frame.js';

/**
 * Live evaluation: registers strategies, builds candles from prices, runs every strategy of a
 * symbol on each of its closed candles, and advances the engine clock (the largest event time).
 * Decides when phases 1–3 must recompute a symbol: when a candle closed, or on the first applied
 * price after the symbol's strategy set changed (so a burst of discoveries costs one recompute).
 */
export class EvaluationStage {
  readonly book: StrategyBook;
  private clock = Number.NEGATIVE_INFINITY;

  constructor(cfg: EvaluationConfig) {
    this.book = new StrategyBook(cfg);
  }

  /** One input → one frame. Never throws for bad input: a rejection passes through as an output. */
  step(input: InputEvent | Rejection): Frame {
    if (input.kind === 'rejection') return this.frame(input.seq, null, [input]);
    this.clock = Math.max(this.clock, input.ts);
    if (input.kind === 'strategy') {
      const change = this.book.applyStrategy(input, this.clock);
      const outputs: EngineOutput[] = [];
      if (change.rejection !== null) outputs.push(change.rejection);
      if (change.record !== null) outputs.push(change.record);
      if (change.decision !== null) outputs.push(change.decision);
      return this.frame(input.seq, input, outputs);
    }
    const symbolBook = this.book.book(input.symbol);
    const { closed, applied } = this.book.applyPrice(input);
    const refresh = closed.length > 0 || (applied && symbolBook.dirty);
    if (refresh) symbolBook.dirty = false;
    return {
      ...this.frame(input.seq, input, []),
      book: symbolBook,
      priced: applied,
      closedCandles: closed,
      refresh,
    };
  }

  private frame(seq: number, event: InputEvent | null, outputs: EngineOutput[]): Frame {
    return {
      seq,
      time: this.clock,
      event,
      book: event === null ? null : this.book.book(event.symbol),
      priced: false,
      closedCandles: [],
      refresh: false,
      survivors: null,
      best: null,
      active: null,
      outputs,
    };
  }
}
