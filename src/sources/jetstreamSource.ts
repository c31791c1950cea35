/**
 * The engine's input from NATS JetStream (DESIGN.md, Inputs and Replay). Live: a durable pull
 * consumer on the input stream, decoded and validated messages emitted in stream order, acked
 * after the engine's SQLite commit. Replay: an ordered consumer from a sequence or an event time,
 * completing at the stream's end as of the start.
 */
import {
  AckPolicy,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  ReplayPolicy,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import { Observable, type Subscriber } from 'rxjs';
import type { InputEvent, Millis, Rejection } from '../domain/types.js';
import { type DecodeOptions, decodeMessage } from './decode.js';
import { AckQueue } from './jetstreamAcks.js';
import { connectNats, type NatsConnectOptions } from './jetstreamConnection.js';
import { deadLetter, deadLetterSubject } from './jetstreamDeadLetter.js';
import { ensureStream, type InputStreamOptions } from './jetstreamStream.js';

/** Where the source logs what it cannot report as a value (pino's Logger fits). */
export interface SourceLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options of the JetStream source; stream layout options as in InputStreamOptions. */
export interface JetStreamSourceOptions extends InputStreamOptions {
  /** Durable consumer name (default `tradestream-engine`, NatsConfig.consumer). */
  readonly consumer?: string;
  /** Larger messages are dead-lettered (bytes of UTF-8, default 65,536; NatsConfig.maxMessageBytes). */
  readonly maxMessageBytes?: number;
  /** When set, candles of another interval are rejected (ms; see DecodeOptions.candleInterval). */
  readonly candleInterval?: Millis;
  /** Time the server waits for an ack before redelivering (ms, default 30,000). */
  readonly ackWaitMs?: number;
  /** Messages delivered and not acked before the server pauses delivery (default 65,536). */
  readonly maxAckPending?: number;
  /** Messages per pull request of `consume()` (default 1,000). */
  readonly batchSize?: number;
  /** Create or update the stream before consuming live (default true). */
  readonly ensureStream?: boolean;
}

/** Where a replay starts and stops. */
export interface ReplayOptions {
  /** First stream sequence to read (default 1). */
  readonly fromSeq?: number;
  /** Start at the first input whose event time is at or after this (epoch ms); earlier messages are skipped. */
  readonly since?: Millis;
  /** Complete at the first input whose event time is after this (epoch ms); it is not emitted. */
  readonly until?: Millis;
}

/** Consuming failed: the consumer could not be set up, was deleted, or the connection closed. */
export class JetStreamSourceError extends Error {
  override readonly name = 'JetStreamSourceError';
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
  }
}

type Emitted = InputEvent | Rejection;

const silentLog: SourceLog = { info: () => undefined, warn: () => undefined };

/**
 * JetStream input of the engine. One connection; one live subscription at a time, any number of
 * replays. Call `ack(seq)` from the store's commit hook, and `close()` after the engine stopped.
 */
export class JetStreamSource {
  private readonly js: JetStreamClient;
  private jsmPromise: Promise<JetStreamManager> | undefined;
  private readonly decodeOptions: DecodeOptions;
  private readonly stream: string;
  private readonly prefix: string;
  private acks: AckQueue | undefined;
  private run: LiveRun | undefined;
  private live = false;

  /**
   * Wraps an open connection. `owned`: close() also drains the connection (true when made by
   * `connect`).
   */
  constructor(
    readonly nc: NatsConnection,
    private readonly opts: JetStreamSourceOptions = {},
    private readonly log: SourceLog = silentLog,
    private readonly owned = false,
  ) {
    this.js = jetstream(nc);
    this.stream = opts.stream ?? 'TRADESTREAM';
    this.prefix = opts.subjectPrefix ?? 'tradestream';
    this.decodeOptions = {
      subjectPrefix: this.prefix,
      maxBytes: opts.maxMessageBytes ?? 65_536,
      ...(opts.candleInterval === undefined ? {} : { candleInterval: opts.candleInterval }),
    };
  }

  /** Connects (reconnecting forever, NOTES.md) and returns a source that owns the connection. */
  static async connect(connection: NatsConnectOptions, opts: JetStreamSourceOptions = {}, log?: SourceLog): Promise<JetStreamSource> {
    return new JetStreamSource(await connectNats(connection), opts, log ?? silentLog, true);
  }

