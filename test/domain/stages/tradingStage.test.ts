import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/cli/loadConfig.js';
import { EvaluationStage } from '../../../src/domain/stages/evaluationStage.js';
import { TradingStage } from '../../../src/domain/stages/tradingStage.js';
import type { CandleEvent, ControlEvent, Decision, EngineOutput, Ensemble, Portfolio, Position, PositionSize, TickEvent } from '../../../src/domain/types.js';
import { flatCandle } from '../../helpers/events.js';
import { randomWalk } from '../../helpers/randomWalk.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const SYMBOLS = ['BTC/USD', 'ETH/USD'] as const;

/** A usable one-member ensemble of `symbol`, fully exposed: the trading stage sizes and holds it. */
const ensemble = (symbol: string): Ensemble => ({
  kind: 'ensemble',
  time: T0,
  symbol,
  id: `${symbol}:test`,
  members: [{ strategyId: `${symbol}-s`, type: 'SMA_RSI', confidence: 0.9, performance: 0.9, weight: 1, side: 'long' }],
  total: 0.9,
  performance: 0.9,
  diversification: 0.5,
  risk: 0,
  usable: true,
  exposure: 1,
  active: true,
});

describe('TradingStage breaker', () => {
  it('flattens every held symbol when the breaker halts on another symbol, and reports their positions in symbol order', () => {
    // A halt at 0.4% drawdown and stops far away, so a 20% drop of ETH halts the breaker while both
    // symbols are held, before any stop-loss could close ETH on its own.
    const base = defaultConfig();
    const cfg = {
      ...base,
      sizing: { ...base.sizing, drawdownReduce: 0.002, drawdownHalt: 0.004 },
      positions: { ...base.positions, stopLoss: 0.5, takeProfit: 10 },
    };
    const evaluation = new EvaluationStage(cfg.evaluation);
    const trading = new TradingStage(cfg);
    const walks = SYMBOLS.map((_, i) => randomWalk(60, 100, 3 + i, 0.004));
    let seq = 0;
    const step = (symbol: string, ts: number, close: number): EngineOutput[] => {
      const candle = flatCandle(++seq, symbol, ts, close);
      return trading.step({ ...evaluation.step(candle), active: ensemble(symbol) }).outputs;
    };
    for (let i = 0; i < 60; i++) for (const [k, symbol] of SYMBOLS.entries()) step(symbol, T0 + i * MINUTE, (walks[k] as number[])[i] as number);
    const held = (outputs: EngineOutput[]) => outputs.filter((o): o is Position => o.kind === 'position');
    // Both held before the drop (each candle reports its own symbol's open position).
    expect(held(step('BTC/USD', T0 + 60 * MINUTE, (walks[0] as number[])[59] as number)).map((p) => p.status)).toEqual(['open']);

    const outputs = step('ETH/USD', T0 + 60 * MINUTE, ((walks[1] as number[])[59] as number) * 0.8);
    const breaker = outputs.find((o) => o.kind === 'decision' && o.decision === 'breaker.changed');
    expect(breaker).toMatchObject({ details: { to: 'HALTED' } });
    const closed = outputs.filter((o) => o.kind === 'decision' && o.decision === 'position.closed').map((o) => o.kind === 'decision' && o.symbol);
    expect(closed.sort()).toEqual(['BTC/USD', 'ETH/USD']);
    // The event's own symbol and the one the breaker flattened, in symbol order, both closed now.
    expect(held(outputs).map((p) => [p.symbol, p.status])).toEqual([
      ['BTC/USD', 'closed'],
      ['ETH/USD', 'closed'],
    ]);
    // The portfolio it reports is marked after the flatten: its drawdown is that of its own equity
    // (found by a bug hunt: it was the drawdown before the flatten's fees and slippage).
    const portfolio = outputs.find((o) => o.kind === 'portfolio');
    if (portfolio?.kind !== 'portfolio') throw new Error('no portfolio output');
    expect(portfolio.state).toBe('HALTED');
    expect(portfolio.drawdown).toBe((portfolio.highWaterMark - portfolio.equity) / portfolio.highWaterMark);
  });
});

