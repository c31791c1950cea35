import { describe, expect, it } from 'vitest';
import { paperFill } from '../../src/domain/paperFill.js';

describe('paperFill', () => {
  it.each([
    // buy: 100 × (1 + 5/10,000) = 100.05; notional = 2 × 100.05 = 200.1; fee = 200.1 × 10/10,000 = 0.2001
    { side: 'buy' as const, price: 100.05, notional: 200.1, fee: 0.2001 },
    // sell: 100 × (1 − 5/10,000) = 99.95; notional = 2 × 99.95 = 199.9; fee = 199.9 × 10/10,000 = 0.1999
    { side: 'sell' as const, price: 99.95, notional: 199.9, fee: 0.1999 },
  ])('fills a $side of 2 units at mark 100 with 5 bps slippage against it and a 10 bps fee', ({ side, price, notional, fee }) => {
    const fill = paperFill(side, 2, 100, 10, 5);
    expect(fill.price).toBeCloseTo(price, 12);
    expect(fill.notional).toBeCloseTo(notional, 12);
    expect(fill.fee).toBeCloseTo(fee, 12);
    expect(fill.mark).toBe(100);
  });

  it('fills at the mark with no fee when both costs are zero', () => {
    expect(paperFill('buy', 3, 50, 0, 0)).toEqual({ side: 'buy', quantity: 3, mark: 50, price: 50, notional: 150, fee: 0 });
  });

  it('throws on a quantity or mark that is not positive', () => {
    expect(() => paperFill('buy', 0, 100, 10, 5)).toThrow(/quantity/);
    expect(() => paperFill('sell', 1, Number.NaN, 10, 5)).toThrow(/mark/);
  });
});
