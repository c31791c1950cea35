/**
 * The arithmetic of one paper fill against a mark: slippage moves the price against the trader and
 * a fee is charged on the filled notional. Kept apart from the book so the cost model reads in one
 * place and can be tested on its own.
 */

/** Buys add to a long position, sells reduce or close it. */
export type FillSide = 'buy' | 'sell';

/** One executed paper fill. Prices in quote currency per base unit, money in quote currency. */
export interface PaperFill {
  readonly side: FillSide;
  /** Base units traded, > 0. */
  readonly quantity: number;
  /** The mark the fill was taken against. */
  readonly mark: number;
  /** mark × (1 + slippage) for a buy, mark × (1 − slippage) for a sell. */
  readonly price: number;
  /** quantity × price. */
  readonly notional: number;
  /** notional × feeBps / 10 000, always paid from cash. */
  readonly fee: number;
}

/**
 * Fills `quantity` base units at `mark` with `slippageBps` against the trader and a fee of `feeBps`
 * of the filled notional (both in basis points). Returns the fill; throws on a non-positive or
 * non-finite quantity or mark, which only a bug can produce.
 */
export function paperFill(side: FillSide, quantity: number, mark: number, feeBps: number, slippageBps: number): PaperFill {
  if (!(Number.isFinite(quantity) && quantity > 0)) throw new RangeError(`paperFill: quantity must be positive (was ${quantity})`);
  if (!(Number.isFinite(mark) && mark > 0)) throw new RangeError(`paperFill: mark must be positive (was ${mark})`);
  const slip = slippageBps / 10_000;
  const price = side === 'buy' ? mark * (1 + slip) : mark * (1 - slip);
  const notional = quantity * price;
  const fee = (notional * feeBps) / 10_000;
  return { side, quantity, mark, price, notional, fee };
}