  /** The JetStream manager of this connection (created once). */
  manager(): Promise<JetStreamManager> {
    this.jsmPromise ??= jetstreamManager(this.nc);
    return this.jsmPromise;
  }

  /**
   * Live inputs after `startAfterSeq` (the last seq committed to SQLite; 0 for none), in stream
   * order, each stamped with its stream seq: InputEvents, and Rejections for messages that fail
   * decoding (those are also dead-lettered on `<prefix>.dlq.<kind>` and terminated). Cold: each
   * subscription ensures the stream and the durable consumer, then consumes. Completes only when
   * close() is called; survives server restarts (the client reconnects, consume() resumes). Errors with
   * JetStreamSourceError when setup fails, the consumer is deleted or the connection is closed.
   * Unsubscribing stops consuming; `ack()` still works for what was emitted.
   */
  events(startAfterSeq = 0): Observable<Emitted> {
    return new Observable<Emitted>((subscriber) => {
      if (this.live) {
        subscriber.error(new JetStreamSourceError('a live subscription is already running on this source'));
        return;
      }
      this.live = true;
      const run = new LiveRun(
        this,
        { stream: this.stream, prefix: this.prefix, decode: this.decodeOptions, opts: this.opts, log: this.log, js: this.js },
        subscriber,
        startAfterSeq,
      );
      this.acks = run.acks;
      this.run = run;
      run.start().catch((error: unknown) => {
        subscriber.error(
          error instanceof JetStreamSourceError ? error : new JetStreamSourceError(`cannot consume ${this.stream}: ${String(error)}`, { cause: error }),
        );
      });
      return () => {
        run.stop();
        this.live = false;
        if (this.run === run) this.run = undefined;
      };
    });
  }

  /**
   * Acknowledges every live input up to `upToSeq` (the engine calls it after the SQLite commit
   * that holds their effects). One ack on the wire per call (AckPolicy.All). No-op before the
   * first live subscription.
   */
  ack(upToSeq: number): void {
    this.acks?.ackUpTo(upToSeq);
  }

  /** Info of the durable consumer (num_ack_pending, delivered, ack_floor). */
  async consumerInfo(): Promise<ConsumerInfo> {
    const jsm = await this.manager();
    return jsm.consumers.info(this.stream, this.opts.consumer ?? 'tradestream-engine');
  }

