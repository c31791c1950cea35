import { describe, expect, it } from 'vitest';
import { liveAnnualizedReturn, liveProfitFactor, liveScore, liveSharpe, liveWinRate, normalizeScoreTerm } from '../../src/domain/liveScore.js';
import { PaperAccount } from '../../src/domain/paperAccount.js';
import type { Signal } from '../../src/domain/types.js';

const MINUTE = 60_000;

/** An account fed these closes and signals, one candle a minute. */
function account(feeRate: number, steps: ReadonlyArray<readonly [number, Signal | null]>): PaperAccount {
  const paper = new PaperAccount(feeRate, 100);
  steps.forEach(([close, signal], i) => {
    paper.onCandle({ symbol: 'BTC/USD', ts: i * MINUTE, interval: MINUTE, open: close, high: close, low: close, close, volume: 1 }, signal);
  });
  return paper;
}

// periodsPerYear = 12 keeps the annualization by hand: √12 and a fourth power for 3 samples.
const PPY = 12;

describe('normalizeScoreTerm', () => {
  it.each([
    [-5, 0],
    [-1, 0],
    [0, 1 / 3],
    [0.5, 0.5],
    [2, 1],
    [7, 1],
    [Number.POSITIVE_INFINITY, 1],
  ])('maps %s to %s: clamp((x + 1) / 3, 0, 1)', (x, expected) => {
    expect(normalizeScoreTerm(x)).toBeCloseTo(expected, 15);
  });
});