describe('TradingStage correlation limit', () => {
  it('keeps a symbol about to open out when it moves with a held one, instead of opening and closing it every other candle', () => {
    // Found by a bug hunt: the limit only looked at pairs already held, so B (ensemble total 0.8,
    // moving exactly with A at 0.9, held) opened at full size on one close and was cut on the
    // next, again and again, breaking the limit half the time and paying fees each round trip.
    const base = defaultConfig();
    const cfg = { ...base, sizing: { ...base.sizing, maxPerStrategy: 1 } };
    const evaluation = new EvaluationStage(cfg.evaluation);
    const trading = new TradingStage(cfg);
    const walk = randomWalk(40, 100, 9, 0.0003);
    const active = (symbol: string, total: number): Ensemble => ({ ...ensemble(symbol), total });
    let seq = 0;
    const decisions: { symbol: string | null; decision: string }[] = [];
    for (let i = 0; i < 40; i++) {
      for (const [symbol, close, total] of [
        ['BTC/USD', walk[i] as number, 0.9],
        ['ETH/USD', (walk[i] as number) / 2, 0.8],
      ] as const) {
        const candle = flatCandle(++seq, symbol, T0 + i * MINUTE, close);
        for (const o of trading.step({ ...evaluation.step(candle), active: active(symbol, total) }).outputs) {
          if (o.kind === 'decision' && o.decision.startsWith('position.')) decisions.push({ symbol: o.symbol, decision: o.decision });
        }
      }
    }
    // BTC/USD opens once it has the samples; ETH/USD, perfectly correlated with a lower total, never does.
    expect(decisions.some((d) => d.symbol === 'BTC/USD' && d.decision === 'position.opened')).toBe(true);
    expect(decisions.filter((d) => d.symbol === 'ETH/USD')).toEqual([]);
  });
});

/** Steps candles (or ticks) of a fixed active ensemble per symbol through evaluation and trading. */
function tradingRun(cfg: ReturnType<typeof defaultConfig>, totals: Record<string, number> = {}) {
  const evaluation = new EvaluationStage(cfg.evaluation);
  const trading = new TradingStage(cfg);
  let seq = 0;
  const active = (symbol: string): Ensemble => ({ ...ensemble(symbol), total: totals[symbol] ?? 0.9 });
  const run = (event: CandleEvent | TickEvent): EngineOutput[] => trading.step({ ...evaluation.step(event), active: active(event.symbol) }).outputs;
  return {
    control: (event: Omit<ControlEvent, 'kind' | 'seq' | 'command' | 'symbols'>) =>
      trading.step(evaluation.step({ kind: 'control', seq: ++seq, command: 'breaker.reset', symbols: null, ...event })).outputs,
    candle: (symbol: string, i: number, close: number) => run(flatCandle(++seq, symbol, T0 + i * MINUTE, close)),
    tick: (symbol: string, ts: number, price: number) => run({ kind: 'tick', seq: ++seq, symbol, ts, price, size: 1 }),
  };
}

const sizesOf = (outputs: EngineOutput[]) => outputs.filter((o): o is PositionSize => o.kind === 'size');
const positionOf = (outputs: EngineOutput[], symbol: string) => outputs.find((o): o is Position => o.kind === 'position' && o.symbol === symbol);
const portfolioOf = (outputs: EngineOutput[]) => outputs.find((o): o is Portfolio => o.kind === 'portfolio') as Portfolio;

