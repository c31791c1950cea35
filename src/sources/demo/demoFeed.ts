import { asyncScheduler, Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { DemoConfig } from '../../../config/engine.js';
import type { MarketEvent, Millis } from '../../domain/types.js';
import { demoEvents, demoRunStart } from './demoEvents.js';

export { demoEvents } from './demoEvents.js';

/** Most events emitted per scheduler turn before yielding, so that timers and sockets get to run. */
export const DEMO_CHUNK = 1000;
/**
 * A turn ends at the first event after this much of the scheduler's clock (ms; the event under way
 * may overrun it): a turn of DEMO_CHUNK events holds dozens of candle
 * closes, each O(strategies), and with thousands of strategies the event loop waited up to 0.9 s
 * (found by a soak hunt), as the JetStream source's batches did before their 20 ms slices.
 */
export const DEMO_SLICE_MS = 20;

/**
 * The seeded demo feed (demoEvents) as an Observable, with no network. Emits InputEvents with seq
 * 1, 2, 3, … in event-time order; completes after `cfg.candles` candles per symbol (never when 0);
 * errors with a RangeError when the config is unusable (bad start, interval or ticksPerCandle).
 *
 * - `cfg.speed` 'realtime': the discovery history and the first `cfg.warmupCandles` candles of
 *   prices are emitted at once (as fast as 'max'), then each later event when
 *   `(ts − pacing start) / interval × cfg.candleSeconds` wall seconds have passed on `scheduler`
 *   since subscription (due times are measured from the start, so pacing does not drift; a late
 *   scheduler catches up in bursts).
 * - 'max': as fast as possible, in turns of at most DEMO_CHUNK events and DEMO_SLICE_MS with a
 *   `scheduler` turn (delay 0) in between, so that the rest of the process keeps running.
 *   (The warm-up of 'realtime' runs in the same turns.)
 * Unsubscribing stops generation.
 *
 * @param interval candle interval of the engine (ms), EvaluationConfig.interval.
 * @param scheduler time source and executor; a VirtualTimeScheduler in tests.
 */
export function demoFeed(cfg: DemoConfig, interval: Millis, scheduler: SchedulerLike = asyncScheduler): Observable<MarketEvent> {
  return new Observable<MarketEvent>((subscriber) => {
    const realtime = cfg.speed === 'realtime';
    const wallPerEventMs = (cfg.candleSeconds * 1000) / interval;
    const t0 = scheduler.now();
    let events: Generator<MarketEvent> | null = null;
    let paceFrom = 0;
    let pending: IteratorResult<MarketEvent> | null = null;

    return scheduler.schedule(function (this: SchedulerAction<unknown>) {
      try {
        if (events === null) {
          paceFrom = demoRunStart(cfg, interval) + cfg.warmupCandles * interval;
          events = demoEvents(cfg, interval);
          pending = events.next();
        }
        const turnStarted = scheduler.now();
        for (let emitted = 0; pending !== null && !pending.done && !subscriber.closed; emitted++) {
          if (emitted === DEMO_CHUNK || scheduler.now() - turnStarted >= DEMO_SLICE_MS) {
            this.schedule(undefined, 0);
            return;
          }
          const event: MarketEvent = pending.value;
          if (realtime && event.ts >= paceFrom) {
            const wait = t0 + (event.ts - paceFrom) * wallPerEventMs - scheduler.now();
            if (wait > 0) {
              // Whole milliseconds: timers truncate fractions, which would wake us early.
              this.schedule(undefined, Math.ceil(wait));
              return;
            }
          }
          subscriber.next(event);
          pending = events.next();
        }
        if (pending?.done) subscriber.complete();
      } catch (err) {
        subscriber.error(err);
      }
    });
  });
}
