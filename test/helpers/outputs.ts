/**
 * Output fixtures for sink and CLI tests: one factory per engine output kind, realistic values at
 * T0, every field overridable.
 */
import type { ConfidenceScore, Decision, Ensemble, Portfolio, Position, PositionSize, Rejection, StrategyRecord } from '../../src/domain/types.js';

export const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
export const MINUTE = 60_000;

export function strategy(over: Partial<StrategyRecord> = {}): StrategyRecord {
  return {
    kind: 'strategy',
    time: T0,
    strategyId: 's-sma-rsi-1',
    externalId: 'ext-1',
    symbol: 'BTC/USD',
    type: 'SMA_RSI',
    parameters: { rsiPeriod: 14, movingAveragePeriod: 20, overbought: 70, oversold: 30 },
    score: 0.9847,
    window: { start: T0 - 60 * 24 * 60 * MINUTE, end: T0 },
    firstSeenAt: T0,
    lastSeenAt: T0,
    seenCount: 1,
    status: 'active',
    ...over,
  };
}

export function score(over: Partial<ConfidenceScore> = {}): ConfidenceScore {
  return {
    kind: 'score',
    time: T0,
    strategyId: 's-sma-rsi-1',
    symbol: 'BTC/USD',
    type: 'SMA_RSI',
    confidence: 0.8,
    performance: 0.9,
    frequency: 0.5,
    recency: 1,
    liveScore: null,
    liveTrades: 0,
    ...over,
  };
}

export function ensemble(over: Partial<Ensemble> = {}): Ensemble {
  return {
    kind: 'ensemble',
    time: T0,
    symbol: 'BTC/USD',
    id: 'ens-a',
    members: [
      { strategyId: 's-sma-rsi-1', type: 'SMA_RSI', confidence: 0.8, performance: 0.9, weight: 0.5, side: 'long' },
      { strategyId: 's-adx-1', type: 'ADX_STOCHASTIC', confidence: 0.8, performance: 0.85, weight: 0.5, side: 'flat' },
    ],
    total: 0.74,
    performance: 0.875,
    diversification: 0.5,
    risk: 0.025,
    usable: true,
    exposure: 0.5,
    active: true,
    ...over,
  };
}

export function position(over: Partial<Position> = {}): Position {
  return {
    kind: 'position',
    time: T0,
    positionId: 'pos-btc-1',
    symbol: 'BTC/USD',
    ensembleId: 'ens-a',
    quantity: 0.1,
    entryPrice: 37_000,
    entryTime: T0,
    markPrice: 37_000,
    size: 0.037,
    stopPrice: 35_150,
    takeProfitPrice: 42_550,
    status: 'open',
    exitTime: null,
    pnl: -5.55,
    ...over,
  };
}

export function size(over: Partial<PositionSize> = {}): PositionSize {
  return {
    kind: 'size',
    time: T0,
    symbol: 'BTC/USD',
    kelly: 0,
    riskParity: 0.5,
    volTarget: 0.3,
    combined: 0.24,
    size: 0.24,
    binding: 'none',
    riskContribution: 1,
    reason: 'combined size 0.24 stood',
    ...over,
  };
}

export function portfolio(over: Partial<Portfolio> = {}): Portfolio {
  return {
    kind: 'portfolio',
    time: T0,
    cash: 96_300,
    equity: 99_994.45,
    highWaterMark: 100_000,
    drawdown: 0.0000555,
    state: 'NORMAL',
    sizeScale: 1,
    haltedAt: null,
    ...over,
  };
}

export function decision(over: Partial<Decision> = {}): Decision {
  return {
    kind: 'decision',
    decision: 'position.opened',
    time: T0,
    seq: 1,
    symbol: 'BTC/USD',
    reason: 'target 0.037 of equity for ensemble ens-a',
    details: { positionId: 'pos-btc-1', size: 0.037, binding: 'none' },
    ...over,
  };
}

export function rejection(over: Partial<Rejection> = {}): Rejection {
  return {
    kind: 'rejection',
    seq: 1,
    source: 'candle',
    code: 'invalid_range',
    reason: 'high 9 is below low 10',
    field: 'high',
    symbol: 'ETH/USD',
    ...over,
  };
}
