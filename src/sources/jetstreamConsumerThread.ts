/**
 * The consumer thread of the live JetStream source (a worker_threads entry; see
 * jetstreamThreadProtocol.ts for why). It consumes the durable the engine's thread prepared,
 * restores stream order when a delivery was lost, ships payloads in batches, and acks or
 * terminates messages when the engine's thread says so.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type ConsumerMessages, type JetStreamManager, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, drainWithin } from './jetstreamConnection.js';
import { PendingAcks } from './pendingAcks.js';
import { BatchBuilder, type ConsumerThreadSettings, type FromConsumerThread, type ToConsumerThread } from './jetstreamThreadProtocol.js';

/** The JetStream ack protocol's payloads (as JsMsg.ack() and term() send them). */
const ACK = new TextEncoder().encode('+ACK');
const TERM = new TextEncoder().encode('+TERM');

/** A message received past the next expected seq, kept until the ones before it are shipped. */
interface Held {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly reply: string | JsMsg;
}

const port = parentPort;
if (port === null) throw new Error('jetstreamConsumerThread runs as a worker thread only');
const settings = workerData as ConsumerThreadSettings;
const post = (message: FromConsumerThread, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const warn = (obj: object, msg: string): void => post({ type: 'log', level: 'warn', obj, msg });

/**
 * Ack subjects of the shipped, unsettled messages, in stream order. The client's message object
 * exposes its ack subject (not in the public type): keeping just that subject, as bytes, not the
 * message with its payload nor a string per message, keeps them out of the young generation's
 * copies (pendingAcks.ts).
 */
const pending = new PendingAcks<JsMsg>();
/** Highest seq settled on the server (or committed before the start). */
let floor = settings.startAfterSeq;
let lastShipped = settings.startAfterSeq;
const held = new Map<number, Held>();
const batch = new BatchBuilder();
let shipScheduled = false;
let consuming = false;
let stopped = false;
let checking = false;
let recheck: ReturnType<typeof setTimeout> | undefined;
let messages: ConsumerMessages | undefined;
let jsm: JetStreamManager | undefined;

const nc: NatsConnection = await connectNats({ ...settings.connection, waitOnFirstConnect: true }).catch((error: unknown) => {
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  throw error;
});

port.on('message', (message: ToConsumerThread) => {
  if (message.type === 'settle') settle(message.seq, message.verdict);
  else if (message.type === 'stop') stop();
  else void close();
});

function replyOf(msg: JsMsg): string | JsMsg {
  const reply = (msg as JsMsg & { readonly reply?: unknown }).reply;
  return typeof reply === 'string' && reply !== '' ? reply : msg;
}

function send(target: string | JsMsg, verdict: 'ack' | 'term'): void {
  if (typeof target === 'string') nc.publish(target, verdict === 'ack' ? ACK : TERM);
  else if (verdict === 'ack') target.ack();
  else target.term();
}

/** Settles shipped message `seq` (and every earlier one: AckPolicy.All); forgets their ack subjects. */
function settle(seq: number, verdict: 'ack' | 'term'): void {
  const target = pending.settle(seq);
  if (target === undefined) {
    warn({ seq, verdict }, 'asked to settle a message that is not pending; ignored');
    return;
  }
  if (nc.isClosed()) return;
  send(target, verdict);
  floor = seq;
}

function ship(seq: number, subject: string, data: Uint8Array, reply: string | JsMsg): void {
  if (!batch.fits(data)) shipNow();
  batch.add(seq, subject, data);
  pending.push(seq, reply);
  lastShipped = seq;
  if (!shipScheduled) {
    shipScheduled = true;
    // After the client has handed over every message of the socket read in progress.
    setImmediate(shipNow);
  }
}

function shipNow(): void {
  shipScheduled = false;
  if (batch.size === 0) return;
  const { batch: full, transfer } = batch.take();
  post(full, transfer);
}

function receive(msg: JsMsg): void {
  if (stopped) return;
  const seq = msg.seq;
  if (seq <= floor) {
    // Committed before (a redelivery, or the durable started early): settle it again.
    msg.ack();
    return;
  }
  if (seq <= lastShipped || held.has(seq)) return; // redelivery of a pending message
  if (seq === lastShipped + 1) {
    ship(seq, msg.subject, msg.data, replyOf(msg));
    drainHeld();
    return;
  }
  held.set(seq, { seq, subject: msg.subject, data: msg.data, reply: replyOf(msg) });
  resolveGap();
}

function drainHeld(): void {
  while (!stopped && held.size > 0) {
    const next = held.get(lastShipped + 1);
    if (next === undefined) {
      resolveGap();
      return;
    }
    held.delete(next.seq);
    ship(next.seq, next.subject, next.data, next.reply);
  }
}

/**
 * A message arrived past the next expected seq. The seqs between are either gone from the
 * stream (limits, deletes: skip them) or were lost in flight (wait: the server redelivers them
 * after ack_wait). The stream's first seq and deleted list tell which; checked again every
 * second while blocked, in case messages get deleted meanwhile.
 */
function resolveGap(): void {
  if (checking || stopped || held.size === 0) return;
  checking = true;
  void (async () => {
    try {
      jsm ??= await jetstreamManager(nc);
      const info = await jsm.streams.info(settings.stream, { deleted_details: true });
      const deleted = new Set(info.state.deleted ?? []);
      const maxHeld = Math.max(...held.keys());
      while (!stopped && held.size > 0) {
        const next = lastShipped + 1;
        const msg = held.get(next);
        if (msg !== undefined) {
          held.delete(next);
          ship(msg.seq, msg.subject, msg.data, msg.reply);
        } else if (next < info.state.first_seq) {
          lastShipped = Math.min(info.state.first_seq, maxHeld) - 1;
        } else if (deleted.has(next)) {
          lastShipped = next;
        } else {
          warn({ stream: settings.stream, missing: next, held: held.size }, 'waiting for the redelivery of a message lost in flight');
          break;
        }
      }
    } catch (error) {
      warn({ stream: settings.stream, err: String(error) }, 'cannot read stream info to resolve a gap');
    } finally {
      checking = false;
      if (!stopped && held.size > 0 && recheck === undefined) {
        recheck = setTimeout(() => {
          recheck = undefined;
          resolveGap();
        }, 1_000);
      }
    }
  })();
}

function fail(message: string): void {
  if (stopped) return;
  stop();
  post({ type: 'failed', message });
}

function stop(): void {
  stopped = true;
  consuming = false;
  if (recheck !== undefined) clearTimeout(recheck);
  shipScheduled = false;
  void messages?.close();
}

async function close(): Promise<void> {
  stop();
  // Bounded: with the server away the drain never finishes, and the engine must still stop.
  const drained = await drainWithin(nc);
  post({ type: 'closed' });
  port?.close();
  // A connection given up on keeps its reconnection timers, and with them this thread, alive.
  if (!drained) process.exit(0);
}

function watch(consumerMessages: ConsumerMessages): void {
  const name = settings.consumer;
  void (async () => {
    for await (const status of consumerMessages.status()) {
      if (status.type === 'heartbeats_missed' || status.type === 'consumer_not_found' || status.type === 'stream_not_found' || status.type === 'no_responders') {
        warn({ consumer: name, status }, `JetStream consumer status: ${status.type}`);
      } else if (status.type === 'consumer_deleted') {
        fail(`consumer ${name} of ${settings.stream} was deleted`);
      }
    }
  })();
  consumerMessages.closed().then((result) => {
    if (result instanceof Error) fail(`consuming ${settings.stream} failed: ${result.message}`);
  });
  nc.closed().then((error) => {
    if (!consuming) return;
    fail(`NATS connection closed while consuming ${settings.stream}${error instanceof Error ? `: ${error.message}` : ''}`);
  });
}

/**
 * Starts consuming. The engine's thread has just made sure the durable exists, so a failure here
 * is the server going away meanwhile (a restart): retried every half second, with a warning,
 * until it works or the run stops.
 */
async function startConsuming(): Promise<void> {
  for (let attempt = 1; !stopped; attempt++) {
    try {
      const consumer = await jetstream(nc).consumers.get(settings.stream, settings.consumer);
      messages = await consumer.consume({ max_messages: settings.batchSize, callback: receive });
      consuming = !stopped;
      if (stopped) void messages.close();
      else watch(messages);
      return;
    } catch (error) {
      warn({ stream: settings.stream, consumer: settings.consumer, attempt, err: String(error) }, 'cannot start consuming yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

await startConsuming();
post({ type: 'ready' });
