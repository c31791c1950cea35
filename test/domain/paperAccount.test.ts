import { describe, expect, it } from 'vitest';
import { liveScore } from '../../src/domain/liveScore.js';
import { PaperAccount } from '../../src/domain/paperAccount.js';
import type { Candle, Signal } from '../../src/domain/types.js';
import { lehmer, randomWalk } from '../helpers/randomWalk.js';

const MINUTE = 60_000;
const candle = (i: number, close: number): Candle => ({
  symbol: 'BTC/USD',
  ts: i * MINUTE,
  interval: MINUTE,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1,
});

/** Feeds closes with signals, one candle a minute from ts 0, and returns the account and the trades closed. */
function run(feeRate: number, steps: ReadonlyArray<readonly [number, Signal | null]>, window = 10) {
  const account = new PaperAccount(feeRate, window);
  const trades = steps.map(([close, signal], i) => account.onCandle(candle(i, close), signal)).filter((t) => t !== null);
  return { account, trades };
}

describe('PaperAccount', () => {
  // Closes 100 (hold), 100 (enter), 110 (hold), 99 (exit); fee 10 bps per fill.
  // Equity: 1 → 0.999 (entry fee) → 0.999·1.1 = 1.0989 → 1.0989·0.9 = 0.98901 → ·0.999 = 0.98802099.
  // Trade return = (1 − 0.001)² · 99/100 − 1 = 0.998001 · 0.99 − 1 = −0.01197901.
  const threeCandleTrade = [
    [100, 'hold'],
    [100, 'enter'],
    [110, 'hold'],
    [99, 'exit'],
  ] as const;

  it('closes a 3-candle paper trade net of a fee on each fill', () => {
    const { account, trades } = run(0.001, threeCandleTrade);
    expect(trades).toHaveLength(1);
    const trade = trades[0];
    expect(trade?.entryTime).toBe(1 * MINUTE);
    expect(trade?.exitTime).toBe(3 * MINUTE);
    expect(trade?.entryPrice).toBe(100);
    expect(trade?.exitPrice).toBe(99);
    expect(trade?.return).toBeCloseTo(-0.01197901, 12);
    expect(account.equity).toBeCloseTo(0.98802099, 12);
    expect(account.realizedReturn).toBeCloseTo(-0.01197901, 12);
    expect(account.side).toBe('flat');
    expect(account.entryPrice).toBeNull();
    expect(account.unrealizedReturn).toBe(0);
  });

  it('counts a losing trade in trades and losses, not wins', () => {
    const { account } = run(0.001, threeCandleTrade);
    expect([account.trades, account.wins, account.losses]).toEqual([1, 0, 1]);
    expect(account.grossWin).toBe(0);
    expect(account.grossLoss).toBeCloseTo(0.01197901, 12);
    expect(account.sumAbsTradeReturn).toBeCloseTo(0.01197901, 12);
  });

  it('pushes one equity return per candle after the first, fees included in the fill candle', () => {
    const { account } = run(0.001, threeCandleTrade);
    // Candle 1: flat over the candle, entry fee at its close → −0.001.
    // Candle 2: long, 110/100 − 1 = 0.1.
    // Candle 3: long, (99/110)·0.999 − 1 = 0.9·0.999 − 1 = −0.1009.
    expect(account.returns.length).toBe(3);
    expect(account.returns.tsAt(0)).toBe(1 * MINUTE);
    const values = account.returns.toArray();
    expect(values[0]).toBeCloseTo(-0.001, 12);
    expect(values[1]).toBeCloseTo(0.1, 12);
    expect(values[2]).toBeCloseTo(-0.1009, 12);
  });

  it('tracks the peak and the max drawdown of the marked equity', () => {
    const { account } = run(0.001, threeCandleTrade);
    // Peak 1.0989 at candle 2; trough 0.98802099 at candle 3: 1 − 0.98802099/1.0989 = 0.1009.
    expect(account.peakEquity).toBeCloseTo(1.0989, 12);
    expect(account.maxDrawdown).toBeCloseTo(0.1009, 12);
  });

  it('pushes the entry fee of a fill on the first candle, though it has no previous close to mark from', () => {
    const { account } = run(0.001, [
      [100, 'enter'],
      [100, 'hold'],
    ]);
    expect(account.returns.toArray()).toEqual([0.999 - 1, 0]);
    expect(account.returns.tsAt(0)).toBe(0);
  });

  // Found by a bug hunt: bought at 1e-6 and sold at 1e6 again and again (prices within the bounds),
  // the equity passed a double's range and the candle's return came out Infinity, stopping the engine.
  it('rebases an equity past 1e100 and still reports it, its returns and drawdown exactly', () => {
    const steps: [number, Signal][] = [];
    for (let i = 0; i < 12; i++) steps.push([1e-6, 'enter'], [1e6, 'exit']);
    const { account, trades } = run(0, steps, 30);
    // Each round trip multiplies the equity by 1e12: after 12 of them it is 1e144 (rebased on the way).
    expect(trades).toHaveLength(12);
    for (const t of trades) expect(t.return).toBeCloseTo(1e12 - 1, -1);
    expect(account.equity / 1e144).toBeCloseTo(1, 10);
    expect(account.realizedReturn / 1e144).toBeCloseTo(1, 10);
    expect(account.maxDrawdown).toBe(0);
    expect(account.returns.toArray().every((r) => Number.isFinite(r))).toBe(true);
    expect(account.returns.toArray().filter((r) => r > 0)).toHaveLength(12);
    // 30 round trips: 1e360 is past a double (it threw before); the returns stay finite, 1e12 − 1 a trip.
    const far = run(0, [...steps, ...steps, ...steps.slice(0, 12)], 30);
    expect(far.trades).toHaveLength(30);
    expect(
      far.account.returns
        .toArray()
        .filter((r) => r > 0)
        .map((r) => Math.round(r / 1e12)),
    ).toEqual(new Array(15).fill(1));
    expect(far.account.equity).toBe(Number.POSITIVE_INFINITY);
  });

  it('pushes 0 for a candle spent flat and nothing for the first candle', () => {
    const { account } = run(0.001, [
      [100, null],
      [120, 'hold'],
    ]);
    expect(account.returns.toArray()).toEqual([0]);
    expect(account.candles).toBe(2);
    expect(account.equity).toBe(1);
  });

  it('marks an open trade: unrealized return after the entry fee, equity = (1 + realized)(1 + unrealized)', () => {
    // Trade 1: enter 100, exit 110, no fee: +10%. Trade 2: enter 110, mark 121 → (1 − 0)·121/110 − 1 = 0.1.
    const { account } = run(0, [
      [100, 'enter'],
      [110, 'exit'],
      [110, 'enter'],
      [121, 'hold'],
    ]);
    expect(account.realizedReturn).toBeCloseTo(0.1, 12);
    expect(account.unrealizedReturn).toBeCloseTo(0.1, 12);
    expect(account.equity).toBeCloseTo(1.21, 12);
    expect(account.side).toBe('long');
    expect(account.entryPrice).toBe(110);
    expect([account.trades, account.wins, account.losses]).toEqual([1, 1, 0]);
    expect(account.grossWin).toBeCloseTo(0.1, 12);
  });

  it('ignores an entry while long and an exit while flat', () => {
    const { account, trades } = run(0.001, [
      [100, 'exit'],
      [100, 'enter'],
      [100, 'enter'],
    ]);
    expect(trades).toHaveLength(0);
    expect(account.side).toBe('long');
    // Only one entry fee was paid: 1 · 0.999.
    expect(account.equity).toBeCloseTo(0.999, 12);
  });

  it('keeps the mean log return of the window in step with the samples as old ones fall out', () => {
    // Window of 2: after closes 100, 110, 99, 99 long (no fee) the window holds 99/110 − 1 and 0.
    const { account } = run(
      0,
      [
        [100, 'enter'],
        [110, 'hold'],
        [99, 'hold'],
        [99, 'hold'],
      ],
      2,
    );
    expect(account.returns.toArray()).toEqual([99 / 110 - 1, 0]);
    // (ln(0.9) + ln(1)) / 2 = −0.105360516 / 2.
    expect(account.meanLogReturn()).toBeCloseTo(Math.log(0.9) / 2, 12);
  });

  it('matches the mean log return recomputed from the window after it turned over many times', () => {
    // Closes wander over 50 candles through a window of 4; the running sum must equal a fresh sum.
    const closes = Array.from({ length: 50 }, (_, i) => 100 + 10 * Math.sin(i));
    const { account } = run(
      0.001,
      closes.map((c, i) => [c, i % 7 === 0 ? 'enter' : i % 7 === 3 ? 'exit' : 'hold'] as const),
      4,
    );
    const exact = account.returns.toArray().reduce((acc, r) => acc + Math.log1p(r), 0) / 4;
    expect(account.meanLogReturn()).toBeCloseTo(exact, 14);
  });

  it('keeps its scoreVersion only while a zero replaces a zero, and moves it on everything the live score reads', () => {
    // Window of 3, no fee. Candle 0 pushes nothing (version 0); 1–3 fill the window with zeros,
    // each push growing it (1, 2, 3); 4 turns a zero over for a zero in an all-zero window (3);
    // 5 enters at an unchanged close with no fee, so again a zero for a zero (3).
    const account = new PaperAccount(0, 3);
    const versions: number[] = [];
    const steps: Array<readonly [number, Signal]> = [
      [100, 'hold'],
      [100, 'hold'],
      [100, 'hold'],
      [100, 'hold'],
      [100, 'hold'],
      [100, 'enter'],
      [110, 'hold'],
      [121, 'exit'],
      [121, 'hold'],
      [121, 'hold'],
      [121, 'hold'],
      [121, 'hold'],
    ];
    steps.forEach(([close, signal], i) => {
      account.onCandle(candle(i, close), signal);
      versions.push(account.scoreVersion);
    });
    // 6: +10% (4); 7: +10% and the trade closes (5); window [0, 0.1, 0.1]. 8: a zero for a zero,
    // and the variance from the running sums stands (0.0033), so the score cannot move (5).
    // 9 and 10 push zeros that evict the +10% samples (6, 7); 11: a zero for a zero again (7).
    expect(versions).toEqual([0, 1, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7]);
  });

  it('gives the same live score, to the bit, whenever its scoreVersion did not move (seeded random walk)', () => {
    const rand = lehmer(97);
    const closes = randomWalk(3000, 100, 11, 0.01);
    const account = new PaperAccount(0.001, 24);
    let previous: { version: number; score: number | null } | null = null;
    let kept = 0;
    let moved = 0;
    closes.forEach((close, i) => {
      // Long stretches flat, so whole windows of zeros turn over, and short trades.
      const u = rand();
      const signal: Signal = account.side === 'flat' ? (u < 0.01 ? 'enter' : 'hold') : u < 0.2 ? 'exit' : 'hold';
      account.onCandle(candle(i, close), signal);
      const score = liveScore(account, 525_600);
      if (previous !== null && previous.version === account.scoreVersion) {
        kept++;
        expect(Object.is(score, previous.score)).toBe(true);
      } else moved++;
      previous = { version: account.scoreVersion, score };
    });
    // Both branches ran many times (measured: 2,611 kept, 389 moved).
    expect(kept).toBeGreaterThan(2000);
    expect(moved).toBeGreaterThan(300);
  });

  it('refuses a candle that is not after the previous one', () => {
    const account = new PaperAccount(0.001, 10);
    account.onCandle(candle(5, 100), null);
    expect(() => account.onCandle(candle(5, 100), null)).toThrow(RangeError);
  });

  it('refuses a non-positive close and a fee rate outside [0, 1)', () => {
    const account = new PaperAccount(0.001, 10);
    expect(() => account.onCandle(candle(0, 0), null)).toThrow(/close must be positive/);
    expect(() => new PaperAccount(1, 10)).toThrow(/feeRate/);
    expect(() => new PaperAccount(Number.NaN, 10)).toThrow(/feeRate/);
  });
});
