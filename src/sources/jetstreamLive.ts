/**
 * The live half of the JetStream source, on the engine's thread: one subscription's durable
 * consumer, its consumer thread (jetstreamConsumerThread.ts: consuming, stream-order restoration,
 * ack subjects), decoding, dead letters and ack bookkeeping. Used by JetStreamSource.events().
 */
import type { Worker } from 'node:worker_threads';
import { AckPolicy, type ConsumerInfo, DeliverPolicy, type JetStreamManager, ReplayPolicy } from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import type { Subscriber } from 'rxjs';
import { ownedSymbols, symbolsKey } from '../domain/symbolShard.js';
import type { SourceInput } from '../domain/types.js';
import { startModuleWorker } from '../moduleWorker.js';
import { type DecodeOptions, decodeMessage } from './decode.js';
import { AckQueue } from './jetstreamAcks.js';
import { DRAIN_GRACE_MS, type NatsConnectOptions } from './jetstreamConnection.js';
import { deadLetter, deadLetterSubject } from './jetstreamDeadLetter.js';
import type { JetStreamSourceOptions } from './jetstreamSource.js';
import { ensureStream } from './jetstreamStream.js';
import { type ConsumerThreadSettings, type FromConsumerThread, forEachMessage, type MessageBatch, type ToConsumerThread } from './jetstreamThreadProtocol.js';
import { type DurableOwner, ShardCoverage } from './shardCoverage.js';

/** Where the source logs what it cannot report as a value (pino's Logger fits). */
export interface SourceLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Consuming failed: the consumer could not be set up, was deleted, or the connection closed. */
export class JetStreamSourceError extends Error {
  override readonly name = 'JetStreamSourceError';
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
  }
}

type Emitted = SourceInput;

/** What a live subscription needs from its source. */
export interface LiveSettings {
  readonly nc: NatsConnection;
  readonly manager: () => Promise<JetStreamManager>;
  readonly stream: string;
  readonly prefix: string;
  readonly decode: DecodeOptions;
  readonly opts: JetStreamSourceOptions;
  readonly log: SourceLog;
  /** How the consumer thread opens its own connection (the source's connection options). */
  readonly connection: NatsConnectOptions;
}

/** Longest stretch of batch work before the event loop gets a turn (ms): /healthz, WebSocket and timers. */
const SLICE_MS = 20;

/** Starts the consumer thread (jetstreamConsumerThread.ts). */
function startConsumerThread(settings: ConsumerThreadSettings): Worker {
  return startModuleWorker(import.meta.url, 'jetstreamConsumerThread', settings);
}

/**
 * One live subscription: sets up the durable, starts its consumer thread, decodes what the thread
 * ships (in stream order), dead-letters, records acks and sends the thread the seq to settle after
 * each commit.
 */
export class LiveRun {
  readonly acks: AckQueue;
  private thread: Worker | undefined;
  private stopped = false;
  private exited = false;
  private closing: Promise<void> | undefined;
  /** Batches held back for the next turn of the event loop (see `receive`), oldest first. */
  private readonly inbox: MessageBatch[] = [];
  private drainScheduled = false;
  /** When the current slice of batch work began; reset once per turn of the event loop. */
  private sliceStarted = 0;
  private inSlice = false;
  /** A shard's check that some engine owns each symbol it passes over; none when it owns every symbol. */
  private coverage: ShardCoverage | undefined;

  constructor(
    private readonly s: LiveSettings,
    private readonly subscriber: Subscriber<Emitted>,
    private readonly startAfterSeq: number,
  ) {
    this.acks = new AckQueue(startAfterSeq, (seq, verdict) => this.tell({ type: 'settle', seq, verdict }));
  }