describe('liveScore', () => {
  it('is null before the first return sample', () => {
    expect(liveScore(account(0.001, [[100, 'hold']]), PPY)).toBeNull();
  });

  // Found by a bug hunt: an entry on a strategy's first candle (a level rule on a symbol whose
  // indicators are already warm) left its fee out of the returns, and a losing strategy scored a
  // positive Sharpe and annualized return until that candle would have left the window.
  it('counts the fee of an entry on the first candle: returns −0.001, 0.1, 0.0989', () => {
    const paper = account(0.001, [
      [100, 'enter'],
      [110, 'hold'],
      [121, 'exit'],
    ]);
    // Fee at the first close: 0.999 − 1; held 100 → 110: 0.1; held 110 → 121 and the exit fee: 1.1 · 0.999 − 1 = 0.0989.
    const r = [-0.001, 0.1, 0.0989];
    expect(paper.returns.toArray().map((x) => Number(x.toFixed(12)))).toEqual(r);
    const mean = (r[0]! + r[1]! + r[2]!) / 3;
    const std = Math.sqrt(((r[0]! - mean) ** 2 + (r[1]! - mean) ** 2 + (r[2]! - mean) ** 2) / 2);
    expect(liveSharpe(paper, PPY)).toBeCloseTo((mean / std) * Math.sqrt(12), 10);
    expect(liveAnnualizedReturn(paper, PPY)).toBeCloseTo(Math.expm1((12 * (Math.log(0.999) + Math.log(1.1) + Math.log(1.0989))) / 3), 10);
    // Equity 0.999 · 1.1 · 1.0989 = Π(1 + r): nothing the account lost is missing from its returns.
    expect(paper.returns.toArray().reduce((p, x) => p * (1 + x), 1)).toBeCloseTo(paper.equity, 14);
  });

  it('scores one winning trade with returns 0.1, 0.1, −0.1 at 0.790427', () => {
    // No fee. Enter at 100, hold to 110 and 121, exit at 108.9: returns [0.1, 0.1, −0.1].
    const paper = account(0, [
      [100, 'enter'],
      [110, 'hold'],
      [121, 'hold'],
      [108.9, 'exit'],
    ]);
    // mean = 0.1/3; sample var = (2·(0.2/3)² + (0.4/3)²)/2 = (0.24/9)/2 = 0.04/3; std = 0.2/√3.
    // Sharpe = (0.1/3)/(0.2/√3)·√12 = (√3/6)·2√3 = 1 → N = 2/3.
    expect(liveSharpe(paper, PPY)).toBeCloseTo(1, 12);
    // Growth 1.1·1.1·0.9 = 1.089 over 3 candles → 1.089^(12/3) − 1 = 1.185921² − 1 = 0.406408618241.
    expect(liveAnnualizedReturn(paper, PPY)).toBeCloseTo(0.406408618241, 12);
    // Peak 1.21, trough 1.089: drawdown 1 − 1.089/1.21 = 0.1. One win (+0.089), no loss: PF = ∞ → N = 1.
    expect(paper.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(liveWinRate(paper)).toBe(1);
    expect(liveProfitFactor(paper)).toBe(Number.POSITIVE_INFINITY);
    // 0.25·2/3 + 0.20·0.9 + 0.20·1 + 0.20·(1.406408618241/3) + 0.15·1
    // = 0.166666666667 + 0.18 + 0.2 + 0.093760574549 + 0.15 = 0.790427241216
    expect(liveScore(paper, PPY)).toBeCloseTo(0.790427241216, 12);
  });

  it('scores a win of 5% and a loss of 10% at 0.428505', () => {
    // No fee. 100 enter, 105 exit (+0.05), 105 enter (flat candle: 0), 94.5 exit (−0.1).
    const paper = account(0, [
      [100, 'enter'],
      [105, 'exit'],
      [105, 'enter'],
      [94.5, 'exit'],
    ]);
    const [r1, r2, r3] = paper.returns.toArray();
    expect(r1).toBeCloseTo(0.05, 12);
    expect(r2).toBe(0);
    expect(r3).toBeCloseTo(-0.1, 12);
    // mean = −0.05/3 = −1/60; sample var = ((4/60)² + (1/60)² + (5/60)²)/2 = (42/3600)/2 = 7/1200.
    // Sharpe = −(1/60)/√(7/1200)·√12 = −(1/60)·120/√7 = −2/√7 = −0.755928946 → N = (1 − 2/√7)/3.
    expect(liveSharpe(paper, PPY)).toBeCloseTo(-2 / Math.sqrt(7), 12);
    // Growth 1.05·1·0.9 = 0.945 → 0.945^4 − 1 = 0.893025² − 1 = −0.202506349375.
    expect(liveAnnualizedReturn(paper, PPY)).toBeCloseTo(-0.202506349375, 12);
    // Win rate 1/2. PF = 0.05 / 0.1 = 0.5 → N = 0.5. Drawdown 1 − 0.945/1.05 = 0.1.
    expect(liveWinRate(paper)).toBe(0.5);
    expect(liveProfitFactor(paper)).toBeCloseTo(0.5, 12);
    // 0.25·(1 − 2/√7)/3 + 0.20·0.9 + 0.20·0.5 + 0.20·0.797493650625/3 + 0.15·0.5
    // = 0.020339255 + 0.18 + 0.1 + 0.053166243 + 0.075 = 0.428505498
    const expected = (0.25 * (1 - 2 / Math.sqrt(7))) / 3 + 0.18 + 0.1 + (0.2 * 0.797493650625) / 3 + 0.075;
    expect(liveScore(paper, PPY)).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.428505498, 8);
  });

  it('scores a strategy that never traded at 0.4: no wins and no profit shown, no risk taken', () => {
    // Returns [0, 0]: Sharpe 0 (no variance) → 1/3; return 0 → 1/3; win rate 0; PF 0 → 1/3; drawdown 0.
    // 0.25/3 + 0.20·1 + 0 + 0.20/3 + 0.15/3 = 0.6/3 + 0.2 = 0.4
    const paper = account(0.001, [
      [100, null],
      [101, 'hold'],
      [99, 'hold'],
    ]);
    expect(liveSharpe(paper, PPY)).toBe(0);
    expect(liveWinRate(paper)).toBe(0);
    expect(liveProfitFactor(paper)).toBe(0);
    expect(liveScore(paper, PPY)).toBeCloseTo(0.4, 15);
  });

  it('gives a Sharpe of 0 once the strategy has been flat for a whole window after a run: 0.68, not 0.5967', () => {
    // Enter at 100 (fee), hold through 190, 171, 333, 300, exit at 555 (fee), then 100 flat candles
    // at 555: the window (100) holds only zeros. Trade 5.55·0.999² − 1 = 4.53890555, a win: win
    // rate 1, profit factor ∞ → 1. Max drawdown 1 − 171/190 = 0.1. Mean and variance of the zeros
    // are 0: Sharpe 0 → 1/3; annualized return 0 → 1/3.
    // 0.25/3 + 0.20·0.9 + 0.20·1 + 0.20/3 + 0.15·1 = 0.0833… + 0.18 + 0.2 + 0.0666… + 0.15 = 0.68.
    // The running sums used to keep a residue of the returns that left (sum −1.1e-16): mean −1e-18
    // and std-dev about as much, so Sharpe was −√(99/100)·√12 = −3.45 → 0, and the score 0.5967.
    const closes = [100, 190, 171, 333, 300, 555];
    const steps: Array<readonly [number, Signal | null]> = closes.map((c, k) => [c, k === 0 ? 'enter' : k === closes.length - 1 ? 'exit' : 'hold']);
    for (let k = 0; k < 100; k++) steps.push([555, 'hold']);
    const paper = account(0.001, steps);
    expect(paper.returns.toArray().every((r) => r === 0)).toBe(true);
    expect(paper.grossWin).toBeCloseTo(4.53890555, 12);
    expect(paper.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(paper.returns.mean()).toBe(0);
    expect(paper.returns.stdDev()).toBe(0);
    expect(liveSharpe(paper, PPY)).toBe(0);
    expect(liveScore(paper, PPY)).toBeCloseTo(0.68, 12);
  });

  it('gives a profit factor of 0 when the only trades broke even', () => {
    const paper = account(0, [
      [100, 'enter'],
      [100, 'exit'],
    ]);
    expect([paper.trades, paper.wins, paper.losses]).toEqual([1, 0, 0]);
    expect(liveProfitFactor(paper)).toBe(0);
  });

  it('stays finite and in [0, 1] when annualizing overflows', () => {
    // +10% a candle annualized over 525,600 candles overflows to +∞; N saturates at 1.
    const paper = account(0, [
      [100, 'enter'],
      [110, 'hold'],
      [121, 'hold'],
    ]);
    expect(liveAnnualizedReturn(paper, 525_600)).toBe(Number.POSITIVE_INFINITY);
    const score = liveScore(paper, 525_600);
    expect(score).not.toBeNull();
    expect(score as number).toBeGreaterThanOrEqual(0);
    expect(score as number).toBeLessThanOrEqual(1);
  });

  it('refuses a non-positive periodsPerYear', () => {
    const paper = account(0, [
      [100, null],
      [100, null],
    ]);
    expect(() => liveScore(paper, 0)).toThrow(RangeError);
  });
});
