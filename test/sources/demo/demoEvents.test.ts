import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DemoConfig } from '../../../config/engine.js';
import { CandleBuilder } from '../../../src/domain/candleBuilder.js';
import { parseStrategy, strategyTypes } from '../../../src/domain/strategies/catalog.js';
import type { Candle, MarketEvent, StrategyEvent, TickEvent } from '../../../src/domain/types.js';
import { decodeMessage, symbolToSubjectToken } from '../../../src/sources/decode.js';
import { demoEvents, demoRunStart, HISTORY_DAYS } from '../../../src/sources/demo/demoEvents.js';
import { DEMO_PAIRS } from '../../../src/sources/demo/pairs.js';
import { STRATEGY_TYPES } from '../../../src/sources/demo/strategyTypes.js';

const MIN = 60_000;
const DAY = 86_400_000;
const base: DemoConfig = { seed: 42, strategies: 2000, speed: 'max', candleSeconds: 3, ticksPerCandle: 12, candles: 0, warmupCandles: 0, start: '2026-11-01T00:00:00Z' };
const RUN_START = Date.UTC(2026, 10, 1);

function take(cfg: DemoConfig, n: number, interval = MIN): MarketEvent[] {
  const out: MarketEvent[] = [];
  for (const e of demoEvents(cfg, interval)) {
    out.push(e);
    if (out.length === n) break;
  }
  return out;
}

const hash = (events: readonly MarketEvent[]) =>
  createHash('sha256')
    .update(events.map((e) => JSON.stringify(e)).join('\n'))
    .digest('hex');
const strategiesOf = (events: readonly MarketEvent[]) => events.filter((e): e is StrategyEvent => e.kind === 'strategy');
const ticksOf = (events: readonly MarketEvent[], symbol?: string) =>
  events.filter((e): e is TickEvent => e.kind === 'tick' && (symbol === undefined || e.symbol === symbol));

describe('demoEvents determinism', () => {
  it('gives identical events for the same seed (first 20,000 by hash)', () => {
    expect(hash(take(base, 20_000))).toBe(hash(take(base, 20_000)));
  });

  it('gives different events for a different seed', () => {
    expect(hash(take({ ...base, seed: 43 }, 5000))).not.toBe(hash(take(base, 5000)));
  });

  it('keeps the same prices when only the strategy count changes', () => {
    const prices = (strategies: number) => ticksOf(take({ ...base, strategies, candles: 20 }, 100_000)).map((t) => [t.symbol, t.ts, t.price]);
    expect(prices(100)).toEqual(prices(3000));
  });
});

describe('demoEvents order', () => {
  const events = take({ ...base, candles: 30 }, 100_000);

  it('numbers events 1, 2, 3, … and never goes back in event time', () => {
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (let i = 1; i < events.length; i++) expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts);
  });

  it('emits the discovery history, then ticks from the run start, ordered by time then symbol', () => {
    const firstTick = events.findIndex((e) => e.kind === 'tick');
    expect(firstTick).toBe(2000);
    expect(events[firstTick]!.ts).toBeGreaterThanOrEqual(RUN_START);
    for (let i = firstTick + 1; i < events.length; i++) {
      const [a, b] = [events[i - 1]!, events[i]!];
      if (a.kind === 'tick' && b.kind === 'tick' && a.ts === b.ts) expect(a.symbol < b.symbol).toBe(true);
    }
  });

  it('mixes new discoveries and rediscoveries into the run', () => {
    const live = strategiesOf(events.slice(2000));
    expect(live.length).toBeGreaterThanOrEqual(15);
    const history = new Set(strategiesOf(events.slice(0, 2000)).map((s) => `${s.symbol} ${s.type} ${JSON.stringify(s.parameters)}`));
    const repeats = live.filter((s) => history.has(`${s.symbol} ${s.type} ${JSON.stringify(s.parameters)}`));
    expect(repeats.length).toBeGreaterThan(0);
    expect(repeats.length).toBeLessThan(live.length);
  });
});

