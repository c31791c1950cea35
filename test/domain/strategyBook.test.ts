import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import { evaluateCandle, KEPT_DISCOVERIES, StrategyBook } from '../../src/domain/strategyBook.js';
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
  it('marks a symbol at its latest trade by event time: a tick older than the latest one of its minute does not move the mark', () => {
    const book = new StrategyBook(defaultConfig().evaluation);
    const tick = (seq: number, ts: number, price: number) => ({ kind: 'tick' as const, seq, symbol: 'BTC/USD', ts, price, size: 1 });
    expect(book.applyPrice(tick(1, T0 + 50_000, 101)).applied).toBe(true);
    // Arrives second, traded 40 s earlier in the same minute: it counts in the candle, not as the mark.
    expect(book.applyPrice(tick(2, T0 + 10_000, 90)).applied).toBe(true);
    expect(book.book('BTC/USD').mark).toBe(101);
  });

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
    const first = book.applyStrategy(discovery(), T0);
    const duplicate = book.applyStrategy(discovery({ seq: 2 }), T0);
    expect(duplicate.decision).toBeNull();
    expect(duplicate.record).toBeNull();
    expect(duplicate.rejection).toMatchObject({ code: 'duplicate', field: 'discoveredAt', seq: 2 });
    expect(book.book('BTC/USD').registration(first.record?.strategyId ?? '')?.seenCount).toBe(1);
    expect(book.book('BTC/USD').discoveries.count('SMA_RSI', T0, 86_400_000)).toBe(1);
  });

  // Found by a bug hunt: the duplicate check compared with the latest discovery only, and the score
  // followed the message that arrived last. A re-send of an earlier discovery counted again (frequency,
  // seenCount) and brought its old score back; a late earlier discovery overwrote the latest score.
  it('recognises a re-sent earlier discovery, and keeps the latest score whatever the arrival order', () => {
    const hour = 3_600_000;
    const book = new StrategyBook(defaultConfig().evaluation);
    const id = book.applyStrategy(discovery({ seq: 1, ts: T0, score: 0.8 }), T0).record?.strategyId ?? '';
    book.applyStrategy(discovery({ seq: 2, ts: T0 + hour, score: 0.85 }), T0 + hour);
    const resent = book.applyStrategy(discovery({ seq: 3, ts: T0, score: 0.8 }), T0 + hour);
    expect(resent.rejection).toMatchObject({ code: 'duplicate', field: 'discoveredAt', seq: 3 });
    const registration = () => book.book('BTC/USD').registration(id);
    expect(registration()).toMatchObject({ score: 0.85, seenCount: 2, firstSeenAt: T0, lastSeenAt: T0 + hour });
    expect(book.book('BTC/USD').discoveries.count('SMA_RSI', T0 + hour, 86_400_000)).toBe(2);

    // Arrival order t+2h, t+1h (late), then the t+2h one again: the t+2h score stands, counted twice.
    const other = new StrategyBook(defaultConfig().evaluation);
    const otherId = other.applyStrategy(discovery({ seq: 1, ts: T0 + 2 * hour, score: 0.9 }), T0 + 2 * hour).record?.strategyId ?? '';
    const late = other.applyStrategy(discovery({ seq: 2, ts: T0 + hour, score: 0.5 }), T0 + 2 * hour);
    expect(late.decision?.reason).toBe(
      `an earlier discovery (${new Date(T0 + hour).toISOString()}) arrived after a later one: counted (seen 2 times), the latest backtest score 0.9 stands`,
    );
    expect(late.record).toMatchObject({ score: 0.9, seenCount: 2, firstSeenAt: T0 + hour, lastSeenAt: T0 + 2 * hour });
    expect(other.applyStrategy(discovery({ seq: 3, ts: T0 + 2 * hour, score: 0.9 }), T0 + 2 * hour).rejection?.code).toBe('duplicate');
    expect(other.book('BTC/USD').registration(otherId)).toMatchObject({ score: 0.9, seenCount: 2 });
    expect(other.book('BTC/USD').discoveries.count('SMA_RSI', T0 + 2 * hour, 86_400_000)).toBe(2);
  });

  // Found by a review: a retirement dropped the strategy's discovery times, so an earlier discovery
  // sent again after it re-registered the retired strategy and counted a second time.
  it('does not bring a retired strategy back with a discovery from before its retirement, but does with a later one', () => {
    const hour = 3_600_000;
    const book = new StrategyBook(defaultConfig().evaluation);
    const id = book.applyStrategy(discovery({ seq: 1, ts: T0 }), T0).record?.strategyId ?? '';
    expect(book.applyStrategy(discovery({ seq: 2, ts: T0 + 2 * hour, retired: true }), T0 + 2 * hour).decision?.decision).toBe('strategy.retired');
    const resent = book.applyStrategy(discovery({ seq: 3, ts: T0 }), T0 + 2 * hour);
    expect(resent.rejection?.reason).toBe(
      `duplicate of the discovery of ${id} at ${new Date(T0).toISOString()} (retired through ${new Date(T0 + 2 * hour).toISOString()})`,
    );
    // One never applied, from before the retirement, is counted but does not bring it back.
    expect(book.applyStrategy(discovery({ seq: 4, ts: T0 + hour }), T0 + 2 * hour).record).toMatchObject({ status: 'retired', seenCount: 2 });
    expect(book.applyStrategy(discovery({ seq: 4, ts: T0 + hour }), T0 + 2 * hour).rejection?.code).toBe('duplicate');
    expect(book.size()).toBe(0);
    expect(book.book('BTC/USD').discoveries.count('SMA_RSI', T0 + 2 * hour, 86_400_000)).toBe(2);
    const again = book.applyStrategy(discovery({ seq: 5, ts: T0 + 3 * hour }), T0 + 3 * hour);
    expect(again.decision?.decision).toBe('strategy.accepted');
    expect(book.size()).toBe(1);
  });

  // Found by a bug hunt: a discovery stamped before its strategy's retirement that first arrived
  // after it was refused as sent again, though it had never been applied: the strategy's type
  // counted one discovery fewer (frequency) and its row one fewer seen than when the same discovery
  // arrived before the retirement.
  it('counts an earlier discovery first arriving after its strategy was retired, as it counts arriving before', () => {
    const hour = 3_600_000;
    const at = { d10: T0, d12: T0 + 2 * hour, r13: T0 + 3 * hour, d14: T0 + 4 * hour };
    const score = { d10: 0.6, d12: 0.7, r13: 0.7, d14: 0.9 };
    const outcome = (order: readonly (keyof typeof at)[]) => {
      const book = new StrategyBook(defaultConfig().evaluation);
      const changes = order.map((k, i) => book.applyStrategy(discovery({ seq: i + 1, ts: at[k], score: score[k], retired: k === 'r13' }), T0 + 4 * hour));
      const records = changes.flatMap((c) => (c.record === null ? [] : [c.record]));
      return {
        changes,
        registered: book.size(),
        lastRecord: records.at(-1),
        count: book.book('BTC/USD').discoveries.count('SMA_RSI', T0 + 4 * hour, 86_400_000),
      };
    };
    const inOrder = outcome(['d10', 'd12', 'r13']);
    const late = outcome(['d12', 'r13', 'd10']);
    expect(inOrder).toMatchObject({ registered: 0, count: 2 });
    expect(late).toMatchObject({ registered: 0, count: 2 });
    expect(late.changes[2]?.rejection).toBeNull();
    expect(late.changes[2]?.decision?.reason).toBe(
      `an earlier discovery (${new Date(T0).toISOString()}) of a retired strategy arrived after its retirement: counted (seen 2 times), it stays retired`,
    );
    // The strategies row ends the same: retired, seen twice since the first, the latest score.
    const row = { status: 'retired', seenCount: 2, firstSeenAt: T0, lastSeenAt: T0 + 2 * hour, score: 0.7 };
    expect(inOrder.lastRecord).toMatchObject(row);
    expect(late.lastRecord).toMatchObject(row);
    // A discovery between the last one and the retirement, arriving after it, is the latest one.
    const between = outcome(['d10', 'r13', 'd12']);
    expect(between).toMatchObject({ registered: 0, count: 2 });
    expect(between.lastRecord).toMatchObject(row);
    // Sent again after that, it is refused; one after the retirement brings the strategy back.
    const resent = outcome(['d10', 'r13', 'd12', 'd12', 'd10', 'd14']);
    expect(resent.changes.map((c) => c.rejection?.code ?? c.decision?.decision)).toEqual([
      'strategy.accepted',
      'strategy.retired',
      'strategy.updated',
      'duplicate',
      'duplicate',
      'strategy.accepted',
    ]);
    expect(resent).toMatchObject({ registered: 1, count: 3 });
    // Once the strategy is back, a late discovery from before its retirement still counts, but the
    // row is the registered strategy's: no record of the retired one overwrites it.
    const back = outcome(['d10', 'r13', 'd14', 'd12']);
    expect(back).toMatchObject({ registered: 1, count: 3 });
    expect(back.changes[3]?.record).toBeNull();
    expect(back.changes[3]?.decision?.decision).toBe('strategy.updated');
    expect(back.lastRecord).toMatchObject({ status: 'active', seenCount: 1, score: 0.9 });
    // Retired a second time, the first retirement's discoveries are still recognised when sent again.
    const twice = outcome(['d10', 'r13', 'd14', 'd14', 'd10']);
    expect(twice.changes.map((c) => c.rejection?.code ?? c.decision?.decision)).toEqual([
      'strategy.accepted',
      'strategy.retired',
      'strategy.accepted',
      'duplicate',
      'duplicate',
    ]);
  });

  // Found by a bug hunt: discoveries at 10:00 and 12:00 then a retirement stamped 11:00 retired the
  // strategy, while the same three with the retirement arriving between them left it registered.
  it('refuses a retirement older than the latest discovery, so the outcome does not depend on their arrival order', () => {
    const hour = 3_600_000;
    const outcome = (order: readonly ('d10' | 'd12' | 'r11')[]) => {
      const book = new StrategyBook(defaultConfig().evaluation);
      const at = { d10: T0, d12: T0 + 2 * hour, r11: T0 + hour };
      const changes = order.map((k, i) => book.applyStrategy(discovery({ seq: i + 1, ts: at[k], retired: k === 'r11' }), T0 + 2 * hour));
      return { registered: book.size(), last: changes.at(-1) };
    };
    const late = outcome(['d10', 'd12', 'r11']);
    expect(late.registered).toBe(1);
    expect(late.last?.rejection).toMatchObject({ code: 'stale_retirement', field: 'discoveredAt' });
    expect(late.last?.rejection?.reason).toMatch(
      new RegExp(`at ${new Date(T0 + hour).toISOString()} is older than its latest discovery at ${new Date(T0 + 2 * hour).toISOString()}`),
    );
    expect(late.last?.decision).toMatchObject({ decision: 'strategy.rejected', details: { code: 'stale_retirement' } });
    expect(outcome(['d10', 'r11', 'd12']).registered).toBe(1);
  });

  it(`keeps the latest ${KEPT_DISCOVERIES} discovery times per strategy, and takes one older than all of them as sent again`, () => {
    const book = new StrategyBook(defaultConfig().evaluation);
    const id = book.applyStrategy(discovery({ seq: 1, ts: T0 }), T0).record?.strategyId ?? '';
    for (let i = 1; i <= KEPT_DISCOVERIES; i++) book.applyStrategy(discovery({ seq: 1 + i, ts: T0 + i * 1000 }), T0 + i * 1000);
    const registration = book.book('BTC/USD').registration(id);
    expect(registration?.discoveredAt).toHaveLength(KEPT_DISCOVERIES);
    expect(registration?.discoveredAt[0]).toBe(T0 + 1000);
    expect(book.applyStrategy(discovery({ seq: 100, ts: T0 - 5000 }), T0).rejection?.reason).toBe(
      `discovery of ${id} at ${new Date(T0 - 5000).toISOString()} is older than its ${KEPT_DISCOVERIES} latest: taken as sent again`,
    );
    expect(registration?.seenCount).toBe(KEPT_DISCOVERIES + 1);
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
  it('builds the strategies registered since the last price of their symbol on its next price, in registration order', () => {
    const book = new StrategyBook(defaultConfig().evaluation);
    const tick = (seq: number, ts: number) => book.applyPrice({ kind: 'tick', seq, ts, symbol: 'BTC/USD', price: 100, size: 1 });
    const idOf = (change: ReturnType<StrategyBook['applyStrategy']>) => change.record?.strategyId ?? '';
    const a = idOf(book.applyStrategy(discovery({ seq: 1, parameters: { rsiPeriod: 10 } }), T0));
    const b = idOf(book.applyStrategy(discovery({ seq: 2, parameters: { rsiPeriod: 11 } }), T0));
    const btc = book.book('BTC/USD');
    // Registered, counted and known by id, but nothing built: no rule, account or series yet.
    expect(book.size()).toBe(2);
    expect(btc.strategies).toEqual([]);
    expect(btc.registration(a)?.seenCount).toBe(1);
    expect(btc.hub.stats()).toEqual({ instances: 0, consumers: 0 });
    tick(3, T0);
    expect(btc.strategies.map((e) => e.id)).toEqual([a, b]);
    expect(btc.pending.size).toBe(0);
    const held = btc.hub.stats();
    expect(held.consumers).toBeGreaterThan(0);
    // A rediscovery while pending is carried into the built entry.
    const c = idOf(book.applyStrategy(discovery({ seq: 4, parameters: { rsiPeriod: 12 } }), T0));
    book.applyStrategy(discovery({ seq: 5, ts: T0 + 5, score: 0.6, parameters: { rsiPeriod: 12 } }), T0);
    // One retired while pending never acquires a series; the built ones keep their order.
    const d = idOf(book.applyStrategy(discovery({ seq: 6, parameters: { rsiPeriod: 13 } }), T0));
    expect(book.applyStrategy(discovery({ seq: 7, parameters: { rsiPeriod: 13 }, retired: true }), T0).decision?.decision).toBe('strategy.retired');
    expect(book.size()).toBe(3);
    tick(8, T0 + 10);
    expect(btc.strategies.map((e) => e.id)).toEqual([a, b, c]);
    expect(btc.byId.has(d)).toBe(false);
    expect(btc.byId.get(c)).toMatchObject({ seenCount: 2, score: 0.6, lastSeenAt: T0 + 5, firstSeenAt: T0 });
    // Retiring a built strategy releases what it held.
    const before = btc.hub.stats().consumers;
    book.applyStrategy(discovery({ seq: 9, parameters: { rsiPeriod: 10 }, retired: true }), T0);
    expect(btc.strategies.map((e) => e.id)).toEqual([b, c]);
    expect(btc.hub.stats().consumers).toBeLessThan(before);
  });

  it('runs a strategy discovered before a candle on that candle, as when it was built at its discovery', () => {
    const book = new StrategyBook(defaultConfig().evaluation);
    book.applyStrategy(discovery(), T0);
    const candles = [100, 101, 103, 102, 99, 98, 104].map((close, i) => ({
      kind: 'candle' as const,
      seq: i + 2,
      ts: T0 + i * 60_000,
      symbol: 'BTC/USD',
      interval: 60_000,
      open: close,
      high: close,
      low: close,
      close,
      volume: 1,
    }));
    for (const c of candles) book.applyPrice(c);
    const entry = book.book('BTC/USD').strategies[0];
    // Every candle reached the account: the first pushes no return, each later one pushes one.
    expect(entry?.account.candles).toBe(candles.length);
    expect(entry?.account.returns.length).toBe(candles.length - 1);
  });
  it('builds pending strategies when a candle is fed to evaluateCandle directly', () => {
    const book = new StrategyBook(defaultConfig().evaluation);
    book.applyStrategy(discovery(), T0);
    const btc = book.book('BTC/USD');
    evaluateCandle(btc, { symbol: 'BTC/USD', ts: T0, interval: 60_000, open: 100, high: 100, low: 100, close: 100, volume: 1 });
    expect(btc.pending.size).toBe(0);
    expect(btc.strategies[0]?.account.candles).toBe(1);
  });
});

// A discovery from before a strategy's first retirement that first arrives after its second was
// applied to the second registration's retired row (its seenCount and firstSeenAt), which it never
// belonged to: the row then depended on the arrival order.
describe('StrategyBook, a strategy retired twice', () => {
  const hour = 3_600_000;
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
