/**
 * The SQLite state store: the engine's durable state and its position in the input stream.
 *
 * The hot path only calls `enqueue`, which coalesces in memory. A wall-clock timer calls `flush`
 * every `flushInterval` ms, which writes everything queued, and the consumer position, in one
 * transaction; `onCommit` listeners then learn the committed seq, so JetStream acks always follow
 * the commit that holds their effects (DESIGN.md, Outputs). After a crash the file holds a
 * consistent prefix of the input: every input up to `lastSeq()` fully applied, none after it.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { ConfidenceScore, Decision, Ensemble, OutputBatch, Portfolio, Position, PositionSize, Rejection, StrategyRecord } from '../domain/types.js';
import { startModuleWorker } from '../moduleWorker.js';
import { canonicalJson } from './decisionLog.js';
import { type DecisionRow, type PendingWrites, pendingRowCount, writePendingRows } from './pendingWrites.js';
import { ForeignDatabaseError, migrateSchema, NewerSchemaError, prepareStatements, refuseForeign, type StateStatements } from './schema.js';
import { checkStateIdentity, ForeignStateError, type StateIdentity } from './stateIdentity.js';
import type { FromStoreWriter, StoreWriterData, ToStoreWriter } from './stateStoreWriter.js';

/** A failure of the state file: names the file, keeps the underlying error as `cause`. */
export class StateStoreError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`state file ${path}: ${message}`, options);
    this.name = 'StateStoreError';
  }
}

/**
 * The state file could not be opened: not a database, not writable, a path through a file, a newer
 * schema. A problem of the path given (the CLI's exit code 2), not of a running engine.
 */
export class StateFileOpenError extends StateStoreError {
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(path, message, options);
    this.name = 'StateFileOpenError';
  }
}

/** How the store batches. */
export interface StateStoreOptions {
  /** Wall time between flushes (ms), e.g. StoreConfig.flushInterval (default 100). */
  readonly flushInterval: number;
  /**
   * Soft cap on a transaction (outputs queued since the last flush, default 5,000 ≈ 15 ms of
   * writing). Reaching it schedules an early flush on a microtask, so the SQL runs right after the
   * current pipeline step returns, never inside `enqueue`.
   */
  readonly maxBatchOutputs?: number;
  /** Name of this engine's row in consumer_state (default 'engine'); one per durable consumer. */
  readonly consumer?: string;
  /**
   * Where the SQL runs (default 'inline'). 'thread': on a writer thread with its own connection
   * (stateStoreWriter.ts), so the engine's thread only hands each flush over and goes on with the
   * next inputs; commit listeners still run on the engine's thread, after the writer's commit.
   * A flush then returns before anything is committed (`lastSeq: null`); `close()` waits for every
   * write. On a failed write the rows of that flush are not kept (nothing of them was acked: the
   * engine stops, and a restart replays them), and every later flush throws the failure.
   */
  readonly writer?: 'inline' | 'thread';
  /** The engine's identity (stateIdentity.ts): recorded in a new file, and a file with another is refused. */
  readonly identity?: StateIdentity;
  /** The input stream's last sequence, when known: a file that committed more is refused (checkStateIdentity). */
  readonly inputEnd?: number;
}

/** The consumer_state row of a store given no consumer name. */
export const DEFAULT_CONSUMER = 'engine';

/** The writer thread of a store with `writer: 'thread'`, and the writes it has not answered. */
interface WriterThread {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** [answers the writer has posted], shared, for the synchronous wait in close(). */
  readonly done: Int32Array;
  posted: number;
  answered: number;
  /** The write posted and not answered yet (one at a time: commits stay in flush order). */
  inFlight: { readonly lastSeq: number; readonly rows: number } | null;
  /** A flush was asked for while one was in flight: run it when that one is answered. */
  again: boolean;
  failure: StateStoreError | null;
}