describe('demoEvents completion', () => {
  it('builds exactly `candles` candles per symbol, each from ticksPerCandle ticks, then stops', () => {
    const cfg = { ...base, strategies: 50, candles: 5, ticksPerCandle: 4 };
    const events = [...demoEvents(cfg, MIN)];
    for (const pair of DEMO_PAIRS) {
      const builder = new CandleBuilder(pair.symbol, MIN);
      const closed: Candle[] = [];
      for (const t of ticksOf(events, pair.symbol)) {
        const { closed: c, applied } = builder.onTick(t);
        expect(applied).toBe(true);
        if (c !== null) closed.push(c);
      }
      expect(closed.map((c) => c.ts)).toEqual([0, 1, 2, 3, 4].map((i) => RUN_START + i * MIN));
      expect(ticksOf(events, pair.symbol)).toHaveLength(5 * 4 + 1);
    }
  });

  it('rounds an unaligned start up to a whole interval', () => {
    expect(demoRunStart({ ...base, start: '2026-11-01T00:00:30Z' }, MIN)).toBe(RUN_START + MIN);
  });

  it('refuses an unusable config', () => {
    expect(() => take({ ...base, start: 'soon' }, 1)).toThrow(RangeError);
    expect(() => take(base, 1, 0)).toThrow(RangeError);
  });

  it('emits no strategies at all when none are configured', () => {
    const events = take({ ...base, strategies: 0 }, 50_000);
    expect(strategiesOf(events)).toHaveLength(0);
  });
});

describe('demoEvents strategies look like a discovery run', () => {
  const all = strategiesOf(take({ ...base, strategies: 6000 }, 6000));

  it('scores have a mean of about 0.72 within [0.31, 0.99]', () => {
    const scores = all.map((s) => s.score);
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    expect(mean).toBeGreaterThan(0.71);
    expect(mean).toBeLessThan(0.73);
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(0.31);
    expect(Math.min(...scores)).toBeLessThan(0.42);
    expect(Math.max(...scores)).toBeLessThanOrEqual(0.99);
    expect(Math.max(...scores)).toBeGreaterThan(0.95);
  });

  it('spreads discoveries over the 120 days before the run, a quarter of them older than 90 days', () => {
    const ages = all.map((s) => (RUN_START - s.ts) / DAY);
    expect(Math.min(...ages)).toBeGreaterThan(0);
    expect(Math.max(...ages)).toBeLessThanOrEqual(HISTORY_DAYS);
    const old = ages.filter((a) => a > 90).length / ages.length;
    expect(old).toBeGreaterThan(0.2);
    expect(old).toBeLessThan(0.3);
  });

  it('has windows mostly of 30 to 365 days, ending by the discovery, with a few outside and a few missing', () => {
    const lengths = all.map((s) => (s.window === null ? null : (s.window.end - s.window.start) / DAY));
    const inside = lengths.filter((d) => d !== null && d >= 30 && d <= 365).length / all.length;
    expect(inside).toBeGreaterThan(0.9);
    expect(lengths.filter((d) => d !== null && (d < 30 || d > 365)).length).toBeGreaterThan(0);
    expect(lengths.filter((d) => d === null).length).toBeGreaterThan(0);
    for (const s of all) if (s.window !== null) expect(s.window.end).toBeLessThanOrEqual(s.ts);
  });

  it('uses all 60 types and 16 pairs, and rediscovers some strategies', () => {
    expect(new Set(all.map((s) => s.type)).size).toBe(60);
    expect(new Set(all.map((s) => s.symbol)).size).toBe(16);
    const distinct = new Set(all.map((s) => `${s.symbol} ${s.type} ${JSON.stringify(s.parameters)}`)).size;
    expect(distinct / all.length).toBeGreaterThan(0.75);
    expect(distinct / all.length).toBeLessThan(0.9);
  });

  const specs = new Map(STRATEGY_TYPES.map((t) => [t.type, t]));
  /** True when the demo's own table says the parameters are outside their ranges or order. */
  const outOfTable = (s: StrategyEvent) => {
    const spec = specs.get(s.type)!;
    const inRange = spec.parameters.every((p) => {
      const v = s.parameters[p.name];
      if (p.kind === 'I[]') return Array.isArray(v) && p.ranges.every(([lo, hi], i) => Number.isInteger(v[i]) && v[i] >= lo && v[i] <= hi);
      return typeof v === 'number' && v >= p.min && v <= p.max && (p.kind === 'D' || Number.isInteger(v));
    });
    return !inRange || !spec.ordered.every(([a, b]) => (s.parameters[a] as number) < (s.parameters[b] as number));
  };

  it('draws parameters inside each type range, integers where required, fast below slow, except a documented 0.5%', () => {
    const bad = all.filter(outOfTable).length;
    expect(bad).toBeGreaterThan(0);
    expect(bad / all.length).toBeLessThan(0.012);
  });

  it('agrees with the strategy catalog: it refuses exactly the deliberately bad parameters', () => {
    const known = new Set(strategyTypes());
    const checked = all.filter((s) => known.has(s.type));
    expect(checked.length).toBeGreaterThan(0);
    for (const s of checked)
      expect({ type: s.type, parameters: s.parameters, ok: parseStrategy(s.type, s.parameters).ok }).toMatchObject({ ok: !outOfTable(s) });
  });
});

