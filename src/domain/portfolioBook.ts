/**
 * The portfolio book (DESIGN.md phase 4): cash, one long-only position per symbol held for the
 * symbol's active ensemble, paper fills at the mark with slippage and fees, stop-loss and
 * take-profit checked on every tick, a cooldown after a risk exit, and the minimum-rebalance rule.
 *
 * Units: prices in quote currency per base unit, quantities in base units, money (cash, equity,
 * fees, PnL) in quote currency, sizes and targets as fractions of equity (notional at mark / equity).
 *
 * A target is converted to a quantity at the mark, quantity = target × equity / mark, with equity
 * taken before the trade. Sizes everywhere (the sizer's targets, Position.size, the rebalance rule)
 * are measured at the mark, so measuring the target the same way means a fresh position reads back
 * as its target; slippage and the fee are costs paid out of cash, not a reason to buy fewer units.
 */
import type { PositionConfig } from '../../config/engine.js';
import { type FillSide, type PaperFill, paperFill } from './paperFill.js';
import { applyFill, emptyLot, lotPnl, lotSnapshot, type PositionLot } from './positionLot.js';
import type { BreakerStatus } from './drawdownBreaker.js';
import type { BindingLimit, Decision, Millis, Portfolio, Position } from './types.js';

/** The drawdown breaker's status (drawdownBreaker.ts), passed in to {@link PortfolioBook.portfolio}. */
export type { BreakerStatus };

/** Why a position was closed; carried in the decision's details as `exit`. */
export type ExitCause = 'target' | 'stop-loss' | 'take-profit' | 'flatten';

interface SymbolState {
  readonly symbol: string;
  /** Latest mark; 0 until the first one (a real mark is always > 0). */
  mark: number;
  /** Positions opened on this symbol so far: the n of `${symbol}#${n}`. */
  opened: number;
  /** No new position before this event time (ms). */
  cooldownUntil: Millis;
  lot: PositionLot | null;
}

type PositionDecision = 'position.opened' | 'position.resized' | 'position.closed';

/** What one fill did to its position, for the decision that reports it. */
interface FillOutcome {
  readonly lot: PositionLot;
  readonly fill: PaperFill;
  readonly realized: number;
  readonly previousSize: number;
}

const price = (x: number): string => String(Number(x.toPrecision(8)));
const money = (x: number): string => x.toFixed(2);
const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;

function requirePositive(what: string, x: number): void {
  if (!(Number.isFinite(x) && x > 0)) throw new RangeError(`PortfolioBook: ${what} must be a positive finite number (was ${x})`);
}

function requireFinite(what: string, x: number): void {
  if (!Number.isFinite(x)) throw new RangeError(`PortfolioBook: ${what} must be finite (was ${x})`);
}

/**
 * Cash and positions of the paper portfolio. Deterministic: equal calls in equal order give equal
 * state and decisions. `mark` and `checkRiskExit` cost O(1), so they can run on every tick; trades
 * cost O(held symbols) because they re-add the marked value of the book to shed rounding drift.
 */
export class PortfolioBook {
  private cashBalance: number;
  /** Σ quantity × mark over open positions, updated on every mark so equity() never loops. */
  private positionsValue = 0;
  private readonly symbols = new Map<string, SymbolState>();
  /** The state `find` returned last (the symbols are never removed, so it stays valid). */
  private last: SymbolState | undefined;
  private readonly held = new Set<string>();

  /** @param capital starting cash (quote currency, > 0). */
  constructor(
    capital: number,
    private readonly cfg: PositionConfig,
  ) {
    requirePositive('capital', capital);
    this.cashBalance = capital;
  }

  /** Marks `symbol` at `price` (quote currency, > 0) at event time `time`; equity follows at once. */
  mark(symbol: string, price: number, time: Millis): void {
    requirePositive(`mark price of ${symbol}`, price);
    requireFinite('mark time', time);
    const s = this.stateOf(symbol);
    const lot = s.lot;
    if (lot?.open) {
      this.positionsValue += lot.quantity * (price - s.mark);
      lot.time = time;
    }
    s.mark = price;
  }

