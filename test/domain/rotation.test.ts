import { describe, expect, it } from 'vitest';
import type { RotationConfig } from '../../config/engine.js';
import { initialRotation, type RotationState, rotate } from '../../src/domain/rotation.js';
import type { Ensemble } from '../../src/domain/types.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A day boundary in epoch ms (20,000 days since epoch), so schedule alignment is easy to read. */
const D0 = 20_000 * DAY;

/** Defaults of config/engine.ts: threshold 0.10, minimum hold 1 h, scheduled rotation every 24 h. */
const cfg: RotationConfig = { threshold: 0.1, minHold: HOUR, schedule: DAY };

/** An ensemble with the figures rotation looks at; members and P/D/R are irrelevant here. */
function ensemble(id: string, total: number, usable = true, exposure = 0.5): Ensemble {
  return {
    kind: 'ensemble',
    time: D0,
    symbol: 'BTC/USD',
    id,
    members: [],
    total,
    performance: 0,
    diversification: 0,
    risk: 0,
    usable,
    exposure,
    active: false,
  };
}

/** State with `active` taken at `since` (via rotate itself, so nextScheduled is what rotate sets). */
function holding(active: Ensemble, since: number): RotationState {
  const { state, decision } = rotate(initialRotation, active, null, since, cfg);
  expect(decision?.details.to).toBe(active.id);
  return state;
}

