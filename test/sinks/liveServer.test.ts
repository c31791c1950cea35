import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import type {
  ConfidenceScore,
  Decision,
  EngineOutput,
  Ensemble,
  OutputBatch,
  Portfolio,
  Position,
  PositionSize,
  Rejection,
  StrategyRecord,
} from '../../src/domain/types.js';
import { LiveServer, type LiveServerOptions, type SnapshotSource } from '../../src/sinks/liveServer.js';

type Message = Record<string, unknown> & { type: string; seq?: number };

// ---- fixtures -------------------------------------------------------------------------------

const position = (symbol: string, pnl = 1): Position => ({
  kind: 'position',
  time: 1,
  positionId: `p-${symbol}`,
  symbol,
  ensembleId: `e-${symbol}`,
  quantity: 1,
  entryPrice: 100,
  entryTime: 1,
  markPrice: 101,
  size: 0.01,
  stopPrice: 95,
  takeProfitPrice: 115,
  status: 'open',
  exitTime: null,
  pnl,
});
const size = (symbol: string, value: number): PositionSize => ({
  kind: 'size',
  time: 1,
  symbol,
  kelly: 0.1,
  riskParity: 0.1,
  volTarget: 0.1,
  combined: 0.1,
  size: value,
  binding: 'none',
  riskContribution: 0.5,
  reason: `size ${value}`,
});
const ensemble = (symbol: string): Ensemble => ({
  kind: 'ensemble',
  time: 1,
  symbol,
  id: `e-${symbol}`,
  members: [],
  total: 0.8,
  performance: 0.8,
  diversification: 0.5,
  risk: 0.1,
  usable: true,
  exposure: 1,
  active: true,
});
const score = (symbol: string): ConfidenceScore => ({
  kind: 'score',
  time: 1,
  strategyId: `s-${symbol}`,
  symbol,
  type: 'SMA_RSI',
  confidence: 0.7,
  performance: 0.7,
  frequency: 0.5,
  recency: 0.9,
  liveScore: null,
  liveTrades: 0,
});
const portfolio = (equity: number): Portfolio => ({
  kind: 'portfolio',
  time: 1,
  cash: equity,
  equity,
  highWaterMark: equity,
  drawdown: 0,
  state: 'NORMAL',
  sizeScale: 1,
  haltedAt: null,
});
const decision = (seq: number, symbol: string | null, reason: string): Decision => ({
  kind: 'decision',
  decision: 'position.opened',
  time: 1,
  seq,
  symbol,
  reason,
  details: {},
});
const rejection: Rejection = { kind: 'rejection', seq: 1, source: 'tick', code: 'missing_field', reason: 'price missing', field: 'price', symbol: null };
const strategyRecord: StrategyRecord = {
  kind: 'strategy',
  time: 1,
  strategyId: 's1',
  externalId: null,
  symbol: 'BTC/USD',
  type: 'SMA_RSI',
  parameters: {},
  score: 0.9,
  window: null,
  firstSeenAt: 1,
  lastSeenAt: 1,
  seenCount: 1,
  status: 'active',
};
const batch = (seq: number, ...outputs: EngineOutput[]): OutputBatch => ({ seq, time: seq, outputs });
/** A decision whose reason is `bytes` long: fills socket buffers quickly. */
const filler = (seq: number, bytes = 10_000) => decision(seq, 'FILL/USD', 'x'.repeat(bytes));

const state = {
  positions: [position('BTC/USD'), position('ETH/USD')],
  sizes: [size('BTC/USD', 0.1), size('ETH/USD', 0.2)],
  ensembles: [ensemble('BTC/USD'), ensemble('ETH/USD')],
  portfolio: portfolio(100_000),
};
const source: SnapshotSource = { snapshot: () => state };

// ---- a real ws client that waits for messages with timeouts ------------------------------------

