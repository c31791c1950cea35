/**
 * Shard by symbol (DESIGN.md, Scale; `evaluation.symbols`): an engine that owns a set of symbols
 * and reads the whole stream must decide exactly what an engine fed only those symbols' inputs
 * decides, at the same input seqs, and hand every other input on as an empty batch (its seq is
 * committed and acked like any other).
 */
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import { asOwned, ownedSymbols, symbolsKey } from '../../src/domain/symbolShard.js';
import type { ControlEvent, MarketEvent, OutputBatch, SourceInput } from '../../src/domain/types.js';
import { type DecodeOptions, decodeMessage } from '../../src/sources/decode.js';
import { demoEvents } from '../../src/sources/demo/demoFeed.js';
import { tradingPipeline } from '../../src/streams/tradingPipeline.js';

const SHARD = ['ADA/USD', 'ETH/USD', 'SOL/USD'];

function configWith(symbols: string) {
  const base = defaultConfig();
  return {
    ...base,
    evaluation: { ...base.evaluation, symbols },
    demo: { ...base.demo, seed: 5, strategies: 300, candles: 150, speed: 'max' as const, warmupCandles: 0 },
  };
}

async function run(inputs: readonly SourceInput[], symbols: string): Promise<OutputBatch[]> {
  return lastValueFrom(from(inputs).pipe(tradingPipeline(configWith(symbols)), toArray()));
}

describe('an engine that owns some symbols', () => {
  it("decides exactly what an engine fed only its symbols' inputs decides, at the same seqs, and passes the others over", async () => {
    const config = configWith('');
    const events: MarketEvent[] = [...demoEvents(config.demo, config.evaluation.interval)];
    const owned = events.filter((e) => SHARD.includes(e.symbol));
    // Written out of order and with spaces: the set is what counts.
    const shard = await run(events, ' SOL/USD,ADA/USD , ETH/USD');
    const alone = await run(owned, '');

    expect(shard).toHaveLength(events.length);
    expect(shard.filter((b) => b.outputs.length > 0)).toEqual(alone.filter((b) => b.outputs.length > 0));
    // Positions were opened and closed on the shard's symbols: the comparison covers phases 4 and 5.
    const decided = (kind: string) => alone.flatMap((b) => b.outputs).filter((o) => o.kind === 'decision' && o.decision === kind).length;
    expect(decided('position.opened')).toBeGreaterThanOrEqual(10);
    expect(decided('position.closed')).toBeGreaterThanOrEqual(10);
    expect(decided('position.resized')).toBeGreaterThan(0);
    for (const [i, batch] of shard.entries()) {
      const event = events[i] as MarketEvent;
      expect(batch.seq).toBe(event.seq);
      if (!SHARD.includes(event.symbol)) expect(batch.outputs).toEqual([]);
      for (const output of batch.outputs) if ('symbol' in output && output.symbol !== null) expect(SHARD).toContain(output.symbol);
    }
  }, 60_000);

  it('takes the same inputs as Unowned from a source that read only their subjects', async () => {
    const config = configWith('');
    const events: MarketEvent[] = [...demoEvents(config.demo, config.evaluation.interval)].slice(0, 3_000);
    const owned = ownedSymbols(SHARD.join(','));
    const fromSubjects = events.map((e) => asOwned(e, owned));
    expect(fromSubjects.filter((e) => e.kind === 'unowned').length).toBeGreaterThan(1_000);
    expect(await run(fromSubjects, SHARD.join(','))).toEqual(await run(events, SHARD.join(',')));
  }, 60_000);
});

