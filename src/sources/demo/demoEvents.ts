import type { DemoConfig } from '../../../config/engine.js';
import type { MarketEvent, Millis, StrategyEvent } from '../../domain/types.js';
import { parseTimestamp } from '../schemas.js';
import { DEMO_PAIRS, type DemoPair } from './pairs.js';
import { PriceModel } from './priceModel.js';
import { deriveSeed, Random } from './random.js';
import { type Discovery, StrategyGenerator } from './strategyGenerator.js';

const DAY = 86_400_000;
/** Discovery history spans this long before the first tick; some of it is older than 90 days. */
export const HISTORY_DAYS = 120;
/** Share of history discoveries that rediscover an earlier strategy. */
const HISTORY_REDISCOVER_SHARE = 0.2;
/** During the run, discoveries per candle interval per 2,000 configured strategies (1 by default). */
const LIVE_DISCOVERIES_PER_2000 = 1;
/** During the run, a discovery is a rediscovery this often: the search keeps finding its winners. */
const LIVE_REDISCOVER_SHARE = 0.6;

/** Independent random streams, so that e.g. the strategy count does not change the prices. */
const STREAM_HISTORY = 1;
const STREAM_PRICES = 2;
const STREAM_LIVE = 3;

/**
 * Event time (epoch ms) of the first candle of the demo run: `cfg.start` rounded up to a whole
 * interval, so that the run spans exactly `cfg.candles` candles. Throws RangeError on a bad start.
 */
export function demoRunStart(cfg: DemoConfig, interval: Millis): Millis {
  const start = parseTimestamp(cfg.start);
  if (start === null) throw new RangeError(`demo start must be an ISO 8601 time with a zone (was ${JSON.stringify(cfg.start)})`);
  return Math.ceil(start / interval) * interval;
}

/** A run event before it is numbered: a tick (pair >= 0) or a discovery. */
interface Draft {
  readonly ts: Millis;
  /** Strategies before ticks at equal times, then ticks by pair (alphabetical) order. */
  readonly order: number;
  readonly price: number;
  readonly size: number;
  readonly discovery: Discovery | null;
}

function strategyEvent(d: Discovery, seq: number): StrategyEvent {
  return {
    kind: 'strategy',
    seq,
    ts: d.ts,
    symbol: d.symbol,
    type: d.type,
    parameters: d.parameters,
    score: d.score,
    window: d.window,
    externalId: null,
    retired: false,
  };
}

function byTimeThenOrder(a: Draft, b: Draft): number {
  return a.ts - b.ts || a.order - b.order;
}

/**
 * The demo feed as a synchronous generator (deterministic: equal config, equal events). Yields
 * InputEvents with seq 1, 2, 3, … in event-time order:
 * 1. `cfg.strategies` strategy discoveries (20% of them rediscoveries) spread uniformly over the
 *    120 days before the run, across the 16 pairs;
 * 2. for each candle interval of the run (`interval` ms, starting at demoRunStart), per pair
 *    `cfg.ticksPerCandle` trade ticks, one in each equal slice of the interval at a random instant,
 *    interleaved by time then symbol; plus about cfg.strategies / 2,000 discoveries per interval
 *    (60% rediscoveries) at random instants;
 * 3. when `cfg.candles` > 0: after that many intervals, one tick per pair at the start of the next
 *    interval, which closes the last candle in any candle builder, and the generator returns.
 *    With `cfg.candles` = 0 it never returns.
 * Strategy windows and discovery times are epoch ms; prices USD; sizes base units.
 * Throws RangeError on an unusable config (bad start, interval or ticksPerCandle).
 */
export function* demoEvents(cfg: DemoConfig, interval: Millis): Generator<MarketEvent> {
  if (!Number.isSafeInteger(interval) || interval <= 0) throw new RangeError(`demo interval must be a positive integer of ms (was ${interval})`);
  if (!Number.isSafeInteger(cfg.ticksPerCandle) || cfg.ticksPerCandle < 1) {
    throw new RangeError(`demo ticksPerCandle must be a positive integer (was ${cfg.ticksPerCandle})`);
  }
  const runStart = demoRunStart(cfg, interval);
  const generator = new StrategyGenerator(DEMO_PAIRS, new Random(deriveSeed(cfg.seed, STREAM_HISTORY)));
  let seq = 0;

  const historyRng = new Random(deriveSeed(cfg.seed, STREAM_HISTORY + 100));
  const times = new Float64Array(cfg.strategies);
  for (let i = 0; i < times.length; i++) times[i] = runStart - 1 - Math.floor(historyRng.next() * HISTORY_DAYS * DAY);
  times.sort();
  for (const ts of times) yield strategyEvent(generator.discover(ts, HISTORY_REDISCOVER_SHARE), ++seq);

  const prices = new PriceModel(DEMO_PAIRS, new Random(deriveSeed(cfg.seed, STREAM_PRICES)), interval, cfg.ticksPerCandle);
  const liveRng = new Random(deriveSeed(cfg.seed, STREAM_LIVE));
  const liveRate = (cfg.strategies / 2000) * LIVE_DISCOVERIES_PER_2000;
  const tpc = cfg.ticksPerCandle;
  const tick = (pair: number, ts: Millis, price: number): Draft => ({ ts, order: 1 + pair, price, size: prices.tradeSize(pair), discovery: null });
  // Object literals of one shape, not spreads: this line runs for every tick.
  const emit = (d: Draft): MarketEvent =>
    d.discovery === null
      ? { kind: 'tick', seq: ++seq, symbol: (DEMO_PAIRS[d.order - 1] as DemoPair).symbol, ts: d.ts, price: d.price, size: d.size }
      : strategyEvent(d.discovery, ++seq);

  for (let candle = 0; cfg.candles === 0 || candle < cfg.candles; candle++) {
    const bucket = runStart + candle * interval;
    const drafts: Draft[] = [];
    prices.startCandle();
    for (let k = 0; k < tpc; k++) {
      const from = bucket + Math.floor((k * interval) / tpc);
      const width = bucket + Math.floor(((k + 1) * interval) / tpc) - from;
      const step = prices.step();
      for (let p = 0; p < DEMO_PAIRS.length; p++) drafts.push(tick(p, from + (width > 0 ? prices.jitter(width) : 0), step[p] as number));
    }
    const discoveries = Math.floor(liveRate) + (liveRng.chance(liveRate % 1) ? 1 : 0);
    for (let i = 0; i < discoveries; i++) {
      const ts = bucket + liveRng.int(0, interval - 1);
      drafts.push({ ts, order: 0, price: 0, size: 0, discovery: generator.discover(ts, LIVE_REDISCOVER_SHARE) });
    }
    drafts.sort(byTimeThenOrder);
    for (const d of drafts) yield emit(d);
  }

  const closing = runStart + cfg.candles * interval;
  prices.startCandle();
  const step = prices.step();
  for (let p = 0; p < DEMO_PAIRS.length; p++) yield emit(tick(p, closing, step[p] as number));
}