// Found by a bug hunt: the 2% limit counted every size at the configured 5% stop. A held position's
// stop stays at entry × 0.95 while its price rises, so 10% up a 0.4 position risked 5.8% of equity.
describe("TradingStage position risk at the held position's own stop", () => {
  it('cuts the size on every tick to 2% of equity over the distance from the mark to the stop', () => {
    const base = defaultConfig();
    const cfg = { ...base, sizing: { ...base.sizing, method: 'riskParity' as const, maxPerStrategy: 1 } };
    const run = tradingRun(cfg);
    const walk = randomWalk(30, 100, 7, 0.0003);
    let opened: Position | undefined;
    walk.forEach((close, i) => {
      opened = positionOf(run.candle('BTC/USD', i, close), 'BTC/USD') ?? opened;
    });
    // One symbol: risk parity 1, cut to 0.02 / 0.05 = 0.4 at the configured stop.
    expect(opened).toMatchObject({ status: 'open' });
    const entry = walk[29] as number;
    // The price climbs 1% a candle, under the 15% take-profit.
    for (let k = 1; k <= 10; k++) {
      const outputs = run.candle('BTC/USD', 29 + k, entry * (1 + k / 100));
      const position = positionOf(outputs, 'BTC/USD') as Position;
      const [size] = sizesOf(outputs) as [PositionSize];
      const distance = 1 - position.stopPrice / position.markPrice;
      // By hand at k = 10: stop 95.07, mark 110.08, distance 13.63%: size 0.02 / 0.1363 = 0.1467.
      expect(distance).toBeGreaterThan(0.05);
      expect(size.binding).toBe('positionRisk');
      expect(size.size).toBeCloseTo(0.02 / distance, 12);
      expect(size.reason).toContain(`× stop ${(Math.round(distance * 10_000) / 100).toString()}%) exceeds limit 2%`);
      // The position follows its target within the minimum rebalance (10% of the position).
      const equity = portfolioOf(outputs).equity;
      // current ≤ target / (1 − 0.1), so the risk at the stop ≤ 2% / 0.9.
      expect((position.quantity * (position.markPrice - position.stopPrice)) / equity).toBeLessThanOrEqual(0.02 / 0.9);
    }
  });

  it('applies the held distance between candle closes, on the ticks themselves', () => {
    const base = defaultConfig();
    const cfg = { ...base, sizing: { ...base.sizing, method: 'riskParity' as const, maxPerStrategy: 1 } };
    const run = tradingRun(cfg);
    for (const [i, close] of randomWalk(30, 100, 7, 0.0003).entries()) run.candle('BTC/USD', i, close);
    // Inside the candle after the last close: no refresh, only the tick's own limits.
    const position = positionOf(run.tick('BTC/USD', T0 + 30 * MINUTE + 1_000, 103), 'BTC/USD') as Position;
    const outputs = run.tick('BTC/USD', T0 + 30 * MINUTE + 2_000, 108);
    const [size] = sizesOf(outputs) as [PositionSize];
    expect(size.binding).toBe('positionRisk');
    expect(size.size).toBeCloseTo(0.02 / (1 - position.stopPrice / 108), 12);
  });
});

describe("TradingStage correlation limit at the held positions' own stops", () => {
  it("cuts the lower-total partner so the pair risks at most 2% at each one's distance to its stop", () => {
    // Each size capped at 0.2 by the strategy limit (one member, weight 1), so both open: the pair
    // risks 2 × 0.2 × 5% = 2% at entry. ETH moves exactly with BTC, with the lower total.
    const base = defaultConfig();
    const cfg = { ...base, sizing: { ...base.sizing, method: 'riskParity' as const, maxPerStrategy: 0.2 } };
    const run = tradingRun(cfg, { 'BTC/USD': 0.9, 'ETH/USD': 0.8 });
    const walk = randomWalk(40, 100, 9, 0.0003);
    let positions: Record<string, Position> = {};
    const step = (i: number, btc: number) => {
      const out = [...run.candle('BTC/USD', i, btc), ...run.candle('ETH/USD', i, btc / 2)];
      for (const p of out) if (p.kind === 'position') positions = { ...positions, [p.symbol]: p };
      return out;
    };
    for (const [i, close] of walk.entries()) step(i, close);
    expect(Object.values(positions).map((p) => [p.symbol, p.status])).toEqual([
      ['BTC/USD', 'open'],
      ['ETH/USD', 'open'],
    ]);
    // Both rise 3%: each is now more than 6% above its stop, and the pair would risk over 2.4%.
    const last = walk[39] as number;
    let eth: PositionSize | undefined;
    for (let k = 1; k <= 3; k++) eth = sizesOf(step(39 + k, last * (1 + k / 100))).findLast((z) => z.symbol === 'ETH/USD') ?? eth;
    const distance = (p: Position) => 1 - p.stopPrice / p.markPrice;
    const btc = positions['BTC/USD'] as Position;
    expect(distance(btc)).toBeGreaterThan(0.06);
    // By hand: (2% − BTC's 0.2 × its distance) / ETH's distance; at the configured 5% it was 0.4 − 0.2 = 0.2.
    expect(eth?.binding).toBe('correlation');
    expect(eth?.size).toBeCloseTo((0.02 - 0.2 * distance(btc)) / distance(positions['ETH/USD'] as Position), 12);
  });
});