describe('ownership', () => {
  const owned = ownedSymbols('BTC/USD,ETH/USD');
  const tick: MarketEvent = { kind: 'tick', seq: 3, symbol: 'SOL/USD', ts: 1, price: 150, size: 1 };
  const reset: ControlEvent = { kind: 'control', seq: 4, command: 'breaker.reset', ts: 1, operator: 'ops', reason: 'checked', symbols: null };

  it('reads the configured list as a set, and an empty list as every symbol', () => {
    expect(ownedSymbols('')).toBeNull();
    expect(ownedSymbols(' , ')).toBeNull();
    expect([...(ownedSymbols(' ETH/USD ,BTC/USD') ?? [])]).toEqual(['ETH/USD', 'BTC/USD']);
    expect(symbolsKey('ETH/USD, BTC/USD')).toBe('BTC/USD,ETH/USD');
    expect(symbolsKey('')).toBe('');
  });

  it("turns another symbol's event into Unowned, and leaves owned events, operator commands and rejections as they are", () => {
    expect(asOwned(tick, owned)).toEqual({ kind: 'unowned', seq: 3, symbol: 'SOL/USD' });
    expect(asOwned(tick, null)).toBe(tick);
    expect(asOwned({ ...tick, symbol: 'BTC/USD' }, owned).kind).toBe('tick');
    // Every engine keeps a breaker of its own: an operator's reset reaches every one, unless it
    // names symbols, and then the engines that own any of them.
    expect(asOwned(reset, owned)).toBe(reset);
    const forSol = { ...reset, symbols: ['SOL/USD', 'XRP/USD'] };
    expect(asOwned(forSol, owned)).toEqual({ kind: 'unowned', seq: 4, symbol: null });
    expect(asOwned(forSol, null)).toBe(forSol);
    expect(asOwned({ ...reset, symbols: ['SOL/USD', 'ETH/USD'] }, owned).kind).toBe('control');
  });

  it("applies an operator's reset addressed to its symbols, and passes over one addressed to others'", async () => {
    const config = configWith('');
    const events: SourceInput[] = [...demoEvents(config.demo, config.evaluation.interval)].slice(0, 2_000);
    const seq = (events.at(-1)?.seq ?? 0) + 1;
    const addressed = (symbols: string[] | null): SourceInput => ({ ...reset, seq, symbols });
    const lastBatch = async (command: SourceInput, engineSymbols: string) => (await run([...events, command], engineSymbols)).at(-1);
    expect((await lastBatch(addressed(['SOL/USD']), 'BTC/USD,ETH/USD'))?.outputs).toEqual([]);
    for (const [command, engineSymbols] of [
      [addressed(['SOL/USD', 'ETH/USD']), 'BTC/USD,ETH/USD'],
      [addressed(null), 'BTC/USD,ETH/USD'],
      [addressed(['SOL/USD']), ''],
    ] as const) {
      const decision = (await lastBatch(command, engineSymbols))?.outputs.find((o) => o.kind === 'decision');
      expect(decision).toMatchObject({ decision: 'breaker.changed', details: { operator: 'ops' } });
    }
  }, 60_000);

  it("does not read the body of another symbol's message, and still refuses a subject that names no symbol", () => {
    const opts: DecodeOptions = { subjectPrefix: 'tradestream', maxBytes: 65_536, owned };
    expect(decodeMessage('{not json', 'tradestream.prices.SOL-USD', 9, opts)).toEqual({ kind: 'unowned', seq: 9, symbol: 'SOL/USD' });
    expect(decodeMessage('{not json', 'tradestream.strategies.SOL-USD', 9, opts)).toEqual({ kind: 'unowned', seq: 9, symbol: 'SOL/USD' });
    expect(decodeMessage('{not json', 'tradestream.prices.BTC-USD', 9, opts)).toMatchObject({ kind: 'rejection', code: 'invalid_json' });
    expect(decodeMessage('{}', 'tradestream.prices.not_a_symbol', 9, opts)).toMatchObject({ kind: 'rejection', code: 'bad_symbol' });
    expect(decodeMessage('{}', 'tradestream.other.SOL-USD', 9, opts)).toMatchObject({ kind: 'rejection', code: 'unknown_subject' });
    const body = JSON.stringify({ operator: 'ops', reason: 'checked', ts: '2026-11-20T10:00:00Z' });
    expect(decodeMessage(body, 'tradestream.control.breaker-reset', 9, opts).kind).not.toBe('unowned');
  });
});
