/**
 * The live half of the JetStream source: one subscription's durable consumer, stream-order
 * restoration, decoding, dead letters and ack bookkeeping. Used by JetStreamSource.events().
 */
import {
  AckPolicy,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  ReplayPolicy,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import type { Subscriber } from 'rxjs';
import type { InputEvent, Rejection } from '../domain/types.js';
import { type DecodeOptions, decodeMessage } from './decode.js';
import { AckQueue } from './jetstreamAcks.js';
import { deadLetter, deadLetterSubject } from './jetstreamDeadLetter.js';
import type { JetStreamSourceOptions } from './jetstreamSource.js';
import { ensureStream } from './jetstreamStream.js';

/** The JetStream ack protocol's payloads (as JsMsg.ack() and term() send them). */
const ACK = new TextEncoder().encode('+ACK');
const TERM = new TextEncoder().encode('+TERM');

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

type Emitted = InputEvent | Rejection;

/** What a live subscription needs from its source. */
export interface LiveSettings {
  readonly nc: NatsConnection;
  readonly manager: () => Promise<JetStreamManager>;
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
export class LiveRun {
  readonly acks: AckQueue;
  private lastEmitted: number;
  private readonly held = new Map<number, JsMsg>();
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private checking = false;
  private recheck: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly s: LiveSettings,
    private readonly subscriber: Subscriber<Emitted>,
    private readonly startAfterSeq: number,
  ) {
    this.acks = new AckQueue(startAfterSeq, (reply, verdict) => this.s.nc.publish(reply, verdict === 'ack' ? ACK : TERM));
    this.lastEmitted = startAfterSeq;
  }

  /** Ensures the stream and the durable, then consumes; rejects when setup fails. */
  async start(): Promise<void> {
    const jsm = await this.s.manager();
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
    this.s.nc.closed().then((error) => {
      if (!this.stopped) this.fail(new JetStreamSourceError(`NATS connection closed while consuming ${stream}`, { cause: error }));
    });
  }

  /** Stops consuming (held and pending messages stay unacked: the server redelivers them). */
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
        this.s.nc.publish(deadLetterSubject(prefix, decoded), JSON.stringify(letter));
        this.s.opts.onDeadLetter?.(decoded);
      } catch (error) {
        log.warn({ seq: msg.seq, err: error }, 'dead letter not published');
      }
    }
    this.lastEmitted = msg.seq;
    // The client's message object exposes its ack subject (not in the public type): keep just that.
    const reply = (msg as JsMsg & { readonly reply?: unknown }).reply;
    this.acks.push(msg.seq, typeof reply === 'string' && reply !== '' ? reply : msg, decoded.kind === 'rejection');
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
        const jsm = await this.s.manager();
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