describe('rotate', () => {
  it('takes the best usable ensemble when none is active', () => {
    const x = ensemble('X', 0.75);
    const { state, decision } = rotate(initialRotation, x, null, D0 + 10 * HOUR, cfg);
    expect(state).toEqual({ active: { ...x, active: true }, activeSince: D0 + 10 * HOUR, nextScheduled: D0 + DAY });
    expect(decision).toEqual({
      kind: 'decision',
      decision: 'rotation',
      time: D0 + 10 * HOUR,
      seq: 0,
      symbol: 'BTC/USD',
      reason: 'no active ensemble; taking X (total 0.75)',
      details: { trigger: 'initial', from: null, to: 'X', fromTotal: null, toTotal: 0.75 },
    });
  });

  it('takes nothing when the best ensemble is unusable or absent', () => {
    expect(rotate(initialRotation, ensemble('X', 0.65, false), null, D0, cfg)).toEqual({
      state: { active: null, activeSince: null, nextScheduled: D0 + DAY },
      decision: null,
    });
    expect(rotate(initialRotation, null, null, D0, cfg).decision).toBeNull();
  });

  it('does not switch inside the minimum hold even when the challenger is far better', () => {
    // Held 59 minutes < 60: 0.99 beats 0.71 by 0.28 >= 0.10, but the hold has not passed.
    const state = holding(ensemble('X', 0.71), D0 + 10 * HOUR);
    const current = ensemble('X', 0.71);
    const result = rotate(state, ensemble('Y', 0.99), current, D0 + 10 * HOUR + 59 * MINUTE, cfg);
    expect(result.decision).toBeNull();
    expect(result.state.active?.id).toBe('X');
  });

  it('switches after the minimum hold when the challenger beats the active by the threshold', () => {
    // Held 2 h >= 1 h; 0.84 − 0.71 = 0.13 >= 0.10.
    const state = holding(ensemble('X', 0.71), D0 + 10 * HOUR);
    const y = ensemble('Y', 0.84);
    const { state: next, decision } = rotate(state, y, ensemble('X', 0.71), D0 + 12 * HOUR, cfg);
    expect(decision?.reason).toBe('challenger 0.84 beats active 0.71 by 0.13 >= 0.10 after 2.0 h hold; switching to Y (total 0.84)');
    expect(decision?.details).toEqual({ trigger: 'threshold', from: 'X', to: 'Y', fromTotal: 0.71, toTotal: 0.84 });
    expect(next).toEqual({ active: { ...y, active: true }, activeSince: D0 + 12 * HOUR, nextScheduled: D0 + DAY });
  });

  it('switches exactly at the minimum hold and at an improvement equal to the threshold despite rounding', () => {
    // Threshold 0.07: on paper 0.58 = 0.51 + 0.07, but floats give 0.51 + 0.07 = 0.5800000000000001 > 0.58.
    // Held exactly 1 h.
    expect(0.51 + 0.07).toBeGreaterThan(0.58);
    const state = holding(ensemble('X', 0.51), D0 + 10 * HOUR);
    const result = rotate(state, ensemble('Y', 0.58), ensemble('X', 0.51), D0 + 11 * HOUR, { ...cfg, threshold: 0.07 });
    expect(result.decision?.reason).toBe('challenger 0.58 beats active 0.51 by 0.07 >= 0.07 after 1.0 h hold; switching to Y (total 0.58)');
  });

  it('does not switch when the improvement is below the threshold', () => {
    // Held 5 h, but 0.80 − 0.71 = 0.09 < 0.10.
    const state = holding(ensemble('X', 0.71), D0 + 10 * HOUR);
    const result = rotate(state, ensemble('Y', 0.8), ensemble('X', 0.71), D0 + 15 * HOUR, cfg);
    expect(result.decision).toBeNull();
    expect(result.state.active?.id).toBe('X');
    expect(result.state.activeSince).toBe(D0 + 10 * HOUR);
  });

  it('takes the best usable ensemble outright at the scheduled rotation', () => {
    // Taken at 23:30, next scheduled rotation at 24:00. At 24:01 the hold (31 min) has not passed and
    // 0.75 − 0.71 = 0.04 < 0.10, yet the scheduled rotation takes Y.
    const state = holding(ensemble('X', 0.71), D0 + 23 * HOUR + 30 * MINUTE);
    expect(state.nextScheduled).toBe(D0 + DAY);
    const { state: next, decision } = rotate(state, ensemble('Y', 0.75), ensemble('X', 0.71), D0 + DAY + MINUTE, cfg);
    expect(decision?.reason).toBe('scheduled rotation (active total 0.71); switching to Y (total 0.75)');
    expect(decision?.details.trigger).toBe('scheduled');
    expect(next.active?.id).toBe('Y');
    expect(next.nextScheduled).toBe(D0 + 2 * DAY);
  });

  it('keeps the active ensemble at the scheduled rotation when the best one is not better', () => {
    const state = holding(ensemble('X', 0.8), D0 + 20 * HOUR);
    const result = rotate(state, ensemble('Y', 0.75), ensemble('X', 0.8), D0 + DAY, cfg);
    expect(result.decision).toBeNull();
    expect(result.state.active?.id).toBe('X');
    expect(result.state.nextScheduled).toBe(D0 + 2 * DAY);
  });

  it('does not rotate on schedule before the boundary, and never when the schedule is 0', () => {
    const state = holding(ensemble('X', 0.71), D0 + 23 * HOUR + 30 * MINUTE);
    expect(rotate(state, ensemble('Y', 0.75), ensemble('X', 0.71), D0 + DAY - 1, cfg).decision).toBeNull();
    const off = { ...cfg, schedule: 0 };
    const unscheduled = rotate(initialRotation, ensemble('X', 0.71), null, D0, off).state;
    expect(unscheduled.nextScheduled).toBeNull();
    expect(rotate(unscheduled, ensemble('Y', 0.75), ensemble('X', 0.71), D0 + 3 * DAY, off).decision).toBeNull();
  });

  it('replaces an active ensemble whose member is gone at once, inside the hold, even by a lower total', () => {
    const state = holding(ensemble('X', 0.9), D0 + 10 * HOUR);
    const { state: next, decision } = rotate(state, ensemble('Y', 0.72), null, D0 + 10 * HOUR + MINUTE, cfg, ['BTC/USD:SMA_RSI:1a2b']);
    expect(decision?.reason).toBe('member BTC/USD:SMA_RSI:1a2b gone (retired or excluded by the time filter); switching to Y (total 0.72)');
    expect(decision?.details).toEqual({ trigger: 'invalid', from: 'X', to: 'Y', fromTotal: 0.9, toTotal: 0.72 });
    expect(next.active?.id).toBe('Y');
    expect(next.activeSince).toBe(D0 + 10 * HOUR + MINUTE);
  });

  it('drops an invalid active ensemble to none when no usable ensemble exists', () => {
    const state = holding(ensemble('X', 0.9), D0 + 10 * HOUR);
    const { state: next, decision } = rotate(state, ensemble('Y', 0.6, false), null, D0 + 10 * HOUR + MINUTE, cfg);
    expect(decision?.reason).toBe('a member is gone (retired or excluded by the time filter); no usable ensemble, going flat');
    expect(decision?.details).toMatchObject({ from: 'X', to: null, toTotal: null });
    expect(next).toEqual({ active: null, activeSince: null, nextScheduled: D0 + DAY });
  });

  it('replaces an active ensemble that is no longer usable at once', () => {
    // Re-scored at 0.65 (below the usable floor) one minute after it was taken; Y at 0.70 is usable.
    const state = holding(ensemble('X', 0.8), D0 + 10 * HOUR);
    const { decision } = rotate(state, ensemble('Y', 0.7), ensemble('X', 0.65, false), D0 + 10 * HOUR + MINUTE, cfg);
    expect(decision?.reason).toBe('active X no longer usable (total 0.65); switching to Y (total 0.70)');
    expect(decision?.details).toEqual({ trigger: 'unusable', from: 'X', to: 'Y', fromTotal: 0.65, toTotal: 0.7 });
  });

  it('refreshes the same member set without a decision and keeps its hold clock', () => {
    // Best is the active set itself with new figures: no decision, the held copy takes the new total and exposure.
    const state = holding(ensemble('X', 0.8, true, 0.5), D0 + 10 * HOUR);
    const current = ensemble('X', 0.83, true, 1);
    const { state: next, decision } = rotate(state, current, current, D0 + 14 * HOUR, cfg);
    expect(decision).toBeNull();
    expect(next).toEqual({ active: { ...current, active: true }, activeSince: D0 + 10 * HOUR, nextScheduled: D0 + DAY });
  });
});
