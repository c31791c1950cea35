import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/cli/loadConfig.js';
import { EvaluationStage } from '../../../src/domain/stages/evaluationStage.js';
import type { StrategyEvent, TickEvent } from '../../../src/domain/types.js';
import { discoveryEvent } from '../../helpers/events.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const tick = (seq: number, ts: number): TickEvent => ({ kind: 'tick', seq, ts, symbol: 'BTC/USD', price: 100, size: 1 });
const discovery = (seq: number, ts: number): StrategyEvent => discoveryEvent(seq, ts);

describe('EvaluationStage clock', () => {
  it('keeps market time from prices: a discovery stamped in the future does not move it', () => {
    const stage = new EvaluationStage(defaultConfig().evaluation);
    expect(stage.step(tick(1, T0)).time).toBe(T0);
    const future = Date.parse('2099-01-01T00:00:00Z');
    const hostile = stage.step(discovery(2, future));
    // Its outputs carry market time, not its own.
    expect(hostile.time).toBe(T0);
    expect(hostile.outputs.find((o) => o.kind === 'decision')?.time).toBe(T0);
    expect(stage.step(tick(3, T0 + 1000)).time).toBe(T0 + 1000);
  });

  it('stamps discoveries before the first price with their own time, then follows prices', () => {
    const stage = new EvaluationStage(defaultConfig().evaluation);
    expect(stage.step(discovery(1, T0 - 5000)).time).toBe(T0 - 5000);
    expect(stage.step(discovery(2, T0 - 9000)).time).toBe(T0 - 9000);
    expect(stage.step(tick(3, T0)).time).toBe(T0);
    // A late tick does not move market time back.
    expect(stage.step(tick(4, T0 - 60_000)).time).toBe(T0);
  });
});

// Found by a bug hunt: a discovery stamped in 2099 among 2026 prices was taken, kept its strategy's
// recency at 1 and passed the time filter's age check until 2099, and its type's frequency counted
// it for ever. One more than evaluation.maxTimeJump (default 1 day) ahead of the market clock is now
// refused as a price that far ahead is.
describe('EvaluationStage: a strategy message stamped far ahead of the market clock', () => {
  const DAY = 86_400_000;
  const kinds = (outputs: readonly { kind: string; decision?: string }[]) => outputs.map((o) => (o.kind === 'decision' ? o.decision : o.kind));

  it('is refused one ms past evaluation.maxTimeJump, naming discoveredAt, its time, how far ahead, the clock and the setting', () => {
    const cfg = defaultConfig().evaluation;
    expect(cfg.maxTimeJump).toBe(DAY);
    const stage = new EvaluationStage(cfg);
    stage.step(tick(1, T0));
    const refused = stage.step(discovery(2, T0 + DAY + 1));
    expect(refused.time).toBe(T0);
    expect(kinds(refused.outputs)).toEqual(['rejection', 'strategy.rejected']);
    expect(refused.outputs[0]).toEqual({
      kind: 'rejection',
      seq: 2,
      source: 'strategy',
      code: 'ts_too_far_ahead',
      field: 'discoveredAt',
      symbol: 'BTC/USD',
      reason: expect.stringMatching(
        /^discovery of BTC\/USD:\S+: discoveredAt 2026-11-02T00:00:00\.001Z is 86400001 ms ahead of the market clock 2026-11-01T00:00:00\.000Z, more than evaluation\.maxTimeJump 86400000 ms$/,
      ),
    });
    expect(refused.outputs[1]).toMatchObject({ time: T0, seq: 2, details: { code: 'ts_too_far_ahead' } });
    expect(stage.book.size()).toBe(0);
    // A second one as far ahead does not confirm it: discoveries do not move the clock.
    expect(kinds(stage.step(discovery(3, T0 + DAY + 2)).outputs)).toEqual(['rejection', 'strategy.rejected']);
    expect(stage.book.size()).toBe(0);
    // Once prices bring the clock within reach, the same discovery is taken.
    stage.step(tick(4, T0 + 60_000));
    expect(kinds(stage.step(discoveryEvent(5, T0 + DAY + 1, { parameters: { rsiPeriod: 7 } })).outputs)).toEqual(['strategy', 'strategy.accepted']);
  });

  it('takes one exactly evaluation.maxTimeJump ahead', () => {
    const stage = new EvaluationStage(defaultConfig().evaluation);
    stage.step(tick(1, T0));
    const taken = stage.step(discovery(2, T0 + DAY));
    expect(kinds(taken.outputs)).toEqual(['strategy', 'strategy.accepted']);
    expect(stage.book.size()).toBe(1);
  });

  it('refuses a retirement that far ahead, which would keep the strategy out until then', () => {
    const stage = new EvaluationStage(defaultConfig().evaluation);
    stage.step(tick(1, T0));
    stage.step(discovery(2, T0));
    const retirement = stage.step(discoveryEvent(3, Date.parse('2099-01-01T00:00:00Z'), { parameters: { rsiPeriod: 7 }, retired: true }));
    expect(retirement.outputs[0]).toMatchObject({
      code: 'ts_too_far_ahead',
      field: 'discoveredAt',
      reason: expect.stringContaining(': discoveredAt 2099-01-01T00:00:00.000Z is '),
    });
    expect(retirement.outputs[0]).toMatchObject({ reason: expect.stringMatching(/^retirement of /) });
    expect(stage.book.size()).toBe(1);
  });

  it('takes any time before the first price: there is no market clock yet', () => {
    const stage = new EvaluationStage(defaultConfig().evaluation);
    const future = Date.parse('2099-01-01T00:00:00Z');
    const first = stage.step(discovery(1, future));
    expect(kinds(first.outputs)).toEqual(['strategy', 'strategy.accepted']);
    expect(first.time).toBe(future);
    expect(kinds(stage.step(discovery(2, T0)).outputs)).toEqual(['strategy', 'strategy.accepted']);
    expect(stage.book.size()).toBe(2);
  });
});
