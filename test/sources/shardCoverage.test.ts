import { describe, expect, it } from 'vitest';
import { durableOwner } from '../../src/sources/jetstreamLive.js';
import { type DurableOwner, GRACE_MS, MAX_TRACKED_SYMBOLS, ShardCoverage } from '../../src/sources/shardCoverage.js';

interface Line {
  readonly level: 'info' | 'warn';
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

/**
 * A coverage check over owners that the test sets, recording its log lines and its readings; no
 * grace unless `timing` gives one (and, for a test's own clock, `clock`).
 */
function harness(initial: DurableOwner[], timing: { readonly graceMs?: number; readonly clock?: () => number } = {}) {
  let owners = initial;
  let failure: Error | null = null;
  const lines: Line[] = [];
  const state = { readings: 0, ownerless: [] as (readonly string[])[] };
  const coverage = new ShardCoverage(
    async () => {
      state.readings++;
      if (failure !== null) throw failure;
      return owners;
    },
    {
      info: (obj, msg) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
      warn: (obj, msg) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    },
    { stream: 'TRADESTREAM', consumer: 'engine-a' },
    (symbols) => state.ownerless.push(symbols),
    timing.graceMs ?? 0,
    timing.clock,
  );
  /** Passes over `n` messages of `symbol`, letting each reading finish before the next message. */
  const pass = async (symbol: string, n = 1): Promise<void> => {
    for (let i = 0; i < n; i++) {
      coverage.passedOver(symbol);
      await coverage.settled();
    }
  };
  return {
    coverage,
    lines,
    state,
    pass,
    setOwners: (next: DurableOwner[]) => (owners = next),
    fail: (error: Error | null) => (failure = error),
  };
}

const own = (...symbols: string[]): DurableOwner => new Set(symbols);

describe('ShardCoverage: a symbol that no engine owns', () => {
  it('is warned about at its 1st, 2nd, 4th, 8th... message passed over, naming it, until an engine for it appears', async () => {
    const h = harness([own('BTC/USD'), own('SOL/USD'), null]);
    await h.pass('ETH/USD', 8);
    const warned = h.lines.filter((l) => l.level === 'warn');
    expect(warned.map((l) => l.obj.passedOver)).toEqual([1, 2, 4, 8]);
    expect(warned[0]?.msg).toBe(
      "no engine owns ETH/USD: none of the stream's durables is for it, so every shard passes its messages over and nothing trades it; start an engine whose --symbols include it",
    );
    expect(warned[0]?.obj).toEqual({ stream: 'TRADESTREAM', consumer: 'engine-a', symbol: 'ETH/USD', passedOver: 1 });
    expect(h.state.readings).toBe(4);

    // An engine for it starts: the next reading (at 16) finds it, says so once, and reading stops.
    h.setOwners([own('BTC/USD'), own('SOL/USD', 'ETH/USD')]);
    await h.pass('ETH/USD', 100);
    expect(h.lines.filter((l) => l.level === 'warn')).toHaveLength(4);
    expect(h.lines.at(-1)).toEqual({
      level: 'info',
      obj: { stream: 'TRADESTREAM', consumer: 'engine-a', symbol: 'ETH/USD', passedOver: 16 },
      msg: 'a symbol no engine owned has an engine now',
    });
    expect(h.state.readings).toBe(5);
    // What each reading found ownerless (the metric): ETH/USD four times, then nothing.
    expect(h.state.ownerless).toEqual([['ETH/USD'], ['ETH/USD'], ['ETH/USD'], ['ETH/USD'], []]);
  });

  it('is covered by an engine that owns every symbol, read once and never warned about', async () => {
    const h = harness([own('BTC/USD'), 'every']);
    await h.pass('ETH/USD', 50);
    await h.pass('XRP/USD', 50);
    expect(h.lines).toEqual([]);
    expect(h.state.readings).toBe(2);
    expect(h.state.ownerless).toEqual([[], []]);
  });

  it('reads the durables again when they could not be read, at the next doubling, and goes on meanwhile', async () => {
    const h = harness([own('BTC/USD')]);
    h.fail(new Error('timeout'));
    await h.pass('ETH/USD', 3);
    // Read at the 1st and 2nd message, both failing; the 3rd waits for the 4th.
    const cannot = {
      level: 'warn',
      obj: { stream: 'TRADESTREAM', consumer: 'engine-a', err: 'Error: timeout' },
      msg: 'cannot read the durables of the stream to check that every symbol has an engine',
    };
    expect(h.lines).toEqual([cannot, cannot]);
    expect(h.state.readings).toBe(2);
    h.fail(null);
    await h.pass('ETH/USD', 1);
    expect(h.lines.at(-1)?.obj.passedOver).toBe(4);
    expect(h.lines.at(-1)?.level).toBe('warn');
  });
  it('says nothing of a symbol it never warned about when a reading failed before the one that found its engine', async () => {
    const h = harness([own('BTC/USD'), own('ETH/USD')]);
    h.fail(new Error('timeout'));
    await h.pass('ETH/USD', 1);
    h.fail(null);
    await h.pass('ETH/USD', 1);
    // One failed reading, then one that finds ETH/USD owned: no warning about it, so no "has an engine now".
    expect(h.lines.filter((l) => l.obj.symbol !== undefined)).toEqual([]);
    expect(h.state.readings).toBe(2);
  });
});

describe('ShardCoverage: the gauge and the log', () => {
  // A reading failed (the server restarting) with XRP/USD passed over: the next reading, made for
  // another symbol, counted XRP/USD in tradestream_symbols_without_engine without ever naming it in
  // a warning, until its count doubled.
  it('names in a warning every symbol the gauge counts, after a failed reading too', async () => {
    const h = harness([own('BTC/USD')]);
    h.fail(new Error('timeout'));
    await h.pass('XRP/USD', 1);
    h.fail(null);
    await h.pass('ETH/USD', 1);
    const warned = h.lines.filter((l) => l.level === 'warn' && l.obj.symbol !== undefined).map((l) => l.obj.symbol);
    expect(h.state.ownerless.at(-1)).toEqual(['ETH/USD', 'XRP/USD']);
    expect(warned.sort()).toEqual(['ETH/USD', 'XRP/USD']);
  });
});

describe('ShardCoverage: a flood of distinct symbols', () => {
  it('tracks at most MAX_TRACKED_SYMBOLS symbols and says once that it stopped, so bogus subjects cannot grow it', async () => {
    const h = harness([own('BTC/USD')]);
    for (let i = 0; i < MAX_TRACKED_SYMBOLS + 50; i++) await h.pass(`S${i}/USD`);
    const warnedSymbols = h.lines.filter((l) => l.obj.symbol !== undefined);
    expect(warnedSymbols).toHaveLength(MAX_TRACKED_SYMBOLS);
    expect(h.lines.filter((l) => l.msg.startsWith('more than'))).toHaveLength(1);
    expect(h.state.readings).toBe(MAX_TRACKED_SYMBOLS);
  });
});

describe('ShardCoverage while shards start', () => {
  it('reads nothing for its first GRACE_MS of consuming, then checks every symbol it passed over meanwhile', async () => {
    let now = 1_000;
    const h = harness([own('BTC/USD')], { graceMs: GRACE_MS, clock: () => now });
    // Another shard still starting: its symbols are passed over, unread, for 10 s.
    for (let i = 0; i < 500; i++) h.coverage.passedOver('ETH/USD');
    h.coverage.passedOver('XRP/USD');
    now += GRACE_MS - 1;
    h.coverage.passedOver('ETH/USD');
    await h.coverage.settled();
    expect(h.state.readings).toBe(0);
    // Then one message reads the durables once, for both symbols seen.
    now += 1;
    h.coverage.passedOver('ETH/USD');
    await h.coverage.settled();
    expect(h.state.readings).toBe(1);
    expect(h.lines.map((l) => l.obj)).toEqual([
      { stream: 'TRADESTREAM', consumer: 'engine-a', symbol: 'ETH/USD', passedOver: 502 },
      { stream: 'TRADESTREAM', consumer: 'engine-a', symbol: 'XRP/USD', passedOver: 1 },
    ]);
    h.coverage.stop();
  });
});

describe('ShardCoverage when the stream goes quiet during the grace', () => {
  // Shards started, then a file published at once: its messages were passed over within the
  // grace, nothing came after, and the symbol no engine owns was never checked nor warned about.
  it('checks the symbols passed over during the grace when it ends, with no further message', async () => {
    const h = harness([own('BTC/USD')], { graceMs: 50 });
    for (let i = 0; i < 3; i++) h.coverage.passedOver('XRP/USD');
    expect(h.state.readings).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    await h.coverage.settled();
    expect(h.state.readings).toBe(1);
    expect(h.lines.map((l) => l.obj)).toEqual([{ stream: 'TRADESTREAM', consumer: 'engine-a', symbol: 'XRP/USD', passedOver: 3 }]);
    expect(h.state.ownerless).toEqual([['XRP/USD']]);
    h.coverage.stop();
  });

  it('reads nothing when stopped during the grace', async () => {
    const h = harness([], { graceMs: 50 });
    h.coverage.passedOver('XRP/USD');
    h.coverage.stop();
    await new Promise((r) => setTimeout(r, 150));
    expect(h.state.readings).toBe(0);
  });
});

describe('ShardCoverage after stop()', () => {
  it('reports nothing of a reading cut by the source closing, and reads no more', async () => {
    let cut: (error: Error) => void = () => undefined;
    const lines: string[] = [];
    let readings = 0;
    const coverage = new ShardCoverage(
      () => {
        readings++;
        return new Promise((_, reject) => (cut = reject));
      },
      { info: (_obj, msg) => lines.push(msg), warn: (_obj, msg) => lines.push(msg) },
      { stream: 'TRADESTREAM', consumer: 'engine-a' },
      undefined,
      0,
    );
    coverage.passedOver('ETH/USD');
    coverage.stop();
    cut(new Error('connection closed'));
    await coverage.settled();
    coverage.passedOver('ETH/USD');
    coverage.passedOver('XRP/USD');
    await coverage.settled();
    expect(lines).toEqual([]);
    expect(readings).toBe(1);
  });
});

describe('durableOwner', () => {
  it("reads back whom an engine's durable is for from its description; another consumer is no engine's", () => {
    expect(durableOwner('TradeStream: durable of the engine owning every symbol')).toBe('every');
    expect(durableOwner('TradeStream: durable of the engine owning the symbols BTC/USD,ETH/USD')).toEqual(new Set(['BTC/USD', 'ETH/USD']));
    expect(durableOwner(undefined)).toBeNull();
    expect(durableOwner('a monitoring consumer')).toBeNull();
    expect(durableOwner('TradeStream: durable of the engine owning something else')).toBeNull();
  });
});