  /**
   * Closes the symbol's open position at the mark when the mark is at or below its stop price or at
   * or above its take-profit price, and starts the cooldown (until time + cooldown, ms). Returns the
   * 'position.closed' decision, or null when nothing is open or neither level is touched.
   */
  checkRiskExit(symbol: string, time: Millis, seq: number): Decision | null {
    const s = this.find(symbol);
    const lot = s?.lot;
    if (s === undefined || !lot?.open) return null;
    // Checked on every tick of a held symbol: the numbers are written only for an exit.
    let exit: ExitCause;
    let trigger: string;
    if (s.mark <= lot.stopPrice) {
      exit = 'stop-loss';
      trigger = `stop-loss: mark ${price(s.mark)} <= stop ${price(lot.stopPrice)} (entry ${price(lot.entryPrice)})`;
    } else if (s.mark >= lot.takeProfitPrice) {
      exit = 'take-profit';
      trigger = `take-profit: mark ${price(s.mark)} >= take-profit ${price(lot.takeProfitPrice)} (entry ${price(lot.entryPrice)})`;
    } else {
      return null;
    }
    const outcome = this.trade(s, 'sell', lot.quantity, time);
    s.cooldownUntil = time + this.cfg.cooldown;
    const reason = `${trigger}; ${fillText(outcome)}; no re-entry before ${s.cooldownUntil} (cooldown ${this.cfg.cooldown} ms)`;
    return this.decision(s, outcome, time, seq, reason, { kind: 'position.closed', target: 0, binding: null, exit });
  }

  /**
   * Moves the symbol's position toward `target` (fraction of current equity, >= 0) at the current
   * mark for ensemble `ensembleId`: opens when flat (not during a cooldown), closes at target 0,
   * resizes only when |target − current| > minRebalance × current. An open position is re-tagged
   * with `ensembleId` even when nothing trades. Returns the 'position.opened' | 'position.resized' |
   * 'position.closed' decision, whose reason starts with the trade and ends with `why`, or null when
   * nothing trades. `why` may be a function that writes it: the pipeline rebalances on every tick
   * and trades on few, so it formats its numbers only for a trade. Throws on a negative or NaN
   * target and on a symbol never marked (bugs).
   */
  rebalance(
    symbol: string,
    target: number,
    ensembleId: string,
    binding: BindingLimit,
    why: string | (() => string),
    time: Millis,
    seq: number,
  ): Decision | null {
    if (!(Number.isFinite(target) && target >= 0)) throw new RangeError(`PortfolioBook.rebalance: target of ${symbol} must be >= 0 (was ${target})`);
    const s = this.find(symbol);
    if (s === undefined || s.mark === 0) throw new Error(`PortfolioBook.rebalance: ${symbol} has no mark yet`);
    const equity = this.equity();
    const lot = s.lot?.open ? s.lot : null;
    const because = (): string => {
      const text = typeof why === 'string' ? why : why();
      return text === '' ? '' : `; ${text}`;
    };
    const limit = `(limit ${binding})`;
    if (lot === null) {
      // Without positive equity there is nothing to size against; only closing remains possible.
      if (target === 0 || this.inCooldown(symbol, time) || equity <= 0) return null;
      s.opened += 1;
      s.lot = emptyLot(`${symbol}#${s.opened}`, symbol, ensembleId, time);
      const outcome = this.trade(s, 'buy', (target * equity) / s.mark, time);
      const reason = `opened ${outcome.lot.positionId} for ${ensembleId} at target ${percent(target)} of equity ${limit}: ${fillText(outcome)}${because()}`;
      return this.decision(s, outcome, time, seq, reason, { kind: 'position.opened', target, binding, exit: null });
    }
    lot.ensembleId = ensembleId;
    if (target === 0) {
      const outcome = this.trade(s, 'sell', lot.quantity, time);
      const reason = `closed ${lot.positionId} at target 0 ${limit}, was ${percent(outcome.previousSize)}: ${fillText(outcome)}${because()}`;
      return this.decision(s, outcome, time, seq, reason, { kind: 'position.closed', target, binding, exit: 'target' });
    }
    if (equity <= 0) return null;
    const current = (lot.quantity * s.mark) / equity;
    if (Math.abs(target - current) <= this.cfg.minRebalance * current) return null;
    const change = (target * equity) / s.mark - lot.quantity;
    // target > 0, so a sell never exceeds the quantity held.
    const outcome = this.trade(s, change > 0 ? 'buy' : 'sell', Math.abs(change), time);
    const reason = `resized ${lot.positionId} from ${percent(current)} to target ${percent(target)} of equity ${limit}: ${fillText(outcome)}${because()}`;
    return this.decision(s, outcome, time, seq, reason, { kind: 'position.resized', target, binding, exit: null });
  }

