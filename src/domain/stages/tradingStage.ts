import type { EngineConfig } from '../../../config/engine.js';
import { PairStatsCache } from '../covarianceMatrix.js';
import {
  type BreakerStatus,
  type BreakerUpdate,
  initialBreaker,
  remarkBreaker,
  resetBreaker as resetBreakerStatus,
  updateBreaker,
} from '../drawdownBreaker.js';
import { PortfolioBook } from '../portfolioBook.js';
import { capPositionRisk, riskDistance, scaleForDrawdown } from '../riskLimits.js';
import { type SymbolRiskInput, sizePositions, type TradeStats } from '../sizing.js';
import type { SymbolBook } from '../strategyBook.js';
import type { ControlEvent, Decision, Ensemble, Millis, PositionSize } from '../types.js';
import type { Frame } from './frame.js';

/**
 * Phase 5 and the positions of phase 4, on every applied price of a symbol, in this order:
 * mark the portfolio; stop-loss / take-profit on the symbol; the drawdown breaker on marked equity
 * (HALTED flattens everything); sizes (all symbols when a candle closed, an ensemble changed or a
 * cooldown ended; otherwise the cached sizes under the two limits that move with
 * every tick, the held position's 2% risk at its current distance to its stop and the breaker's
 * scale, so a tick costs O(1) in the strategies); then the symbol's position moves to exposure ×
 * size. Positions trade only on their own symbol's prices, except the breaker's flattening.
 * A size's riskContribution is its share of portfolio variance at the last full sizing (0 while
 * HALTED: no portfolio); a per-tick cut of one symbol does not re-share the others.
 */
export class TradingStage {
  private readonly portfolio: PortfolioBook;
  private breaker: BreakerStatus;
  private readonly books = new Map<string, SymbolBook>();
  private readonly active = new Map<string, Ensemble>();
  /** Sizes under every limit but the breaker's, from the last full sizing. */
  private readonly baseSizes = new Map<string, PositionSize>();
  private readonly emitted = new Map<string, PositionSize>();
  /** Symbol-pair return statistics between sizing passes: a candle close moves one symbol's pairs. */
  private readonly pairCache = new PairStatsCache();
  /** When the earliest cooldown seen at the last full sizing ends: its symbol counts as held again. */
  private resizeAt = Number.POSITIVE_INFINITY;

  constructor(private readonly cfg: EngineConfig) {
    this.portfolio = new PortfolioBook(cfg.capital, cfg.positions);
    this.breaker = initialBreaker(cfg.capital);
  }

  step(frame: Frame): Frame {
    if (frame.event?.kind === 'control') return this.resetBreaker(frame, frame.event);
    const book = frame.book;
    if (book === null || frame.event === null || frame.event.kind === 'strategy') return frame;
    const symbol = book.symbol;
    this.books.set(symbol, book);
    const activeBefore = this.active.get(symbol) ?? null;
    if (frame.active === null) this.active.delete(symbol);
    else this.active.set(symbol, frame.active);
    if (!frame.priced || book.mark === null) return frame;

    const { time, seq, outputs } = frame;
    this.portfolio.mark(symbol, book.mark, time);
    const exit = this.portfolio.checkRiskExit(symbol, time, seq);
    if (exit !== null) outputs.push(exit);

    // Symbols whose position this event may have moved: its own, and any the breaker flattened.
    const touched = [symbol];
    const stateChanged = this.runBreaker(time, seq, outputs, touched);

    const ensembleChanged = (activeBefore?.id ?? null) !== (frame.active?.id ?? null) || activeBefore?.total !== frame.active?.total;
    // The end of a cooldown makes its symbol count as held again for the correlation limit.
    if (frame.refresh || ensembleChanged || time >= this.resizeAt || this.baseSizes.size === 0) this.resizeAll(time);
    const emitAll = frame.refresh || stateChanged;
    if (emitAll) this.emitAllSizes(time, outputs);
    const size = this.currentSize(symbol);
    if (!emitAll) this.emitSize(size, time, outputs);

    const ensemble = this.active.get(symbol) ?? null;
    const target = ensemble === null || size === null ? 0 : ensemble.exposure * size.size;
    // Written only for a trade: most ticks move no position.
    const why = (): string =>
      ensemble === null ? 'no active ensemble' : `exposure ${ensemble.exposure.toFixed(4)} × size ${(size?.size ?? 0).toFixed(4)} of ensemble ${ensemble.id}`;
    const trade = this.portfolio.rebalance(symbol, target, ensemble?.id ?? 'none', size?.binding ?? 'noEnsemble', why, time, seq);
    if (trade !== null) {
      outputs.push(trade);
      // Fees and slippage move equity too: the breaker sees the equity the portfolio reports, and a
      // state change it makes rescales every size (found by a bug hunt: the sizes stayed unscaled).
      if (this.runBreaker(time, seq, outputs, touched)) this.emitAllSizes(time, outputs);
    }

    if (touched.length > 1) touched.sort();
    for (const name of touched) {
      const position = this.portfolio.position(name);
      if (position !== null && (position.status === 'open' || position.exitTime === time)) outputs.push(position);
    }
    outputs.push(this.portfolio.portfolio(time, this.breaker));
    return frame;
  }

