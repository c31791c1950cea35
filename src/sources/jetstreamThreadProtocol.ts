/**
 * What the live JetStream source's two threads say to each other (DESIGN.md, Inputs). The consumer
 * thread (jetstreamConsumerThread.ts) owns a NATS connection of its own: it consumes the durable,
 * restores stream order and holds each delivered message's ack subject. It ships the raw payloads
 * to the engine's thread in batches of transferred buffers (one copy per batch, no per-message object), where
 * they are decoded and run through the pipeline; the engine's thread answers with the seq to
 * settle after each SQLite commit.
 *
 * Why a thread: on the engine's thread the NATS client (protocol parsing, message objects, ack
 * subjects) cost about as much per tick as the whole trading pipeline; moved off it, the engine
 * keeps pace with a bare consumer on the tick path (bench/RESULTS.md, section 3).
 */
import type { NatsConnectOptions } from './jetstreamConnection.js';

/** What the consumer thread is started with (`workerData`). */
export interface ConsumerThreadSettings {
  readonly connection: NatsConnectOptions;
  readonly stream: string;
  /** Durable consumer name; the engine's thread creates or checks the durable before starting the thread. */
  readonly consumer: string;
  /** Messages per pull request of `consume()`. */
  readonly batchSize: number;
  /** The last seq committed before the start: earlier deliveries are acked again, never shipped. */
  readonly startAfterSeq: number;
}

/** Engine thread → consumer thread. */
export type ToConsumerThread =
  /** Ack (or terminate) the delivered message `seq`, and with it every earlier one (AckPolicy.All). */
  | { readonly type: 'settle'; readonly seq: number; readonly verdict: 'ack' | 'term' }
  /** Stop consuming; keep the connection, so the acks of the engine's last commits still go out. */
  | { readonly type: 'stop' }
  /** Send what is pending, close the connection and exit. */
  | { readonly type: 'close' };

/**
 * Messages in stream order, consecutive seqs except where the stream lost them (see the consumer
 * thread's gap handling). Message i is `bytes[ends[i-1] .. ends[i])` (from 0 for i = 0), received
 * on `subjects[subjectIndex[i]]`.
 */
export interface MessageBatch {
  readonly type: 'batch';
  readonly count: number;
  readonly seqs: Float64Array;
  readonly ends: Uint32Array;
  readonly subjectIndex: Uint32Array;
  /** The distinct subjects of this batch. */
  readonly subjects: readonly string[];
  readonly bytes: Uint8Array;
}

/** Consumer thread → engine thread. */
export type FromConsumerThread =
  | { readonly type: 'ready' }
  | MessageBatch
  | { readonly type: 'log'; readonly level: 'info' | 'warn'; readonly obj: object; readonly msg: string }
  /** Consuming cannot go on (setup failed, consumer deleted, connection closed). */
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'closed' };

/** Calls `each` with every message of `batch`: its seq, subject and payload (a view, not a copy). */
export function forEachMessage(batch: MessageBatch, each: (seq: number, subject: string, data: Uint8Array) => void): void {
  let start = 0;
  for (let i = 0; i < batch.count; i++) {
    const end = batch.ends[i] as number;
    each(batch.seqs[i] as number, batch.subjects[batch.subjectIndex[i] as number] as string, batch.bytes.subarray(start, end));
    start = end;
  }
}

/** Largest number of messages in one batch. */
const MAX_BATCH_MESSAGES = 4096;
/** Payload bytes a batch starts with room for; a larger message gets a buffer of its own size. */
const BATCH_BYTES = 256 * 1024;

/** Collects messages into one MessageBatch at a time, for transfer. */
export class BatchBuilder {
  private seqs = new Float64Array(MAX_BATCH_MESSAGES);
  private ends = new Uint32Array(MAX_BATCH_MESSAGES);
  private subjectIndex = new Uint32Array(MAX_BATCH_MESSAGES);
  private subjects = new Map<string, number>();
  private bytes = new Uint8Array(BATCH_BYTES);
  private count = 0;
  private used = 0;

  /** Messages in the batch being built. */
  get size(): number {
    return this.count;
  }

  /** False when `data` does not fit: take() the batch first. */
  fits(data: Uint8Array): boolean {
    return this.count === 0 || (this.count < MAX_BATCH_MESSAGES && this.used + data.byteLength <= this.bytes.byteLength);
  }

  /** Appends one message (copies its payload). Call only when it fits. */
  add(seq: number, subject: string, data: Uint8Array): void {
    if (this.count === 0 && data.byteLength > this.bytes.byteLength) this.bytes = new Uint8Array(data.byteLength);
    let index = this.subjects.get(subject);
    if (index === undefined) {
      index = this.subjects.size;
      this.subjects.set(subject, index);
    }
    this.bytes.set(data, this.used);
    this.used += data.byteLength;
    this.seqs[this.count] = seq;
    this.ends[this.count] = this.used;
    this.subjectIndex[this.count] = index;
    this.count += 1;
  }

  /** The batch so far, with the buffers to transfer; the builder starts a new one. */
  take(): { batch: MessageBatch; transfer: ArrayBuffer[] } {
    const count = this.count;
    const batch: MessageBatch = {
      type: 'batch',
      count,
      seqs: this.seqs.slice(0, count),
      ends: this.ends.slice(0, count),
      subjectIndex: this.subjectIndex.slice(0, count),
      subjects: [...this.subjects.keys()],
      bytes: this.bytes.slice(0, this.used),
    };
    this.subjects = new Map();
    this.count = 0;
    this.used = 0;
    if (this.bytes.byteLength > BATCH_BYTES) this.bytes = new Uint8Array(BATCH_BYTES);
    return { batch, transfer: [batch.seqs.buffer, batch.ends.buffer, batch.subjectIndex.buffer, batch.bytes.buffer] as ArrayBuffer[] };
  }
}
