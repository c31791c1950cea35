import { afterEach, describe, expect, it } from 'vitest';
import type { Decision, EngineOutput, OutputBatch, Portfolio, Rejection } from '../../src/domain/types.js';
import { LiveServer } from '../../src/sinks/liveServer.js';
import { EngineMetrics, type LiveServerStats } from '../../src/sinks/metrics.js';

// ---- a strict reader of the Prometheus text format (0.0.4) ---------------------------------

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = '[-+]?(?:\\d+(?:\\.\\d*)?(?:[eE][-+]?\\d+)?|\\.\\d+(?:[eE][-+]?\\d+)?|NaN|Nan|\\+?Inf|-Inf)';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) \\S.*$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?\\})? (${VALUE})$`);
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g;

/**
 * Parses exposition text line by line and fails on any line that is not HELP, TYPE, a sample or
 * blank, on a sample whose family has no HELP and TYPE before it, and on a family typed twice.
 */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const help = HELP_LINE.exec(line);
    if (help !== null) {
      helps.add(help[1] as string);
      return;
    }
    const type = TYPE_LINE.exec(line);
    if (type !== null) {
      expect(types.has(type[1] as string), `line ${i + 1}: ${type[1]} typed twice`).toBe(false);
      types.set(type[1] as string, type[2] as string);
      return;
    }
    const sample = SAMPLE_LINE.exec(line);
    if (sample === null) throw new Error(`line ${i + 1} is not Prometheus text: ${JSON.stringify(line)}`);
    const name = sample[1] as string;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(family), `line ${i + 1}: ${name} has no # TYPE`).toBe(true);
    expect(helps.has(family), `line ${i + 1}: ${name} has no # HELP`).toBe(true);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(LABEL_PAIR)) labels[key as string] = value as string;
    const raw = sample[3] as string;
    samples.push({ name, labels, value: /^nan$/i.test(raw) ? Number.NaN : Number(raw.replace(/^\+?Inf$/, 'Infinity')) });
  });
  return { types, samples };
}

function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

// ---- fixtures -------------------------------------------------------------------------------

const decision = (kind: Decision['decision'], seq: number): Decision => ({
  kind: 'decision',
  decision: kind,
  time: 1_000,
  seq,
  symbol: 'BTC/USD',
  reason: 'test',
  details: {},
});
const rejection = (code: string): Rejection => ({ kind: 'rejection', seq: 1, source: 'tick', code, reason: 'bad', field: 'price', symbol: null });
const portfolio = (state: Portfolio['state'], equity: number, drawdown: number): Portfolio => ({
  kind: 'portfolio',
  time: 2_000,
  cash: equity,
  equity,
  highWaterMark: equity / (1 - drawdown),
  drawdown,
  state,
  sizeScale: 1,
  haltedAt: null,
});
const openPosition = (symbol: string, status: 'open' | 'closed'): EngineOutput => ({
  kind: 'position',
  time: 1,
  positionId: `p-${symbol}`,
  symbol,
  ensembleId: 'e',
  quantity: status === 'open' ? 1 : 0,
  entryPrice: 100,
  entryTime: 1,
  markPrice: 100,
  size: 0.01,
  stopPrice: 95,
  takeProfitPrice: 115,
  status,
  exitTime: null,
  pnl: 0,
});
const batch = (seq: number, outputs: EngineOutput[], time = 1_700_000_000_000): OutputBatch => ({ seq, time, outputs });

// ---- tests ----------------------------------------------------------------------------------

const opened: { metrics?: EngineMetrics; server?: LiveServer }[] = [];
afterEach(async () => {
  for (const { metrics, server } of opened.splice(0)) {
    metrics?.close();
    await server?.close();
  }
});

async function serve(stats: () => LiveServerStats = () => ({ clients: 0, framesSent: 0, dropped: 0, disconnectedSlow: 0 })) {
  const metrics = new EngineMetrics();
  const server = await LiveServer.start(
    { host: '127.0.0.1', port: 0, token: '' },
    { snapshot: () => ({ positions: [], sizes: [], ensembles: [], portfolio: null }) },
  );
  server.addRoute(metrics.route(stats));
  opened.push({ metrics, server });
  return { metrics, base: `http://127.0.0.1:${server.port}` };
}

async function scrape(base: string): Promise<ReturnType<typeof parsePrometheus>> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(await res.text());
}

