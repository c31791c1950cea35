import { describe, expect, it } from 'vitest';
import { DiscoveryLog } from '../../src/domain/discoveryLog.js';
import { lehmer } from '../helpers/randomWalk.js';

const DAY = 86_400_000;
const LOOKBACK = 90 * DAY;

/** A log holding `counts[type]` discoveries of each type, one a day from day 1. */
function logOf(counts: Record<string, number>): DiscoveryLog {
  const log = new DiscoveryLog();
  for (const [type, n] of Object.entries(counts)) for (let i = 1; i <= n; i++) log.record(type, i * DAY);
  return log;
}

describe('DiscoveryLog', () => {
  it('gives each type its count relative to the most frequent type', () => {
    // SMA_RSI 4, EMA_MACD 2, PIVOT 1 at days 1..4; now = day 10: 4/4, 2/4, 1/4.
    const log = logOf({ SMA_RSI: 4, EMA_MACD: 2, PIVOT: 1 });
    const now = 10 * DAY;
    expect(log.frequency('SMA_RSI', now, LOOKBACK)).toBe(1);
    expect(log.frequency('EMA_MACD', now, LOOKBACK)).toBe(0.5);
    expect(log.frequency('PIVOT', now, LOOKBACK)).toBe(0.25);
  });

  it('counts rediscoveries: every record is one discovery', () => {
    const log = new DiscoveryLog();
    log.record('SMA_RSI', DAY);
    log.record('SMA_RSI', DAY);
    log.record('SMA_RSI', 2 * DAY);
    log.record('PIVOT', 2 * DAY);
    // SMA_RSI 3, PIVOT 1 → 1/3.
    expect(log.frequency('PIVOT', 3 * DAY, LOOKBACK)).toBeCloseTo(1 / 3, 15);
  });

  it('is 0 for a type never discovered and for an empty log', () => {
    expect(logOf({ SMA_RSI: 2 }).frequency('PIVOT', 10 * DAY, LOOKBACK)).toBe(0);
    expect(new DiscoveryLog().frequency('PIVOT', 10 * DAY, LOOKBACK)).toBe(0);
  });

  it('drops discoveries that fall out of the lookback, which can change the most frequent type', () => {
    // SMA_RSI at days 1..4, EMA_MACD at days 1..2, PIVOT at day 50.
    const log = logOf({ SMA_RSI: 4, EMA_MACD: 2 });
    log.record('PIVOT', 50 * DAY);
    // At day 92 + 1 ms the interval is [day 2 + 1 ms, day 92 + 1 ms]: SMA_RSI days 3, 4 → 2; EMA_MACD none; PIVOT 1 → 1/2.
    expect(log.count('SMA_RSI', 92 * DAY + 1, LOOKBACK)).toBe(2);
    expect(log.frequency('EMA_MACD', 92 * DAY + 1, LOOKBACK)).toBe(0);
    expect(log.frequency('PIVOT', 92 * DAY + 1, LOOKBACK)).toBe(0.5);
    // At day 94, [day 4, day 94]: SMA_RSI's last discovery sits on the closed edge, exactly 90 days
    // old, and still counts, as the time filter still passes a strategy exactly 90 days old.
    expect(log.frequency('SMA_RSI', 94 * DAY, LOOKBACK)).toBe(1);
    // One ms later it is out: PIVOT is the most frequent.
    expect(log.frequency('SMA_RSI', 94 * DAY + 1, LOOKBACK)).toBe(0);
    expect(log.frequency('PIVOT', 94 * DAY + 1, LOOKBACK)).toBe(1);
  });

  it('includes a discovery at exactly now and one after now', () => {
    const log = new DiscoveryLog();
    log.record('SMA_RSI', 10 * DAY);
    log.record('PIVOT', 10 * DAY);
    log.record('PIVOT', 10 * DAY + 1);
    // At now = day 10: SMA_RSI 1 (at now), PIVOT 2 (at now and 1 ms after it) → SMA_RSI 1/2.
    expect(log.frequency('SMA_RSI', 10 * DAY, LOOKBACK)).toBe(0.5);
    expect(log.frequency('PIVOT', 10 * DAY, LOOKBACK)).toBe(1);
    // One ms later, the same counts.
    expect(log.frequency('SMA_RSI', 10 * DAY + 1, LOOKBACK)).toBe(0.5);
  });

  // A discovery stamped after now (the discovery system's clock ahead of the market clock, which
  // only prices move) is taken at age 0 by recency (1) and the time filter (passes): frequency
  // counts it too. It used to count only [now − lookback, now], so such a rediscovery raised the
  // strategy's recency and left its type's frequency where it was.
  it('counts a discovery stamped after now, as recency and the time filter take it at age 0', () => {
    const log = new DiscoveryLog();
    // SMA_RSI at day 5 and at day 10 + 1 h (after now); PIVOT at days 3, 4, 6, 8; EMA_MACD only at day 20.
    log.record('SMA_RSI', 5 * DAY);
    log.record('SMA_RSI', 10 * DAY + 3_600_000);
    for (const day of [3, 4, 6, 8]) log.record('PIVOT', day * DAY);
    log.record('EMA_MACD', 20 * DAY);
    const now = 10 * DAY;
    // Counts 2, 4, 1 (was 1, 4, 0): SMA_RSI 2/4, EMA_MACD 1/4.
    expect(log.count('SMA_RSI', now, LOOKBACK)).toBe(2);
    expect(log.count('EMA_MACD', now, LOOKBACK)).toBe(1);
    expect(log.frequency('SMA_RSI', now, LOOKBACK)).toBe(0.5);
    expect(log.frequency('PIVOT', now, LOOKBACK)).toBe(1);
    expect(log.frequency('EMA_MACD', now, LOOKBACK)).toBe(0.25);
    // A future-stamped discovery is the most frequent type's own when it makes the maximum.
    const alone = new DiscoveryLog();
    alone.record('SMA_RSI', 5 * DAY);
    alone.record('SMA_RSI', 30 * DAY);
    alone.record('PIVOT', 6 * DAY);
    expect(alone.frequency('PIVOT', now, LOOKBACK)).toBe(0.5);
  });

  it('keeps out-of-order discoveries sorted', () => {
    const log = new DiscoveryLog();
    log.record('SMA_RSI', 100 * DAY);
    log.record('SMA_RSI', 5 * DAY);
    log.record('SMA_RSI', 50 * DAY);
    // (day 10, day 100] holds days 50 and 100.
    expect(log.count('SMA_RSI', 100 * DAY, LOOKBACK)).toBe(2);
  });

  it('sees a new record after answering at the same now (the cached counts are refreshed)', () => {
    const log = logOf({ SMA_RSI: 2, PIVOT: 1 });
    const now = 10 * DAY;
    expect(log.frequency('PIVOT', now, LOOKBACK)).toBe(0.5);
    log.record('PIVOT', 3 * DAY);
    expect(log.frequency('PIVOT', now, LOOKBACK)).toBe(1);
  });

  it('forgets discoveries before a cutoff and keeps one at it', () => {
    const log = logOf({ SMA_RSI: 4, PIVOT: 1 });
    log.forgetUpTo(2 * DAY);
    // Left: SMA_RSI days 2, 3, 4; PIVOT none. Even with an unbounded lookback, PIVOT is gone.
    expect(log.count('SMA_RSI', 10 * DAY, 1000 * DAY)).toBe(3);
    expect(log.frequency('PIVOT', 10 * DAY, 1000 * DAY)).toBe(0);
  });

  it('forgets after cutoffs that dropped nothing, whichever type holds the oldest discovery', () => {
    const log = new DiscoveryLog();
    log.record('A', 5 * DAY);
    log.record('B', 8 * DAY);
    log.record('B', 1 * DAY); // the oldest, recorded last
    const kept = (): number[] => ['A', 'B'].map((t) => log.count(t, 100 * DAY, 1000 * DAY));
    log.forgetUpTo(1 * DAY); // keeps the one at the cutoff
    expect(kept()).toEqual([1, 2]);
    log.forgetUpTo(3 * DAY);
    expect(kept()).toEqual([1, 1]);
    log.forgetUpTo(6 * DAY); // now A's, older than B's remaining one
    expect(kept()).toEqual([0, 1]);
    log.forgetUpTo(9 * DAY);
    expect(kept()).toEqual([0, 0]);
    log.record('A', 2 * DAY); // after everything was forgotten
    log.forgetUpTo(2 * DAY + 1);
    expect(kept()).toEqual([0, 0]);
  });

  it('refuses a NaN time and a negative lookback', () => {
    const log = new DiscoveryLog();
    expect(() => log.record('SMA_RSI', Number.NaN)).toThrow(RangeError);
    expect(() => log.frequency('SMA_RSI', Number.NaN, LOOKBACK)).toThrow(RangeError);
    expect(() => log.frequency('SMA_RSI', DAY, -1)).toThrow(RangeError);
  });
});

