import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import { StrategyBook } from '../../src/domain/strategyBook.js';
import type { StrategyEvent } from '../../src/domain/types.js';

const T0 = Date.parse('2026-10-01T00:00:00Z');
const hour = 3_600_000;
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

// A discovery from before a strategy's first retirement that first arrives after its second was
// applied to the second registration's retired row (its seenCount and firstSeenAt), which it never
// belonged to: the row then depended on the arrival order.
describe('StrategyBook, a strategy retired twice', () => {
  const at = { d10: T0, d12: T0 + 2 * hour, r13: T0 + 3 * hour, d14: T0 + 4 * hour, r15: T0 + 5 * hour, d16: T0 + 6 * hour };
  const score = { d10: 0.6, d12: 0.7, r13: 0.7, d14: 0.9, r15: 0.9, d16: 0.5 };
  const outcome = (order: readonly (keyof typeof at)[]) => {
    const book = new StrategyBook(defaultConfig().evaluation);
    const changes = order.map((k, i) => book.applyStrategy(discovery({ seq: i + 1, ts: at[k], score: score[k], retired: k.startsWith('r') }), T0 + 6 * hour));
    const records = changes.flatMap((c) => (c.record === null ? [] : [c.record]));
    const id = records[0]?.strategyId ?? '';
    return {
      changes,
      registered: book.size(),
      lastRecord: records.at(-1),
      live: book.book('BTC/USD').registration(id),
      count: book.book('BTC/USD').discoveries.count('SMA_RSI', T0 + 6 * hour, 86_400_000),
    };
  };

  it('leaves the second retirement row as it is, whenever a discovery from before the first arrives', () => {
    const inOrder = outcome(['d10', 'd12', 'r13', 'd14', 'r15']);
    const late = outcome(['d10', 'r13', 'd14', 'r15', 'd12']);
    const row = { status: 'retired', seenCount: 1, firstSeenAt: at.d14, lastSeenAt: at.d14, score: 0.9 };
    expect(inOrder).toMatchObject({ registered: 0, count: 3, lastRecord: row });
    expect(late).toMatchObject({ registered: 0, count: 3, lastRecord: row });
    expect(late.changes[4]?.rejection).toBeNull();
    // Sent again, it is a duplicate.
    const resent = outcome(['d10', 'r13', 'd14', 'r15', 'd12', 'd12']);
    expect(resent.changes[5]?.rejection?.code).toBe('duplicate');
    expect(resent.count).toBe(3);
  });

  it('does the same once the strategy is back a third time', () => {
    const inOrder = outcome(['d10', 'd12', 'r13', 'd14', 'r15', 'd16']);
    const late = outcome(['d10', 'r13', 'd14', 'r15', 'd16', 'd12']);
    expect(inOrder).toMatchObject({ registered: 1, count: 4 });
    expect(late).toMatchObject({ registered: 1, count: 4 });
    expect(late.changes[5]?.record).toBeNull();
    // A later third retirement's row is the third registration's in both orders.
    const third = (order: readonly (keyof typeof at)[]) => {
      const o = outcome(order);
      return o.live === undefined ? null : { seenCount: o.live.seenCount, firstSeenAt: o.live.firstSeenAt };
    };
    expect(third(['d10', 'r13', 'd14', 'r15', 'd16', 'd12'])).toEqual(third(['d10', 'd12', 'r13', 'd14', 'r15', 'd16']));
  });
});
