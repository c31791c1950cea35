import type { Logger } from 'pino';
import { performance } from 'node:perf_hooks';
import { map, type Observable, type Subscription } from 'rxjs';
import type { EngineConfig } from '../config/engine.js';
import type { InputEvent, OutputBatch, Rejection } from './domain/types.js';
import { dashboardRoute } from './sinks/dashboard.js';
import { DecisionLog } from './sinks/decisionLog.js';
import { LiveServer } from './sinks/liveServer.js';
import { LiveState } from './sinks/liveState.js';
import { EngineMetrics } from './sinks/metrics.js';
import { StateStore } from './sinks/stateStore.js';
import { tradingPipeline } from './streams/tradingPipeline.js';

/** A running engine. */
export interface Engine {
  /** ws://host:port/ws of the live server. */
  readonly url: string;
  readonly port: number;
  /** Resolves when the source completed and everything was flushed (or rejects on a pipeline error). */
  readonly done: Promise<void>;
  /** SHA-256 of the decision log so far. */
  fingerprint(): string;
  decisions(): number;
  readonly metrics: EngineMetrics;
  /** Stops consuming, flushes the store, closes the server. Idempotent. */
  stop(): Promise<void>;
}

/** Per-batch hook for sources that acknowledge input (JetStream) or count it. */
export interface EngineHooks {
  /** Called with the highest input seq whose effects are committed to SQLite. */
  readonly onCommitted?: (lastSeq: number) => void;
  /** Metrics registry to use (tests pass a fresh one); default a new EngineMetrics. */
  readonly metrics?: EngineMetrics;
}

/**
 * Wires the pipeline between a source and the sinks: every OutputBatch goes to the decision log,
 * the live server and the SQLite store (batched, off the hot path); acks follow store commits.
 */
export async function startEngine(config: EngineConfig, source: Observable<InputEvent | Rejection>, log: Logger, hooks: EngineHooks = {}): Promise<Engine> {
  const metrics = hooks.metrics ?? new EngineMetrics();
  const store = StateStore.open(config.store.db, { flushInterval: config.store.flushInterval });
  store.onFlush((result) => metrics.observeFlush(result));
  if (hooks.onCommitted !== undefined) store.onCommit(hooks.onCommitted);
  const decisionLog = new DecisionLog(config.store.decisionLog === '' ? undefined : config.store.decisionLog);
  const state = new LiveState();
  let server: LiveServer;
  try {
    server = await LiveServer.start({ host: config.server.host, port: config.server.port, token: config.server.token }, state, log);
    server.addRoute(metrics.route(() => server.stats()));
    server.addRoute(dashboardRoute());
  } catch (error) {
    store.close();
    decisionLog.close();
    throw error;
  }

  // The pipeline is synchronous: the time from an input entering it to its batch arriving here is
  // the tick-to-decision latency (measured on the wall clock, for metrics only).
  let entered = 0;
  const deliver = (batch: OutputBatch): void => {
    metrics.observeBatch(batch, (performance.now() - entered) / 1000);
    for (const output of batch.outputs) {
      if (output.kind === 'decision') decisionLog.append(output);
      else if (output.kind === 'rejection') log.warn({ seq: output.seq, code: output.code, field: output.field, symbol: output.symbol }, `rejected input: ${output.reason}`);
      state.apply(output);
    }
    store.enqueue(batch);
    server.publish(batch);
  };

  let stopped = false;
  let subscription: Subscription | undefined;
  let resolveDone!: () => void;
  let rejectDone!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const shutdown = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    metrics.markUnready();
    subscription?.unsubscribe();
    store.close();
    decisionLog.close();
    await server.close();
    if (hooks.metrics === undefined) metrics.close();
  };
  subscription = source
    .pipe(
      map((input) => {
        metrics.observeInput(input);
        entered = performance.now();
        return input;
      }),
      tradingPipeline(config),
    )
    .subscribe({
    next: deliver,
    error: (error: unknown) => {
      log.error({ err: error }, 'pipeline failed');
      shutdown().then(() => rejectDone(error), rejectDone);
    },
    complete: () => {
      log.info({ decisions: decisionLog.count(), fingerprint: decisionLog.fingerprint() }, 'input complete');
      shutdown().then(resolveDone, rejectDone);
    },
  });

  metrics.markReady();
  return {
    url: server.url,
    port: server.port,
    done,
    fingerprint: () => decisionLog.fingerprint(),
    decisions: () => decisionLog.count(),
    metrics,
    stop: async () => {
      await shutdown();
      resolveDone();
    },
  };
}
