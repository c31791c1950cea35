import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/cli/loadConfig.js';
import { EvaluationStage } from '../../../src/domain/stages/evaluationStage.js';
import { TradingStage } from '../../../src/domain/stages/tradingStage.js';
import type { CandleEvent, Ensemble, EngineOutput, Position } from '../../../src/domain/types.js';
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
      const candle: CandleEvent = { kind: 'candle', seq: ++seq, symbol, ts, interval: MINUTE, open: close, high: close, low: close, close, volume: 1 };
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
  });
});
