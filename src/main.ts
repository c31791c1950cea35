import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { map, type Observable, type Subscription } from 'rxjs';
import type { EngineConfig } from '../config/engine.js';
import { asOwned, ownedSymbols } from './domain/symbolShard.js';
import type { Decision, OutputBatch, SourceInput } from './domain/types.js';
import { dashboardRoute } from './sinks/dashboard.js';
import { DecisionLog } from './sinks/decisionLog.js';
import { LiveServer } from './sinks/liveServer.js';
import { LiveState } from './sinks/liveState.js';
import { EngineMetrics } from './sinks/metrics.js';
import { stateIdentity } from './sinks/stateIdentity.js';
import { DEFAULT_CONSUMER, StateStore } from './sinks/stateStore.js';
import { tradingPipeline } from './streams/tradingPipeline.js';

/** A running engine. */
export interface Engine {
  /** ws://host:port/ws of the live server ('' and port 0 when not serving). */
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
  /** Every batch after the sinks took it (decision publishing, replay reports). */
  readonly onBatch?: (batch: OutputBatch) => void;
  /** Start the HTTP/WebSocket server (default true; replay runs without one). */
  readonly serve?: boolean;
  /** The store's consumer_state row (the durable consumer's name; default 'engine'). */
  readonly consumer?: string;
  /** What else the state file's identity holds (stateIdentity.ts), e.g. the input stream's creation time. */
  readonly identity?: Readonly<Record<string, unknown>>;
  /** The input stream's last sequence at the start: a state file that committed more is refused. */
  readonly inputEnd?: number;
}

/**
 * Wires the pipeline between a source and the sinks: every OutputBatch goes to the decision log,
 * the live server and the SQLite store (batched, off the hot path); acks follow store commits.
 */
/**
 * The engine's input, given the last input seq the state store holds (0 for a new file). A
 * resumable source (JetStream) replays inputs 1..committedSeq first and then continues after it:
 * those inputs only rebuild the in-memory state exactly (the pipeline is deterministic), so their
 * outputs are not stored, published or counted again. A source that cannot resume must be given
 * a new file. `replayed` is for a source that knows where its replay ends: it calls it before its
 * first live input, so the rebuild ends there even when the committed input itself is gone from
 * the stream and no new input follows (else the rebuild ends at the first input past it).
 */
export type InputSource = (committedSeq: number, replayed: () => void) => Observable<SourceInput>;

export async function startEngine(config: EngineConfig, source: InputSource, log: Logger, hooks: EngineHooks = {}): Promise<Engine> {
  const metrics = hooks.metrics ?? new EngineMetrics();
  const consumer = hooks.consumer || DEFAULT_CONSUMER;
  const store = StateStore.open(config.store.db, {
    flushInterval: config.store.flushInterval,
    writer: config.store.writer,
    consumer,
    identity: { ...stateIdentity(config, consumer), ...hooks.identity },
    ...(hooks.inputEnd === undefined ? {} : { inputEnd: hooks.inputEnd }),
  });
  store.onFlush((result) => metrics.observeFlush(result));
  const restoredThrough = store.lastSeq();
  let decisionLog: DecisionLog;
  try {
    decisionLog =
      config.store.decisionLog === '' ? new DecisionLog() : new DecisionLog(config.store.decisionLog, restoredThrough > 0 ? store.readDecisionLines() : []);
  } catch (error) {
    // An unwritable decision-log file (a directory, say): the store's flush timer kept the process
    // alive after the error was reported (found by a review).
    store.close();
    throw error;
  }
  // The file follows the store's commits, before their acks (a crash loses at most the lines of
  // uncommitted inputs, and the next start rewrites the file from the store anyway).
  store.onCommit(() => decisionLog.flush());
  if (hooks.onCommitted !== undefined) store.onCommit(hooks.onCommitted);
  const state = new LiveState();
  let server: LiveServer | null = null;
  if (hooks.serve ?? true) {
    try {
      const allowedOrigins = config.server.allowedOrigins
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      const live = await LiveServer.start({ host: config.server.host, port: config.server.port, token: config.server.token, allowedOrigins }, state, log);
      live.addRoute(metrics.route(() => live.stats()));
      live.addRoute(dashboardRoute());
      server = live;
    } catch (error) {
      store.close();
      decisionLog.close();
      throw error;
    }
  }
  let restoring = restoredThrough > 0;
  if (restoring) server?.beginRestore();
  const restoreStarted = performance.now();

  // The pipeline is synchronous: the time from an input entering it to its batch arriving here is
  // the tick-to-decision latency (measured on the wall clock, for metrics only).
  let entered = 0;
  // Another engine's message (evaluation.symbols) decides nothing: it has no latency to observe.
  let enteredUnowned = false;
  const endRestore = (): void => {
    restoring = false;
    server?.endRestore();
    metrics.markReady();
    log.info(
      { through: restoredThrough, decisions: decisionLog.count(), ms: Math.round(performance.now() - restoreStarted), fingerprint: decisionLog.fingerprint() },
      `state rebuilt by replaying inputs 1..${restoredThrough}; resuming after seq ${restoredThrough}`,
    );
  };
  const deliver = (batch: OutputBatch): void => {
    // The rebuild covers inputs up to the committed seq. That message itself may be gone from the
    // stream (deleted, or past the limits): then the first batch after it ends the rebuild and is
    // live, stored and acked like any other (taking it as rebuilt lost it and its rows).
    if (restoring && batch.seq > restoredThrough) endRestore();
    if (restoring) {
      for (const output of batch.outputs) {
        if (output.kind === 'decision') decisionLog.append(output, false);
        state.apply(output);
      }
      metrics.observeRestored(batch);
      server?.advance(batch);
      if (batch.seq === restoredThrough) endRestore();
      return;
    }
    metrics.observeBatch(batch, enteredUnowned ? null : (performance.now() - entered) / 1000);
    // The decision log's lines go to the store too: each decision is serialized once.
    let lines: Map<Decision, string> | undefined;
    for (const output of batch.outputs) {
      if (output.kind === 'decision') {
        lines ??= new Map();
        lines.set(output, decisionLog.append(output));
      } else if (output.kind === 'rejection')
        log.warn({ seq: output.seq, code: output.code, field: output.field, symbol: output.symbol }, `rejected input: ${output.reason}`);
      state.apply(output);
    }
    store.enqueue(batch, lines);
    server?.publish(batch);
    hooks.onBatch?.(batch);
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
    await server?.close();
    if (hooks.metrics === undefined) metrics.close();
  };
  const owned = ownedSymbols(config.evaluation.symbols);
  subscription = source(restoredThrough, () => {
    if (restoring) endRestore();
  })
    .pipe(
      map((received) => {
        // Counted as what the pipeline makes of it: a demo event of another engine's symbol is unowned.
        const input = asOwned(received, owned);
        // Inputs replayed to rebuild the state are not counted, as their outputs are not.
        if (input.seq > restoredThrough) metrics.observeInput(input);
        enteredUnowned = input.kind === 'unowned';
        entered = performance.now();
        return input;
      }),
      tradingPipeline(config, (book) =>
        metrics.watchIndicators(() => {
          let instances = 0;
          let consumers = 0;
          for (const symbol of book.symbols()) {
            const stats = book.book(symbol).hub.stats();
            instances += stats.instances;
            consumers += stats.consumers;
          }
          return { instances, consumers, strategies: book.size() };
        }),
      ),
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

  // Ready once the state is whole: at once for a fresh start, after the rebuild for a restart.
  if (!restoring) metrics.markReady();
  return {
    url: server?.url ?? '',
    port: server?.port ?? 0,
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
