/**
 * The engine's HTTP + WebSocket server: `/healthz`, pluggable routes, and live deltas at `/ws`.
 * The engine calls `publish` synchronously on its hot path; everything touching sockets happens
 * later, on the server's own timers, so a slow or broken client never slows or breaks the engine.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Ensemble, OutputBatch, Portfolio, Position, PositionSize } from '../domain/types.js';
import { ClientSession, type SessionCounters, type SessionLimits } from './clientSession.js';
import { SharedFrames } from './deltaFrames.js';
import { answerRequest, type HttpRoute, hasToken, pathOf, refuseUpgrade } from './liveHttp.js';
import { type ClientMessage, channelOf, type Delta, type InvalidClientMessage, parseClientMessage, toDelta } from './liveProtocol.js';
import { ReplayBuffer } from './replayBuffer.js';

/** Where and how the live server listens, and how hard it protects itself from slow clients. */
export interface LiveServerOptions {
  /** Bind address; the server listens on this address only. */
  readonly host: string;
  /** TCP port; 0 picks a free one (read it back from `port`). */
  readonly port: number;
  /** Bearer token required on the WebSocket upgrade (header or `?token=`); '' disables auth. */
  readonly token: string;
  /** Wall time between delta frames to one client (ms, default 25): deltas published meanwhile share a frame. */
  readonly batchInterval?: number;
  /** Most deltas waiting for one client, after size conflation, before it is closed as slow (default 1000). */
  readonly maxQueuedFrames?: number;
  /** Writing to a client pauses while its socket buffers more than this (bytes, default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** How long a client may stay above maxBufferedBytes with deltas waiting before it is closed as slow (ms, default 5000). */
  readonly slowConsumerTimeout?: number;
  /** Ping period; a client that has not answered the previous ping is terminated (ms, default 15000). */
  readonly heartbeatInterval?: number;
  /** Deltas kept for `resume` (default 10000). */
  readonly replayBuffer?: number;
  /** Largest client message accepted; a larger one closes the connection with 1009 (bytes, default 64 KiB). */
  readonly maxPayload?: number;
  /** Browser origins allowed to open the WebSocket (exact `Origin` header values); empty allows any (default). */
  readonly allowedOrigins?: readonly string[];
  /** Invalid messages a client may send before it is closed with 1008 (default 10). */
  readonly maxInvalidMessages?: number;
}

/** The protocol version in every snapshot; bumped on any incompatible change of the messages. */
export const PROTOCOL_VERSION = 1;

/** Current state for snapshots: open positions, sizes, active ensembles and the portfolio (with its breaker state). */
export interface SnapshotSource {
  snapshot(): {
    positions: readonly Position[];
    sizes: readonly PositionSize[];
    ensembles: readonly Ensemble[];
    portfolio: Portfolio | null;
  };
}

/** The slice of a pino logger the server uses. */
export interface LiveServerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export type { HttpRoute } from './liveHttp.js';

const silentLog: LiveServerLog = { info: () => undefined, warn: () => undefined };
/** How long `close()` waits for clients to answer the close handshake before cutting them (ms). */
const SHUTDOWN_GRACE = 1000;

/**
 * HTTP + WebSocket server. A client at `/ws` first gets a snapshot stamped with the last seq
 * assigned, then array frames of deltas (`[{"type":"size","seq":8,...},...]`) at most every
 * batchInterval ms, in seq order, filtered by its subscription. See liveProtocol.ts for messages.
 */
/** The live server's port could not be bound (in use, or an address not on this machine). */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