  /** Ensures the stream and the durable, then starts the consumer thread; rejects when setup fails. */
  async start(): Promise<void> {
    const jsm = await this.s.manager();
    const { opts, stream } = this.s;
    const name = opts.consumer ?? 'tradestream-engine';
    // A server restarting just now answers nothing or "no responders": wait for it, like the
    // connection does. Anything else (a refused stream, a bad consumer) fails the run.
    for (let attempt = 1; ; attempt++) {
      try {
        if (opts.ensureStream !== false) await ensureStream(jsm, opts);
        await this.prepareDurable(jsm, name);
        break;
      } catch (error) {
        if (this.stopped || !isServerUnavailable(error)) throw error;
        this.s.log.warn({ stream, consumer: name, attempt, err: String(error) }, 'JetStream not answering while setting up the consumer; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    if (this.stopped) return;
    if (ownedSymbols(opts.symbols ?? '') !== null) {
      this.coverage = new ShardCoverage(
        async () => {
          const owners: DurableOwner[] = [];
          for await (const info of (await this.s.manager()).consumers.list(stream)) owners.push(durableOwner(info.config.description));
          return owners;
        },
        this.s.log,
        { stream, consumer: name },
        opts.onOwnerless,
        opts.ownerGraceMs,
      );
    }
    const thread = startConsumerThread({
      connection: this.s.connection,
      stream,
      consumer: name,
      batchSize: opts.batchSize ?? 1_000,
      startAfterSeq: this.startAfterSeq,
    });
    this.thread = thread;
    await new Promise<void>((resolve, reject) => {
      thread.on('message', (message: FromConsumerThread) => {
        if (message.type === 'batch') this.receive(message);
        else if (message.type === 'ready') resolve();
        else if (message.type === 'log') this.s.log[message.level](message.obj, message.msg);
        else if (message.type === 'failed') {
          const error = new JetStreamSourceError(message.message);
          reject(error);
          this.fail(error);
        }
      });
      thread.on('error', (error) => {
        const failure = new JetStreamSourceError(`the JetStream consumer thread failed: ${error.message}`, { cause: error });
        reject(failure);
        this.fail(failure);
      });
      thread.on('exit', (code) => {
        this.exited = true;
        if (this.closing === undefined) this.fail(new JetStreamSourceError(`the JetStream consumer thread exited (code ${code})`));
      });
    });
    if (this.stopped) this.tell({ type: 'stop' });
    this.s.nc.closed().then((error) => {
      if (!this.stopped) this.fail(new JetStreamSourceError(`NATS connection closed while consuming ${stream}`, { cause: error }));
    });
  }

  /** Stops consuming (pending messages stay unacked: the server redelivers them); acks still go out until close(). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.coverage?.stop();
    this.tell({ type: 'stop' });
  }

  /** Stops consuming and completes the subscriber (the source is closing). */
  complete(): void {
    if (this.stopped) return;
    this.stop();
    this.subscriber.complete();
  }

  /**
   * Sends the acks asked for so far, then ends the consumer thread and its connection. Idempotent.
   * The thread drains its connection for at most DRAIN_GRACE_MS; should it still not exit soon
   * after (the server away), it is terminated: unsent acks only mean redeliveries, which a restart
   * skips by seq.
   */
  close(): Promise<void> {
    this.stop();
    const thread = this.thread;
    this.closing ??=
      thread === undefined || this.exited
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const cut = setTimeout(() => {
              this.s.log.warn({ stream: this.s.stream }, 'the JetStream consumer thread did not close in time; terminated');
              void thread.terminate();
            }, DRAIN_GRACE_MS + 2_000);
            thread.once('exit', () => {
              clearTimeout(cut);
              resolve();
            });
            thread.postMessage({ type: 'close' } satisfies ToConsumerThread);
          });
    return this.closing;
  }

  private tell(message: ToConsumerThread): void {
    if (this.closing === undefined) this.thread?.postMessage(message);
  }

  private fail(error: JetStreamSourceError): void {
    if (this.stopped) return;
    this.stop();
    this.subscriber.error(error);
  }

  /**
   * Reuses the durable when it delivers exactly what follows `startAfterSeq`: same ack settings
   * and owner, and nothing delivered past it. Otherwise (a crash left messages delivered after the
   * commit, which the server would hold back until ack_wait, or the store is behind the consumer's
   * ack floor, which would skip inputs) it is recreated at startAfterSeq + 1: SQLite is the truth.
   * A durable whose description names an engine owning other symbols (shard by symbol) is that
   * engine's: refused, never recreated (JetStreamSourceError).
   */
  private async prepareDurable(jsm: JetStreamManager, name: string): Promise<void> {
    const { stream, opts, log } = this.s;
    const ackWait = nanos(opts.ackWaitMs ?? 30_000);
    const maxAckPending = opts.maxAckPending ?? 65_536;
    const description = durableDescription(opts.symbols ?? '');
    let info: ConsumerInfo | null = null;
    try {
      info = await jsm.consumers.info(stream, name);
    } catch (error) {
      if (!isNotFound(error)) throw new JetStreamSourceError(`cannot read consumer ${name} of ${stream}`, { cause: error });
    }
    if (info !== null) {
      const c = info.config;
      // Two shards left at one consumer name pulled from one durable: each got part of the other's
      // messages, and both waited for the rest for ever; started one after the other, the second
      // recreated the first's durable under it (found by a review). A durable from before owners
      // were recorded has no description: it is taken as this engine's, and recreated to record it.
      if (c.description?.startsWith(DURABLE_OWNER) && c.description !== description) {
        throw new JetStreamSourceError(
          `consumer ${name} of ${stream} is the durable of the ${c.description.slice(DURABLE_OWNER.length)}, and this engine owns ${ownerOf(opts.symbols ?? '')}: give each engine its own --consumer (nats.consumer), or delete that consumer if its engine is gone for good`,
        );
      }
      const sameSettings =
        c.ack_policy === AckPolicy.All &&
        c.ack_wait === ackWait &&
        c.max_ack_pending === maxAckPending &&
        !c.deliver_subject &&
        !c.filter_subject &&
        c.description === description;
      if (sameSettings && info.delivered.stream_seq <= this.startAfterSeq) {
        log.info({ consumer: name, delivered: info.delivered.stream_seq, startAfterSeq: this.startAfterSeq }, 'reusing durable consumer');
        return;
      }
      log.warn(
        { consumer: name, delivered: info.delivered.stream_seq, ackFloor: info.ack_floor.stream_seq, startAfterSeq: this.startAfterSeq, sameSettings },
        'recreating durable consumer at the committed position',
      );
      await jsm.consumers.delete(stream, name);
    }
    await jsm.consumers.add(stream, {
      durable_name: name,
      description,
      ack_policy: AckPolicy.All,
      ack_wait: ackWait,
      max_ack_pending: maxAckPending,
      max_deliver: -1,
      replay_policy: ReplayPolicy.Instant,
      ...(this.startAfterSeq > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.startAfterSeq + 1 }
        : { deliver_policy: DeliverPolicy.All }),
    });
  }

