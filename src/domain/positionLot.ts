/**
 * One position of the portfolio book (the open one of a symbol, or its last closed one) and the
 * accounting of a fill against it. Mutable on purpose: the book owns its lots privately and changes
 * them in place on every fill, which keeps a tick free of allocations; callers outside the book only
 * ever see the readonly {@link Position} snapshot.
 */
import type { PositionConfig } from '../../config/engine.js';
import type { PaperFill } from './paperFill.js';
import type { Millis, Position } from './types.js';

/** A position's mutable state. Prices in quote currency per base unit, quantity in base units. */
export interface PositionLot {
  readonly positionId: string;
  readonly symbol: string;
  ensembleId: string;
  quantity: number;
  /** Volume-weighted average fill price of the open quantity. */
  entryPrice: number;
  readonly entryTime: Millis;
  stopPrice: number;
  takeProfitPrice: number;
  open: boolean;
  exitTime: Millis | null;
  /** Realized PnL so far, every fee included (a buy's fee is realized at once), quote currency. */
  realized: number;
  /** The mark when the lot closed, so a closed snapshot keeps the price it left at. */
  exitMark: number;
  /** Event time of the latest fill or mark that changed the lot. */
  time: Millis;
}

/** A flat lot about to receive its first buy: quantity 0, no entry yet. Returns the new lot. */
export function emptyLot(positionId: string, symbol: string, ensembleId: string, time: Millis): PositionLot {
  return {
    positionId,
    symbol,
    ensembleId,
    quantity: 0,
    entryPrice: 0,
    entryTime: time,
    stopPrice: 0,
    takeProfitPrice: 0,
    open: true,
    exitTime: null,
    realized: 0,
    exitMark: 0,
    time,
  };
}

/**
 * Books `fill` on `lot` at event time `time` and returns the PnL it realized (quote currency, after
 * its fee). A buy re-averages the entry price over the open quantity and moves the stop and the
 * take-profit with it; its fee is its realized PnL. A sell realizes (fill price − entry) × quantity
 * minus its fee and keeps entry, stop and take-profit; selling the whole quantity closes the lot.
 * Throws when a sell exceeds the quantity held (a bug in the caller).
 */
export function applyFill(lot: PositionLot, fill: PaperFill, time: Millis, cfg: PositionConfig): number {
  if (!lot.open) throw new Error(`applyFill: ${lot.positionId} is closed`);
  let realized: number;
  if (fill.side === 'buy') {
    const total = lot.quantity + fill.quantity;
    lot.entryPrice = (lot.quantity * lot.entryPrice + fill.notional) / total;
    lot.quantity = total;
    lot.stopPrice = lot.entryPrice * (1 - cfg.stopLoss);
    lot.takeProfitPrice = lot.entryPrice * (1 + cfg.takeProfit);
    // 0 − fee rather than −fee: a free fill must realize +0, since −0 would leak into the decision log.
    realized = 0 - fill.fee;
  } else {
    if (fill.quantity > lot.quantity) throw new RangeError(`applyFill: selling ${fill.quantity} of ${lot.positionId} which holds ${lot.quantity}`);
    realized = fill.quantity * (fill.price - lot.entryPrice) - fill.fee;
    lot.quantity = fill.quantity === lot.quantity ? 0 : lot.quantity - fill.quantity;
    if (lot.quantity === 0) {
      lot.open = false;
      lot.exitTime = time;
      lot.exitMark = fill.mark;
    }
  }
  lot.realized += realized;
  lot.time = time;
  return realized;
}

/** Realized plus unrealized PnL at `mark` (quote currency, after fees); frozen once the lot is closed. */
export function lotPnl(lot: PositionLot, mark: number): number {
  return lot.open ? lot.realized + lot.quantity * (mark - lot.entryPrice) : lot.realized;
}

/**
 * The readonly Position output for `lot` at `mark`, with `size` (notional at mark / equity) computed
 * by the caller. A closed lot reports quantity 0, its exit mark, exit time and final pnl.
 */
export function lotSnapshot(lot: PositionLot, mark: number, size: number): Position {
  return {
    kind: 'position',
    time: lot.time,
    positionId: lot.positionId,
    symbol: lot.symbol,
    ensembleId: lot.ensembleId,
    quantity: lot.quantity,
    entryPrice: lot.entryPrice,
    entryTime: lot.entryTime,
    markPrice: lot.open ? mark : lot.exitMark,
    size,
    stopPrice: lot.stopPrice,
    takeProfitPrice: lot.takeProfitPrice,
    status: lot.open ? 'open' : 'closed',
    exitTime: lot.exitTime,
    pnl: lotPnl(lot, mark),
  };
}
