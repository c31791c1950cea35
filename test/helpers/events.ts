import type { StrategyEvent } from '../../src/domain/types.js';

/** A valid SMA_RSI discovery for BTC/USD, distinct per `seq` (its RSI period), with `over` applied. */
export function discoveryEvent(seq: number, ts: number, over: Partial<StrategyEvent> = {}): StrategyEvent {
  return {
    kind: 'strategy',
    seq,
    ts,
    symbol: 'BTC/USD',
    type: 'SMA_RSI',
    parameters: { rsiPeriod: (seq % 20) + 5 },
    score: 0.9,
    window: null,
    externalId: null,
    retired: false,
    ...over,
  };
}
