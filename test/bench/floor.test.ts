import { describe, expect, it } from 'vitest';
import { closeCandle, FloorSymbol, parametersOf, runFloor } from '../../bench/floor.js';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import { blendedPerformance, halfLifeDecay, MS_PER_DAY } from '../../src/domain/confidence.js';
import { normalizeScoreTerm } from '../../src/domain/liveScore.js';

// The floor loop must do the work it claims, or its cost bounds nothing: every column is checked
// against a plain model written from DESIGN.md's definitions and the domain's own functions.
const cfg = defaultConfig();
const p = parametersOf(cfg);

/** A strategy as the plain model keeps it: whole histories, recomputed from scratch. */
interface ModelStrategy {
  long: boolean;
  entry: number;
  equity: number;
  peak: number;
  maxDrawdown: number;
  trades: number;
  wins: number;
  grossWin: number;
  grossLoss: number;
  returns: number[];
}

function sma(closes: readonly number[], period: number): number {
  if (closes.length < period) return Number.NaN;
  return closes.slice(-period).reduce((a, b) => a + b, 0) / period;
}

describe('candle-path floor (bench/floor.ts)', () => {
  it('computes series, rules, accounts, return windows, live scores, confidence and the time filter as defined', () => {
    const window = 12;
    const s = new FloorSymbol(9, 6, window, p.halfLifeMs, 3);
    const model: ModelStrategy[] = Array.from({ length: s.strategies }, () => ({ long: false, entry: 0, equity: 1, peak: 1, maxDrawdown: 0, trades: 0, wins: 0, grossWin: 0, grossLoss: 0, returns: [] }));
    const closes: number[] = [s.close];
    let price = s.close;
    let enteredOrExited = 0;
    let flatWhileReturnsLeave = 0;
    for (let c = 1; c <= 160; c++) {
      // A zig-zag with drift: crosses happen, trades win and lose.
      price *= 1 + 0.01 * Math.sin(c / 2.5) + 0.002 * Math.cos(c * 1.7);
      const now = c * cfg.evaluation.interval;
      closeCandle(s, price, now, p, 'full');
      const previousCloses = closes.slice();
      closes.push(price);
      for (let i = 0; i < s.strategies; i++) {
        const m = model[i] as ModelStrategy;
        const fastPeriod = s.period[s.fast[i] as number] as number;
        const slowPeriod = s.period[s.slow[i] as number] as number;
        // Series values exclude the seed price the symbol starts from (closes[0]).
        const f = sma(closes.slice(1), fastPeriod);
        const g = sma(closes.slice(1), slowPeriod);
        const fp = sma(previousCloses.slice(1), fastPeriod);
        const gp = sma(previousCloses.slice(1), slowPeriod);
        let r = m.long ? price / (previousCloses.at(-1) as number) - 1 : 0;
        if (!m.long && f > g && fp <= gp) {
          m.long = true;
          m.entry = price;
          r -= p.fee;
          enteredOrExited++;
        } else if (m.long && f < g && fp >= gp) {
          m.long = false;
          const pnl = price / m.entry - 1 - 2 * p.fee;
          m.trades++;
          if (pnl > 0) {
            m.wins++;
            m.grossWin += pnl;
          } else m.grossLoss -= pnl;
          r -= p.fee;
          enteredOrExited++;
        }
        m.equity *= 1 + r;
        m.peak = Math.max(m.peak, m.equity);
        m.maxDrawdown = Math.max(m.maxDrawdown, 1 - m.equity / m.peak);
        const leaving = m.returns.length >= window ? (m.returns[m.returns.length - window] as number) : 0;
        if (r === 0 && leaving !== 0) flatWhileReturnsLeave++;
        m.returns.push(r);
        const kept = m.returns.slice(-window);
        const n = kept.length;
        const mean = kept.reduce((a, b) => a + b, 0) / n;
        const variance = n > 1 ? kept.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1) : 0;
        const sharpe = variance > 1e-30 ? (mean / Math.sqrt(variance)) * Math.sqrt(p.periodsPerYear) : 0;
        const annualized = Math.expm1((p.periodsPerYear * kept.reduce((a, x) => a + Math.log1p(x), 0)) / n);
        const winRate = m.trades === 0 ? 0 : m.wins / m.trades;
        const profitFactor = m.grossWin === 0 ? 0 : m.grossLoss === 0 ? Number.POSITIVE_INFINITY : m.grossWin / m.grossLoss;
        const live =
          0.25 * normalizeScoreTerm(sharpe) +
          0.2 * (1 - m.maxDrawdown) +
          0.2 * winRate +
          0.2 * normalizeScoreTerm(annualized) +
          0.15 * normalizeScoreTerm(profitFactor);
        const performance = blendedPerformance(s.backtestScore[i] as number, live, m.trades, p.n0);
        const age = now - (s.lastSeenAt[i] as number);
        const recency = halfLifeDecay(age, cfg.confidence.recencyHalfLifeDays);
        const frequency = s.typeFrequency[s.type[i] as number] as number;
        const confidence =
          cfg.confidence.performanceWeight * performance + cfg.confidence.frequencyWeight * frequency + cfg.confidence.recencyWeight * recency;

        expect(s.long[i]).toBe(m.long ? 1 : 0);
        expect(s.equity[i]).toBeCloseTo(m.equity, 12);
        expect(s.maxDrawdown[i]).toBeCloseTo(m.maxDrawdown, 12);
        expect(s.trades[i]).toBe(m.trades);
        expect(s.returnSum[i]).toBeCloseTo(kept.reduce((a, x) => a + x, 0), 12);
        expect(s.returnSquares[i]).toBeCloseTo(kept.reduce((a, x) => a + x * x, 0), 12);
        expect(s.logSum[i]).toBeCloseTo(kept.reduce((a, x) => a + Math.log1p(x), 0), 12);
        expect(s.liveScore[i]).toBeCloseTo(live, 9);
        expect(s.confidence[i]).toBeCloseTo(confidence, 9);
        const survives = age <= cfg.timeFilter.maxAgeDays * MS_PER_DAY;
        expect(s.survives[i]).toBe(survives ? 1 : 0);
        expect(s.decayedPerformance[i]).toBeCloseTo(survives ? performance * recency : 0, 9);
      }
    }
    // The path exercised the rule both ways, not only the flat branch.
    expect(enteredOrExited).toBeGreaterThan(5);
    expect(model.filter((m) => m.trades > 0).length).toBeGreaterThan(2);
    // ... and the live score was recomputed, not reused, while old returns left a flat strategy's window.
    expect(flatWhileReturnsLeave).toBeGreaterThan(10);
  });

  it('factored recency gives the same confidence as the power, within a few ulps, not the same doubles', () => {
    const a = new FloorSymbol(200, 8, 10, p.halfLifeMs, 11);
    const b = new FloorSymbol(200, 8, 10, p.halfLifeMs, 11);
    let price = a.close;
    let maxRelative = 0;
    let differ = 0;
    for (let c = 1; c <= 30; c++) {
      price *= 1 + 0.004 * Math.sin(c);
      const now = c * 37 * MS_PER_DAY;
      closeCandle(a, price, now, p, 'full');
      closeCandle(b, price, now, p, 'factoredRecency');
      for (let i = 0; i < a.strategies; i++) {
        const x = a.confidence[i] as number;
        const y = b.confidence[i] as number;
        maxRelative = Math.max(maxRelative, Math.abs(x - y) / Math.abs(x));
        if (x !== y) differ++;
      }
    }
    expect(maxRelative).toBeLessThan(1e-14);
    // Not the engine's doubles: why the engine keeps one power per strategy-candle.
    expect(differ).toBeGreaterThan(0);
  });

  it('times every variant over the counts it is given and refuses mismatched counts', () => {
    const figures = runFloor(cfg, [30, 20], [12, 9], { rounds: 3, warmRounds: 2, repeats: 1 });
    expect(figures.evaluations).toBe(150);
    expect(figures.candles).toBe(6);
    for (const v of ['full', 'factoredRecency', 'evaluationOnly'] as const) {
      expect(figures.nsPerEvaluation[v]).toBeGreaterThan(0);
      expect(figures.evaluationsPerSecond[v]).toBeGreaterThan(0);
    }
    expect(() => runFloor(cfg, [30], [12, 9], { rounds: 1, warmRounds: 1, repeats: 1 })).toThrow(/1 strategy counts for 2 series counts/);
    expect(() => runFloor(cfg, [30, 5], [12, 0], { rounds: 1, warmRounds: 1, repeats: 1 })).toThrow(/5 strategies need at least one shared series \(was 0\)/);
    expect(runFloor(cfg, [30, 0], [12, 0], { rounds: 1, warmRounds: 1, repeats: 1 }).evaluations).toBe(30);
  });
});