/** Longest wait for the writer thread when closing, before the store gives up on it. */
const WRITER_CLOSE_TIMEOUT_MS = 60_000;

/** The wall-clock timer the flush runs on; tests pass fake timers. */
export interface FlushTimers {
  readonly setInterval: typeof setInterval;
  readonly clearInterval: typeof clearInterval;
}

/** What one flush wrote: rows written (consumer_state excluded), the seq it committed, its wall duration (ms). */
export interface FlushResult {
  readonly rows: number;
  readonly lastSeq: number | null;
  readonly ms: number;
}

const DEFAULT_MAX_BATCH_OUTPUTS = 5000;
const MINUTE = 60_000;

/**
 * The engine's SQLite state file (WAL, synchronous=NORMAL): strategies, confidence scores,
 * ensembles, positions, sizes, the portfolio and its per-minute history, decisions, rejections and
 * the consumer position. See schema.ts for the tables.
 */
export class StateStore {
  private readonly strategies = new Map<string, StrategyRecord>();
  private readonly scores = new Map<string, ConfidenceScore>();
  private readonly ensembles = new Map<string, Ensemble>();
  private readonly positions = new Map<string, Position>();
  private readonly sizes = new Map<string, PositionSize>();
  private readonly history = new Map<number, Portfolio>();
  private portfolio: Portfolio | null = null;
  private decisions: DecisionRow[] = [];
  private rejections: Rejection[] = [];
  private pendingSeq: number | null = null;
  /** Event time of the latest enqueued input that had one (a malformed input before any price has none). */
  private pendingTime: number | null = null;
  private queuedOutputs = 0;
  private earlyFlushScheduled = false;
  private committedSeq: number | null;
  /** Highest seq handed to the writer thread (its commit may still be coming); null inline or before the first. */
  private handedSeq: number | null = null;
  private readonly commitListeners: ((lastSeq: number) => void)[] = [];
  private readonly errorListeners: ((error: Error) => void)[] = [];
  private readonly flushListeners: ((result: FlushResult) => void)[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly maxBatchOutputs: number;
  private readonly consumer: string;
  private readonly writeAll: (pending: PendingWrites) => void;
  private readonly thread: WriterThread | null;
  private closed = false;
  /** close() is waiting for the writer thread: failures are thrown by close(), not reported. */
  private closing = false;

  private constructor(
    private readonly path: string,
    private readonly db: Database.Database,
    private readonly sql: StateStatements,
    opts: StateStoreOptions,
    private readonly timers: FlushTimers,
  ) {
    this.maxBatchOutputs = opts.maxBatchOutputs ?? DEFAULT_MAX_BATCH_OUTPUTS;
    this.consumer = opts.consumer ?? DEFAULT_CONSUMER;
    this.committedSeq = sql.consumerSeq(this.consumer);
    this.writeAll = db.transaction((pending: PendingWrites) => writePendingRows(sql, pending));
    this.thread = opts.writer === 'thread' ? this.startWriter() : null;
    this.timer = timers.setInterval(() => this.flushFromTimer(), opts.flushInterval);
  }

  /**
   * Opens (creating the directory and file if missing) the SQLite state file in WAL mode with
   * synchronous=NORMAL, creates or migrates the schema, and starts the flush timer (every
   * `opts.flushInterval` ms of wall time, on `timers`). Throws StateFileOpenError naming the path when
   * the file is not a database, cannot be written, or has a newer schema version than this engine;
   * it never starts empty over a file it could not read.
   */
  static open(path: string, opts: StateStoreOptions, timers: FlushTimers = { setInterval, clearInterval }): StateStore {
    if (!(Number.isFinite(opts.flushInterval) && opts.flushInterval > 0)) {
      throw new RangeError(`StateStore flushInterval must be a positive number of ms (was ${opts.flushInterval})`);
    }
    if (opts.maxBatchOutputs !== undefined && !(Number.isInteger(opts.maxBatchOutputs) && opts.maxBatchOutputs > 0)) {
      throw new RangeError(`StateStore maxBatchOutputs must be a positive integer (was ${opts.maxBatchOutputs})`);
    }
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(resolve(path)), { recursive: true });
      db = new Database(path);
      // The first statement reads the header: a file that is not SQLite fails here. Another
      // application's database is refused before WAL mode rewrites its header.
      refuseForeign(db);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL could not be enabled`);
      db.pragma('synchronous = NORMAL');
      migrateSchema(db);
      if (opts.identity !== undefined) checkStateIdentity(db, opts.identity, opts.consumer ?? DEFAULT_CONSUMER, opts.inputEnd);
      return new StateStore(path, db, prepareStatements(db), opts, timers);
    } catch (error) {
      db?.close();
      if (error instanceof NewerSchemaError || error instanceof ForeignDatabaseError || error instanceof ForeignStateError)
        throw new StateFileOpenError(path, `refused: ${error.message}`, { cause: error });
      const reason = error instanceof Error ? error.message : String(error);
      throw new StateFileOpenError(path, `cannot open as a writable state database: ${reason}`, { cause: error });
    }
  }

  /**
   * Queues one input's outputs. Coalesces the latest row per key in memory (strategies, scores,
   * ensembles, positions, sizes, portfolio, portfolio history per minute); decisions and
   * rejections are kept in order. No SQL runs here.
   *
   * A batch whose seq is already committed in this file is ignored: its effects are in the file,
   * so re-feeding inputs after a restart (a redelivery, or a replay from the start to rebuild the
   * engine's memory) can never apply them twice. Throws, queuing nothing, on a decision that has
   * no canonical JSON (NaN, Infinity): that is a bug in the phase that built it.
   *
   * `known` holds decision lines already built (the decision log's, so the engine serializes each
   * decision once); any decision missing from it is serialized here.
   */
  enqueue(batch: OutputBatch, known?: ReadonlyMap<Decision, string>): void {
    if (this.closed) throw new StateStoreError(this.path, `enqueue of seq ${batch.seq} after close`);
    const done = Math.max(this.committedSeq ?? Number.NEGATIVE_INFINITY, this.handedSeq ?? Number.NEGATIVE_INFINITY);
    if (batch.seq <= done) return;
    // Lines first, so a bad decision throws before anything of the batch is queued.
    let lines: Map<Decision, string> | undefined;
    for (const output of batch.outputs) {
      if (output.kind !== 'decision') continue;
      lines ??= new Map();
      lines.set(output, known?.get(output) ?? canonicalJson(output));
    }
    for (const output of batch.outputs) {
      switch (output.kind) {
        case 'strategy':
          queueLatest(this.strategies, output.strategyId, output);
          break;
        case 'score':
          queueLatest(this.scores, output.strategyId, output);
          break;
        case 'ensemble':
          // Write order matters here: the last active ensemble written for a symbol deactivates
          // the others, so the map's order must be the order of the latest updates.
          queueLatest(this.ensembles, output.id, output);
          break;
        case 'position':
          queueLatest(this.positions, output.positionId, output);
          break;
        case 'size':
          queueLatest(this.sizes, output.symbol, output);
          break;
        case 'portfolio': {
          this.portfolio = output;
          const minute = Math.floor(output.time / MINUTE) * MINUTE;
          const previous = this.history.get(minute);
          if (previous === undefined || output.time >= previous.time) this.history.set(minute, output);
          break;
        }
        case 'decision':
          this.decisions.push({
            seq: output.seq,
            time: output.time,
            decision: output.decision,
            symbol: output.symbol,
            reason: output.reason,
            line: lines?.get(output) as string,
          });
          break;
        case 'rejection':
          this.rejections.push(output);
          break;
      }
    }
    if (this.pendingSeq === null || batch.seq >= this.pendingSeq) {
      this.pendingSeq = batch.seq;
      if (Number.isFinite(batch.time)) this.pendingTime = batch.time;
    }
    this.queuedOutputs += batch.outputs.length;
    if (this.queuedOutputs >= this.maxBatchOutputs && !this.earlyFlushScheduled) {
      this.earlyFlushScheduled = true;
      queueMicrotask(() => {
        this.earlyFlushScheduled = false;
        if (!this.closed) this.flushFromTimer();
      });
    }
  }

  /**
   * Writes everything queued in one transaction, together with consumer_state(name, last_seq =
   * the highest batch seq queued), so the input position commits atomically with its effects.
   * Then calls every onCommit listener with that seq. Called by the flush timer and by close();
   * a no-op returning `lastSeq: null` when nothing is queued.
   *
   * On failure the transaction rolls back (nothing of it is in the file, consumer position
   * included), the queue is kept as it was, no listener is called, and a StateStoreError is thrown.
   */
  flush(): FlushResult {
    if (this.closed) throw new StateStoreError(this.path, 'flush after close');
    if (this.thread !== null) return this.postFlush(this.thread);
    const lastSeq = this.pendingSeq;
    if (lastSeq === null) return { rows: 0, lastSeq: null, ms: 0 };
    const pending = this.takePending(lastSeq);
    const rows = pendingRowCount(pending);
    const started = performance.now();
    try {
      this.writeAll(pending);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StateStoreError(this.path, `flush of ${rows} rows up to seq ${lastSeq} rolled back: ${reason}`, { cause: error });
    }
    this.clearPending();
    return this.committed(lastSeq, rows, performance.now() - started);
  }

  /** A flush of `writer: 'thread'`: hands the queue to the writer unless a write is in flight. */
  private postFlush(thread: WriterThread): FlushResult {
    if (thread.failure !== null) throw thread.failure;
    if (thread.inFlight !== null) {
      thread.again = true;
      return { rows: 0, lastSeq: null, ms: 0 };
    }
    const lastSeq = this.pendingSeq;
    if (lastSeq === null) return { rows: 0, lastSeq: null, ms: 0 };
    const pending = this.takePending(lastSeq);
    const rows = pendingRowCount(pending);
    try {
      // Posted first: if the rows cannot be handed over (a value structured clone refuses), the
      // queue is kept as it was, as an inline flush that rolled back keeps it.
      thread.port.postMessage({ type: 'write', pending } satisfies ToStoreWriter);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      thread.failure = new StateStoreError(this.path, `flush of ${rows} rows up to seq ${lastSeq} could not be handed to the writer thread: ${reason}`, {
        cause: error,
      });
      throw thread.failure;
    }
    this.clearPending();
    thread.inFlight = { lastSeq, rows };
    thread.posted++;
    this.handedSeq = lastSeq;
    return { rows, lastSeq: null, ms: 0 };
  }

  /** Records a commit and tells the listeners. */
  private committed(lastSeq: number, rows: number, ms: number): FlushResult {
    this.committedSeq = lastSeq;
    for (const listener of this.commitListeners) listener(lastSeq);
    const result = { rows, lastSeq, ms };
    for (const listener of this.flushListeners) listener(result);
    return result;
  }

  /** Calls `listener` after every committed flush with its row count and duration (for metrics). */
  onFlush(listener: (result: FlushResult) => void): void {
    this.flushListeners.push(listener);
  }

  /** Registers a listener called after each commit with the last input seq it made durable (ack up to it). */
  onCommit(listener: (lastSeq: number) => void): void {
    this.commitListeners.push(listener);
  }

  /**
   * Registers a listener for failures of timer-driven (and early) flushes. A failed flush stops the
   * timer; the queue is kept. Without a listener the error is rethrown from the timer callback and
   * so crashes the process, which then restarts and resumes from `lastSeq()` (crash-only).
   */
  onError(listener: (error: Error) => void): void {
    this.errorListeners.push(listener);
  }

  /** The last input seq committed for `consumer` (default: this store's consumer), or 0. */
  lastSeq(consumer: string = this.consumer): number {
    return this.sql.consumerSeq(consumer) ?? 0;
  }

  /** Committed open positions, by symbol. For the WebSocket snapshot. */
  readOpenPositions(): Position[] {
    return this.sql.openPositions();
  }

  /** Every committed position, open ones first, then by symbol and entry time. For `inspect`. */
  readPositions(): Position[] {
    return this.sql.positions();
  }

  /** Committed latest size per symbol, by symbol. */
  readSizes(): PositionSize[] {
    return this.sql.sizes();
  }

  /** Committed active ensembles, one per symbol at most, by symbol. */
  readActiveEnsembles(): Ensemble[] {
    return this.sql.activeEnsembles();
  }

  /** The committed portfolio, or null before the first one. */
  readPortfolio(): Portfolio | null {
    return this.sql.portfolio();
  }

  /** Committed row count of every table the store owns. */
  tableCounts(): Record<string, number> {
    return this.sql.tableCounts();
  }

  /**
   * The committed decision lines (canonical JSON, no '\n'), in the order they were queued, one row
   * at a time: a restart rewrites the decision-log file from them, and `.all()` held the whole
   * history in memory at once (found by a soak hunt). Consume it before using the store again.
   */
  readDecisionLines(): IterableIterator<string> {
    return this.sql.decisionLines();
  }

  /**
   * Flushes what is queued, stops the timer and closes the database. Idempotent. The database is
   * closed even when the final flush fails; that failure is then thrown.
   */
  close(): void {
    if (this.closed) return;
    try {
      if (this.thread === null) this.flush();
      else this.closeWriter(this.thread);
    } finally {
      this.closed = true;
      this.timers.clearInterval(this.timer);
      this.db.close();
    }
  }

  private flushFromTimer(): void {
    try {
      this.flush();
    } catch (error) {
      this.failed(error);
    }
  }

  /** A failed timer-driven flush or write: stops the timer; the listeners get it, or it is thrown. */
  private failed(error: unknown): void {
    this.timers.clearInterval(this.timer);
    if (this.errorListeners.length === 0) throw error;
    const failure = error instanceof Error ? error : new Error(String(error));
    for (const listener of this.errorListeners) listener(failure);
  }

  private startWriter(): WriterThread {
    const channel = new MessageChannel();
    const done = new Int32Array(new SharedArrayBuffer(4));
    const worker = startModuleWorker(import.meta.url, 'stateStoreWriter', { path: this.path, port: channel.port2, done } satisfies StoreWriterData, [
      channel.port2,
    ]);
    const thread: WriterThread = { worker, port: channel.port1, done, posted: 0, answered: 0, inFlight: null, again: false, failure: null };
    thread.port.on('message', (answer: FromStoreWriter) => this.onAnswer(thread, answer));
    // Neither keeps the process alive: the flush timer does while the store is open.
    thread.port.unref();
    worker.unref();
    worker.on('error', (error) => {
      thread.failure ??= new StateStoreError(this.path, `writer thread failed: ${error.message}`, { cause: error });
      if (!this.closed && !this.closing) this.failed(thread.failure);
    });
    worker.on('exit', (code) => {
      if (this.closed || this.closing) return;
      // Only close() ends the writer: an exit before it leaves flushes that nothing will write.
      thread.failure ??= new StateStoreError(this.path, `writer thread exited (code ${code}) before the store was closed`);
      this.failed(thread.failure);
    });
    return thread;
  }

  private onAnswer(thread: WriterThread, answer: FromStoreWriter): void {
    thread.answered++;
    if (answer.type === 'closed') return;
    const rows = thread.inFlight?.rows ?? 0;
    thread.inFlight = null;
    if (answer.type === 'failed') {
      thread.failure = new StateStoreError(this.path, `flush of ${rows} rows up to seq ${answer.lastSeq} rolled back: ${answer.message}`);
      if (!this.closed && !this.closing) this.failed(thread.failure);
      return;
    }
    try {
      this.committed(answer.lastSeq, rows, answer.ms);
    } catch (error) {
      // A listener threw (inline, the timer's flush reports it the same way).
      if (this.closing) {
        thread.failure ??= new StateStoreError(this.path, `a commit listener failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      } else if (!this.closed) this.failed(error);
      return;
    }
    if (thread.again && !this.closed && !this.closing) {
      thread.again = false;
      this.flushFromTimer();
    }
  }

  /**
   * Closes a `writer: 'thread'` store synchronously: waits for the write in flight, writes what is
   * queued, then closes the writer, reading its answers straight off the port (Atomics.wait on the
   * shared counter between them), so commit listeners still see every commit.
   */
  private closeWriter(thread: WriterThread): void {
    this.closing = true;
    thread.again = false;
    this.awaitAnswers(thread);
    if (thread.failure === null && this.pendingSeq !== null) {
      this.postFlush(thread);
      this.awaitAnswers(thread);
    }
    if (this.writerAlive(thread)) {
      thread.posted++;
      thread.port.postMessage({ type: 'close' } satisfies ToStoreWriter);
      this.awaitAnswers(thread);
    }
    thread.port.close();
    // A writer that did not answer (it died, or hung) is stopped rather than left holding the file.
    if (!this.writerAlive(thread) || thread.answered < thread.posted) void thread.worker.terminate();
    if (thread.failure !== null) throw thread.failure;
  }

  private awaitAnswers(thread: WriterThread): void {
    const deadline = performance.now() + WRITER_CLOSE_TIMEOUT_MS;
    while (thread.answered < thread.posted) {
      const seen = Atomics.load(thread.done, 0);
      const received = receiveMessageOnPort(thread.port);
      if (received !== undefined) {
        this.onAnswer(thread, received.message as FromStoreWriter);
        continue;
      }
      if (!this.writerAlive(thread)) {
        thread.failure ??= new StateStoreError(this.path, 'writer thread exited before answering');
        return;
      }
      if (performance.now() > deadline) {
        thread.failure ??= new StateStoreError(this.path, `writer thread did not answer within ${WRITER_CLOSE_TIMEOUT_MS} ms`);
        return;
      }
      Atomics.wait(thread.done, 0, seen, 100);
    }
  }

  /**
   * Whether the writer thread still runs: Node sets `threadId` to -1 as soon as it has stopped,
   * which close() can read while it waits (the 'exit' event cannot arrive then).
   */
  private writerAlive(thread: WriterThread): boolean {
    return thread.worker.threadId !== -1;
  }

  /** The queue as one flush's rows (not cleared: an inline flush clears it after its commit). */
  private takePending(lastSeq: number): PendingWrites {
    return {
      strategies: [...this.strategies.values()],
      scores: [...this.scores.values()],
      ensembles: [...this.ensembles.values()],
      positions: [...this.positions.values()],
      sizes: [...this.sizes.values()],
      portfolio: this.portfolio,
      history: [...this.history],
      decisions: this.decisions,
      rejections: this.rejections,
      consumer: this.consumer,
      lastSeq,
      time: this.pendingTime,
    };
  }

  private clearPending(): void {
    this.strategies.clear();
    this.scores.clear();
    this.ensembles.clear();
    this.positions.clear();
    this.sizes.clear();
    this.history.clear();
    this.portfolio = null;
    this.decisions = [];
    this.rejections = [];
    this.pendingSeq = null;
    this.queuedOutputs = 0;
  }
}

/** Re-inserts the key so the map iterates in order of each key's latest update. */
function queueLatest<T>(map: Map<string, T>, key: string, value: T): void {
  map.delete(key);
  map.set(key, value);
}
