import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { SizingConfig } from '../../config/engine.js';
import { type BreakerStatus, initialBreaker, resetBreaker, updateBreaker } from '../../src/domain/drawdownBreaker.js';
import { DAY, HOUR, sizingDefaults as cfg } from './sizingFixtures.js';

const T0 = 1_800_000_000_000;

/** Feeds equity marks one after another, as the pipeline does, and returns every update. */
function marks(equities: readonly (readonly [number, number])[], start: BreakerStatus = initialBreaker(100_000)) {
  let status = start;
  return equities.map(([equity, time]) => {
    const update = updateBreaker(status, equity, time, cfg);
    status = update.status;
    return update;
  });
}

describe('drawdownBreaker', () => {
  it('uses the documented sizing defaults in these tests', () => {
    expect(Value.Default(SizingConfig, {})).toEqual(cfg);
  });

  it('starts NORMAL at full size with the high-water mark at the starting capital', () => {
    expect(initialBreaker(100_000)).toEqual({ state: 'NORMAL', highWaterMark: 100_000, drawdown: 0, sizeScale: 1, haltedAt: null });
  });

  it('raises the high-water mark with equity and measures drawdown from it', () => {
    const [up, down] = marks([
      [104_000, T0],
      [101_400, T0 + 1],
    ]);
    expect(up?.status.highWaterMark).toBe(104_000);
    expect(up?.change).toBeNull();
    // (104000 − 101400) / 104000 = 2600 / 104000 = 0.025: still below the 5% reduce level.
    expect(down?.status).toEqual({ state: 'NORMAL', highWaterMark: 104_000, drawdown: 0.025, sizeScale: 1, haltedAt: null });
    expect(down?.change).toBeNull();
  });

  it('enters REDUCING at a 5% drawdown, still at full size on the boundary', () => {
    const [justBelow, atLevel] = marks([
      [95_001, T0],
      [95_000, T0 + 1],
    ]);
    expect(justBelow?.status.state).toBe('NORMAL');
    // 5000 / 100000 = 0.05 = drawdownReduce; scale (0.10 − 0.05) / (0.10 − 0.05) = 1.
    expect(atLevel?.status).toMatchObject({ state: 'REDUCING', drawdown: 0.05, sizeScale: 1 });
    expect(atLevel?.change).toEqual({ from: 'NORMAL', to: 'REDUCING', reason: expect.stringContaining('drawdown 5% reached reduce level 5%') });
  });

  it('scales sizes linearly to 0.5 at a 7.5% drawdown', () => {
    const [update] = marks([[92_500, T0]]);
    // dd = 7500 / 100000 = 0.075; scale = (0.10 − 0.075) / (0.10 − 0.05) = 0.025 / 0.05 = 0.5.
    expect(update?.status.state).toBe('REDUCING');
    expect(update?.status.drawdown).toBeCloseTo(0.075, 12);
    expect(update?.status.sizeScale).toBeCloseTo(0.5, 12);
    expect(update?.change?.reason).toContain('sizes scaled by 0.5');
  });

  it('returns to NORMAL when equity recovers above the reduce level', () => {
    const [, recovered] = marks([
      [93_000, T0],
      [99_000, T0 + 1],
    ]);
    // 1000 / 100000 = 1% < 5%.
    expect(recovered?.status).toMatchObject({ state: 'NORMAL', sizeScale: 1, drawdown: 0.01 });
    expect(recovered?.change).toMatchObject({ from: 'REDUCING', to: 'NORMAL' });
  });

  it('halts at a 10% drawdown with size 0 and the halt time', () => {
    const [reducing, halted] = marks([
      [92_500, T0],
      [90_000, T0 + 60_000],
    ]);
    expect(reducing?.status.state).toBe('REDUCING');
    // 10000 / 100000 = 0.1 = drawdownHalt.
    expect(halted?.status).toEqual({ state: 'HALTED', highWaterMark: 100_000, drawdown: 0.1, sizeScale: 0, haltedAt: T0 + 60_000 });
    expect(halted?.change).toEqual({ from: 'REDUCING', to: 'HALTED', reason: expect.stringContaining('drawdown 10% reached halt level 10%') });
  });

  it('stays HALTED inside the cooldown even when equity recovers', () => {
    const updates = marks([
      [89_000, T0],
      [100_000, T0 + DAY - 1],
    ]);
    const inside = updates[1];
    expect(inside?.status).toEqual({ state: 'HALTED', highWaterMark: 100_000, drawdown: 0, sizeScale: 0, haltedAt: T0 });
    expect(inside?.change).toBeNull();
  });

  it('leaves HALTED once the cooldown has passed, re-basing the high-water mark to current equity', () => {
    const [, , after, nextDrop] = marks([
      [89_000, T0],
      [88_000, T0 + HOUR],
      [91_000, T0 + DAY],
      // 5% below the re-based mark: 91000 × 0.95 = 86450, dd = 4550 / 91000 = 0.05.
      [86_450, T0 + DAY + 1],
    ]);
    expect(after?.status).toEqual({ state: 'NORMAL', highWaterMark: 91_000, drawdown: 0, sizeScale: 1, haltedAt: null });
    expect(after?.change).toEqual({ from: 'HALTED', to: 'NORMAL', reason: expect.stringContaining('high-water mark re-based from 100000.00 to equity 91000.00') });
    expect(nextDrop?.status).toMatchObject({ state: 'REDUCING', highWaterMark: 91_000, drawdown: 0.05 });
  });

  it('lets an operator reset a halted breaker at once, re-basing the high-water mark', () => {
    const [halted] = marks([[85_000, T0]]);
    const reset = resetBreaker(halted?.status as BreakerStatus, 85_000, T0 + 5);
    expect(reset.status).toEqual({ state: 'NORMAL', highWaterMark: 85_000, drawdown: 0, sizeScale: 1, haltedAt: null });
    expect(reset.change).toEqual({ from: 'HALTED', to: 'NORMAL', reason: expect.stringContaining('operator reset') });
  });

  it('has no REDUCING band when the reduce level is not below the halt level', () => {
    const flat = { ...cfg, drawdownReduce: 0.1, drawdownHalt: 0.1 };
    expect(updateBreaker(initialBreaker(100_000), 92_000, T0, flat).status.state).toBe('NORMAL');
    expect(updateBreaker(initialBreaker(100_000), 90_000, T0, flat).status.state).toBe('HALTED');
  });

  it('throws on equity that is not a number and on a HALTED status without a halt time', () => {
    expect(() => updateBreaker(initialBreaker(100_000), Number.NaN, T0, cfg)).toThrow(RangeError);
    const broken: BreakerStatus = { state: 'HALTED', highWaterMark: 100_000, drawdown: 0.2, sizeScale: 0, haltedAt: null };
    expect(() => updateBreaker(broken, 80_000, T0, cfg)).toThrow(/haltedAt/);
    expect(() => initialBreaker(0)).toThrow(RangeError);
  });
});

