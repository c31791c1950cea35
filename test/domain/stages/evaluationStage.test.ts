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