describe('DiscoveryLog counts kept across candle closes', () => {
  it('counts again after forgetting the oldest discovery counted', () => {
    const log = new DiscoveryLog();
    log.record('A', 10 * DAY);
    log.record('B', 20 * DAY);
    log.record('B', 21 * DAY);
    expect(log.frequency('A', 50 * DAY, LOOKBACK)).toBe(0.5);
    log.forgetUpTo(10 * DAY + 1);
    expect(log.frequency('A', 50 * DAY, LOOKBACK)).toBe(0);
    expect(log.frequency('B', 51 * DAY, LOOKBACK)).toBe(1);
    // Forgetting older than everything counted changes nothing.
    log.forgetUpTo(15 * DAY);
    expect(log.frequency('B', 52 * DAY, LOOKBACK)).toBe(1);
  });

  it('keeps counting a discovery stamped after now while now passes it, and forgetting up to now − lookback keeps it', () => {
    const log = new DiscoveryLog();
    log.record('A', 10 * DAY);
    log.record('B', 20 * DAY);
    log.record('B', 60 * DAY); // after the first now
    log.record('A', 200 * DAY); // far after every now below
    // At day 50: A 2, B 2 → 1 and 1.
    expect(log.frequency('A', 50 * DAY, LOOKBACK)).toBe(1);
    // Now passes B's day-60 discovery: nothing enters, the counts stand.
    expect(log.frequency('A', 60 * DAY + 1, LOOKBACK)).toBe(1);
    // The engine's forget at now − lookback (day −29.99…) drops nothing; at day 105 A's day 10
    // leaves: A 1 (day 200), B 2 → A 1/2.
    log.forgetUpTo(60 * DAY + 1 - LOOKBACK);
    expect(log.frequency('A', 105 * DAY, LOOKBACK)).toBe(0.5);
    log.forgetUpTo(105 * DAY - LOOKBACK);
    expect(log.count('A', 105 * DAY, LOOKBACK)).toBe(1);
    // At day 151 B's day 60 has left too: A 1, B 0.
    log.forgetUpTo(151 * DAY - LOOKBACK);
    expect(log.frequency('A', 151 * DAY, LOOKBACK)).toBe(1);
    expect(log.frequency('B', 151 * DAY, LOOKBACK)).toBe(0);
  });

  it('answers as a fresh count would, as time advances past discoveries leaving and entering the lookback (seeded)', () => {
    const rand = lehmer(4242);
    const log = new DiscoveryLog();
    const kept: Array<{ type: string; ts: number }> = [];
    const lookback = 90 * DAY;
    const types = ['A', 'B', 'C', 'D'];
    let now = 200 * DAY;
    for (let step = 0; step < 3000; step++) {
      const u = rand();
      if (u < 0.05) {
        // A discovery, sometimes stamped in the future or in the past.
        const ts = now + Math.floor((rand() - 0.6) * 40 * DAY);
        const type = types[Math.floor(rand() * types.length)] as string;
        log.record(type, ts);
        kept.push({ type, ts });
      } else if (u < 0.07) {
        // Forgetting what left the lookback, as the engine does, or now and then more than that.
        const cutoff = now - lookback + (u < 0.065 ? 0 : Math.floor(rand() * 10 * DAY));
        log.forgetUpTo(cutoff);
        for (let i = kept.length - 1; i >= 0; i--) if ((kept[i] as { ts: number }).ts < cutoff) kept.splice(i, 1);
      } else if (u < 0.08) {
        now -= Math.floor(rand() * DAY); // time asked out of order
      } else {
        now += Math.floor(rand() * 3 * 3_600_000);
      }
      // At or after now − lookback, those stamped after now included.
      const counts = types.map((t) => kept.filter((k) => k.type === t && k.ts >= now - lookback).length);
      const max = Math.max(...counts);
      types.forEach((t, i) => {
        expect(log.frequency(t, now, lookback)).toBe(max === 0 ? 0 : (counts[i] as number) / max);
      });
    }
  });
});
