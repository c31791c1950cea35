/**
 * Phase 2, the time filter (DESIGN.md "2. Time filter"): strategies not rediscovered for too long,
 * or backtested on a window too short to mean anything or too long to reflect the current market,
 * are excluded with a reason; the survivors' performance decays with the time since their last
 * discovery, and the later phases use that decayed value.
 */
import type { TimeFilterConfig } from '../../config/engine.js';
import { halfLifeDecay, MS_PER_DAY } from './confidence.js';
import type { BacktestWindow, Millis } from './types.js';

/** A survivor with its decayed performance, or an exclusion with a stable code and a reason in numbers. */
export type TimeVerdict =
  | { readonly pass: true; readonly decayedPerformance: number }
  | { readonly pass: false; readonly code: TimeExclusion; readonly reason: string };

/** What the time filter reads of a strategy. `performance` is phase 1's blended performance. */
export interface TimeFilterInput {
  readonly lastSeenAt: Millis;
  readonly window: BacktestWindow | null;
  readonly performance: number;
}

/** Why the time filter excludes a strategy; stable codes for the decision log. */
export type TimeExclusion = 'stale' | 'window_too_short' | 'window_too_long';

/**
 * Judges one strategy at event time `now` (ms). Excluded when the age since its last discovery,
 * max(0, now − lastSeenAt), exceeds maxAgeDays, or its backtest window (end − start) is shorter than
 * minWindowDays or longer than maxWindowDays; the limits themselves pass, and a missing window
 * passes. Staleness is checked first. A survivor gets performance · 0.5^(age / decayHalfLifeDays).
 * Throws on a NaN or infinite input (a bug).
 */
export function filterByTime(input: TimeFilterInput, now: Millis, cfg: TimeFilterConfig): TimeVerdict {
  if (!Number.isFinite(input.performance)) {
    throw new RangeError(`filterByTime: non-finite input (now ${now}, lastSeenAt ${input.lastSeenAt}, performance ${input.performance})`);
  }
  const code = timeExclusion(input.lastSeenAt, input.window, now, cfg);
  if (code === null) return { pass: true, decayedPerformance: decayedPerformance(input.performance, input.lastSeenAt, now, cfg) };
  return { pass: false, code, reason: exclusionReason(code, input.lastSeenAt, input.window, now, cfg) };
}

/**
 * filterByTime's verdict without its text: the exclusion code, or null for a survivor. The time
 * stage judges every strategy of a symbol on every candle close but writes a reason only when a
 * strategy changes sides, so the numbers-in-words are built only then (by filterByTime).
 * Staleness first, then the window. Throws on a NaN or infinite time (a bug).
 */
export function timeExclusion(lastSeenAt: Millis, window: BacktestWindow | null, now: Millis, cfg: TimeFilterConfig): TimeExclusion | null {
  return ageExclusion(lastSeenAt, now, cfg) ?? windowExclusion(window, cfg);
}

/** `stale` when the age since the last discovery, max(0, now − lastSeenAt), exceeds maxAgeDays; else null. Throws on a NaN or infinite time. */
export function ageExclusion(lastSeenAt: Millis, now: Millis, cfg: TimeFilterConfig): 'stale' | null {
  if (!Number.isFinite(now) || !Number.isFinite(lastSeenAt)) throw new RangeError(`filterByTime: non-finite input (now ${now}, lastSeenAt ${lastSeenAt})`);
  return Math.max(0, now - lastSeenAt) > cfg.maxAgeDays * MS_PER_DAY ? 'stale' : null;
}

/**
 * The verdict on a backtest window alone, which does not move with time: too short or too long for
 * [minWindowDays, maxWindowDays] (the limits pass), null when it fits or is missing. Throws on a
 * non-finite window (a bug).
 */
export function windowExclusion(window: BacktestWindow | null, cfg: TimeFilterConfig): 'window_too_short' | 'window_too_long' | null {
  if (window === null) return null;
  const lengthMs = window.end - window.start;
  if (!Number.isFinite(lengthMs)) throw new RangeError(`filterByTime: window is not finite (${window.start}..${window.end})`);
  if (lengthMs < cfg.minWindowDays * MS_PER_DAY) return 'window_too_short';
  if (lengthMs > cfg.maxWindowDays * MS_PER_DAY) return 'window_too_long';
  return null;
}

/** A survivor's performance decayed by its age: performance · 0.5^(max(0, now − lastSeenAt) / decayHalfLifeDays). */
export function decayedPerformance(performance: number, lastSeenAt: Millis, now: Millis, cfg: TimeFilterConfig): number {
  return performance * halfLifeDecay(Math.max(0, now - lastSeenAt), cfg.decayHalfLifeDays);
}

/** The decision-log reason for an exclusion `code` that timeExclusion returned, in numbers. */
export function exclusionReason(code: TimeExclusion, lastSeenAt: Millis, window: BacktestWindow | null, now: Millis, cfg: TimeFilterConfig): string {
  if (code === 'stale') return `last discovered ${formatDays(Math.max(0, now - lastSeenAt), cfg.maxAgeDays)} days ago, limit ${cfg.maxAgeDays}`;
  const lengthMs = window === null ? 0 : window.end - window.start;
  if (code === 'window_too_short') return `backtest window ${formatDays(lengthMs, cfg.minWindowDays)} days, minimum ${cfg.minWindowDays}`;
  return `backtest window ${formatDays(lengthMs, cfg.maxWindowDays)} days, maximum ${cfg.maxWindowDays}`;
}

/**
 * `ms` in days with one decimal, or as many more (up to 8, i.e. below a millisecond) as it takes
 * not to print the limit itself: "90.0 days ago, limit 90" would hide why 90 days + 1 ms failed.
 */
function formatDays(ms: number, limitDays: number): string {
  const days = ms / MS_PER_DAY;
  let text = days.toFixed(1);
  for (let digits = 2; digits <= 8 && Number(text) === limitDays && days !== limitDays; digits++) text = days.toFixed(digits);
  return text;
}
