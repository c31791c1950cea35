import { WebSocket } from 'ws';
import { cutFrame, type SharedFrames } from './deltaFrames.js';
import { type Delta, Subscription } from './liveProtocol.js';

/** Per-client backpressure limits, resolved from LiveServerOptions. */
export interface SessionLimits {
  /** Most deltas waiting for a client whose socket is backed up (after conflation) before it is a slow consumer. */
  readonly maxQueuedDeltas: number;
  /** Stop writing to a client whose socket buffers more than this (bytes). */
  readonly maxBufferedBytes: number;
  /** Consecutive flushes a client may stay above maxBufferedBytes with deltas waiting before it is a slow consumer. */
  readonly maxStalledFlushes: number;
}

/** Counters shared by every session of one server (see LiveServer.stats). */
export interface SessionCounters {
  framesSent: number;
  dropped: number;
}

/** What a flush left behind: nothing waiting, deltas held back by a full socket, or a client to disconnect. */
export type FlushOutcome = 'drained' | 'blocked' | 'slow';

/**
 * One connected client: its subscription and its queue of deltas not yet written. Deltas wait
 * here between flush ticks (that is the batching) and while the socket is full (backpressure).
 * While the client is behind, a newer value of a latest-value channel (size or position of a
 * symbol, score of a strategy, the portfolio) replaces the one still queued. A client is slow only
 * when its socket is backed up and its queue is still over the limit: an engine burst between two
 * flush ticks is not the client's fault (it is drained at the next tick).
 */
export class ClientSession {
  readonly subscription = new Subscription();
  /** Cleared at each heartbeat ping, set by the pong. */
  alive = true;
  /** Invalid messages received so far (the connection closes at the server's limit). */
  invalidMessages = 0;
  private queue: (Delta | null)[] = [];
  private head = 0;
  private live = 0;
  private stalledFlushes = 0;
  /** Index in `queue` of the latest-value delta still queued per conflation key. */
  private readonly queuedLatest = new Map<string, number>();

  constructor(
    readonly ws: WebSocket,
    readonly id: number,
    private readonly limits: SessionLimits,
    private readonly counters: SessionCounters,
  ) {}

  /** Deltas waiting to be written. */
  get backlog(): number {
    return this.live;
  }

  /** Queues a delta if the subscription wants it. False when the queue is now over its limit. */
  enqueue(delta: Delta): boolean {
    if (!this.subscription.wants(delta.channel, delta.symbol)) return true;
    if (delta.key !== null) {
      const older = this.queuedLatest.get(delta.key);
      // Conflate only while behind: a client that keeps up sees every value.
      if (this.stalledFlushes > 0 && older !== undefined && older >= this.head && this.queue[older] !== null) {
        this.queue[older] = null;
        this.live--;
        this.counters.dropped++;
      }
      this.queuedLatest.set(delta.key, this.queue.length);
    }
    this.queue.push(delta);
    this.live++;
    return this.stalledFlushes === 0 || this.live <= this.limits.maxQueuedDeltas;
  }

  /** Replaces the queue with `deltas` filtered by the subscription (resume, or a new subscription). */
  requeue(deltas: Iterable<Delta>): void {
    this.queue = [];
    this.head = 0;
    this.live = 0;
    this.queuedLatest.clear();
    for (const delta of deltas) this.enqueue(delta);
  }

  /** The deltas still waiting, in seq order. */
  pending(): Delta[] {
    const out: Delta[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const delta = this.queue[i];
      if (delta) out.push(delta);
    }
    return out;
  }

  /** Sends one control message (snapshot, ack, error) now, ahead of the queue. */
  sendMessage(message: object | string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
    this.counters.framesSent++;
  }

  /**
   * Writes queued deltas as array frames while the socket buffers at most maxBufferedBytes. Uses
   * the tick's shared frames when the queue is exactly the tick's deltas.
   */
  flush(shared?: SharedFrames): FlushOutcome {
    if (this.ws.readyState !== WebSocket.OPEN) return 'drained';
    const useShared = shared !== undefined && this.head === 0 && this.live === this.queue.length && shared.covers(this.queue);
    while (this.live > 0) {
      if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
        this.stalledFlushes++;
        this.compact();
        return this.stalledFlushes >= this.limits.maxStalledFlushes ? 'slow' : 'blocked';
      }
      const frame = useShared ? shared.frameAt(this.head) : cutFrame(this.queue, this.head);
      if (frame === null) break;
      this.ws.send('data' in frame ? frame.data : frame.text, { binary: false });
      this.counters.framesSent++;
      this.head = frame.end;
      this.live -= frame.deltas;
    }
    this.stalledFlushes = 0;
    this.queue = [];
    this.head = 0;
    this.live = 0;
    this.queuedLatest.clear();
    return 'drained';
  }

  /** Drops the already-written prefix of a queue that is held back, so a long stall does not keep it. */
  private compact(): void {
    if (this.head < 1024) return;
    this.queue = this.queue.slice(this.head);
    this.head = 0;
    this.queuedLatest.clear();
    this.queue.forEach((delta, i) => {
      if (delta !== null && delta !== undefined && delta.key !== null) this.queuedLatest.set(delta.key, i);
    });
  }
}
