/**
 * Phase 4's rotation decision (DESIGN.md): per symbol one active ensemble, replaced at once when it
 * stops being valid or usable (a risk-reducing move), replaced by a clearly better one only after a
 * minimum hold (so scores that wobble do not churn positions), and re-chosen outright at scheduled
 * rotations every `schedule` ms of event time.
 */
import type { RotationConfig } from '../../config/engine.js';
import type { Decision, Ensemble, Millis } from './types.js';

/** Per-symbol rotation state. */
export interface RotationState {
  /** The active ensemble as last refreshed, with `active: true`; null when none. */
  readonly active: Ensemble | null;
  /** Event time the active ensemble was taken; null when none. */
  readonly activeSince: Millis | null;
  /** Event time of the next scheduled rotation (a multiple of `schedule`); null before the first call or when disabled. */
  readonly nextScheduled: Millis | null;
}

export const initialRotation: RotationState = { active: null, activeSince: null, nextScheduled: null };

export interface RotationResult {
  readonly state: RotationState;
  /** A `rotation` decision with seq 0 (the caller numbers it), or null when the active set is unchanged. */
  readonly decision: Decision | null;
}

/**
 * Slack on the threshold comparison: 0.84 − 0.74 is 0.09999999999999998 in floats, and an
 * improvement equal to the threshold must switch as the rule is written.
 */
const TOLERANCE = 1e-12;
const HOUR = 3_600_000;

const fixed2 = (x: number): string => x.toFixed(2);

/** Which rule moved the active ensemble; also written to the decision's details. */
type Trigger = 'initial' | 'invalid' | 'unusable' | 'scheduled' | 'threshold';

/**
 * One rotation step for a symbol at event time `time`. `best` is phase 3's best ensemble now (or
 * null); `current` is the active member set re-scored now (scoreEnsemble on the same members), or
 * null when a member is gone; `missing` optionally names those members for the reason.
 *
 * Rules, in order: (1) no active ensemble → take `best` if usable. (2) active but `current` is null
 * or unusable → at once, `best` if usable, otherwise none. (3) a scheduled rotation is due (the first
 * multiple of `schedule` ms since epoch after the previous call has been reached) → the higher-total
 * of `best` (if usable) and `current`, ignoring threshold and hold; keeping `current` when `best` is
 * not better avoids a pointless switch to a set the greedy search merely happened to reach.
 * (4) otherwise switch only when best.total >= current.total + threshold and time − activeSince >=
 * minHold. A target with the active's id is no switch: the state keeps it refreshed (`current` with
 * `active: true`) and the decision is null. `schedule` 0 disables scheduled rotation.
 *
 * Returns the new state and, when the active id changes (including to or from none), a `rotation`
 * Decision whose reason carries the numbers and whose details are {trigger, from, to, fromTotal,
 * toTotal}; totals are unitless ensemble totals, times event-time ms.
 */
export function rotate(
  state: RotationState,
  best: Ensemble | null,
  current: Ensemble | null,
  time: Millis,
  cfg: RotationConfig,
  missing: readonly string[] = [],
): RotationResult {
  const due = state.nextScheduled !== null && time >= state.nextScheduled;
  const nextScheduled =
    cfg.schedule <= 0 ? null : due || state.nextScheduled === null ? (Math.floor(time / cfg.schedule) + 1) * cfg.schedule : state.nextScheduled;
  const usableBest = best?.usable ? best : null;
  const active = state.active;

  let target: Ensemble | null;
  let trigger: Trigger;
  let why: string;
  if (active === null) {
    target = usableBest;
    trigger = 'initial';
    why = 'no active ensemble';
  } else if (current === null) {
    target = usableBest;
    trigger = 'invalid';
    why =
      missing.length > 0
        ? `member ${missing.join(', ')} gone (retired or excluded by the time filter)`
        : 'a member is gone (retired or excluded by the time filter)';
  } else if (!current.usable) {
    target = usableBest;
    trigger = 'unusable';
    why = `active ${active.id} no longer usable (total ${fixed2(current.total)})`;
  } else if (due) {
    target = usableBest !== null && usableBest.total > current.total ? usableBest : current;
    trigger = 'scheduled';
    why = `scheduled rotation (active total ${fixed2(current.total)})`;
  } else {
    target = current;
    trigger = 'threshold';
    why = '';
    const held = state.activeSince === null ? Number.POSITIVE_INFINITY : time - state.activeSince;
    if (usableBest !== null && usableBest.id !== active.id && held >= cfg.minHold && usableBest.total >= current.total + cfg.threshold - TOLERANCE) {
      target = usableBest;
      const gain = usableBest.total - current.total;
      why = `challenger ${fixed2(usableBest.total)} beats active ${fixed2(current.total)} by ${fixed2(gain)} >= ${fixed2(cfg.threshold)} after ${(held / HOUR).toFixed(1)} h hold`;
    }
  }

  const from = active?.id ?? null;
  const to = target?.id ?? null;
  if (from === to) {
    // Same member set (or still none): refresh the held figures, keep the hold clock running.
    const refreshed = target === null ? null : { ...(current ?? target), active: true };
    return { state: { active: refreshed, activeSince: refreshed === null ? null : state.activeSince, nextScheduled }, decision: null };
  }
  const fromTotal = active === null ? null : (current ?? active).total;
  const toTotal = target === null ? null : target.total;
  const outcome =
    target === null
      ? 'no usable ensemble, going flat'
      : from === null
        ? `taking ${to} (total ${fixed2(target.total)})`
        : `switching to ${to} (total ${fixed2(target.total)})`;
  const decision: Decision = {
    kind: 'decision',
    decision: 'rotation',
    time,
    seq: 0,
    symbol: (target ?? active)?.symbol ?? null,
    reason: `${why}; ${outcome}`,
    details: { trigger, from, to, fromTotal, toTotal },
  };
  const next = target === null ? null : { ...target, active: true };
  return { state: { active: next, activeSince: next === null ? null : time, nextScheduled }, decision };
}
