// Found by a bug hunt: one tick stamped in 2206 (a mistyped year) moved the market clock for good:
// every strategy of every symbol aged out (354 strategy.rejected instead of 74), every position
// closed, every later tick of the symbol was late, and a replay did the same. A price more than
// evaluation.maxTimeJump ahead of the clock is now refused unless the next price confirms the jump.
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import type { InputEvent, OutputBatch, Rejection, SourceInput } from '../../src/domain/types.js';
import { demoEvents } from '../../src/sources/demo/demoFeed.js';
import { tradingPipeline } from '../../src/streams/tradingPipeline.js';

const config = defaultConfig();
const demo = [...demoEvents({ ...config.demo, seed: 5, strategies: 400, candles: 200, speed: 'max', warmupCandles: 0 }, config.evaluation.interval)];

async function run(events: readonly SourceInput[]): Promise<OutputBatch[]> {
  return lastValueFrom(from(events).pipe(tradingPipeline(config), toArray()));
}

/** The decisions of a run, without the seq (an inserted input shifts the later ones). */
function decisions(batches: readonly OutputBatch[]): string[] {
  return batches.flatMap((b) => b.outputs.filter((o) => o.kind === 'decision').map((o) => JSON.stringify({ ...o, seq: 0 })));
}

/** The events numbered 1, 2, ... in their order. */
const renumber = (events: readonly SourceInput[]) => events.map((e, i) => ({ ...e, seq: i + 1 }));

/** Every rejection the run's batches hold. */
const rejections = (batches: readonly OutputBatch[]) => batches.flatMap((b) => b.outputs).filter((o): o is Rejection => o.kind === 'rejection');

describe('a price stamped far ahead of the market clock', () => {
  it('is refused with its time named, and changes nothing else', async () => {
    const at = Math.floor(demo.length * 0.6);
    const tick = demo.slice(0, at).findLast((e) => e.kind === 'tick');
    if (tick?.kind !== 'tick') throw new Error('the demo feed has no tick');
    const wrong: InputEvent = { ...tick, seq: 0, ts: Date.UTC(2206, 0, 1) };
    const clean = await run(renumber(demo));
    const withWrong = await run(renumber([...demo.slice(0, at), wrong, ...demo.slice(at)]));
    const refused = rejections(withWrong).filter((r) => r.code === 'ts_too_far_ahead');
    expect(rejections(withWrong)).toHaveLength(rejections(clean).length + 1);
    expect(refused).toEqual([
      expect.objectContaining({
        code: 'ts_too_far_ahead',
        field: 'ts',
        source: 'tick',
        symbol: tick.symbol,
        reason: expect.stringContaining('tick time 2206-01-01T00:00:00.000Z is '),
      }),
    ]);
    expect(decisions(withWrong)).toEqual(decisions(clean));
  });

  it('is taken when the next price is as far ahead too (a gap in the feed), at the cost of one price', async () => {
    const ticks = demo.filter((e): e is Extract<InputEvent, { kind: 'tick' }> => e.kind === 'tick').slice(0, 50);
    const later = Date.UTC(2027, 5, 1);
    const events = [...ticks, { ...ticks[0]!, ts: later }, { ...ticks[1]!, ts: later + 1000 }, { ...ticks[2]!, ts: later + 2000 }].map((e, i) => ({
      ...e,
      seq: i + 1,
    }));
    const batches = await run(events);
    expect(
      batches
        .flatMap((b) => b.outputs)
        .filter((o) => o.kind === 'rejection')
        .map((o) => (o as Rejection).seq),
    ).toEqual([51]);
    expect(batches.at(-1)?.time).toBe(later + 2000);
  });
});

// Found by a bug hunt: a rediscovery stamped in 2099 (a mistyped year) among 2026 prices was taken:
// its strategy's recency stayed 1 and it passed the time filter until 2099, and its type's
// frequency counted it for ever. A strategy message more than evaluation.maxTimeJump ahead of the
// market clock is now refused, and changes nothing else.
describe('a discovery stamped far ahead of the market clock', () => {
  it('is refused with its discoveredAt named (one strategy.rejected), and changes nothing else', async () => {
    const at = Math.floor(demo.length * 0.6);
    const known = demo.slice(0, at).find((e) => e.kind === 'strategy' && !e.retired);
    if (known?.kind !== 'strategy') throw new Error('the demo feed has no discovery');
    const wrong: InputEvent = { ...known, seq: 0, ts: Date.UTC(2099, 0, 1) };
    const clean = await run(renumber(demo));
    const withWrong = await run(renumber([...demo.slice(0, at), wrong, ...demo.slice(at)]));
    expect(rejections(withWrong)).toHaveLength(rejections(clean).length + 1);
    expect(rejections(withWrong).filter((r) => r.code === 'ts_too_far_ahead')).toEqual([
      expect.objectContaining({
        seq: at + 1,
        source: 'strategy',
        field: 'discoveredAt',
        symbol: known.symbol,
        reason: expect.stringContaining(': discoveredAt 2099-01-01T00:00:00.000Z is '),
      }),
    ]);
    const refusal = (d: string) => (JSON.parse(d) as { details: { code?: string } }).details.code === 'ts_too_far_ahead';
    expect(decisions(withWrong).filter(refusal)).toHaveLength(1);
    expect(decisions(withWrong).filter((d) => !refusal(d))).toEqual(decisions(clean));
  });
});