describe('demoEvents prices look like a market', () => {
  const ticks = ticksOf(take({ ...base, strategies: 0, ticksPerCandle: 1, candles: 4000 }, 100_000));
  const closes = (symbol: string) => ticksOf(ticks, symbol).map((t) => t.price);
  const logReturns = (p: number[]) => p.slice(1).map((x, i) => Math.log(x / p[i]!));
  const sd = (r: number[]) => {
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    return Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / r.length);
  };
  const annualized = (symbol: string) => sd(logReturns(closes(symbol))) * Math.sqrt(525_960);

  it('moves BTC at an annualized volatility near 55% and SOL near 100%', () => {
    expect(annualized('BTC/USD')).toBeGreaterThan(0.35);
    expect(annualized('BTC/USD')).toBeLessThan(0.85);
    expect(annualized('SOL/USD')).toBeGreaterThan(0.65);
    expect(annualized('SOL/USD')).toBeLessThan(1.5);
  });

  it('keeps USDC pegged near 1.00', () => {
    const p = closes('USDC/USD');
    expect(Math.min(...p)).toBeGreaterThan(0.995);
    expect(Math.max(...p)).toBeLessThan(1.005);
  });

  it('correlates the majors through the market factor', () => {
    const a = logReturns(closes('BTC/USD'));
    const b = logReturns(closes('ETH/USD'));
    const ma = a.reduce((x, y) => x + y, 0) / a.length;
    const mb = b.reduce((x, y) => x + y, 0) / b.length;
    let cov = 0;
    for (let i = 0; i < a.length; i++) cov += (a[i]! - ma) * (b[i]! - mb);
    const corr = cov / a.length / (sd(a) * sd(b));
    expect(corr).toBeGreaterThan(0.5);
    expect(corr).toBeLessThan(0.9);
  });

  it('starts near each pair start price with positive prices and sizes', () => {
    for (const pair of DEMO_PAIRS) {
      const first = ticksOf(ticks, pair.symbol)[0]!;
      expect(first.price / pair.startPrice).toBeGreaterThan(0.99);
      expect(first.price / pair.startPrice).toBeLessThan(1.01);
    }
    expect(ticks.every((t) => t.price > 0 && t.size > 0)).toBe(true);
  });
});

describe('demoEvents speed and wire format', () => {
  it('generates 100,000 strategy discoveries in well under a second', () => {
    take({ ...base, strategies: 1000 }, 1000); // warm up the JIT
    const t0 = performance.now();
    const events = take({ ...base, strategies: 100_000 }, 100_000);
    const ms = performance.now() - t0;
    expect(events.at(-1)?.kind).toBe('strategy');
    expect(ms).toBeLessThan(1000);
  });

  it('produces events that survive the wire decoder unchanged, but for the deliberately bad strategies it refuses', () => {
    const opts = { subjectPrefix: 'tradestream', maxBytes: 65_536 };
    let refused = 0;
    for (const e of take({ ...base, candles: 3 }, 3000)) {
      const { seq, kind, ...body } = e;
      const wire =
        e.kind === 'strategy'
          ? { symbol: e.symbol, type: e.type, parameters: e.parameters, score: e.score, discoveredAt: new Date(e.ts).toISOString(), window: e.window }
          : body;
      const family = kind === 'strategy' ? 'strategies' : 'prices';
      const decoded = decodeMessage(JSON.stringify(wire), `tradestream.${family}.${symbolToSubjectToken(e.symbol)}`, seq, opts);
      if (e.kind === 'strategy' && !parseStrategy(e.type, e.parameters).ok) {
        // The source validates parameters with the catalog: the demo's bad ones never enter.
        expect(decoded).toMatchObject({ kind: 'rejection', code: 'bad_parameter', seq });
        refused++;
      } else expect(decoded).toEqual(e);
    }
    expect(refused).toBeGreaterThan(0);
  });
});
