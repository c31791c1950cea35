import { describe, expect, it } from 'vitest';
import type { PositionConfig } from '../../config/engine.js';
import { PortfolioBook } from '../../src/domain/portfolioBook.js';

const HOUR = 3_600_000;

/** The defaults of config/engine.ts: 10% rebalance band, 5% stop, 15% take-profit, 1 h cooldown, 10 bps fee, 5 bps slippage. */
const defaults: PositionConfig = { minRebalance: 0.1, stopLoss: 0.05, takeProfit: 0.15, cooldown: HOUR, feeBps: 10, slippageBps: 5 };
/** No costs, so the arithmetic of sizing and averaging reads plainly. */
const frictionless: PositionConfig = { ...defaults, feeBps: 0, slippageBps: 0 };

const BTC = 'BTC/USD';
const ETH = 'ETH/USD';

/** capital 100,000; BTC marked at 100 and opened at target 0.2 under the default costs. */
function openedAt100(cfg: PositionConfig = defaults): PortfolioBook {
  const book = new PortfolioBook(100_000, cfg);
  book.mark(BTC, 100, 1_000);
  book.rebalance(BTC, 0.2, 'ens-a', 'none', 'ensemble exposure 1', 1_000, 1);
  return book;
}

describe('PortfolioBook', () => {
  it('opens at a target measured at the mark, paying slippage and the fee out of cash', () => {
    const book = new PortfolioBook(100_000, defaults);
    book.mark(BTC, 100, 1_000);
    const opened = book.rebalance(BTC, 0.2, 'ens-a', 'positionRisk', 'ensemble exposure 1', 1_000, 7);
    // quantity = 0.2 × 100,000 / 100 (the mark, not the fill) = 200
    // fill = 100 × (1 + 5/10,000) = 100.05; notional = 200 × 100.05 = 20,010; fee = 20,010 × 10/10,000 = 20.01
    // cash = 100,000 − 20,010 − 20.01 = 79,969.99; equity = 79,969.99 + 200 × 100 = 99,969.99
    expect(opened?.decision).toBe('position.opened');
    expect(opened?.seq).toBe(7);
    expect(opened?.details.quantity).toBeCloseTo(200, 9);
    expect(opened?.details.fillPrice).toBeCloseTo(100.05, 9);
    expect(opened?.details.fee).toBeCloseTo(20.01, 9);
    expect(opened?.details.binding).toBe('positionRisk');
    expect(opened?.details.previousSize).toBe(0);
    expect(opened?.reason).toBe(
      'opened BTC/USD#1 for ens-a at target 20.00% of equity (limit positionRisk): bought 200 at 100.05 (mark 100), fee 20.01, realized pnl -20.01; ensemble exposure 1',
    );
    expect(book.cash()).toBeCloseTo(79_969.99, 9);
    expect(book.equity()).toBeCloseTo(99_969.99, 9);
    const position = book.position(BTC);
    // entry = 100.05; stop = 100.05 × 0.95 = 95.0475; take-profit = 100.05 × 1.15 = 115.0575
    // pnl = −fee + 200 × (100 − 100.05) = −20.01 − 10 = −30.01 (= equity − capital)
    // size = 200 × 100 / 99,969.99 = 0.2000600…
    expect(position).toMatchObject({ positionId: 'BTC/USD#1', ensembleId: 'ens-a', status: 'open', entryTime: 1_000, exitTime: null });
    expect(position?.entryPrice).toBeCloseTo(100.05, 9);
    expect(position?.stopPrice).toBeCloseTo(95.0475, 9);
    expect(position?.takeProfitPrice).toBeCloseTo(115.0575, 9);
    expect(position?.pnl).toBeCloseTo(-30.01, 9);
    expect(position?.size).toBeCloseTo(20_000 / 99_969.99, 12);
    expect(book.heldSymbols()).toEqual([BTC]);
  });

  it('moves equity and pnl with every mark of a held symbol, and not with marks of other symbols', () => {
    const book = openedAt100();
    book.mark(BTC, 110, 2_000);
    // equity = 79,969.99 + 200 × 110 = 101,969.99; pnl = −20.01 + 200 × (110 − 100.05) = 1,969.99
    expect(book.equity()).toBeCloseTo(101_969.99, 9);
    expect(book.position(BTC)?.pnl).toBeCloseTo(1_969.99, 9);
    expect(book.position(BTC)?.time).toBe(2_000);
    book.mark(ETH, 2_000, 2_001);
    expect(book.equity()).toBeCloseTo(101_969.99, 9);
    book.mark(BTC, 90, 3_000);
    // equity = 79,969.99 + 200 × 90 = 97,969.99
    expect(book.equity()).toBeCloseTo(97_969.99, 9);
  });

  it('keeps equity equal to cash plus quantity × mark over many ticks of several symbols', () => {
    const book = new PortfolioBook(100_000, defaults);
    book.mark(BTC, 50_000, 0);
    book.mark(ETH, 2_000, 0);
    book.rebalance(BTC, 0.3, 'ens-b', 'none', '', 0, 1);
    book.rebalance(ETH, 0.2, 'ens-e', 'none', '', 0, 2);
    for (let i = 1; i <= 5_000; i++) {
      // A deterministic zig-zag that never touches the stops (±4%) nor the take-profits.
      book.mark(BTC, 50_000 * (1 + 0.04 * Math.sin(i / 7)), i);
      book.mark(ETH, 2_000 * (1 + 0.04 * Math.cos(i / 5)), i);
      expect(book.checkRiskExit(BTC, i, i)).toBeNull();
    }
    const btc = book.position(BTC);
    const eth = book.position(ETH);
    const recomputed = book.cash() + (btc?.quantity ?? 0) * (btc?.markPrice ?? 0) + (eth?.quantity ?? 0) * (eth?.markPrice ?? 0);
    expect(book.equity()).toBeCloseTo(recomputed, 6);
  });

  it('does not resize while the target stays within 10% of the position, and resizes beyond it', () => {
    const book = openedAt100(frictionless);
    // No costs: 200 units at 100, cash 80,000, equity 100,000, current size 0.2; band = 0.1 × 0.2 = 0.02
    expect(book.rebalance(BTC, 0.219, 'ens-a', 'none', '', 2_000, 2)).toBeNull(); // |0.219 − 0.2| = 0.019 ≤ 0.02
    expect(book.rebalance(BTC, 0.181, 'ens-a', 'none', '', 2_000, 3)).toBeNull(); // |0.181 − 0.2| = 0.019 ≤ 0.02
    const up = book.rebalance(BTC, 0.221, 'ens-a', 'none', 'more confident', 2_000, 4); // 0.021 > 0.02
    // target quantity = 0.221 × 100,000 / 100 = 221 → buy 21; cash = 80,000 − 21 × 100 = 77,900
    expect(up?.decision).toBe('position.resized');
    expect(up?.details.side).toBe('buy');
    expect(up?.details.quantity).toBeCloseTo(21, 9);
    expect(up?.details.previousSize).toBeCloseTo(0.2, 12);
    expect(book.cash()).toBeCloseTo(77_900, 9);
    // now 0.221, band 0.0221: 0.198 is 0.023 away → sell down to 0.198 × 100,000 / 100 = 198, i.e. 23 units
    const down = book.rebalance(BTC, 0.198, 'ens-a', 'none', '', 3_000, 5);
    expect(down?.details.side).toBe('sell');
    expect(down?.details.quantity).toBeCloseTo(23, 9);
    expect(book.position(BTC)?.quantity).toBeCloseTo(198, 9);
    expect(book.position(BTC)?.positionId).toBe('BTC/USD#1');
  });

  it('writes a reason given as a function only for a trade, and ends the reason with it', () => {
    const book = openedAt100(frictionless);
    let written = 0;
    const why = (): string => {
      written++;
      return 'exposure 1.0000 × size 0.2210';
    };
    expect(book.rebalance(BTC, 0.219, 'ens-a', 'none', why, 2_000, 2)).toBeNull();
    expect(written).toBe(0);
    const up = book.rebalance(BTC, 0.221, 'ens-a', 'none', why, 2_000, 3);
    expect(written).toBe(1);
    expect(up?.reason.endsWith('; exposure 1.0000 × size 0.2210')).toBe(true);
    // The same reason as when given as text.
    const twin = openedAt100(frictionless);
    expect(twin.rebalance(BTC, 0.221, 'ens-a', 'none', 'exposure 1.0000 × size 0.2210', 2_000, 3)?.reason).toBe(up?.reason);
  });

  it('re-averages the entry and moves the stop on a resize up, keeps them and realizes pnl on a resize down', () => {
    const cfg: PositionConfig = { ...frictionless, takeProfit: 1 };
    const book = new PortfolioBook(100_000, cfg);
    book.mark(BTC, 100, 0);
    book.rebalance(BTC, 0.5, 'ens-a', 'none', '', 0, 1); // 500 units at 100, cash 50,000
    book.mark(BTC, 150, 1);
    // equity = 50,000 + 500 × 150 = 125,000; current = 75,000 / 125,000 = 0.6
    // target 0.96 → 0.96 × 125,000 / 150 = 800 units: buy 300 at 150, cash = 50,000 − 45,000 = 5,000
    // entry = (500 × 100 + 300 × 150) / 800 = 95,000 / 800 = 118.75; stop = 118.75 × 0.95 = 112.8125
    const up = book.rebalance(BTC, 0.96, 'ens-a', 'none', '', 1, 2);
    expect(up?.details.realizedPnl).toBe(0);
    expect(book.position(BTC)?.entryPrice).toBeCloseTo(118.75, 9);
    expect(book.position(BTC)?.stopPrice).toBeCloseTo(112.8125, 9);
    expect(book.position(BTC)?.takeProfitPrice).toBeCloseTo(237.5, 9); // 118.75 × 2
    book.mark(BTC, 200, 2);
    // equity = 5,000 + 800 × 200 = 165,000; target 0.4 → 0.4 × 165,000 / 200 = 330 units: sell 470 at 200
    // realized = 470 × (200 − 118.75) = 38,187.5; cash = 5,000 + 94,000 = 99,000
    const down = book.rebalance(BTC, 0.4, 'ens-a', 'none', '', 2, 3);
    expect(down?.details.quantity).toBeCloseTo(470, 9);
    expect(down?.details.realizedPnl).toBeCloseTo(38_187.5, 9);
    expect(down?.reason).toContain('realized pnl 38187.50');
    expect(book.cash()).toBeCloseTo(99_000, 9);
    expect(book.position(BTC)?.entryPrice).toBeCloseTo(118.75, 9);
    expect(book.position(BTC)?.stopPrice).toBeCloseTo(112.8125, 9);
    // pnl = 38,187.5 + 330 × (200 − 118.75) = 38,187.5 + 26,812.5 = 65,000 = 165,000 − 100,000
    expect(book.position(BTC)?.pnl).toBeCloseTo(65_000, 9);
    expect(book.equity()).toBeCloseTo(165_000, 9);
  });

  it('closes at the mark on a 5% stop-loss and refuses a new entry until the cooldown has passed', () => {
    const book = openedAt100();
    book.mark(BTC, 95.05, 1_500);
    expect(book.checkRiskExit(BTC, 1_500, 2)).toBeNull(); // 95.05 > stop 95.0475
    book.mark(BTC, 95.04, 2_000);
    const exit = book.checkRiskExit(BTC, 2_000, 3);
    // fill = 95.04 × (1 − 0.0005) = 94.99248; notional = 200 × 94.99248 = 18,998.496; fee = 18.998496
    // cash = 79,969.99 + 18,998.496 − 18.998496 = 98,949.487504
    // pnl = −20.01 + 200 × (94.99248 − 100.05) − 18.998496 = −20.01 − 1,011.504 − 18.998496 = −1,050.512496
    expect(exit?.decision).toBe('position.closed');
    expect(exit?.reason.startsWith('stop-loss: mark 95.04 <= stop 95.0475 (entry 100.05); sold 200 at 94.99248')).toBe(true);
    expect(exit?.details.exit).toBe('stop-loss');
    expect(exit?.details.cooldownUntil).toBe(2_000 + HOUR);
    expect(book.cash()).toBeCloseTo(98_949.487504, 9);
    expect(book.equity()).toBeCloseTo(98_949.487504, 9);
    expect(book.position(BTC)).toMatchObject({ status: 'closed', quantity: 0, size: 0, exitTime: 2_000, markPrice: 95.04 });
    expect(book.position(BTC)?.pnl).toBeCloseTo(-1_050.512496, 9);
    expect(book.heldSymbols()).toEqual([]);

    book.mark(BTC, 96, 2_000 + HOUR - 1);
    expect(book.inCooldown(BTC, 2_000 + HOUR - 1)).toBe(true);
    expect(book.rebalance(BTC, 0.2, 'ens-a', 'none', '', 2_000 + HOUR - 1, 4)).toBeNull();
    expect(book.inCooldown(BTC, 2_000 + HOUR)).toBe(false);
    const again = book.rebalance(BTC, 0.2, 'ens-a', 'none', '', 2_000 + HOUR, 5);
    expect(again?.decision).toBe('position.opened');
    expect(again?.details.positionId).toBe('BTC/USD#2');
  });

  it('takes profit at 15% above the entry and starts the cooldown', () => {
    const book = openedAt100();
    book.mark(BTC, 115.05, 2_000);
    expect(book.checkRiskExit(BTC, 2_000, 2)).toBeNull(); // 115.05 < take-profit 115.0575
    book.mark(BTC, 115.06, 3_000);
    const exit = book.checkRiskExit(BTC, 3_000, 3);
    // fill = 115.06 × 0.9995 = 115.00247; notional = 23,000.494; fee = 23.000494
    // pnl = −20.01 + 200 × (115.00247 − 100.05) − 23.000494 = −20.01 + 2,990.494 − 23.000494 = 2,947.483506
    expect(exit?.reason.startsWith('take-profit: mark 115.06 >= take-profit 115.0575 (entry 100.05)')).toBe(true);
    expect(exit?.details.exit).toBe('take-profit');
    expect(book.position(BTC)?.pnl).toBeCloseTo(2_947.483506, 9);
    expect(book.cash()).toBeCloseTo(102_947.483506, 9); // 100,000 + 2,947.483506
    expect(book.inCooldown(BTC, 3_000 + HOUR - 1)).toBe(true);
  });

  it('closes at target zero with a round-trip pnl that matches the hand computation, and freezes it', () => {
    const book = openedAt100();
    book.mark(BTC, 110, 5_000);
    const closed = book.rebalance(BTC, 0, 'ens-a', 'none', 'ensemble exposure 0', 5_000, 9);
    // sell fill = 110 × 0.9995 = 109.945; notional = 200 × 109.945 = 21,989; fee = 21.989
    // realized by the sale = 200 × (109.945 − 100.05) − 21.989 = 1,979 − 21.989 = 1,957.011
    // round trip = −20.01 (entry fee) + 1,957.011 = 1,937.001; cash = 79,969.99 + 21,989 − 21.989 = 101,937.001
    expect(closed?.decision).toBe('position.closed');
    expect(closed?.details.exit).toBe('target');
    expect(closed?.details.realizedPnl).toBeCloseTo(1_957.011, 9);
    expect(closed?.details.pnl).toBeCloseTo(1_937.001, 9);
    expect(closed?.details.cooldownUntil).toBeNull();
    expect(book.cash()).toBeCloseTo(101_937.001, 9);
    expect(book.equity()).toBeCloseTo(101_937.001, 9);
    book.mark(BTC, 50, 6_000);
    expect(book.position(BTC)).toMatchObject({ status: 'closed', exitTime: 5_000, time: 5_000, markPrice: 110 });
    expect(book.position(BTC)?.pnl).toBeCloseTo(1_937.001, 9);
    expect(book.rebalance(BTC, 0, 'ens-a', 'none', '', 6_000, 10)).toBeNull();
    expect(book.inCooldown(BTC, 6_000)).toBe(false);
  });

  it('numbers positions per symbol: BTC/USD#1, BTC/USD#2 and an independent ETH/USD#1', () => {
    const book = new PortfolioBook(100_000, frictionless);
    book.mark(BTC, 100, 0);
    book.mark(ETH, 10, 0);
    const ids = [
      book.rebalance(BTC, 0.1, 'ens-a', 'none', '', 0, 1),
      book.rebalance(BTC, 0, 'ens-a', 'none', '', 1, 2),
      book.rebalance(ETH, 0.1, 'ens-e', 'none', '', 2, 3),
      book.rebalance(BTC, 0.1, 'ens-b', 'none', '', 3, 4),
    ].map((d) => d?.details.positionId);
    expect(ids).toEqual(['BTC/USD#1', 'BTC/USD#1', 'ETH/USD#1', 'BTC/USD#2']);
    expect(book.position(BTC)?.ensembleId).toBe('ens-b');
  });

  it('flattens every open position at its mark in symbol order', () => {
    const book = new PortfolioBook(100_000, frictionless);
    book.mark(ETH, 2_000, 0);
    book.rebalance(ETH, 0.1, 'ens-e', 'none', '', 0, 1); // 0.1 × 100,000 / 2,000 = 5 ETH
    book.mark(BTC, 50_000, 0);
    book.rebalance(BTC, 0.2, 'ens-b', 'none', '', 0, 2); // 0.2 × 100,000 / 50,000 = 0.4 BTC; cash 70,000
    book.mark(BTC, 45_000, 1);
    book.mark(ETH, 2_200, 1);
    // equity = 70,000 + 0.4 × 45,000 + 5 × 2,200 = 70,000 + 18,000 + 11,000 = 99,000
    expect(book.equity()).toBeCloseTo(99_000, 9);
    const decisions = book.flattenAll(2, 3, 'drawdown 10.0% reached the halt limit');
    expect(decisions.map((d) => [d.symbol, d.decision, d.details.binding, d.details.exit])).toEqual([
      [BTC, 'position.closed', 'halted', 'flatten'],
      [ETH, 'position.closed', 'halted', 'flatten'],
    ]);
    expect(decisions[0]?.reason.startsWith('drawdown 10.0% reached the halt limit: closed BTC/USD#1')).toBe(true);
    // BTC pnl = 0.4 × (45,000 − 50,000) = −2,000; ETH pnl = 5 × (2,200 − 2,000) = 1,000
    expect(book.position(BTC)?.pnl).toBeCloseTo(-2_000, 9);
    expect(book.position(ETH)?.pnl).toBeCloseTo(1_000, 9);
    expect(book.cash()).toBeCloseTo(99_000, 9);
    expect(book.heldSymbols()).toEqual([]);
    expect(book.inCooldown(BTC, 2)).toBe(false);
    expect(book.flattenAll(3, 4, 'again')).toEqual([]);
  });

  it('reports the portfolio with the breaker status it is given', () => {
    const book = openedAt100();
    const breaker = { state: 'REDUCING' as const, highWaterMark: 105_000, drawdown: 0.06, sizeScale: 0.8, haltedAt: null };
    expect(book.portfolio(1_000, breaker)).toEqual({
      kind: 'portfolio',
      time: 1_000,
      cash: book.cash(),
      equity: book.equity(),
      highWaterMark: 105_000,
      drawdown: 0.06,
      state: 'REDUCING',
      sizeScale: 0.8,
      haltedAt: null,
    });
  });

  it('answers quietly when there is nothing to do: no position, no risk exit, no target', () => {
    const book = new PortfolioBook(100_000, defaults);
    expect(book.position(BTC)).toBeNull();
    expect(book.checkRiskExit(BTC, 0, 0)).toBeNull();
    book.mark(BTC, 100, 0);
    expect(book.markPrice(BTC)).toBe(100);
    expect(book.rebalance(BTC, 0, 'ens-a', 'none', '', 0, 1)).toBeNull();
    expect(book.position(BTC)).toBeNull();
  });

  it('throws on a NaN, zero or negative price, a NaN or negative target and a symbol never marked', () => {
    const book = new PortfolioBook(100_000, defaults);
    expect(() => book.mark(BTC, Number.NaN, 0)).toThrow(/mark price of BTC\/USD/);
    expect(() => book.mark(BTC, -1, 0)).toThrow(RangeError);
    expect(() => book.mark(BTC, 0, 0)).toThrow(RangeError);
    expect(() => book.rebalance(BTC, 0.1, 'ens-a', 'none', '', 0, 1)).toThrow(/no mark yet/);
    book.mark(BTC, 100, 0);
    expect(() => book.rebalance(BTC, -0.1, 'ens-a', 'none', '', 0, 1)).toThrow(/must be >= 0/);
    expect(() => book.rebalance(BTC, Number.NaN, 'ens-a', 'none', '', 0, 1)).toThrow(RangeError);
    expect(() => new PortfolioBook(0, defaults)).toThrow(/capital/);
  });
});
