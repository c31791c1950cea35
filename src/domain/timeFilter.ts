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
  | { readonly pass: false; readonly code: 'stale' | 'window_too_short' | 'window_too_long'; readonly reason: string };

/** What the time filter reads of a strategy. `performance` is phase 1's blended performance. */
export interface TimeFilterInput {
  readonly lastSeenAt: Millis;
  readonly window: BacktestWindow | null;
  readonly performance: number;
}

/**
 * Judges one strategy at event time `now` (ms). Excluded when the age since its last discovery,
 * max(0, now − lastSeenAt), exceeds maxAgeDays, or its backtest window (end − start) is shorter than
 * minWindowDays or longer than maxWindowDays; the limits themselves pass, and a missing window
 * passes. Staleness is checked first. A survivor gets performance · 0.5^(age / decayHalfLifeDays).
 * Throws on a NaN or infinite input (a bug).
 */
export function filterByTime(input: TimeFilterInput, now: Millis, cfg: TimeFilterConfig): TimeVerdict {
  if (!Number.isFinite(now) || !Number.isFinite(input.lastSeenAt) || !Number.isFinite(input.performance)) {
    throw new RangeError(`filterByTime: non-finite input (now ${now}, lastSeenAt ${input.lastSeenAt}, performance ${input.performance})`);
  }
  const ageMs = Math.max(0, now - input.lastSeenAt);
  if (ageMs > cfg.maxAgeDays * MS_PER_DAY) {
    return { pass: false, code: 'stale', reason: `last discovered ${formatDays(ageMs, cfg.maxAgeDays)} days ago, limit ${cfg.maxAgeDays}` };
  }
  const window = input.window;
  if (window !== null) {
    const lengthMs = window.end - window.start;
    if (!Number.isFinite(lengthMs)) throw new RangeError(`filterByTime: window is not finite (${window.start}..${window.end})`);
    if (lengthMs < cfg.minWindowDays * MS_PER_DAY) {
      return {
        pass: false,
        code: 'window_too_short',
        reason: `backtest window ${formatDays(lengthMs, cfg.minWindowDays)} days, minimum ${cfg.minWindowDays}`,
      };
    }
    if (lengthMs > cfg.maxWindowDays * MS_PER_DAY) {
      return {
        pass: false,
        code: 'window_too_long',
        reason: `backtest window ${formatDays(lengthMs, cfg.maxWindowDays)} days, maximum ${cfg.maxWindowDays}`,
      };
    }
  }
  return { pass: true, decayedPerformance: input.performance * halfLifeDecay(ageMs, cfg.decayHalfLifeDays) };
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
