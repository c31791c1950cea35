import type { EvaluationConfig } from '../../../config/engine.js';
import { MarketClock } from '../marketClock.js';
import { StrategyBook, type SymbolBook } from '../strategyBook.js';
import { asOwned, ownedSymbols } from '../symbolShard.js';
import type { Candle, EngineOutput, InputEvent, Rejection, SourceInput } from '../types.js';
import type { Frame } from './frame.js';

/**
 * Live evaluation: registers strategies, builds candles from prices, runs every strategy of a
 * symbol on each of its closed candles, and advances the engine clock: market time, the largest
 * price event time. A discovery does not move it: its `discoveredAt` only dates that strategy, so a
 * discovery stamped in the future cannot make every other strategy look stale. One stamped more
 * than `maxTimeJump` ahead of the clock is refused instead (StrategyBook.applyStrategy,
 * `ts_too_far_ahead`). Before the first price there is no clock: a discovery is taken whatever its
 * time, and its outputs carry its own time.
 * Decides when phases 1–3 must recompute a symbol: when a candle closed, or on the first applied
 * price after the symbol's strategy set changed (so a burst of discoveries costs one recompute).
 */
export class EvaluationStage {
  readonly book: StrategyBook;
  /** Market time: the largest price event time (MarketClock refuses a price too far ahead). */
  private readonly clock: MarketClock;
  /** The symbols this engine owns (`evaluation.symbols`), or null for every symbol. */
  private readonly owned: ReadonlySet<string> | null;

  constructor(cfg: EvaluationConfig) {
    this.book = new StrategyBook(cfg);
    this.clock = new MarketClock(cfg.maxTimeJump);
    this.owned = ownedSymbols(cfg.symbols);
  }

  /**
   * One input → one frame. Never throws for bad input: a rejection passes through as an output. An
   * input of a symbol another engine owns applies nothing (a source that reads subjects says so
   * before decoding; the demo and file sources' events are sorted out here).
   */
  step(source: SourceInput): Frame {
    const input = asOwned(source, this.owned);
    if (input.kind === 'rejection') return this.frame(input.seq, null, null, [input], this.clock.time);
    if (input.kind === 'unowned') return this.frame(input.seq, null, null, [], this.clock.time);
    if (input.kind === 'strategy') {
      // Before the first price, a discovery's outputs carry its own time.
      const time = Number.isFinite(this.clock.time) ? this.clock.time : input.ts;
      const change = this.book.applyStrategy(input, time);
      const outputs: EngineOutput[] = [];
      if (change.rejection !== null) outputs.push(change.rejection);
      if (change.record !== null) outputs.push(change.record);
      if (change.decision !== null) outputs.push(change.decision);
      return this.frame(input.seq, input, this.book.book(input.symbol), outputs, time);
    }
    // An operator's command acts at the market clock (its own time only dates it). Before the first
    // price there is none, and nothing to reset: the operator's clock stamped the outputs (found by
    // a hunt: a history row in the command's year).
    if (input.kind === 'control') {
      if (Number.isFinite(this.clock.time)) return this.frame(input.seq, input, null, [], this.clock.time);
      const reason = `${input.command} by ${input.operator} before the first price: no market clock to act at, and no drawdown to reset`;
      const rejection: Rejection = { kind: 'rejection', seq: input.seq, source: 'control', code: 'no_market_clock', reason, field: null, symbol: null };
      return this.frame(input.seq, null, null, [rejection], this.clock.time);
    }
    if (!this.clock.admit(input.ts)) {
      const clock = this.clock.time;
      const reason = `${input.kind} time ${new Date(input.ts).toISOString()} is ${input.ts - clock} ms ahead of the market clock ${new Date(clock).toISOString()}, more than evaluation.maxTimeJump ${this.clock.maxTimeJump} ms; the next price as far ahead would confirm the jump`;
      const rejection: Rejection = {
        kind: 'rejection',
        seq: input.seq,
        source: input.kind,
        code: 'ts_too_far_ahead',
        reason,
        field: 'ts',
        symbol: input.symbol,
      };
      return this.frame(input.seq, null, null, [rejection], clock);
    }
    const symbolBook = this.book.book(input.symbol);
    const { closed, applied } = this.book.applyPrice(input);
    const refresh = closed.length > 0 || (applied && symbolBook.dirty);
    if (refresh) symbolBook.dirty = false;
    return this.frame(input.seq, input, symbolBook, [], this.clock.time, applied, closed, refresh);
  }

  private frame(
    seq: number,
    event: InputEvent | null,
    book: SymbolBook | null,
    outputs: EngineOutput[],
    time: number,
    priced = false,
    closedCandles: readonly Candle[] = [],
    refresh = false,
  ): Frame {
    return {
      seq,
      time,
      event,
      book,
      priced,
      closedCandles,
      refresh,
      survivors: null,
      best: null,
      active: null,
      outputs,
    };
  }
}
