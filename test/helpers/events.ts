import type { CandleEvent, StrategyEvent } from '../../src/domain/types.js';

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

/** A closed 1-minute candle of `symbol` at `ts` whose open, high, low and close are all `close` (volume 1). */
export function flatCandle(seq: number, symbol: string, ts: number, close: number): CandleEvent {
  return { kind: 'candle', seq, symbol, ts, interval: 60_000, open: close, high: close, low: close, close, volume: 1 };
}
