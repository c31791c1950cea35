import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import { StrategyBook } from '../../src/domain/strategyBook.js';
import type { StrategyEvent } from '../../src/domain/types.js';

const T0 = Date.parse('2026-10-01T00:00:00Z');
const discovery = (over: Partial<StrategyEvent> = {}): StrategyEvent => ({
  kind: 'strategy',
  seq: 1,
  ts: T0,
  symbol: 'BTC/USD',
  type: 'SMA_RSI',
  parameters: { rsiPeriod: 14 },
  score: 0.8,
  window: null,
  externalId: null,
  retired: false,
  ...over,
});

describe('StrategyBook', () => {
  it('registers a strategy once per identity and counts a rediscovery with a new discovery time', () => {
    const book = new StrategyBook(defaultConfig().evaluation);
    const first = book.applyStrategy(discovery(), T0);
    expect(first.decision?.decision).toBe('strategy.accepted');
    // Defaults filled in: the same identity whether parameters are spelled out or not.
    const again = book.applyStrategy(discovery({ seq: 2, ts: T0 + 1000, score: 0.7, parameters: { rsiPeriod: 14, movingAveragePeriod: 14 } }), T0 + 1000);
    expect(again.decision?.decision).toBe('strategy.updated');
    expect(again.record).toMatchObject({ seenCount: 2, lastSeenAt: T0 + 1000, firstSeenAt: T0, score: 0.7 });
    expect(book.size()).toBe(1);
  });

  it('treats the same discovery sent twice as a counted duplicate that changes nothing', () => {
    const book = new StrategyBook(defaultConfig().evaluation);
    book.applyStrategy(discovery(), T0);
    const duplicate = book.applyStrategy(discovery({ seq: 2 }), T0);
    expect(duplicate.decision).toBeNull();
    expect(duplicate.record).toBeNull();
    expect(duplicate.rejection).toMatchObject({ code: 'duplicate', field: 'discoveredAt', seq: 2 });
    expect(book.book('BTC/USD').byId.values().next().value?.seenCount).toBe(1);
    expect(book.book('BTC/USD').discoveries.count('SMA_RSI', T0, 86_400_000)).toBe(1);
  });

  it('rejects an unknown type or a parameter out of range with a reason and no decision, leaving the registry untouched', () => {
    const book = new StrategyBook(defaultConfig().evaluation);
    const unknown = book.applyStrategy(discovery({ type: 'NOPE' }), T0);
    expect(unknown).toMatchObject({ decision: null, record: null, rejection: { code: 'unknown_type', field: 'type' } });
    const bad = book.applyStrategy(discovery({ parameters: { rsiPeriod: 99 } }), T0);
    expect(bad.rejection).toMatchObject({ code: 'bad_parameter', field: 'parameters.rsiPeriod', reason: 'parameter rsiPeriod 99 is out of range 2–30' });
    expect(book.size()).toBe(0);
  });

  it('retires a registered strategy and refuses to retire an unknown one', () => {
    const book = new StrategyBook(defaultConfig().evaluation);
    book.applyStrategy(discovery(), T0);
    expect(book.applyStrategy(discovery({ seq: 2, retired: true }), T0).decision?.decision).toBe('strategy.retired');
    expect(book.size()).toBe(0);
    expect(book.applyStrategy(discovery({ seq: 3, retired: true }), T0).rejection?.code).toBe('not_registered');
  });
});
