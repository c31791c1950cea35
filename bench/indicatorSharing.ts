/**
 * Issue 3's figure: the cost per strategy per candle with shared indicators versus without, on the
 * live engine's own code (StrategyBook + evaluateCandle). Shared: all strategies of one symbol in
 * one book, so equal indicators are one instance. Unshared: each strategy in a book of its own,
 * so every strategy computes its own indicators. Same strategies, same candles, same process;
 * prints a table and writes bench/sharing.json.
 *
 *   node dist/bench/indicatorSharing.js [--strategies=2000] [--candles=400]
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defaultConfig } from '../src/cli/loadConfig.js';
import { CandleBuilder } from '../src/domain/candleBuilder.js';
import { parseStrategy } from '../src/domain/strategies/catalog.js';
import { evaluateCandle, StrategyBook } from '../src/domain/strategyBook.js';
import type { Candle, StrategyEvent } from '../src/domain/types.js';
import { demoEvents } from '../src/sources/demo/demoFeed.js';

const SYMBOL = 'BTC/USD';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.split('=')[1]);
}

/** Valid strategies of the demo generator, all moved onto one symbol, and that symbol's candles. */
function workload(strategies: number, candles: number): { discoveries: StrategyEvent[]; candles: Candle[] } {
  const config = defaultConfig();
  const demo = { ...config.demo, seed: 42, strategies, candles, speed: 'max' as const, warmupCandles: 0 };
  const discoveries: StrategyEvent[] = [];
  const builder = new CandleBuilder(SYMBOL, config.evaluation.interval);
  const closed: Candle[] = [];
  for (const event of demoEvents(demo, config.evaluation.interval)) {
    if (event.kind === 'strategy') {
      if (!event.retired && parseStrategy(event.type, event.parameters).ok) discoveries.push({ ...event, symbol: SYMBOL });
    } else if (event.kind === 'tick' && event.symbol === SYMBOL) {
      const { closed: candle } = builder.onTick(event);
      if (candle !== null) closed.push(candle);
    }
  }
  return { discoveries, candles: closed };
}

/** Registers the discoveries and builds them (rules, accounts, shared series), as a symbol's next price would. */
function register(books: StrategyBook[], discoveries: readonly StrategyEvent[], shared: boolean): void {
  const config = defaultConfig();
  for (const d of discoveries) {
    if (!shared) books.push(new StrategyBook(config.evaluation));
    (books[books.length - 1] as StrategyBook).applyStrategy(d, d.ts);
  }
  for (const book of books) book.book(SYMBOL).buildPending();
}

/** ns per strategy-candle over all candles, after the first `warm` candles. */
function run(books: readonly StrategyBook[], candles: readonly Candle[], strategies: number, warm: number): number {
  let measured = 0;
  let started = 0;
  candles.forEach((candle, i) => {
    if (i === warm) started = performance.now();
    for (const book of books) evaluateCandle(book.book(SYMBOL), candle);
    if (i >= warm) measured++;
  });
  return ((performance.now() - started) * 1e6) / (measured * strategies);
}

export interface SharingResult {
  readonly strategies: number;
  readonly candles: number;
  readonly measuredCandles: number;
  readonly shared: { readonly nsPerStrategyCandle: number; readonly indicatorInstances: number; readonly consumers: number };
  readonly unshared: { readonly nsPerStrategyCandle: number; readonly indicatorInstances: number };
  readonly speedup: number;
}

/** Measures both layouts on `strategyCount` demo strategies and `candleCount` candles' worth of demo ticks. */
export function measureSharing(strategyCount: number, candleCount: number): SharingResult {
  const { discoveries, candles } = workload(strategyCount, candleCount);
  const warm = Math.min(60, Math.floor(candles.length / 4));
  const fresh = (isShared: boolean): StrategyBook[] => {
    const books = isShared ? [new StrategyBook(defaultConfig().evaluation)] : [];
    register(books, discoveries, isShared);
    return books;
  };
  const probeShared = fresh(true);
  const probeUnshared = fresh(false);
  const strategies = probeShared[0]?.size() ?? 0;
  const sharedHub = probeShared[0]?.book(SYMBOL).hub.stats() ?? { instances: 0, consumers: 0 };
  let unsharedInstances = 0;
  for (const b of probeUnshared) unsharedInstances += b.book(SYMBOL).hub.stats().instances;
  // A figure over strategies that hold no series would be a fake result.
  if (strategies === 0 || sharedHub.consumers === 0 || unsharedInstances === 0) {
    throw new Error(`indicator sharing: nothing built (${strategies} strategies, ${sharedHub.consumers} series holds shared, ${unsharedInstances} instances unshared)`);
  }
  // Alternate the two on fresh books (event time only moves forward); median of each.
  const sharedNs: number[] = [];
  const unsharedNs: number[] = [];
  for (let round = 0; round < 3; round++) {
    sharedNs.push(run(fresh(true), candles, strategies, warm));
    unsharedNs.push(run(fresh(false), candles, strategies, warm));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return {
    strategies,
    candles: candles.length,
    measuredCandles: candles.length - warm,
    shared: { nsPerStrategyCandle: median(sharedNs), indicatorInstances: sharedHub.instances, consumers: sharedHub.consumers },
    unshared: { nsPerStrategyCandle: median(unsharedNs), indicatorInstances: unsharedInstances },
    speedup: median(unsharedNs) / median(sharedNs),
  };
}

function main(): void {
  const result = measureSharing(flag('strategies', 2000), flag('candles', 400));
  const { strategies } = result;
  console.log(`Indicator sharing: ${strategies} strategies on one symbol, ${result.measuredCandles} candles measured (3 rounds, median)`);
  console.log('| | ns per strategy-candle | indicator instances |');
  console.log('|---|---|---|');
  console.log(`| shared (one hub per symbol) | ${result.shared.nsPerStrategyCandle.toFixed(0)} | ${result.shared.indicatorInstances} (held ${result.shared.consumers} times) |`);
  console.log(`| unshared (one hub per strategy) | ${result.unshared.nsPerStrategyCandle.toFixed(0)} | ${result.unshared.indicatorInstances} |`);
  console.log(`| unshared ÷ shared | ${result.speedup.toFixed(2)}× | |`);
  writeFileSync(fileURLToPath(new URL('../../bench/sharing.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