// Found by a bug hunt: a flat symbol in its stop-loss cooldown counted as about to open, so the
// correlation limit cut a held partner for an hour although the symbol could not open.
describe('TradingStage correlation limit and the cooldown', () => {
  const base = defaultConfig();
  const cfg = { ...base, sizing: { ...base.sizing, method: 'riskParity' as const, maxPerStrategy: 1 } };
  const a = randomWalk(40, 100, 11, 0.0003);
  const b = randomWalk(40, 50, 29, 0.0003);
  /** BTC (total 0.9) and ETH (0.8) open on independent walks; then one shock stops BTC out (−6%) and makes them move together. */
  const shocked = () => {
    const run = tradingRun(cfg, { 'BTC/USD': 0.9, 'ETH/USD': 0.8 });
    const decisions: Decision[] = [];
    const keep = (outputs: EngineOutput[]) => {
      for (const o of outputs) if (o.kind === 'decision' && o.decision.startsWith('position.')) decisions.push(o);
      return outputs;
    };
    for (let i = 0; i < 40; i++) {
      keep(run.candle('BTC/USD', i, a[i] as number));
      keep(run.candle('ETH/USD', i, b[i] as number));
    }
    keep(run.candle('BTC/USD', 40, (a[39] as number) * 0.94));
    keep(run.candle('ETH/USD', 40, (b[39] as number) * 0.97));
    return { run, decisions, keep };
  };
  const story = (decisions: Decision[], symbol: string) =>
    decisions.filter((d) => d.symbol === symbol).map((d) => `${d.decision}:${(d.details as { exit: string | null }).exit}`);

  it('keeps a held position whole while its correlated partner cannot re-enter', () => {
    const { run, decisions, keep } = shocked();
    let eth: PositionSize | undefined;
    for (let i = 41; i < 45; i++) {
      keep(run.candle('BTC/USD', i, (a[39] as number) * 0.94));
      eth = sizesOf(keep(run.candle('ETH/USD', i, (b[39] as number) * 0.97))).find((s) => s.symbol === 'ETH/USD') ?? eth;
    }
    expect(story(decisions, 'BTC/USD')).toEqual(['position.opened:null', 'position.closed:stop-loss']);
    expect(story(decisions, 'ETH/USD')).toEqual(['position.opened:null']);
    expect(eth?.binding).toBe('positionRisk');
  });

  it('counts the partner as about to open again from the end of its cooldown, not from the next candle close', () => {
    const { run, decisions, keep } = shocked();
    // The exit was at minute 40, so the cooldown ends at minute 100; both stay flat-priced till then.
    const btc = (a[39] as number) * 0.94;
    const eth = (b[39] as number) * 0.97;
    for (let i = 41; i < 100; i++) {
      keep(run.candle('BTC/USD', i, btc));
      keep(run.candle('ETH/USD', i, eth));
    }
    expect(story(decisions, 'ETH/USD')).toEqual(['position.opened:null']);
    // Ticks inside minute 100, after the cooldown's end and before the next close: BTC may open again,
    // and ETH, correlated (0.9998) and with the lower total, is cut on its own next tick.
    keep(run.tick('BTC/USD', T0 + 100 * MINUTE + 30_000, btc));
    const ethSizes = sizesOf(keep(run.tick('ETH/USD', T0 + 100 * MINUTE + 31_000, eth)));
    expect(ethSizes.map((s) => s.binding)).toEqual(['correlation']);
    expect(story(decisions, 'BTC/USD')).toEqual(['position.opened:null', 'position.closed:stop-loss', 'position.opened:null']);
    expect(story(decisions, 'ETH/USD').length).toBe(2);
  });
});