  /** Closes every open position at its mark (breaker HALTED). Returns the decisions in symbol order. */
  flattenAll(time: Millis, seq: number, reason: string): Decision[] {
    return this.heldSymbols().map((symbol) => {
      const s = this.stateOf(symbol);
      const outcome = this.trade(s, 'sell', (s.lot as PositionLot).quantity, time);
      const text = `${reason}: closed ${outcome.lot.positionId}, ${fillText(outcome)}`;
      return this.decision(s, outcome, time, seq, text, { kind: 'position.closed', target: 0, binding: 'halted', exit: 'flatten' });
    });
  }

  /** Cash plus the marked value of every open position (quote currency). O(1). */
  equity(): number {
    return this.cashBalance + this.positionsValue;
  }

  /** Cash (quote currency); may go below zero only if targets add up to more than equity. */
  cash(): number {
    return this.cashBalance;
  }

  /** The latest mark of `symbol` (quote currency), or null if it was never marked. */
  markPrice(symbol: string): number | null {
    const s = this.find(symbol);
    return s === undefined || s.mark === 0 ? null : s.mark;
  }

  /**
   * Snapshot of the symbol's open position, or of its last closed one, or null if never held.
   * A closed snapshot has quantity 0 and size 0, its exit time, its exit mark and its final pnl.
   */
  position(symbol: string): Position | null {
    const s = this.find(symbol);
    const lot = s?.lot;
    if (s === undefined || lot == null) return null;
    return lotSnapshot(lot, s.mark, this.sizeOf(s));
  }

  /** Symbols with an open position, ascending. */
  heldSymbols(): string[] {
    return [...this.held].sort();
  }

  /** True while a risk exit's cooldown forbids a new position on `symbol` (time < exit time + cooldown). */
  inCooldown(symbol: string, time: Millis): boolean {
    return time < this.cooldownEnd(symbol);
  }

  /** When the cooldown of `symbol`'s last risk exit ends (ms; −∞ when it never had one). */
  cooldownEnd(symbol: string): Millis {
    return this.find(symbol)?.cooldownUntil ?? Number.NEGATIVE_INFINITY;
  }

  /**
   * How far the open position of `symbol` is from its stop, as a fraction of its mark,
   * 1 − stop / mark (negative once the mark is below the stop); null when nothing is open. O(1).
   */
  stopDistance(symbol: string): number | null {
    const s = this.find(symbol);
    const lot = s?.lot;
    if (s === undefined || !lot?.open) return null;
    return 1 - lot.stopPrice / s.mark;
  }

  /** The Portfolio output at event time `time`: the book's cash and equity with the breaker's status. */
  portfolio(time: Millis, breaker: BreakerStatus): Portfolio {
    const { state, highWaterMark, drawdown, sizeScale, haltedAt } = breaker;
    return { kind: 'portfolio', time, cash: this.cashBalance, equity: this.equity(), highWaterMark, drawdown, state, sizeScale, haltedAt };
  }

