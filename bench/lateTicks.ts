/** A stretch of the benchmark's clock, in ms from the start of a run. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** How many ticks were late, by what held them up. */
export interface LateTicks {
  readonly total: number;
  readonly behindCandleCloses: number;
  readonly behindGc: number;
  readonly other: number;
}

/** Time `spans` cover inside [from, to] (spans that overlap each other count twice). */
function covered(spans: readonly Span[], from: number, to: number): number {
  let sum = 0;
  for (const s of spans) {
    if (s.start >= to) break;
    sum += Math.max(0, Math.min(s.end, to) - Math.max(s.start, from));
  }
  return sum;
}

/**
 * Why ticks were late. Tick i was due at `due[i]` and its decision handed over at `done[i]`; when
 * that took more than `limitMs`, its wait [due, done] is shared out among the candle closes' work
 * (the pushes of ticks that closed a candle, its own included), the garbage collections, and the
 * rest (the pacing loop, the OS, compilation), and the tick is counted under whichever took the
 * most. `closes` and `gcs` are in time order.
 */
export function lateTicks(due: ArrayLike<number>, done: ArrayLike<number>, closes: readonly Span[], gcs: readonly Span[], limitMs: number): LateTicks {
  let total = 0;
  let behindCandleCloses = 0;
  let behindGc = 0;
  for (let i = 0; i < due.length; i++) {
    const from = due[i] as number;
    const to = done[i] as number;
    if (to - from <= limitMs) continue;
    total++;
    const candle = covered(closes, from, to);
    const gc = covered(gcs, from, to);
    const rest = to - from - candle - gc;
    if (candle >= gc && candle >= rest) behindCandleCloses++;
    else if (gc >= rest) behindGc++;
  }
  return { total, behindCandleCloses, behindGc, other: total - behindCandleCloses - behindGc };
}
