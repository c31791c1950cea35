import { describe, expect, it } from 'vitest';
import { kellySize, type TradeStats } from '../../src/domain/kellySize.js';
import { sizingDefaults as cfg } from './sizingFixtures.js';

const stats = (trades: number, wins: number, grossWin: number, grossLoss: number, sumAbsReturn = grossWin + grossLoss): TradeStats => ({
  trades,
  wins,
  grossWin,
  grossLoss,
  sumAbsReturn,
});

describe('kellySize', () => {
  it('sizes 30 trades with 20 wins, 0.6 won and 0.1 lost at 9% of equity', () => {
    // p = (20 + 10) / (30 + 20) = 0.6; m = 0.7 / 30.
    // avgWin = (0.6 + 10·0.7/30) / (20 + 10) = (25/30) / 30; avgLoss = (0.1 + 10·0.7/30) / (10 + 10) = (10/30) / 20.
    // b = avgWin / avgLoss = (25/900) / (10/600) = 5/3; full Kelly = 0.6 − 0.4 / (5/3) = 0.6 − 0.24 = 0.36.
    // Quarter Kelly: 0.25 × 0.36 = 0.09.
    expect(kellySize(stats(30, 20, 0.6, 0.1), cfg)).toBeCloseTo(0.09, 12);
  });

  it('bets nothing without live trades', () => {
    // p = 10/20 = 0.5; m = 0.01, avgWin = avgLoss = 10·0.01/10 → b = 1; 0.5 − 0.5/1 = 0.
    expect(kellySize(stats(0, 0, 0, 0), cfg)).toBe(0);
  });

  it('shrinks a short winning streak toward no edge', () => {
    // 2 trades, both won 2%: p = 12/22; m = 0.02; avgWin = (0.04 + 0.2)/12 = 0.02; avgLoss = 0.2/10 = 0.02; b = 1.
    // Full Kelly = 12/22 − 10/22 = 1/11; quarter: 0.25/11 = 0.0227272...
    expect(kellySize(stats(2, 2, 0.04, 0), cfg)).toBeCloseTo(0.25 / 11, 12);
  });

  it('bets nothing on a losing record', () => {
    // Mirror of the first case: p = 20/50 = 0.4, b = 3/5; 0.4 − 0.6/0.6 = −0.6 → max(0, ·) = 0.
    expect(kellySize(stats(30, 10, 0.1, 0.6), cfg)).toBe(0);
  });

  it('uses the configured Kelly fraction and priors', () => {
    // No priors: p = 20/30 = 2/3; avgWin = 0.6/20 = 0.03, avgLoss = 0.1/10 = 0.01, b = 3.
    // Full Kelly = 2/3 − (1/3)/3 = 5/9; half Kelly = 5/18 = 0.2777...
    const raw = { ...cfg, kellyFraction: 0.5, kellyPriorWins: 0, kellyPriorTrades: 0, payoffPseudoTrades: 0 };
    expect(kellySize(stats(30, 20, 0.6, 0.1), raw)).toBeCloseTo(5 / 18, 12);
  });

  it('treats losses that cost nothing as an edge of p when no pseudo-trades are configured', () => {
    // 10 trades, 10 wins, no priors: p = 1, avgLoss = 0 → edge = p = 1; quarter Kelly 0.25.
    const raw = { ...cfg, kellyPriorWins: 0, kellyPriorTrades: 0, payoffPseudoTrades: 0 };
    expect(kellySize(stats(10, 10, 0.2, 0), raw)).toBe(0.25);
  });

  it('throws on trade counts or sums that cannot be real', () => {
    expect(() => kellySize(stats(3, 4, 0.1, 0), cfg)).toThrow(RangeError);
    expect(() => kellySize(stats(3, 1, Number.NaN, 0), cfg)).toThrow(/grossWin/);
    expect(() => kellySize(stats(3, 1, 0.1, -0.1), cfg)).toThrow(/grossLoss/);
  });
});