  /**
   * Marks equity against the breaker; a state change is a decision, and entering HALTED flattens
   * every position (their symbols join `touched`). Returns whether the state changed.
   */
  private runBreaker(time: Millis, seq: number, outputs: Frame['outputs'], touched: string[]): boolean {
    const update = updateBreaker(this.breaker, this.portfolio.equity(), time, this.cfg.sizing);
    this.breaker = update.status;
    if (update.change === null) return false;
    outputs.push(breakerChanged(update, time, seq));
    if (update.change.to === 'HALTED') {
      for (const decision of this.portfolio.flattenAll(time, seq, update.change.reason)) {
        outputs.push(decision);
        if (decision.symbol !== null && !touched.includes(decision.symbol)) touched.push(decision.symbol);
      }
      // The flatten's fees and slippage moved equity again: the portfolio output reports its
      // drawdown at that equity (it showed the drawdown from before the flatten).
      this.breaker = remarkBreaker(this.breaker, this.portfolio.equity());
    }
    return true;
  }

  /**
   * An operator's `breaker.reset` (DESIGN.md phase 5): the breaker is NORMAL at full size, its
   * high-water mark re-based to current equity, whatever its state (a re-base of a NORMAL breaker is
   * a decision too). Every size is emitted again under the new state; positions move on their own
   * symbols' next prices, as after the cooldown.
   */
  private resetBreaker(frame: Frame, command: ControlEvent): Frame {
    const { time, seq, outputs } = frame;
    const update = resetBreakerStatus(this.breaker, this.portfolio.equity(), time);
    this.breaker = update.status;
    outputs.push(breakerChanged(update, time, seq, command));
    this.emitAllSizes(time, outputs);
    outputs.push(this.portfolio.portfolio(time, this.breaker));
    return frame;
  }

  /** Phase 5 over every symbol, with the breaker left out (it is applied per tick in currentSize). */
  private resizeAll(time: Millis): void {
    const held = new Set(this.portfolio.heldSymbols());
    const inputs: SymbolRiskInput[] = [];
    this.resizeAt = Number.POSITIVE_INFINITY;
    for (const [name, book] of this.books) {
      const ensemble = this.active.get(name);
      const usable = ensemble?.usable ? ensemble : null;
      const cooldownEnd = this.portfolio.cooldownEnd(name);
      const cooling = time < cooldownEnd;
      if (cooling) this.resizeAt = Math.min(this.resizeAt, cooldownEnd);
      inputs.push({
        symbol: name,
        ensembleTotal: usable === null ? null : usable.total,
        maxMemberWeight: usable === null ? 0 : Math.max(...usable.members.map((m) => m.weight)),
        pooled: usable === null ? NO_TRADES : pooledStats(book, usable),
        returns: book.returns,
        // For the correlation limit a symbol about to open counts as held (a usable active
        // ensemble with exposure): counting only open positions let a correlated pair open at full
        // size, be cut on the next close, reopen on the one after, and so on. One in its cooldown
        // cannot open (found by a bug hunt: it cut a held partner for an hour).
        held: held.has(name) || (usable !== null && usable.exposure > 0 && !cooling),
        stopDistance: this.portfolio.stopDistance(name) ?? undefined,
      });
    }
    const normal: BreakerStatus = { ...this.breaker, state: 'NORMAL', sizeScale: 1, drawdown: 0, haltedAt: null };
    const ctx = { time, breaker: normal, stopLoss: this.cfg.positions.stopLoss, periodsPerYear: this.cfg.evaluation.periodsPerYear, pairCache: this.pairCache };
    for (const size of sizePositions(inputs, ctx, this.cfg.sizing)) this.baseSizes.set(size.symbol, size);
  }