  private stateOf(symbol: string): SymbolState {
    let s = this.find(symbol);
    if (s === undefined) {
      s = { symbol, mark: 0, opened: 0, cooldownUntil: Number.NEGATIVE_INFINITY, lot: null };
      this.symbols.set(symbol, s);
      this.last = s;
    }
    return s;
  }

  /**
   * The state of `symbol`, or undefined. A price's step asks for its own symbol five times (mark,
   * risk exit, stop distance, rebalance, position), so the last answer is kept: one map lookup a tick.
   */
  private find(symbol: string): SymbolState | undefined {
    const last = this.last;
    if (last !== undefined && last.symbol === symbol) return last;
    const s = this.symbols.get(symbol);
    if (s !== undefined) this.last = s;
    return s;
  }

  /** Notional at mark / equity of the open position; 0 when flat or when equity is not positive. */
  private sizeOf(s: SymbolState): number {
    const equity = this.equity();
    return s.lot?.open && equity > 0 ? (s.lot.quantity * s.mark) / equity : 0;
  }

  /**
   * Fills `quantity` of the symbol's lot at its mark and books it on the lot, in cash (fees always
   * come out of cash) and in the running value of the book, which is re-added from the held
   * positions here, off the per-tick path, so rounding drift from marks cannot accumulate.
   */
  private trade(s: SymbolState, side: FillSide, quantity: number, time: Millis): FillOutcome {
    const lot = s.lot as PositionLot;
    const previousSize = this.sizeOf(s);
    const fill = paperFill(side, quantity, s.mark, this.cfg.feeBps, this.cfg.slippageBps);
    const realized = applyFill(lot, fill, time, this.cfg);
    this.cashBalance += side === 'buy' ? -(fill.notional + fill.fee) : fill.notional - fill.fee;
    if (lot.open) this.held.add(s.symbol);
    else this.held.delete(s.symbol);
    this.positionsValue = 0;
    for (const symbol of this.held) {
      const h = this.symbols.get(symbol) as SymbolState;
      this.positionsValue += (h.lot as PositionLot).quantity * h.mark;
    }
    return { lot, fill, realized, previousSize };
  }

  private decision(
    s: SymbolState,
    outcome: FillOutcome,
    time: Millis,
    seq: number,
    reason: string,
    meta: { kind: PositionDecision; target: number; binding: BindingLimit | null; exit: ExitCause | null },
  ): Decision {
    const { lot, fill } = outcome;
    return {
      kind: 'decision',
      // A resize that rounds down to nothing closes the lot, and must say so.
      decision: lot.open ? meta.kind : 'position.closed',
      time,
      seq,
      symbol: s.symbol,
      reason,
      details: {
        positionId: lot.positionId,
        ensembleId: lot.ensembleId,
        target: meta.target,
        previousSize: outcome.previousSize,
        size: this.sizeOf(s),
        binding: meta.binding,
        exit: meta.exit,
        side: fill.side,
        quantity: fill.quantity,
        positionQuantity: lot.quantity,
        markPrice: fill.mark,
        fillPrice: fill.price,
        fee: fill.fee,
        realizedPnl: outcome.realized,
        pnl: lotPnl(lot, s.mark),
        entryPrice: lot.entryPrice,
        stopPrice: lot.stopPrice,
        takeProfitPrice: lot.takeProfitPrice,
        cooldownUntil: time < s.cooldownUntil ? s.cooldownUntil : null,
        cash: this.cashBalance,
        equity: this.equity(),
      },
    };
  }
}

function fillText({ fill, realized }: FillOutcome): string {
  const verb = fill.side === 'buy' ? 'bought' : 'sold';
  return `${verb} ${price(fill.quantity)} at ${price(fill.price)} (mark ${price(fill.mark)}), fee ${money(fill.fee)}, realized pnl ${money(realized)}`;
}