class TestClient {
  private readonly inbox: Message[] = [];
  private wake: (() => void) | null = null;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    // Array frames carry several deltas; the inbox holds them one by one, in order.
    ws.on('message', (data) => {
      const parsed = JSON.parse(data.toString()) as Message | Message[];
      this.inbox.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      this.wake?.();
    });
    ws.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async connect(url: string, options?: ClientOptions): Promise<TestClient> {
    const client = new TestClient(new WebSocket(url, options));
    await client.opened;
    clients.push(client);
    return client;
  }

  /** The next message (or delta out of an array frame); fails after `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.inbox.shift() as Message;
  }

  /** Skips messages until one satisfies `match`; returns the skipped ones and the match. */
  async until(match: (m: Message) => boolean, timeoutMs = 10_000): Promise<{ skipped: Message[]; found: Message }> {
    const deadline = Date.now() + timeoutMs;
    const skipped: Message[] = [];
    for (;;) {
      const m = await this.next(Math.max(1, deadline - Date.now()));
      if (match(m)) return { skipped, found: m };
      skipped.push(m);
    }
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Stops reading from the TCP socket, as a stalled consumer would. */
  pause(): void {
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  resume(): void {
    (this.ws as unknown as { _socket: Socket })._socket.resume();
  }
}

/** Resolves with the HTTP status a refused upgrade was answered with. */
function upgradeStatus(url: string, options?: ClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('error', () => undefined);
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade was accepted'));
    });
    ws.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000, step?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    step?.();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const servers: LiveServer[] = [];
const clients: TestClient[] = [];

async function startServer(opts: Partial<LiveServerOptions> = {}): Promise<LiveServer> {
  const server = await LiveServer.start({ host: '127.0.0.1', port: 0, token: '', batchInterval: 5, ...opts }, source);
  servers.push(server);
  return server;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const seqOf = (m: Message) => m.seq as number;

// ---- tests ------------------------------------------------------------------------------------

describe('LiveServer', () => {
  it('sends a snapshot stamped with the last seq first, then deltas in publish order with increasing seq', async () => {
    const server = await startServer();
    server.publish(batch(1, size('BTC/USD', 0.1), rejection));
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}/ws`);
    const client = await TestClient.connect(server.url);

    const snapshot = await client.next();
    expect(snapshot).toEqual({ type: 'snapshot', protocol: 1, seq: 1, ...JSON.parse(JSON.stringify(state)) });

    server.publish(
      batch(
        2,
        position('BTC/USD', 5),
        size('ETH/USD', 0.3),
        strategyRecord,
        decision(2, 'ETH/USD', 'opened'),
        score('ETH/USD'),
        ensemble('ETH/USD'),
        portfolio(99_000),
      ),
    );
    const deltas = [await client.next(), await client.next(), await client.next(), await client.next(), await client.next(), await client.next()];
    expect(deltas.map((d) => d.type)).toEqual(['position', 'size', 'decision', 'score', 'ensemble', 'portfolio']);
    expect(deltas.map(seqOf)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(deltas[0]).toMatchObject({ symbol: 'BTC/USD', pnl: 5, inputSeq: 2 });
    expect(deltas[0]).not.toHaveProperty('kind');
    expect(deltas[1]).toMatchObject({ symbol: 'ETH/USD', size: 0.3 });
    // A decision's own seq is its input's; on the wire `seq` is always the live sequence.
    expect(deltas[2]).toMatchObject({ decision: 'position.opened', inputSeq: 2, reason: 'opened' });
    // A score's strategy type must not clobber the envelope's `type`.
    expect(deltas[3]).toMatchObject({ strategyType: 'SMA_RSI', strategyId: 's-ETH/USD', confidence: 0.7 });
    expect(deltas[5]).toMatchObject({ equity: 99_000, state: 'NORMAL' });
    expect(server.stats()).toMatchObject({ clients: 1, dropped: 0, disconnectedSlow: 0 });
    expect(server.stats().framesSent).toBeGreaterThanOrEqual(2);
  });

  it('sends only the subscribed symbols and channels, so the client sees gaps in seq', async () => {
    const server = await startServer();
    const client = await TestClient.connect(server.url);
    expect((await client.next()).type).toBe('snapshot');

    client.send({ type: 'subscribe', symbols: ['ETH/USD'], channels: ['size', 'portfolio'] });
    expect(await client.next()).toEqual({ type: 'subscribed', subscription: { size: ['ETH/USD'], portfolio: ['ETH/USD'] } });
    server.publish(batch(1, size('BTC/USD', 0.1), size('ETH/USD', 0.2), position('ETH/USD'), portfolio(1), decision(1, 'ETH/USD', 'r')));
    const first = await client.next();
    const second = await client.next();
    expect([first.type, first.symbol, seqOf(first)]).toEqual(['size', 'ETH/USD', 2]);
    expect([second.type, seqOf(second)]).toEqual(['portfolio', 4]);

    client.send({ type: 'unsubscribe', channels: ['portfolio'] });
    expect(await client.next()).toEqual({ type: 'subscribed', subscription: { size: ['ETH/USD'] } });
    server.publish(batch(2, portfolio(2), size('BTC/USD', 0.3), size('ETH/USD', 0.4)));
    expect(await client.next()).toMatchObject({ type: 'size', symbol: 'ETH/USD', seq: 8, size: 0.4 });

    // A new snapshot honours the subscription too.
    client.send({ type: 'resume', seq: 999 });
    expect(await client.next()).toEqual({
      type: 'snapshot',
      protocol: 1,
      seq: 8,
      positions: [],
      sizes: [JSON.parse(JSON.stringify(state.sizes[1]))],
      ensembles: [],
      portfolio: null,
    });
  });

  it('replays exactly the missed deltas, filtered by the subscription, to a client resuming inside the buffer', async () => {
    const server = await startServer();
    const first = await TestClient.connect(server.url);
    const lastSeen = seqOf(await first.next());
    first.ws.close();
    await first.closed;

    server.publish(batch(1, size('BTC/USD', 0.1), decision(1, 'BTC/USD', 'a')));
    server.publish(batch(2, portfolio(2)));
    server.publish(batch(3, decision(3, null, 'b')));

    const again = await TestClient.connect(server.url);
    expect(await again.next()).toMatchObject({ type: 'snapshot', seq: lastSeen + 4 });
    again.send({ type: 'resume', seq: lastSeen });
    expect(await again.next()).toEqual({ type: 'resumed', from: lastSeen, through: lastSeen + 4 });
    const missed = [await again.next(), await again.next(), await again.next(), await again.next()];
    expect(missed.map((d) => [d.type, seqOf(d)])).toEqual([
      ['size', 1],
      ['decision', 2],
      ['portfolio', 3],
      ['decision', 4],
    ]);
    server.publish(batch(4, size('ETH/USD', 0.5)));
    expect(await again.next()).toMatchObject({ type: 'size', seq: 5 });

    const decisionsOnly = await TestClient.connect(server.url);
    await decisionsOnly.next();
    decisionsOnly.send({ type: 'subscribe', channels: ['decision'] });
    expect((await decisionsOnly.next()).type).toBe('subscribed');
    decisionsOnly.send({ type: 'resume', seq: 1 });
    expect(await decisionsOnly.next()).toEqual({ type: 'resumed', from: 1, through: 5 });
    expect([seqOf(await decisionsOnly.next()), seqOf(await decisionsOnly.next())]).toEqual([2, 4]);
    server.publish(batch(5, size('ETH/USD', 0.6), decision(5, 'ETH/USD', 'c')));
    expect(await decisionsOnly.next()).toMatchObject({ type: 'decision', seq: 7, reason: 'c' });
  });

  it('sends a fresh snapshot to a client resuming from a seq older than the buffer or from another run', async () => {
    const server = await startServer({ replayBuffer: 2 });
    for (let i = 1; i <= 5; i++) server.publish(batch(i, size('BTC/USD', i / 10)));
    const client = await TestClient.connect(server.url);
    expect(await client.next()).toMatchObject({ type: 'snapshot', seq: 5 });

    client.send({ type: 'resume', seq: 3 });
    expect(await client.next()).toEqual({ type: 'resumed', from: 3, through: 5 });
    expect([seqOf(await client.next()), seqOf(await client.next())]).toEqual([4, 5]);

    client.send({ type: 'resume', seq: 2 });
    expect(await client.next()).toMatchObject({ type: 'snapshot', seq: 5 });
    client.send({ type: 'resume', seq: 6 });
    expect(await client.next()).toMatchObject({ type: 'snapshot', seq: 5 });
  });

  it('answers bad client messages with an error frame and keeps the connection usable', async () => {
    const server = await startServer();
    const client = await TestClient.connect(server.url);
    await client.next();

    client.send('{not json');
    expect(await client.next()).toMatchObject({ type: 'error', reason: expect.stringMatching(/^invalid JSON/) });
    client.send({ type: 'subscribe', channels: ['sizes'] });
    expect(await client.next()).toEqual({
      type: 'error',
      reason: 'unknown channel "sizes" in channels (known: position, size, ensemble, score, portfolio, decision)',
    });
    client.send({ type: 'resume', seq: -1 });
    expect(await client.next()).toEqual({ type: 'error', reason: 'resume seq must be a non-negative integer (was -1)' });
    client.send({ type: 'unsubscribe' });
    expect(await client.next()).toMatchObject({ type: 'error', reason: expect.stringContaining('unsubscribe needs') });
    // 1e400 parses as Infinity, which JSON.stringify prints as null: the reason must show the number.
    client.send('{"type":"resume","seq":1e400}');
    expect(await client.next()).toEqual({ type: 'error', reason: 'resume seq must be a non-negative integer (was Infinity)' });
    client.send('{"type":"resume","seq":-1e400}');
    expect(await client.next()).toEqual({ type: 'error', reason: 'resume seq must be a non-negative integer (was -Infinity)' });
    client.send({ type: 'dance' });
    expect(await client.next()).toMatchObject({ type: 'error', reason: expect.stringContaining('unknown message type "dance"') });
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await client.next()).toMatchObject({ type: 'error', reason: expect.stringContaining('binary') });

    server.publish(batch(1, size('BTC/USD', 0.1)));
    expect(await client.next()).toMatchObject({ type: 'size', seq: 1 });
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a client with 1008 after repeated invalid messages while another client keeps receiving', async () => {
    const server = await startServer({ maxInvalidMessages: 3 });
    const abuser = await TestClient.connect(server.url);
    const good = await TestClient.connect(server.url);
    await abuser.next();
    await good.next();
    for (let i = 0; i < 3; i++) abuser.send('{nope');
    const closed = await abuser.closed;
    expect(closed.code).toBe(1008);
    server.publish(batch(1, size('BTC/USD', 0.1)));
    expect(await good.next()).toMatchObject({ type: 'size', seq: 1 });
    expect(server.stats().clients).toBe(1);
  });

  it('refuses an upgrade from a browser origin that is not allowed with 403, and accepts listed origins and non-browser clients', async () => {
    const server = await startServer({ allowedOrigins: ['http://127.0.0.1:8080'] });
    expect(await upgradeStatus(server.url, { headers: { Origin: 'http://evil.example' } })).toBe(403);
    const listed = await TestClient.connect(server.url, { headers: { Origin: 'http://127.0.0.1:8080' } });
    expect((await listed.next()).type).toBe('snapshot');
    const noOrigin = await TestClient.connect(server.url);
    expect((await noOrigin.next()).type).toBe('snapshot');
  });

  it('refuses the upgrade with 401 without the token and accepts it as a bearer header or a query parameter', async () => {
    const server = await startServer({ token: 's3cret' });
    expect(await upgradeStatus(server.url)).toBe(401);
    expect(await upgradeStatus(`${server.url}?token=wrong`)).toBe(401);
    expect(await upgradeStatus(server.url, { headers: { Authorization: 'Bearer wrong' } })).toBe(401);
    expect(server.stats().clients).toBe(0);

    const byHeader = await TestClient.connect(server.url, { headers: { Authorization: 'Bearer s3cret' } });
    expect((await byHeader.next()).type).toBe('snapshot');
    const byQuery = await TestClient.connect(`${server.url}?token=s3cret`);
    expect((await byQuery.next()).type).toBe('snapshot');
    expect(server.stats().clients).toBe(2);
  });

  it('answers /healthz with 200, serves added routes and answers unknown paths with 404', async () => {
    const server = await startServer();
    server.addRoute((req, res) => {
      if (req.url !== '/hello') return false;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hi');
      return true;
    });
    const base = `http://127.0.0.1:${server.port}`;
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const hello = await fetch(`${base}/hello`);
    expect([hello.status, await hello.text()]).toEqual([200, 'hi']);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/elsewhere`)).toBe(404);
  });

  it('answers /healthz to GET and HEAD only, other methods with 405 and Allow: GET, HEAD as the other endpoints do', async () => {
    const server = await startServer();
    const base = `http://127.0.0.1:${server.port}`;
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(`${base}/healthz`, { method });
      expect([method, res.status, res.headers.get('allow'), res.headers.get('content-type')]).toEqual([method, 405, 'GET, HEAD', 'application/json']);
      expect(await res.json()).toEqual({ error: 'method not allowed' });
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  // Found by a bug hunt: each of these stopped the engine or grew it without bound.
  it('answers a frame of 10,000 nested arrays with an error instead of stopping the process', async () => {
    const server = await startServer();
    const client = await TestClient.connect(server.url);
    await client.next();
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    client.send(deep);
    expect(await client.next()).toEqual({ type: 'error', reason: 'message must be a JSON object with a type (was an array nested too deeply to print)' });
    for (const field of ['symbols', 'channels', 'seq']) {
      client.send(`{"type":"${field === 'seq' ? 'resume' : 'subscribe'}","${field}":${deep}}`);
      expect(await client.next()).toMatchObject({ type: 'error', reason: expect.stringContaining('an array nested too deeply to print') });
    }
    server.publish(batch(1, size('BTC/USD', 0.1)));
    expect(await client.next()).toMatchObject({ type: 'size', seq: 1 });
  });

  it('takes only symbols that look like symbols, at most MAX_FILTER_SYMBOLS per channel, so a subscription cannot grow without bound', async () => {
    const server = await startServer();
    const client = await TestClient.connect(server.url);
    await client.next();
    client.send({ type: 'subscribe', symbols: ['BTC/USD', 'x'.repeat(5_000)] });
    expect(await client.next()).toMatchObject({
      type: 'error',
      reason: expect.stringMatching(/^symbols must be "\*" or an array of symbols like "BTC\/USD" \(was "xxx/),
    });
    const invented = (from: number, n: number) => Array.from({ length: n }, (_, i) => `S${from + i}/USD`);
    client.send({ type: 'unsubscribe', symbols: invented(0, 1_025) });
    expect(await client.next()).toEqual({ type: 'error', reason: 'symbols lists 1025 symbols; at most 1024' });
    client.send({ type: 'unsubscribe', symbols: invented(0, 1_000), channels: ['size'] });
    expect(await client.next()).toMatchObject({ type: 'subscribed' });
    // 1,000 excluded already: 30 more new ones would pass the cap; the subscription is left as it was.
    client.send({ type: 'unsubscribe', symbols: invented(990, 40), channels: ['size'] });
    expect(await client.next()).toEqual({ type: 'error', reason: 'unsubscribe would exclude 1030 symbols on size; at most 1024' });
    client.send({ type: 'unsubscribe', symbols: invented(990, 34), channels: ['size'] });
    const ack = await client.next();
    expect(((ack.subscription as Record<string, { except: string[] }>).size as { except: string[] }).except).toHaveLength(1_024);
  });

  it('stops broadcasting to a client the moment it is closed for invalid messages', async () => {
    const server = await startServer({ maxInvalidMessages: 2 });
    const abuser = await TestClient.connect(server.url);
    await abuser.next();
    abuser.pause();
    abuser.send('{nope');
    abuser.send('{nope');
    await waitFor(() => server.stats().clients === 0, 'the abuser to leave the broadcast');
    for (let i = 1; i <= 2_000; i++) server.publish(batch(i, size('BTC/USD', i)));
    expect(server.stats().clients).toBe(0);
    abuser.resume();
    expect((await abuser.closed).code).toBe(1008);
  });

  it('closes a client that floods requests without reading the answers as a slow consumer', async () => {
    const server = await startServer({ maxBufferedBytes: 64 * 1024, heartbeatInterval: 60_000 });
    server.publish(batch(1, ...Array.from({ length: 200 }, (_, i) => size(`S${i}/USD`, 0.1))));
    const flooder = await TestClient.connect(server.url);
    await flooder.next();
    // A subscription of its own, so each answer is a snapshot built for it (not the shared cached one).
    flooder.send({ type: 'subscribe', channels: ['size'] });
    await flooder.next();
    flooder.pause();
    for (let i = 0; i < 20_000; i++) flooder.send({ type: 'resume', seq: 1e15 });
    await waitFor(() => server.stats().disconnectedSlow === 1, 'the flooder to be closed as slow');
    expect(server.stats().clients).toBe(0);
    flooder.resume();
    expect((await flooder.closed).code).toBe(1013);
  });

  it('refuses upgrades with 503 while the engine rebuilds its state, and numbers the rebuilt outputs as the earlier run did', async () => {
    const server = await startServer();
    server.beginRestore();
    expect(await upgradeStatus(server.url)).toBe(503);
    // Rebuilt batches take their seqs without being sent or kept: 2 broadcast outputs, a rejection and a strategy record.
    server.advance(batch(1, size('BTC/USD', 0.1), rejection, strategyRecord, position('BTC/USD')));
    server.endRestore();
    const client = await TestClient.connect(server.url);
    expect(await client.next()).toMatchObject({ type: 'snapshot', seq: 2 });
    // Resuming inside the rebuilt range: those deltas were never kept, so a snapshot answers.
    client.send({ type: 'resume', seq: 1 });
    expect(await client.next()).toMatchObject({ type: 'snapshot', seq: 2 });
    server.publish(batch(2, size('ETH/USD', 0.2)));
    expect(await client.next()).toMatchObject({ type: 'size', seq: 3 });
  });

  it('closes a stalled client with 1013 once its socket stays full, while a normal client keeps receiving', async () => {
    const server = await startServer({ maxBufferedBytes: 256 * 1024, slowConsumerTimeout: 300, maxQueuedFrames: 1_000_000, heartbeatInterval: 60_000 });
    const stalled = await TestClient.connect(server.url);
    const normal = await TestClient.connect(server.url);
    await stalled.next();
    await normal.next();
    stalled.pause();

    let seq = 0;
    const drained: Message[] = [];
    await waitFor(
      () => server.stats().disconnectedSlow === 1,
      'the stalled client to be disconnected',
      20_000,
      () => server.publish(batch(++seq, ...Array.from({ length: 10 }, () => filler(seq)))),
    );
    expect(server.stats().clients).toBe(1);

    server.publish(batch(++seq, size('BTC/USD', 0.42)));
    const { skipped, found } = await normal.until((m) => m.type === 'size');
    drained.push(...skipped, found);
    expect(found.size).toBe(0.42);
    // The normal client got every delta, in order, with no gap.
    expect(drained.map(seqOf)).toEqual(Array.from({ length: drained.length }, (_, i) => i + 1));

    stalled.resume();
    expect(await stalled.closed).toEqual({ code: 1013, reason: 'slow consumer' });
  });

  it('keeps a client that reads promptly connected through an engine burst larger than maxQueuedFrames', async () => {
    const server = await startServer({ maxQueuedFrames: 50, slowConsumerTimeout: 600_000, heartbeatInterval: 60_000 });
    const reader = await TestClient.connect(server.url);
    await reader.next();
    // One synchronous burst of 500 deltas between two flush ticks, as a candle close produces.
    for (let seq = 1; seq <= 500; seq++) server.publish(batch(seq, decision(seq, 'BTC/USD', `burst ${seq}`)));
    const seen: number[] = [];
    while (seen.length < 500) seen.push(seqOf(await reader.next()));
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(server.stats()).toMatchObject({ clients: 1, disconnectedSlow: 0 });
  });

  it('closes a client whose queue passes maxQueuedFrames with 1013', async () => {
    const server = await startServer({ maxBufferedBytes: 64 * 1024, maxQueuedFrames: 50, slowConsumerTimeout: 600_000, heartbeatInterval: 60_000 });
    const stalled = await TestClient.connect(server.url);
    await stalled.next();
    stalled.pause();
    let seq = 0;
    await waitFor(
      () => server.stats().disconnectedSlow === 1,
      'the queue limit to close the client',
      20_000,
      () => server.publish(batch(++seq, ...Array.from({ length: 10 }, () => filler(seq)))),
    );
    expect(server.stats()).toMatchObject({ clients: 0 });
    expect(server.stats().dropped).toBeGreaterThan(50);
    stalled.resume();
    expect((await stalled.closed).code).toBe(1013);
  });

  it('conflates sizes to the latest per symbol for a client that has fallen behind', async () => {
    const server = await startServer({ maxBufferedBytes: 64 * 1024, maxQueuedFrames: 1_000_000, slowConsumerTimeout: 600_000, heartbeatInterval: 60_000 });
    const behind = await TestClient.connect(server.url);
    await behind.next();
    behind.pause();

    let seq = 0;
    let sizesPublished = 0;
    await waitFor(
      () => server.stats().dropped >= 3,
      'sizes to be conflated',
      20_000,
      () => {
        seq++;
        server.publish(batch(seq, ...Array.from({ length: 10 }, () => filler(seq)), size('BTC/USD', seq), size('BTC/USD', seq + 0.5)));
        sizesPublished += 2;
      },
    );
    server.publish(batch(++seq, size('BTC/USD', -1)));
    sizesPublished++;
    behind.resume();

    const { skipped, found } = await behind.until((m) => m.type === 'size' && m.size === -1, 20_000);
    const received = [...skipped, found];
    const seqs = received.map(seqOf);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const sizes = received.filter((m) => m.type === 'size');
    expect(sizesPublished - sizes.length).toBe(server.stats().dropped);
    expect(server.stats()).toMatchObject({ clients: 1, disconnectedSlow: 0 });
  });

  it('terminates a client that stops answering heartbeat pings and keeps the one that answers', async () => {
    const server = await startServer({ heartbeatInterval: 50 });
    const silent = await TestClient.connect(server.url, { autoPong: false });
    const answering = await TestClient.connect(server.url);
    await silent.next();
    await answering.next();
    expect((await silent.closed).code).toBe(1006);
    expect(server.stats().clients).toBe(1);
    server.publish(batch(1, size('BTC/USD', 0.1)));
    expect(await answering.next()).toMatchObject({ type: 'size', seq: 1 });
  });

  it('sends the deltas published just before close ahead of the close frame', async () => {
    const server = await startServer({ batchInterval: 60_000 });
    const client = await TestClient.connect(server.url);
    expect(await client.next()).toMatchObject({ type: 'snapshot', seq: 0 });
    server.publish(batch(1, size('BTC/USD', 0.4)));
    server.publish(batch(2, position('ETH/USD', 7)));
    await server.close();
    expect(await client.next()).toMatchObject({ type: 'size', seq: 1, size: 0.4 });
    expect(await client.next()).toMatchObject({ type: 'position', seq: 2, pnl: 7 });
    expect((await client.closed).code).toBe(1001);
  });

  it('never throws from publish with no clients, after clients left, or after close', async () => {
    const server = await startServer();
    expect(() => server.publish(batch(1, size('BTC/USD', 0.1), rejection))).not.toThrow();
    const client = await TestClient.connect(server.url);
    expect(await client.next()).toMatchObject({ type: 'snapshot', seq: 1 });
    client.ws.terminate();
    await client.closed;
    expect(() => server.publish(batch(2, size('BTC/USD', 0.2)))).not.toThrow();
    await server.close();
    expect(() => server.publish(batch(3, size('BTC/USD', 0.3)))).not.toThrow();
    expect(server.stats().clients).toBe(0);
  });
});