  /**
   * The cached size under the limits that move with every tick, stamped with the time it was sized:
   * the 2% position risk of a held position at its current distance to its stop (its stop stays at
   * entry × (1 − stopLoss) while the mark moves), then the breaker's current scale. The cached object
   * itself while neither cuts, so a tick that emits nothing copies nothing (emitSize stamps the
   * event's time on what it emits).
   */
  private currentSize(symbol: string): PositionSize | null {
    const base = this.baseSizes.get(symbol);
    if (base === undefined) return null;
    let size = base;
    const held = this.portfolio.stopDistance(symbol);
    if (held !== null) {
      const risk = capPositionRisk(base.size, riskDistance(this.cfg.positions.stopLoss, held), this.cfg.sizing);
      if (risk.reason !== null) size = { ...base, size: risk.size, binding: 'positionRisk', reason: `${base.reason}; ${risk.reason}` };
    }
    const cut = scaleForDrawdown(size.size, this.breaker);
    if (cut.reason === null) return size;
    const halted = this.breaker.state === 'HALTED';
    return {
      ...size,
      size: cut.size,
      binding: halted ? 'halted' : 'drawdown',
      riskContribution: halted ? 0 : size.riskContribution,
      reason: `${size.reason}; ${cut.reason}`,
    };
  }

  private emitAllSizes(time: Millis, outputs: Frame['outputs']): void {
    for (const name of [...this.baseSizes.keys()].sort()) this.emitSize(this.currentSize(name), time, outputs);
  }

  private emitSize(size: PositionSize | null, time: Millis, outputs: Frame['outputs']): void {
    if (size === null) return;
    const last = this.emitted.get(size.symbol);
    if (last !== undefined && last.size === size.size && last.binding === size.binding && last.combined === size.combined) return;
    const emitted = size.time === time ? size : { ...size, time };
    this.emitted.set(size.symbol, emitted);
    outputs.push(emitted);
  }
}

/** The `breaker.changed` decision of a state change; an operator's reset names the operator, when it was issued and why. */
function breakerChanged(update: BreakerUpdate, time: Millis, seq: number, command?: ControlEvent): Decision {
  const change = update.change as NonNullable<BreakerUpdate['change']>;
  const details = { from: change.from, to: change.to, drawdown: update.status.drawdown, highWaterMark: update.status.highWaterMark };
  const addressed = command?.symbols ? ` for ${command.symbols.join(', ')}` : '';
  const reason =
    command === undefined
      ? change.reason
      : `${change.reason}, by ${command.operator}${addressed} (issued ${new Date(command.ts).toISOString()}): ${command.reason}`;
  return {
    kind: 'decision',
    decision: 'breaker.changed',
    time,
    seq,
    symbol: null,
    reason,
    details: command === undefined ? details : { ...details, operator: command.operator },
  };
}

const NO_TRADES: TradeStats = { trades: 0, wins: 0, grossWin: 0, grossLoss: 0, sumAbsReturn: 0 };

/** The active ensemble members' live paper trades, pooled (phase 5's Kelly input). */
function pooledStats(book: SymbolBook, ensemble: Ensemble): TradeStats {
  let trades = 0;
  let wins = 0;
  let grossWin = 0;
  let grossLoss = 0;
  let sumAbsReturn = 0;
  for (const member of ensemble.members) {
    const account = book.byId.get(member.strategyId)?.account;
    if (account === undefined) continue;
    trades += account.trades;
    wins += account.wins;
    grossWin += account.grossWin;
    grossLoss += account.grossLoss;
    sumAbsReturn += account.sumAbsTradeReturn;
  }
  return { trades, wins, grossWin, grossLoss, sumAbsReturn };
}