  /**
   * Replays the input stream through an ordered consumer (no acks, no dead letters): decoded
   * inputs in stream order from `fromSeq` (default 1), skipping those before `since` (event
   * time), until the stream's last sequence as of the subscription, then COMPLETES; it also
   * completes before the first input with event time after `until`, and at once on an empty
   * stream. Errors with JetStreamSourceError when the stream is missing or consuming fails.
   */
  replayEvents(opts: ReplayOptions = {}): Observable<Emitted> {
    return new Observable<Emitted>((subscriber) => {
      let messages: ConsumerMessages | undefined;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        void messages?.close();
      };
      const start = async (): Promise<void> => {
        const jsm = await this.manager();
        const info = await jsm.streams.info(this.stream);
        const fromSeq = Math.max(1, opts.fromSeq ?? 1);
        const lastSeq = info.state.last_seq;
        if (info.state.messages === 0 || lastSeq < fromSeq) {
          finish();
          subscriber.complete();
          return;
        }
        let started = opts.since === undefined;
        const consumer = await this.js.consumers.get(this.stream, { opt_start_seq: fromSeq });
        if (finished) return;
        messages = await consumer.consume({
          max_messages: this.opts.batchSize ?? 1_000,
          callback: (msg: JsMsg) => {
            if (finished) return;
            const decoded = decodeMessage(msg.data, msg.subject, msg.seq, this.decodeOptions);
            const atEnd = msg.seq >= lastSeq || msg.info.pending === 0;
            if (decoded.kind !== 'rejection') {
              if (opts.until !== undefined && decoded.ts > opts.until) {
                finish();
                subscriber.complete();
                return;
              }
              if (!started && decoded.ts >= (opts.since as number)) started = true;
            }
            if (started) subscriber.next(decoded);
            if (atEnd) {
              finish();
              subscriber.complete();
            }
          },
        });
        if (finished) void messages.close();
        messages.closed().then((result) => {
          if (!finished && result instanceof Error)
            subscriber.error(new JetStreamSourceError(`replay of ${this.stream} failed: ${result.message}`, { cause: result }));
        });
      };
      start().catch((error: unknown) => {
        if (!finished)
          subscriber.error(
            new JetStreamSourceError(`cannot replay ${this.stream}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }),
          );
      });
      return finish;
    });
  }

  /**
   * Completes a running live subscription, flushes pending acks and dead letters, then drains the
   * connection when this source owns it. Call it after the engine's last commit (acks follow it).
   */
  async close(): Promise<void> {
    this.run?.complete();
    if (this.nc.isClosed()) return;
    if (this.owned) await this.nc.drain();
    else await this.nc.flush();
  }
}

/** What a live subscription needs from its source. */
interface LiveSettings {
  readonly stream: string;
  readonly prefix: string;
  readonly decode: DecodeOptions;
  readonly opts: JetStreamSourceOptions;
  readonly log: SourceLog;
  readonly js: JetStreamClient;
}

/**
 * One live subscription: sets up the durable, consumes, restores stream order when a delivery was
 * lost (a gap in seqs that the stream says exists, e.g. in flight during a server restart: held
 * until its redelivery after ack_wait), decodes, dead-letters, and records acks.
 */
class LiveRun {
  readonly acks: AckQueue;
  private lastEmitted: number;
  private readonly held = new Map<number, JsMsg>();
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private checking = false;
  private recheck: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly source: JetStreamSource,
    private readonly s: LiveSettings,
    private readonly subscriber: Subscriber<Emitted>,
    private readonly startAfterSeq: number,
  ) {
    this.acks = new AckQueue(startAfterSeq);
    this.lastEmitted = startAfterSeq;
  }

  async start(): Promise<void> {
    const jsm = await this.source.manager();
    const { opts, stream } = this.s;
    if (opts.ensureStream !== false) await ensureStream(jsm, opts);
    const name = opts.consumer ?? 'tradestream-engine';
    await this.prepareDurable(jsm, name);
    if (this.stopped) return;
    const consumer = await this.s.js.consumers.get(stream, name);
    if (this.stopped) return;
    const messages = await consumer.consume({ max_messages: opts.batchSize ?? 1_000, callback: (msg: JsMsg) => this.receive(msg) });
    this.messages = messages;
    if (this.stopped) {
      void messages.close();
      return;
    }
    this.watch(messages, name);
    this.source.nc.closed().then((error) => {
      if (!this.stopped) this.fail(new JetStreamSourceError(`NATS connection closed while consuming ${stream}`, { cause: error }));
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.recheck !== undefined) clearTimeout(this.recheck);
    void this.messages?.close();
  }

  /** Stops consuming and completes the subscriber (the source is closing). */
  complete(): void {
    if (this.stopped) return;
    this.stop();
    this.subscriber.complete();
  }

  private fail(error: JetStreamSourceError): void {
    if (this.stopped) return;
    this.stop();
    this.subscriber.error(error);
  }

  /**
   * Reuses the durable when it delivers exactly what follows `startAfterSeq`: same ack settings
   * and nothing delivered past it. Otherwise (a crash left messages delivered after the commit,
   * which the server would hold back until ack_wait, or the store is behind the consumer's ack
   * floor, which would skip inputs) it is recreated at startAfterSeq + 1: SQLite is the truth.
   */
  private async prepareDurable(jsm: JetStreamManager, name: string): Promise<void> {
    const { stream, opts, log } = this.s;
    const ackWait = nanos(opts.ackWaitMs ?? 30_000);
    const maxAckPending = opts.maxAckPending ?? 65_536;
    let info: ConsumerInfo | null = null;
    try {
      info = await jsm.consumers.info(stream, name);
    } catch (error) {
      if (!isNotFound(error)) throw new JetStreamSourceError(`cannot read consumer ${name} of ${stream}`, { cause: error });
    }
    if (info !== null) {
      const c = info.config;
      const sameSettings =
        c.ack_policy === AckPolicy.All && c.ack_wait === ackWait && c.max_ack_pending === maxAckPending && !c.deliver_subject && !c.filter_subject;
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

  private watch(messages: ConsumerMessages, name: string): void {
    const { log, stream } = this.s;
    void (async () => {
      for await (const status of messages.status()) {
        if (
          status.type === 'heartbeats_missed' ||
          status.type === 'consumer_not_found' ||
          status.type === 'stream_not_found' ||
          status.type === 'no_responders'
        ) {
          log.warn({ consumer: name, status }, `JetStream consumer status: ${status.type}`);
        } else if (status.type === 'consumer_deleted') {
          this.fail(new JetStreamSourceError(`consumer ${name} of ${stream} was deleted`, { cause: status }));
        }
      }
    })();
    messages.closed().then((result) => {
      if (!this.stopped && result instanceof Error) this.fail(new JetStreamSourceError(`consuming ${stream} failed: ${result.message}`, { cause: result }));
    });
  }

  private receive(msg: JsMsg): void {
    if (this.stopped) return;
    const seq = msg.seq;
    if (seq <= this.acks.floor) {
      // Committed before (a redelivery, or the durable started early): settle it again.
      msg.ack();
      return;
    }
    if (seq <= this.lastEmitted || this.held.has(seq)) return; // redelivery of a pending message
    if (seq === this.lastEmitted + 1) {
      this.emit(msg);
      this.drain();
      return;
    }
    this.held.set(seq, msg);
    this.resolveGap();
  }

  private emit(msg: JsMsg): void {
    const { decode, prefix, log } = this.s;
    const decoded = decodeMessage(msg.data, msg.subject, msg.seq, decode);
    if (decoded.kind === 'rejection') {
      const letter = deadLetter(decoded, msg.subject, msg.data, decode.maxBytes);
      try {
        this.source.nc.publish(deadLetterSubject(prefix, decoded), JSON.stringify(letter));
      } catch (error) {
        log.warn({ seq: msg.seq, err: error }, 'dead letter not published');
      }
    }
    this.lastEmitted = msg.seq;
    this.acks.push(msg.seq, msg, decoded.kind === 'rejection');
    this.subscriber.next(decoded);
  }

  private drain(): void {
    while (!this.stopped && this.held.size > 0) {
      const next = this.held.get(this.lastEmitted + 1);
      if (next === undefined) {
        this.resolveGap();
        return;
      }
      this.held.delete(next.seq);
      this.emit(next);
    }
  }

  /**
   * A message arrived past the next expected seq. The seqs between are either gone from the
   * stream (limits, deletes: skip them) or were lost in flight (wait: the server redelivers them
   * after ack_wait). The stream's first seq and deleted list tell which; checked again every
   * second while blocked, in case messages get deleted meanwhile.
   */
  private resolveGap(): void {
    if (this.checking || this.stopped || this.held.size === 0) return;
    this.checking = true;
    const { stream, log } = this.s;
    void (async () => {
      try {
        const jsm = await this.source.manager();
        const info = await jsm.streams.info(stream, { deleted_details: true });
        const deleted = new Set(info.state.deleted ?? []);
        const maxHeld = Math.max(...this.held.keys());
        while (!this.stopped && this.held.size > 0) {
          const next = this.lastEmitted + 1;
          const msg = this.held.get(next);
          if (msg !== undefined) {
            this.held.delete(next);
            this.emit(msg);
          } else if (next < info.state.first_seq) {
            this.lastEmitted = Math.min(info.state.first_seq, maxHeld) - 1;
          } else if (deleted.has(next)) {
            this.lastEmitted = next;
          } else {
            log.warn({ stream, missing: next, held: this.held.size }, 'waiting for the redelivery of a message lost in flight');
            break;
          }
        }
      } catch (error) {
        log.warn({ stream, err: error }, 'cannot read stream info to resolve a gap');
      } finally {
        this.checking = false;
        if (!this.stopped && this.held.size > 0 && this.recheck === undefined) {
          this.recheck = setTimeout(() => {
            this.recheck = undefined;
            this.resolveGap();
          }, 1_000);
        }
      }
    })();
  }
}

function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; message?: string };
  return e.name === 'ConsumerNotFoundError' || /consumer not found/i.test(e.message ?? '');
}
