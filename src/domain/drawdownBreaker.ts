/**
 * The portfolio drawdown breaker (DESIGN.md phase 5): a stateful risk gate over marked-to-market
 * equity. It answers with a status (state, high-water mark, drawdown, the scale every size is
 * multiplied by) and, when the state moves, a change with a reason that carries the numbers; the
 * pipeline logs that change as a `breaker.changed` decision and persists the status.
 *
 * The status is an immutable value: every update returns a new one, so the caller owns the state
 * and a replay that feeds the same equity marks at the same event times gets the same statuses.
 */
import type { SizingConfig } from '../../config/engine.js';
import { decimal, money, percent } from './riskFormat.js';
import type { BreakerState, Millis } from './types.js';

export interface BreakerStatus {
  readonly state: BreakerState;
  /** Highest marked-to-market equity since the last re-base (quote currency). */
  readonly highWaterMark: number;
  /** 1 − equity / highWaterMark at the last mark (fraction, >= 0). */
  readonly drawdown: number;
  /** Multiplier applied to every size: 1 when NORMAL, falling linearly to 0 while REDUCING, 0 when HALTED. */
  readonly sizeScale: number;
  /** Event time the breaker entered HALTED, or null when it is not halted. */
  readonly haltedAt: Millis | null;
}

export interface BreakerUpdate {
  readonly status: BreakerStatus;
  /** The state change this update caused, or null when the state stayed the same. */
  readonly change: { readonly from: BreakerState; readonly to: BreakerState; readonly reason: string } | null;
}

/**
 * The breaker of a fresh account: NORMAL, high-water mark at the starting capital (quote currency),
 * no drawdown, full size.
 */
export function initialBreaker(capital: number): BreakerStatus {
  if (!Number.isFinite(capital) || capital <= 0) throw new RangeError(`initialBreaker: capital must be a positive number (was ${capital})`);
  return { state: 'NORMAL', highWaterMark: capital, drawdown: 0, sizeScale: 1, haltedAt: null };
}

/**
 * Marks `equity` (quote currency) at event time `time` against the high-water mark, which rises with
 * equity. Returns the new status and the state change, if any:
 * - drawdown < drawdownReduce: NORMAL, scale 1;
 * - drawdownReduce <= drawdown < drawdownHalt: REDUCING, scale falls linearly from 1 to 0;
 * - drawdown >= drawdownHalt: HALTED, scale 0, haltedAt = time.
 * HALTED is sticky whatever equity does, until `time − haltedAt >= haltCooldown` (ms): then the
 * high-water mark is re-based to current equity and the breaker is NORMAL again. A config with
 * drawdownReduce >= drawdownHalt simply has no REDUCING band.
 */
export function updateBreaker(status: BreakerStatus, equity: number, time: Millis, cfg: SizingConfig): BreakerUpdate {
  if (!Number.isFinite(equity)) throw new RangeError(`updateBreaker: equity is not finite (was ${equity})`);
  if (!Number.isFinite(time)) throw new RangeError(`updateBreaker: time is not finite (was ${time})`);
  const highWaterMark = Math.max(status.highWaterMark, equity);
  const drawdown = drawdownFrom(highWaterMark, equity);

  if (status.state === 'HALTED') {
    const haltedAt = status.haltedAt;
    if (haltedAt === null) throw new Error('updateBreaker: HALTED status without haltedAt (broken invariant)');
    const halted = time - haltedAt;
    if (halted < cfg.haltCooldown) {
      return { status: { state: 'HALTED', highWaterMark, drawdown, sizeScale: 0, haltedAt }, change: null };
    }
    return {
      status: { state: 'NORMAL', highWaterMark: equity, drawdown: 0, sizeScale: 1, haltedAt: null },
      change: {
        from: 'HALTED',
        to: 'NORMAL',
        reason: `halt cooldown ended after ${halted} ms (cooldown ${cfg.haltCooldown} ms); high-water mark re-based from ${money(status.highWaterMark)} to equity ${money(equity)}`,
      },
    };
  }

  let next: BreakerStatus;
  if (drawdown >= cfg.drawdownHalt) {
    next = { state: 'HALTED', highWaterMark, drawdown, sizeScale: 0, haltedAt: time };
  } else if (drawdown >= cfg.drawdownReduce) {
    // Linear from 1 at the reduce level to 0 at the halt level; the band is non-empty here because
    // drawdownReduce <= drawdown < drawdownHalt.
    const sizeScale = (cfg.drawdownHalt - drawdown) / (cfg.drawdownHalt - cfg.drawdownReduce);
    next = { state: 'REDUCING', highWaterMark, drawdown, sizeScale, haltedAt: null };
  } else {
    next = { state: 'NORMAL', highWaterMark, drawdown, sizeScale: 1, haltedAt: null };
  }
  // The breaker runs on every tick and its state rarely moves: the reason is written only when it does.
  if (next.state === status.state) return { status: next, change: null };
  let why: string;
  if (next.state === 'HALTED') why = `drawdown ${percent(drawdown)} reached halt level ${percent(cfg.drawdownHalt)}: entries stop and positions flatten`;
  else if (next.state === 'REDUCING')
    why = `drawdown ${percent(drawdown)} reached reduce level ${percent(cfg.drawdownReduce)}: sizes scaled by ${decimal(next.sizeScale)}`;
  else why = `drawdown ${percent(drawdown)} below reduce level ${percent(cfg.drawdownReduce)}: full size`;
  const change = { from: status.state, to: next.state, reason: `${why} (equity ${money(equity)}, high-water mark ${money(highWaterMark)})` };
  return { status: next, change };
}

/**
 * Operator reset: the high-water mark becomes `equity` (quote currency) and the breaker is NORMAL at
 * full size, whatever its state. Always returns a change (NORMAL → NORMAL included), because an
 * operator's re-base is a decision worth logging even when the state does not move.
 */
export function resetBreaker(status: BreakerStatus, equity: number, time: Millis): BreakerUpdate {
  if (!Number.isFinite(equity) || equity <= 0) throw new RangeError(`resetBreaker: equity must be a positive number (was ${equity})`);
  return {
    status: { state: 'NORMAL', highWaterMark: equity, drawdown: 0, sizeScale: 1, haltedAt: null },
    change: {
      from: status.state,
      to: 'NORMAL',
      reason: `operator reset at ${time}: high-water mark re-based from ${money(status.highWaterMark)} to equity ${money(equity)}`,
    },
  };
}

/**
 * The status re-marked at `equity` without any change of state (the high-water mark and drawdown
 * only): after a HALTED flatten, whose fees and slippage move equity once more.
 */
export function remarkBreaker(status: BreakerStatus, equity: number): BreakerStatus {
  if (!Number.isFinite(equity)) throw new RangeError(`remarkBreaker: equity is not finite (was ${equity})`);
  const highWaterMark = Math.max(status.highWaterMark, equity);
  return { ...status, highWaterMark, drawdown: drawdownFrom(highWaterMark, equity) };
}

/**
 * Drawdown as (hwm − equity) / hwm rather than 1 − equity / hwm: the latter rounds 90000/100000 to
 * 0.09999999999999998 and would miss a 10% halt level that the former hits exactly.
 */
function drawdownFrom(highWaterMark: number, equity: number): number {
  if (highWaterMark <= 0) return 0;
  return Math.max(0, (highWaterMark - equity) / highWaterMark);
}