describe('EngineMetrics over HTTP', () => {
  it('serves /metrics as strict Prometheus text with every family typed', async () => {
    const { base } = await serve();
    const { types, samples } = await scrape(base);
    expect(types.get('tradestream_inputs_total')).toBe('counter');
    expect(types.get('tradestream_tick_to_decision_seconds')).toBe('histogram');
    expect(types.get('tradestream_store_flush_seconds')).toBe('histogram');
    expect(types.get('tradestream_ws_clients')).toBe('gauge');
    expect(types.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
    // Every decision kind exists at 0 before the first decision, so rate() works from the start.
    expect(samples.filter((s) => s.name === 'tradestream_decisions_total')).toHaveLength(10);
    expect(sampleValue(samples, 'tradestream_decisions_total', { decision: 'position.opened' })).toBe(0);
    // The latency buckets run from 10 µs to 100 ms.
    const les = samples.filter((s) => s.name === 'tradestream_tick_to_decision_seconds_bucket').map((s) => s.labels.le);
    expect(les[0]).toBe('0.00001');
    expect(les.at(-2)).toBe('0.1');
    expect(les.at(-1)).toBe('+Inf');
    expect(Number.isNaN(sampleValue(samples, 'tradestream_portfolio_equity'))).toBe(true);
  });

  it('moves the counters, histograms and gauges after inputs, batches, flushes and dead letters', async () => {
    const { metrics, base } = await serve();
    const before = (await scrape(base)).samples;
    metrics.observeInput({ kind: 'tick' });
    metrics.observeInput({ kind: 'tick' });
    metrics.observeInput({ kind: 'strategy' });
    metrics.observeInput({ kind: 'rejection' });
    metrics.observeBatch(
      batch(1, [decision('position.opened', 1), openPosition('BTC/USD', 'open'), openPosition('ETH/USD', 'open'), portfolio('NORMAL', 100_000, 0)]),
      0.00004,
    );
    metrics.observeBatch(
      batch(2, [decision('position.closed', 2), openPosition('ETH/USD', 'closed'), portfolio('REDUCING', 94_000, 0.06)], 1_700_000_005_000),
      0.003,
    );
    metrics.observeBatch(batch(3, [rejection('missing_field')]), 0.00002);
    metrics.observeFlush({ rows: 120, ms: 4 });
    metrics.observeDeadLetter('tick', 'missing_field');
    metrics.observeOwnerlessSymbols(2);
    const { samples } = await scrape(base);

    expect(sampleValue(samples, 'tradestream_inputs_total', { kind: 'tick' })).toBe(2);
    expect(sampleValue(samples, 'tradestream_inputs_total', { kind: 'strategy' })).toBe(1);
    expect(sampleValue(samples, 'tradestream_inputs_total', { kind: 'invalid' })).toBe(1);
    expect(sampleValue(samples, 'tradestream_decisions_total', { decision: 'position.opened' })).toBe(1);
    expect(sampleValue(samples, 'tradestream_decisions_total', { decision: 'position.closed' })).toBe(1);
    expect(sampleValue(samples, 'tradestream_position_changes_total', { change: 'opened' })).toBe(1);
    expect(sampleValue(samples, 'tradestream_position_changes_total', { change: 'closed' })).toBe(1);
    expect(sampleValue(samples, 'tradestream_rejections_total', { source: 'tick', code: 'missing_field' })).toBe(1);
    expect(sampleValue(samples, 'tradestream_dead_letters_total', { kind: 'tick', code: 'missing_field' })).toBe(1);
    expect(sampleValue(samples, 'tradestream_open_positions')).toBe(1);
    expect(sampleValue(samples, 'tradestream_portfolio_equity')).toBe(94_000);
    expect(sampleValue(samples, 'tradestream_portfolio_drawdown_ratio')).toBe(0.06);
    expect(sampleValue(samples, 'tradestream_breaker_state', { state: 'REDUCING' })).toBe(1);
    expect(sampleValue(samples, 'tradestream_breaker_state', { state: 'NORMAL' })).toBe(0);
    expect(sampleValue(samples, 'tradestream_last_event_time_seconds')).toBe(1_700_000_000);
    expect(sampleValue(samples, 'tradestream_symbols_without_engine')).toBe(2);
    // Latencies 20 µs, 40 µs and 3 ms: two within 50 µs, all three within 5 ms, none within 10 µs.
    expect(sampleValue(samples, 'tradestream_tick_to_decision_seconds_count')).toBe(3);
    expect(sampleValue(samples, 'tradestream_tick_to_decision_seconds_bucket', { le: '0.00001' })).toBe(0);
    expect(sampleValue(samples, 'tradestream_tick_to_decision_seconds_bucket', { le: '0.00005' })).toBe(2);
    expect(sampleValue(samples, 'tradestream_tick_to_decision_seconds_bucket', { le: '0.0025' })).toBe(2);
    expect(sampleValue(samples, 'tradestream_tick_to_decision_seconds_bucket', { le: '0.005' })).toBe(3);
    expect(sampleValue(samples, 'tradestream_store_flush_seconds_count')).toBe(1);
    expect(sampleValue(samples, 'tradestream_store_flush_seconds_sum')).toBeCloseTo(0.004, 12);
    expect(sampleValue(samples, 'tradestream_store_rows_written_total')).toBe(120);
    expect(sampleValue(before, 'tradestream_inputs_total', { kind: 'tick' })).toBe(0);
  });

  it('reads the WebSocket figures from the stats callback at scrape time', async () => {
    let stats: LiveServerStats = { clients: 3, framesSent: 40, dropped: 2, disconnectedSlow: 1 };
    const { base } = await serve(() => stats);
    let { samples } = await scrape(base);
    expect(sampleValue(samples, 'tradestream_ws_clients')).toBe(3);
    expect(sampleValue(samples, 'tradestream_ws_frames_sent_total')).toBe(40);
    expect(sampleValue(samples, 'tradestream_ws_deltas_dropped_total')).toBe(2);
    expect(sampleValue(samples, 'tradestream_ws_slow_disconnects_total')).toBe(1);
    stats = { clients: 1, framesSent: 55, dropped: 2, disconnectedSlow: 1 };
    ({ samples } = await scrape(base));
    expect(sampleValue(samples, 'tradestream_ws_clients')).toBe(1);
    expect(sampleValue(samples, 'tradestream_ws_frames_sent_total')).toBe(55);
  });

  it('reports event-loop delay after the loop was blocked', async () => {
    const { base } = await serve();
    await scrape(base); // starts a fresh measuring interval
    // The monitor samples on its own 10 ms timer, and Node's reset() (each scrape) clears its last
    // sample time: a stall that starts before the first sample after a scrape is not recorded
    // (measured on Node 20: a 60 ms block right after reset() shows a max of 10 ms, after a 30 ms
    // wait 68 ms). So wait three sampling periods after the scrape before blocking; block and scrape
    // up to five times on a loaded machine: the gauge must see a stall of 60 ms.
    let max = 0;
    for (let attempt = 0; attempt < 5 && max <= 0.03; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const until = performance.now() + 60;
      while (performance.now() < until) {
        // Block the event loop for 60 ms so the monitor records a long delay.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      max = sampleValue((await scrape(base)).samples, 'nodejs_eventloop_lag_max_seconds') ?? 0;
    }
    expect(max).toBeGreaterThan(0.03);
  });

  it('answers /readyz 503 until markReady, then 200, and 503 again after markUnready', async () => {
    const { metrics, base } = await serve();
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready' });
    metrics.markReady();
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ status: 'ready' });
    metrics.markUnready();
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });

  it('refuses methods other than GET and HEAD, and leaves other paths to later routes', async () => {
    const { base } = await serve();
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/metricsx`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('keeps instances apart: each has its own registry', async () => {
    const a = await serve();
    const b = await serve();
    a.metrics.observeInput({ kind: 'candle' });
    expect(sampleValue((await scrape(a.base)).samples, 'tradestream_inputs_total', { kind: 'candle' })).toBe(1);
    expect(sampleValue((await scrape(b.base)).samples, 'tradestream_inputs_total', { kind: 'candle' })).toBe(0);
  });

  it('folds rejection codes beyond 64 distinct values into "other"', async () => {
    const { metrics, base } = await serve();
    for (let i = 0; i < 70; i++) metrics.observeBatch(batch(i, [rejection(`code_${i}`)]), 0);
    const rejections = (await scrape(base)).samples.filter((s) => s.name === 'tradestream_rejections_total');
    expect(rejections).toHaveLength(65);
    expect(sampleValue(rejections, 'tradestream_rejections_total', { source: 'other', code: 'other' })).toBe(6);
  });

  it('after close(), is not ready and serves an empty registry', async () => {
    const { metrics, base } = await serve();
    metrics.markReady();
    metrics.close();
    metrics.markReady();
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await scrape(base)).samples).toHaveLength(0);
  });
});