describe('TradingStage sizes and the breaker', () => {
  /** Both symbols held under a breaker that halts at 0.4% drawdown (stops far away), then ETH drops 20%. */
  const haltedByEthDrop = () => {
    const base = defaultConfig();
    const cfg = {
      ...base,
      sizing: { ...base.sizing, drawdownReduce: 0.002, drawdownHalt: 0.004 },
      positions: { ...base.positions, stopLoss: 0.5, takeProfit: 10 },
    };
    const run = tradingRun(cfg);
    const walks = SYMBOLS.map((_, i) => randomWalk(60, 100, 3 + i, 0.004));
    for (let i = 0; i < 60; i++) for (const [k, symbol] of SYMBOLS.entries()) run.candle(symbol, i, (walks[k] as number[])[i] as number);
    return { run, walks, outputs: run.candle('ETH/USD', 60, ((walks[1] as number[])[59] as number) * 0.8) };
  };

  // Found by a bug hunt: a size cut to 0 by HALTED kept its share of the portfolio variance.
  it('reports no share of portfolio variance for a size the halt cut to 0', () => {
    const { outputs } = haltedByEthDrop();
    expect(portfolioOf(outputs).state).toBe('HALTED');
    expect(sizesOf(outputs).map((s) => [s.symbol, s.size, s.binding, s.riskContribution])).toEqual([
      ['BTC/USD', 0, 'halted', 0],
      ['ETH/USD', 0, 'halted', 0],
    ]);
  });

  // DESIGN.md phase 5: "HALTED ends when an operator resets it" (the resetBreaker function had no caller).
  it("ends HALTED on an operator's reset at the market clock, re-basing the high-water mark and emitting every size again", () => {
    const { run, walks, outputs: halting } = haltedByEthDrop();
    const halted = portfolioOf(halting);
    expect(halted.state).toBe('HALTED');

    // Issued a day later by the operator's clock: it dates the reason, the market clock times it.
    const outputs = run.control({ ts: T0 + 86_400_000, operator: 'alice', reason: 'loss reviewed' });
    const decision = outputs.find((o): o is Decision => o.kind === 'decision');
    expect(decision).toMatchObject({
      decision: 'breaker.changed',
      time: T0 + 60 * MINUTE,
      symbol: null,
      details: { from: 'HALTED', to: 'NORMAL', drawdown: 0, highWaterMark: halted.equity, operator: 'alice' },
    });
    expect(decision?.reason).toBe(
      `operator reset at ${T0 + 60 * MINUTE}: high-water mark re-based from ${halted.highWaterMark.toFixed(2)} to equity ${halted.equity.toFixed(2)}, by alice (issued 2026-11-02T00:00:00.000Z): loss reviewed`,
    );
    // No longer cut by the breaker: each size as its other limits leave it.
    expect(sizesOf(outputs).map((s) => [s.symbol, s.binding, s.size > 0])).toEqual([
      ['BTC/USD', 'positionRisk', true],
      ['ETH/USD', 'none', true],
    ]);
    expect(portfolioOf(outputs)).toMatchObject({ state: 'NORMAL', sizeScale: 1, highWaterMark: halted.equity, drawdown: 0, haltedAt: null });
    // The positions follow on their own symbols' next prices.
    const next = run.candle('BTC/USD', 61, (walks[0] as number[])[59] as number);
    expect(next.some((o) => o.kind === 'decision' && o.decision === 'position.opened' && o.symbol === 'BTC/USD')).toBe(true);
  });

  it("refuses a reset before the first price: no market clock to act at (the operator's clock stamped its outputs)", () => {
    const run = tradingRun(defaultConfig());
    expect(run.control({ ts: T0 + 86_400_000, operator: 'alice', reason: 'early' })).toEqual([
      {
        kind: 'rejection',
        seq: 1,
        source: 'control',
        code: 'no_market_clock',
        reason: 'breaker.reset by alice before the first price: no market clock to act at, and no drawdown to reset',
        field: null,
        symbol: null,
      },
    ]);
  });

  // Found by a bug hunt: a state change caused by a trade's own fees left every size unscaled.
  it("rescales the sizes when a trade's costs move the breaker", () => {
    // Reduce from 1 bp of drawdown: opening 0.4 of equity costs 15 bp × 0.4 = 6 bp, REDUCING at
    // scale (0.01 − 0.0006) / (0.01 − 0.0001) = 0.9495 (by hand; exact figures from the portfolio).
    const base = defaultConfig();
    const cfg = { ...base, sizing: { ...base.sizing, method: 'riskParity' as const, maxPerStrategy: 1, drawdownReduce: 0.0001, drawdownHalt: 0.01 } };
    const run = tradingRun(cfg);
    const walk = randomWalk(30, 100, 5, 0.0003);
    let outputs: EngineOutput[] = [];
    for (let i = 0; i < 30 && !outputs.some((o) => o.kind === 'decision' && o.decision === 'breaker.changed'); i++)
      outputs = run.candle('BTC/USD', i, walk[i] as number);
    const portfolio = portfolioOf(outputs);
    expect(portfolio.state).toBe('REDUCING');
    expect(portfolio.sizeScale).toBeCloseTo(0.9495, 4);
    const sizes = sizesOf(outputs);
    // The size the trade was made at, then the same size under the new scale.
    expect(sizes.map((s) => s.binding)).toEqual(['positionRisk', 'drawdown']);
    expect((sizes[1] as PositionSize).size).toBeCloseTo(0.4 * portfolio.sizeScale, 12);
  });
});
