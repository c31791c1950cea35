import { asyncScheduler, take, toArray, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DemoConfig } from '../../../config/engine.js';
import type { InputEvent } from '../../../src/domain/types.js';
import { DEMO_CHUNK, DEMO_SLICE_MS, demoEvents, demoFeed } from '../../../src/sources/demo/demoFeed.js';

const MIN = 60_000;
const RUN_START = Date.UTC(2026, 10, 1);
const cfg: DemoConfig = {
  seed: 7,
  strategies: 30,
  speed: 'realtime',
  candleSeconds: 3,
  ticksPerCandle: 4,
  candles: 3,
  warmupCandles: 0,
  start: '2026-11-01T00:00:00Z',
};

/** Subscribes on virtual time and records each event with the virtual time it was emitted at. */
function runVirtual(config: DemoConfig) {
  const scheduler = new VirtualTimeScheduler();
  const emitted: { at: number; event: InputEvent }[] = [];
  let completedAt: number | null = null;
  let error: unknown = null;
  demoFeed(config, MIN, scheduler).subscribe({
    next: (event) => emitted.push({ at: scheduler.now(), event }),
    complete: () => (completedAt = scheduler.now()),
    error: (e) => (error = e),
  });
  scheduler.flush();
  return { emitted, completedAt, error, scheduler };
}

describe('demoFeed', () => {
  it('emits the same events as demoEvents and completes', () => {
    const { emitted, completedAt } = runVirtual(cfg);
    expect(emitted.map((e) => e.event)).toEqual([...demoEvents(cfg, MIN)]);
    expect(completedAt).not.toBeNull();
  });

  it('paces realtime so that one candle interval of event time takes candleSeconds of scheduler time', () => {
    const { emitted, completedAt } = runVirtual(cfg);
    const history = emitted.filter((e) => e.event.ts < RUN_START);
    expect(history).toHaveLength(30);
    expect(history.every((e) => e.at === 0)).toBe(true);
    // 3 s per 60 s of event time: an event at run time t is due at t / 20 ms, woken on a whole ms.
    for (const { at, event } of emitted.filter((e) => e.event.ts >= RUN_START)) {
      const due = (event.ts - RUN_START) / 20;
      expect(at).toBeGreaterThanOrEqual(due);
      expect(at).toBeLessThan(due + 1);
    }
    // The closing ticks of the third candle are due at 3 candles × 3 s.
    expect(emitted.at(-1)?.at).toBe(9000);
    expect(completedAt).toBe(9000);
  });

  it('replays the first warmupCandles candles at once, then paces from there', () => {
    const { emitted, completedAt } = runVirtual({ ...cfg, warmupCandles: 2 });
    const paceFrom = RUN_START + 2 * MIN;
    expect(emitted.filter((e) => e.event.ts < paceFrom).every((e) => e.at === 0)).toBe(true);
    for (const { at, event } of emitted.filter((e) => e.event.ts >= paceFrom)) {
      const due = (event.ts - paceFrom) / 20;
      expect(at).toBeGreaterThanOrEqual(due);
      expect(at).toBeLessThan(due + 1);
    }
    // One paced candle of 3 s remains after two replayed ones.
    expect(completedAt).toBe(3000);
  });

  it('spreads a candle over its interval rather than bursting it', () => {
    const { emitted } = runVirtual(cfg);
    const firstCandle = emitted.filter((e) => e.event.kind === 'tick' && e.event.ts < RUN_START + MIN).map((e) => e.at);
    expect(Math.min(...firstCandle)).toBeLessThan(750);
    expect(Math.max(...firstCandle)).toBeGreaterThan(2250);
  });

  it('runs max speed without waiting for event time, in turns of DEMO_CHUNK events', () => {
    const config = { ...cfg, speed: 'max' as const, strategies: 2500, candles: 2 };
    const scheduler = new VirtualTimeScheduler();
    const perTurn: number[] = [];
    let count = 0;
    demoFeed(config, MIN, scheduler).subscribe(() => count++);
    // Each flush of the virtual scheduler runs the actions queued so far; count what each turn emits.
    while (scheduler.actions.length > 0) {
      const before = count;
      const action = scheduler.actions.shift()!;
      action.execute(action.state, action.delay);
      perTurn.push(count - before);
    }
    expect(scheduler.now()).toBe(0);
    expect(count).toBe([...demoEvents(config, MIN)].length);
    expect(Math.max(...perTurn)).toBe(DEMO_CHUNK);
    expect(perTurn.length).toBe(Math.ceil(count / DEMO_CHUNK));
  });

  it('lets timers run between turns at max speed on the real scheduler', async () => {
    const config = { ...cfg, speed: 'max' as const, strategies: 0, candles: 500 };
    let count = 0;
    let countWhenTimerFired = -1;
    const done = new Promise<void>((resolve) => demoFeed(config, MIN, asyncScheduler).subscribe({ next: () => count++, complete: resolve }));
    setTimeout(() => (countWhenTimerFired = count), 0);
    await done;
    expect(count).toBe(500 * 4 * 16 + 16);
    expect(countWhenTimerFired).toBeGreaterThanOrEqual(0);
    expect(countWhenTimerFired).toBeLessThan(count);
  });

  // Found by a soak hunt: with thousands of strategies a turn of DEMO_CHUNK events held the event
  // loop for up to 0.9 s.
  it('yields after DEMO_SLICE_MS of work even before DEMO_CHUNK events', async () => {
    const config = { ...cfg, speed: 'max' as const, strategies: 0, candles: 20 };
    let count = 0;
    let countWhenTimerFired = -1;
    const done = new Promise<void>((resolve) =>
      demoFeed(config, MIN, asyncScheduler).subscribe({
        next: () => {
          count++;
          // 1 ms of work per event, as a candle close of a few thousand strategies costs.
          const until = performance.now() + 1;
          while (performance.now() < until);
        },
        complete: resolve,
      }),
    );
    setTimeout(() => (countWhenTimerFired = count), 0);
    await done;
    expect(countWhenTimerFired).toBeGreaterThan(0);
    expect(countWhenTimerFired).toBeLessThanOrEqual(DEMO_SLICE_MS + 5);
  });

  it('stops generating on unsubscribe', () => {
    const scheduler = new VirtualTimeScheduler();
    let result: InputEvent[] = [];
    demoFeed({ ...cfg, candles: 0 }, MIN, scheduler)
      .pipe(take(40), toArray())
      .subscribe((events) => (result = events));
    scheduler.flush();
    expect(result.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(scheduler.actions).toHaveLength(0);
  });

  it('never completes when candles is 0', () => {
    const scheduler = new VirtualTimeScheduler(undefined, 60_000);
    let completed = false;
    let count = 0;
    demoFeed({ ...cfg, candles: 0 }, MIN, scheduler).subscribe({ next: () => count++, complete: () => (completed = true) });
    scheduler.flush();
    // One virtual minute = 20 candles of event time at 3 s per candle.
    expect(count).toBeGreaterThan(30 + 19 * 4 * 16);
    expect(completed).toBe(false);
  });

  it('errors with the reason on an unusable config', () => {
    const { error, emitted } = runVirtual({ ...cfg, start: 'next tuesday' });
    expect(emitted).toHaveLength(0);
    expect(String(error)).toMatch(/demo start must be an ISO 8601 time/);
  });
});