export class LiveServer {
  private readonly sessions = new Map<WebSocket, ClientSession>();
  private readonly routes: HttpRoute[] = [];
  private readonly counters: SessionCounters = { framesSent: 0, dropped: 0 };
  private readonly limits: SessionLimits;
  private readonly replay: ReplayBuffer;
  private readonly batchInterval: number;
  private lastSeq = 0;
  private disconnectedSlow = 0;
  private nextClientId = 1;
  /** Every delta published since the last flush tick, for the shared frames; null once too many to share. */
  private tickDeltas: Delta[] | null = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly heartbeat: NodeJS.Timeout;
  private snapshotCache: { seq: number; json: string } | null = null;
  private closed = false;
  /** While the engine rebuilds its state after a restart: upgrades wait (503) and batches only advance the seq. */
  private restoring = false;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    readonly port: number,
    readonly url: string,
    private readonly opts: LiveServerOptions,
    private readonly source: SnapshotSource,
    private readonly log: LiveServerLog,
  ) {
    this.batchInterval = opts.batchInterval ?? 25;
    this.limits = {
      maxQueuedDeltas: opts.maxQueuedFrames ?? 1000,
      maxBufferedBytes: opts.maxBufferedBytes ?? 1024 * 1024,
      maxStalledFlushes: Math.max(1, Math.ceil((opts.slowConsumerTimeout ?? 5000) / this.batchInterval)),
    };
    this.replay = new ReplayBuffer(opts.replayBuffer ?? 10_000);
    http.on('request', (req, res) => this.onRequest(req, res));
    http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.heartbeat = setInterval(() => this.beat(), opts.heartbeatInterval ?? 15_000);
  }

  /** Listens on opts.host:opts.port and resolves once bound; rejects when the address cannot be bound. */
  static async start(opts: LiveServerOptions, source: SnapshotSource, log: LiveServerLog = silentLog): Promise<LiveServer> {
    const http = createServer();
    await new Promise<void>((resolve, reject) => {
      http.once('error', (err) => reject(new ListenError(`live server cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: err })));
      http.listen(opts.port, opts.host, () => resolve());
    });
    const port = (http.address() as AddressInfo).port;
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 64 * 1024 });
    const server = new LiveServer(http, wss, port, `ws://${host}:${port}/ws`, opts, source, log);
    log.info({ url: server.url, auth: opts.token !== '' }, 'live server listening');
    return server;
  }

  /**
   * Gives each position, size, ensemble, score, portfolio and decision output of the batch the
   * next seq, keeps it for resume and queues it for the clients that want it; frames go out on the
   * next flush tick. Rejections and strategy records are not broadcast. Never blocks, and never
   * throws because of a client: one whose queue overflows is closed as a slow consumer.
   */
  publish(batch: OutputBatch): void {
    let queued = false;
    for (const output of batch.outputs) {
      const channel = channelOf(output);
      if (channel === null) continue;
      const delta = toDelta(output, channel, ++this.lastSeq, batch.seq);
      this.replay.push(delta);
      // Every delta goes on the tick list, clients or not: SharedFrames.covers relies on the list
      // holding all seqs since the last flush. Past maxQueuedFrames no client could take it whole.
      if (this.tickDeltas !== null && this.tickDeltas.length >= this.limits.maxQueuedDeltas) this.tickDeltas = null;
      this.tickDeltas?.push(delta);
      if (this.sessions.size === 0) continue;
      for (const session of this.sessions.values()) {
        if (!session.enqueue(delta)) this.disconnectSlow(session, 'queue full');
      }
      queued = true;
    }
    if (queued) this.scheduleFlush();
  }

  /**
   * The engine is rebuilding its state by replaying inputs it had committed (a restart): until
   * `endRestore`, WebSocket upgrades are refused with 503 (the state is not whole yet) and the
   * rebuilt batches go to `advance`, not `publish`.
   */
  beginRestore(): void {
    this.restoring = true;
  }

  /** The state is whole again: clients may connect; snapshots are taken afresh. */
  endRestore(): void {
    this.restoring = false;
    this.snapshotCache = null;
  }

  /**
   * Gives a rebuilt batch's outputs their seqs without sending or keeping them. The pipeline is
   * deterministic, so a restarted engine numbers its outputs exactly as the run before it did, and
   * a client that resumes from a seq of that run gets the same deltas it missed, or a snapshot
   * when they are gone, instead of the new run's unrelated deltas under reused numbers.
   */
  advance(batch: OutputBatch): void {
    for (const output of batch.outputs) if (channelOf(output) !== null) this.lastSeq++;
  }

  /** Adds an HTTP route, tried in order after `/healthz`. */
  addRoute(handler: HttpRoute): void {
    this.routes.push(handler);
  }

  /** Connected clients, frames written, deltas dropped (conflated or lost with a slow client) and slow clients closed. */
  stats(): { clients: number; framesSent: number; dropped: number; disconnectedSlow: number } {
    return { clients: this.sessions.size, ...this.counters, disconnectedSlow: this.disconnectedSlow };
  }

  /**
   * Sends every client what it still has queued (as far as its socket takes it), stops timers,
   * closes every client with 1001 (cutting those that do not answer within 1 s) and stops listening.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The last deltas of a run were committed to the store: a client must see them before the close
    // frame (ws queues the close behind them). Dropping the pending batch left every client's
    // state behind the store's at the end of a finite run (found by a bug hunt: 401–3,115 deltas).
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flush();
    clearInterval(this.heartbeat);
    const clients = [...this.wss.clients];
    const gone = clients.map((ws) => new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve(null) : ws.once('close', resolve))));
    for (const ws of clients) ws.close(1001, 'server shutting down');
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(gone), new Promise((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE)))]);
    clearTimeout(grace);
    for (const ws of this.wss.clients) ws.terminate();
    this.sessions.clear();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.log.info({ url: this.url }, 'live server closed');
  }

  private scheduleFlush(): void {
    if (this.flushTimer === null && !this.closed) this.flushTimer = setTimeout(() => this.flush(), this.batchInterval);
  }

  /** One batch tick: every client gets what it queued since the last tick, as far as its socket takes it. */
  private flush(): void {
    this.flushTimer = null;
    const shared = this.tickDeltas !== null && this.tickDeltas.length > 0 ? new SharedFrames(this.tickDeltas) : undefined;
    this.tickDeltas = [];
    let behind = false;
    for (const session of this.sessions.values()) {
      const outcome = session.flush(shared);
      if (outcome === 'slow') this.disconnectSlow(session, 'socket buffer full');
      else if (outcome === 'blocked') behind = true;
    }
    if (behind) this.scheduleFlush();
  }

  private disconnectSlow(session: ClientSession, why: string): void {
    this.sessions.delete(session.ws);
    this.disconnectedSlow++;
    this.counters.dropped += session.backlog;
    this.log.warn({ client: session.id, why, backlog: session.backlog, bufferedBytes: session.ws.bufferedAmount }, 'slow consumer disconnected');
    // The close frame waits behind the unread data; the next heartbeat cuts the socket if it never gets through.
    session.ws.close(1013, 'slow consumer');
  }

  /** Pings every client, terminating those that did not answer the previous ping, and cuts sockets stuck in closing. */
  private beat(): void {
    for (const ws of this.wss.clients) {
      const session = this.sessions.get(ws);
      if (session === undefined) {
        if (ws.readyState === WebSocket.CLOSING) ws.terminate();
      } else if (!session.alive) {
        this.log.warn({ client: session.id }, 'client missed a heartbeat; terminated');
        this.sessions.delete(ws);
        ws.terminate();
      } else {
        session.alive = false;
        ws.ping();
      }
    }
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    answerRequest(req, res, this.routes, (err) => this.log.warn({ err, path: pathOf(req) }, 'http route failed'));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.log.warn({ err }, 'upgrade socket error'));
    if (pathOf(req) !== '/ws') refuseUpgrade(socket, 404);
    else if (this.closed || this.restoring) refuseUpgrade(socket, 503);
    else if (!hasToken(req, this.opts.token)) {
      this.log.info({ remote: req.socket.remoteAddress }, 'websocket upgrade refused: bad or missing token');
      refuseUpgrade(socket, 401);
    } else if (!this.originAllowed(req)) {
      this.log.info({ remote: req.socket.remoteAddress, origin: req.headers.origin }, 'websocket upgrade refused: origin not allowed');
      refuseUpgrade(socket, 403);
    } else this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  /** Non-browser clients send no Origin; a browser's must be listed when a list is configured. */
  private originAllowed(req: IncomingMessage): boolean {
    const allowed = this.opts.allowedOrigins ?? [];
    const origin = req.headers.origin;
    return allowed.length === 0 || origin === undefined || allowed.includes(origin);
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const session = new ClientSession(ws, this.nextClientId++, this.limits, this.counters);
    this.sessions.set(ws, session);
    ws.on('pong', () => (session.alive = true));
    ws.on('message', (data, isBinary) => this.onMessage(session, data, isBinary));
    ws.on('error', (err) => this.log.warn({ client: session.id, err }, 'client socket error'));
    ws.on('close', (code) => {
      this.sessions.delete(ws);
      this.log.info({ client: session.id, code }, 'client disconnected');
    });
    this.log.info({ client: session.id, remote: req.socket.remoteAddress }, 'client connected');
    this.sendSnapshot(session);
  }

  /** Sends the current state stamped with the last seq; queued deltas are all covered by it. */
  private sendSnapshot(session: ClientSession): void {
    session.requeue([]);
    const everything = session.subscription.isEverything();
    if (everything && this.snapshotCache?.seq === this.lastSeq) {
      this.send(session, this.snapshotCache.json);
      return;
    }
    let state: ReturnType<SnapshotSource['snapshot']>;
    try {
      state = this.source.snapshot();
    } catch (err) {
      this.log.warn({ client: session.id, err }, 'snapshot source failed; closing client');
      this.sessions.delete(session.ws);
      session.ws.close(1011, 'snapshot failed');
      return;
    }
    const sub = session.subscription;
    const json = JSON.stringify({
      type: 'snapshot',
      protocol: PROTOCOL_VERSION,
      seq: this.lastSeq,
      positions: state.positions.filter((p) => sub.wants('position', p.symbol)),
      sizes: state.sizes.filter((s) => sub.wants('size', s.symbol)),
      ensembles: state.ensembles.filter((e) => sub.wants('ensemble', e.symbol)),
      portfolio: sub.wants('portfolio', null) ? state.portfolio : null,
    });
    if (everything) this.snapshotCache = { seq: this.lastSeq, json };
    this.send(session, json);
  }

  /**
   * One client message. Nothing a client sends may throw out of here: an error in the socket's
   * listener is uncaught and stops the engine. So a message that fails unexpectedly counts as
   * invalid, like one refused on purpose.
   */
  private onMessage(session: ClientSession, data: RawData, isBinary: boolean): void {
    if (!this.sessions.has(session.ws)) return; // closed by the server, still draining
    try {
      const msg: ClientMessage | InvalidClientMessage = isBinary
        ? { type: 'invalid', reason: 'binary frames are not supported; send JSON text' }
        : parseClientMessage((Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8'));
      switch (msg.type) {
        case 'invalid':
          this.refuse(session, msg.reason);
          break;
        case 'subscribe':
          session.subscription.subscribe(msg.symbols, msg.channels);
          this.acknowledgeSubscription(session);
          break;
        case 'unsubscribe': {
          const refused = session.subscription.unsubscribe(msg.symbols, msg.channels);
          if (refused === null) this.acknowledgeSubscription(session);
          else this.refuse(session, refused);
          break;
        }
        case 'resume':
          this.resume(session, msg.seq);
          break;
      }
    } catch (err) {
      this.log.warn({ client: session.id, err }, 'client message failed');
      this.refuse(session, 'message could not be handled');
    }
  }

  /** Answers an invalid message with its reason; repeated abuse ends the connection (the engine and other clients never notice). */
  private refuse(session: ClientSession, reason: string): void {
    this.send(session, { type: 'error', reason });
    if (++session.invalidMessages >= (this.opts.maxInvalidMessages ?? 10) && this.sessions.has(session.ws)) {
      this.log.info({ client: session.id, invalid: session.invalidMessages }, 'closing client after repeated invalid messages');
      // Out of the broadcast at once: a closing socket takes no frames, and its queue would only grow.
      this.sessions.delete(session.ws);
      session.ws.close(1008, 'too many invalid messages');
    }
  }

  /**
   * Sends a control message (snapshot, reply, error) unless the client's socket already buffers
   * more than maxBufferedBytes: a client that sends requests and never reads the answers (a flood
   * of resumes, each answered by a snapshot) is closed as a slow consumer instead.
   */
  private send(session: ClientSession, message: object | string): void {
    if (!this.sessions.has(session.ws)) return;
    if (session.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.disconnectSlow(session, 'socket buffer full (replies unread)');
      return;
    }
    session.sendMessage(message);
  }

  /** Drops queued deltas the new subscription no longer wants and confirms it; every later delta frame honours it. */
  private acknowledgeSubscription(session: ClientSession): void {
    session.requeue(session.pending());
    this.send(session, { type: 'subscribed', subscription: session.subscription.describe() });
  }

  /** Sends `resumed` and the deltas after `seq` the subscription wants, or a snapshot when they are not all at hand. */
  private resume(session: ClientSession, seq: number): void {
    const missed = seq > this.lastSeq ? null : seq === this.lastSeq ? [] : this.replay.since(seq);
    // Too old, from another engine run, or more than the queue may hold: a snapshot is cheaper.
    if (missed === null || missed.filter((d) => session.subscription.wants(d.channel, d.symbol)).length > this.limits.maxQueuedDeltas) {
      this.sendSnapshot(session);
      return;
    }
    session.requeue(missed);
    this.send(session, { type: 'resumed', from: seq, through: this.lastSeq });
    if (!this.sessions.has(session.ws)) return;
    const outcome = session.flush();
    if (outcome === 'slow') this.disconnectSlow(session, 'socket buffer full');
    else if (outcome === 'blocked') this.scheduleFlush();
  }
}
