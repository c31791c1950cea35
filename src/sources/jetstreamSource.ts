/**
 * The engine's input from NATS JetStream (DESIGN.md, Inputs and Replay). Live: a durable pull
 * consumer on the input stream, decoded and validated messages emitted in stream order, acked
 * after the engine's SQLite commit. Replay: an ordered consumer from a sequence or an event time,
 * completing at the stream's end as of the start.
 */
import {
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Observable } from 'rxjs';
import { MS_PER_DAY } from '../domain/confidence.js';
import { MarketClock } from '../domain/marketClock.js';
import { ownedSymbols } from '../domain/symbolShard.js';
import type { Millis, Rejection, SourceInput } from '../domain/types.js';
import { type DecodeOptions, decodeMessage } from './decode.js';
import type { AckQueue } from './jetstreamAcks.js';
import { connectNats, drainWithin, type NatsConnectOptions } from './jetstreamConnection.js';
import { JetStreamSourceError, LiveRun, type SourceLog } from './jetstreamLive.js';
import type { InputStreamOptions } from './jetstreamStream.js';

export { JetStreamSourceError, type SourceLog } from './jetstreamLive.js';

/** Options of the JetStream source; stream layout options as in InputStreamOptions. */
export interface JetStreamSourceOptions extends InputStreamOptions {
  /** Durable consumer name (default `tradestream-engine`, NatsConfig.consumer). */
  readonly consumer?: string;
  /** Larger messages are dead-lettered (bytes of UTF-8, default 65,536; NatsConfig.maxMessageBytes). */
  readonly maxMessageBytes?: number;
  /** When set, candles of another interval are rejected (ms; see DecodeOptions.candleInterval). */
  readonly candleInterval?: Millis;
  /** The symbols this engine owns, comma-separated (`evaluation.symbols`); others' messages are Unowned, unread. Unset or empty: all. */
  readonly symbols?: string;
  /** Time the server waits for an ack before redelivering (ms, default 30,000). */
  readonly ackWaitMs?: number;
  /** Messages delivered and not acked before the server pauses delivery (default 65,536). */
  readonly maxAckPending?: number;
  /** Messages per pull request of `consume()` (default 1,000). */
  readonly batchSize?: number;
  /** Create or update the stream before consuming live (default true). */
  readonly ensureStream?: boolean;
  /** Called for every message published to the dead-letter subject (metrics). */
  readonly onDeadLetter?: (rejection: Rejection) => void;
  /** A shard's: called after each check of who owns the symbols it passes over, with those no engine owns (metrics; shardCoverage.ts). */
  readonly onOwnerless?: (symbols: readonly string[]) => void;
  /** How long a shard consumes before it first checks who owns what it passes over (ms, default GRACE_MS of shardCoverage.ts; tests shorten it). */
  readonly ownerGraceMs?: number;
}

/** Where a replay starts and stops. */
export interface ReplayOptions {
  /** First stream sequence to read (default 1). */
  readonly fromSeq?: number;
  /**
   * Start at the first price (candle or tick) whose event time is at or after this (epoch ms);
   * earlier messages are skipped.
   */
  readonly since?: Millis;
  /** Complete at the first price whose event time is after this (epoch ms); it is not emitted. */
  readonly until?: Millis;
  /**
   * The engine's evaluation.maxTimeJump (default one day). The window is cut on the market clock, as
   * the engine keeps it (MarketClock): a discovery or an operator's command stamped later does not
   * cut it, nor a price the engine would refuse as too far ahead (a mistyped year), which used to end
   * an `until` window at once or start a `since` one there (found by bug hunts).
   */
  readonly maxTimeJump?: Millis;
}

type Emitted = SourceInput;

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
   * `connect`). `connection`: how to reach the same server again, for the live subscription's
   * consumer thread (jetstreamThreadProtocol.ts), which needs a connection of its own; without it
   * only replays work.
   */
  constructor(
    readonly nc: NatsConnection,
    private readonly opts: JetStreamSourceOptions = {},
    private readonly log: SourceLog = silentLog,
    private readonly owned = false,
    private readonly connection?: NatsConnectOptions,
  ) {
    this.js = jetstream(nc);
    this.stream = opts.stream ?? 'TRADESTREAM';
    this.prefix = opts.subjectPrefix ?? 'tradestream';
    this.decodeOptions = {
      subjectPrefix: this.prefix,
      maxBytes: opts.maxMessageBytes ?? 65_536,
      ...(opts.candleInterval === undefined ? {} : { candleInterval: opts.candleInterval }),
      owned: ownedSymbols(opts.symbols ?? ''),
    };
  }

  /** Connects (reconnecting forever, NOTES.md) and returns a source that owns the connection. */
  static async connect(connection: NatsConnectOptions, opts: JetStreamSourceOptions = {}, log?: SourceLog): Promise<JetStreamSource> {
    return new JetStreamSource(await connectNats(connection), opts, log ?? silentLog, true, connection);
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
      const connection = this.connection;
      if (connection === undefined) {
        subscriber.error(new JetStreamSourceError('live consumption needs the connection options: open the source with JetStreamSource.connect'));
        return;
      }
      this.live = true;
      // The previous run's thread stays up after its unsubscribe for the acks of the engine's last
      // commits; a new run takes over the acks, so that thread goes, and is gone before the new run
      // looks at the durable: a pull request it still had open could take the next message, which
      // the server would then hold back from the new run until ack_wait.
      const previous = this.run?.close() ?? Promise.resolve();
      const run = new LiveRun(
        {
          nc: this.nc,
          manager: () => this.manager(),
          stream: this.stream,
          prefix: this.prefix,
          decode: this.decodeOptions,
          opts: this.opts,
          log: this.log,
          connection,
        },
        subscriber,
        startAfterSeq,
      );
      this.acks = run.acks;
      this.run = run;
      previous
        .then(() => run.start())
        .catch((error: unknown) => {
          subscriber.error(
            error instanceof JetStreamSourceError ? error : new JetStreamSourceError(`cannot consume ${this.stream}: ${String(error)}`, { cause: error }),
          );
        });
      return () => {
        run.stop();
        this.live = false;
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
   * inputs in stream order from `fromSeq` (default 1), skipping those before the first price at
   * or after `since`, until the stream's last sequence as of the subscription, then COMPLETES; it
   * also completes before the first price after `until` (both on the market clock, ReplayOptions),
   * and at once on an empty stream. Errors with JetStreamSourceError when the stream is missing or consuming fails.
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
        const clock = new MarketClock(opts.maxTimeJump ?? MS_PER_DAY);
        const consumer = await this.js.consumers.get(this.stream, { opt_start_seq: fromSeq });
        if (finished) return;
        messages = await consumer.consume({
          max_messages: this.opts.batchSize ?? 1_000,
          callback: (msg: JsMsg) => {
            if (finished) return;
            const decoded = decodeMessage(msg.data, msg.subject, msg.seq, this.decodeOptions);
            const atEnd = msg.seq >= lastSeq || msg.info.pending === 0;
            if ((decoded.kind === 'candle' || decoded.kind === 'tick') && clock.admit(decoded.ts)) {
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
    await this.run?.close();
    if (this.nc.isClosed()) return;
    if (this.owned) await drainWithin(this.nc);
    else await this.nc.flush();
  }
}