  /**
   * A batch from the thread. Node hands a worker's queued messages over in one callback (up to a
   * thousand), with no timers or I/O between them: over a backlog the pipeline ran for seconds at
   * a stretch (8.2 s without an answer on /healthz, found by a bug hunt). So batch work runs in
   * slices of at most SLICE_MS (one batch may overrun it): what arrives past the slice waits in
   * `inbox`, in order, for the next turn, after the server's I/O.
   */
  private receive(batch: MessageBatch): void {
    if (!this.inSlice) {
      this.inSlice = true;
      this.sliceStarted = performance.now();
      setImmediate(() => {
        this.inSlice = false;
      });
    }
    if (this.inbox.length > 0 || performance.now() - this.sliceStarted > SLICE_MS) {
      this.inbox.push(batch);
      this.scheduleDrain();
    } else this.process(batch);
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.drainScheduled = false;
    const started = performance.now();
    let done = 0;
    while (done < this.inbox.length && performance.now() - started <= SLICE_MS) this.process(this.inbox[done++] as MessageBatch);
    // What was processed leaves the inbox now: an engine that stays behind never empties it, and
    // processed slots kept until then piled up (found by a review: 7,460 after 10 s of saturation).
    this.inbox.splice(0, done);
    if (this.inbox.length > 0) this.scheduleDrain();
  }

  private process(batch: MessageBatch): void {
    forEachMessage(batch, (seq, subject, data) => {
      if (!this.stopped) this.emit(seq, subject, data);
    });
  }

  private emit(seq: number, subject: string, data: Uint8Array): void {
    const { decode, prefix, log } = this.s;
    const decoded = decodeMessage(data, subject, seq, decode);
    if (decoded.kind === 'unowned' && decoded.symbol !== null) this.coverage?.passedOver(decoded.symbol);
    if (decoded.kind === 'rejection') {
      const letter = deadLetter(decoded, subject, data, decode.maxBytes);
      try {
        this.s.nc.publish(deadLetterSubject(prefix, decoded), JSON.stringify(letter));
        this.s.opts.onDeadLetter?.(decoded);
      } catch (error) {
        log.warn({ seq, err: error }, 'dead letter not published');
      }
    }
    this.acks.push(seq, decoded.kind === 'rejection');
    this.subscriber.next(decoded);
  }
}

/** How a durable's description names the engine that consumes it (see prepareDurable). */
const DURABLE_OWNER = 'TradeStream: durable of the ';

/** The symbols an engine owns, as a durable's description and its refusal say them. */
function ownerOf(symbols: string): string {
  const key = symbolsKey(symbols);
  return key === '' ? 'every symbol' : `the symbols ${key}`;
}

/** The description of the durable of an engine owning `symbols` (evaluation.symbols). */
function durableDescription(symbols: string): string {
  return `${DURABLE_OWNER}engine owning ${ownerOf(symbols)}`;
}

/** Whom a durable is for, read back from its description (durableDescription); null for a consumer that is no engine's. */
export function durableOwner(description: string | undefined): DurableOwner {
  const owning = `${DURABLE_OWNER}engine owning `;
  if (description === undefined || !description.startsWith(owning)) return null;
  const owner = description.slice(owning.length);
  if (owner === 'every symbol') return 'every';
  return owner.startsWith('the symbols ') ? ownedSymbols(owner.slice('the symbols '.length)) : null;
}

/** A request that failed because the server is away (timeout, disconnect, no responders), looking through `cause`s. */
function isServerUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, message } = e as { name?: string; message?: string };
    if (name === 'TimeoutError' || name === 'NoRespondersError' || /timeout|disconnected|no responders/i.test(message ?? '')) return true;
  }
  return false;
}

function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; message?: string };
  return e.name === 'ConsumerNotFoundError' || /consumer not found/i.test(e.message ?? '');
}
