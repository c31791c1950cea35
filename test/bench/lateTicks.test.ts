import { describe, expect, it } from 'vitest';
import { lateTicks } from '../../bench/lateTicks.js';

describe('late ticks by cause (bench/lateTicks.ts)', () => {
  // Ticks due every 0.05 ms; the limit is 1 ms from due time to decision.
  it('counts only the ticks over the limit, each under what took most of its wait', () => {
    const due = [0, 0.05, 0.1, 0.15, 0.2, 10, 20, 30];
    const done = [
      0.01, // on time
      1.05, // exactly 1 ms: not over
      2.6, // wait 2.5: a close 0.05–2.55 covers 2.45 of it
      2.7, // wait 2.55: the same close covers 2.40
      2.8, // wait 2.6: the close covers 2.35
      11.5, // wait 1.5: a GC 10.2–11.4 covers 1.2
      21.5, // wait 1.5: the GC 20.0–20.6 covers 0.6, the rest 0.9 → other
      31.2, // wait 1.2: a close 30.0–30.5 (0.5) and a GC 30.5–31.0 (0.5): the rest 0.2; ties go to the close
    ];
    const closes = [
      { start: 0.05, end: 2.55 },
      { start: 30, end: 30.5 },
    ];
    const gcs = [
      { start: 10.2, end: 11.4 },
      { start: 20, end: 20.6 },
      { start: 30.5, end: 31 },
    ];
    expect(lateTicks(due, done, closes, gcs, 1)).toEqual({ total: 6, behindCandleCloses: 4, behindGc: 1, other: 1 });
  });

  it('counts a GC inside a close under both, so the larger share decides', () => {
    // Wait 4 ms: the close covers 3 (GC within it 2), so the close takes the most.
    expect(lateTicks([0], [4], [{ start: 0, end: 3 }], [{ start: 0.5, end: 2.5 }], 1)).toEqual({
      total: 1,
      behindCandleCloses: 1,
      behindGc: 0,
      other: 0,
    });
    // Nothing recorded in the wait: the pacing loop, the OS or the compiler took it.
    expect(lateTicks([0, 1], [2, 1.5], [], [], 1)).toEqual({ total: 1, behindCandleCloses: 0, behindGc: 0, other: 1 });
  });
});
