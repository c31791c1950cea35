/**
 * The engine's Prometheus metrics and readiness, on a registry of its own (never the global one,
 * so tests and several engines in one process do not collide). The hot path only bumps plain
 * numbers; prom-client objects are filled in at scrape time, so `observeBatch` costs one
 * histogram observation plus a few additions per input.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState, Decision, InputEvent, OutputBatch, Portfolio, Position, SourceInput } from '../domain/types.js';
import { type HttpRoute, pathOf, refusedUnlessRead } from './liveHttp.js';
import type { FlushResult } from './stateStore.js';

/** Live server counters read at scrape time (LiveServer.stats()). */
export interface LiveServerStats {
  readonly clients: number;
  readonly framesSent: number;
  readonly dropped: number;
  readonly disconnectedSlow: number;
}

/** Input kinds as counted: the three valid kinds, and inputs refused at the source. */
type InputKind = InputEvent['kind'] | 'invalid' | 'unowned';

/** Tick-to-decision latency buckets: 10 µs to 100 ms (seconds). */
const LATENCY_BUCKETS = [1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 1e-1];
/** SQLite flush duration buckets: 100 µs to 1 s (seconds). */
const FLUSH_BUCKETS = [1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1];
/** Distinct values one label may take before further ones are counted as `other` (codes are ours, but a bug must not explode a series count). */
const MAX_LABEL_VALUES = 64;
/** Event-loop delay sampling resolution (ms). */
const EVENT_LOOP_RESOLUTION_MS = 10;

/** Every decision kind, so each series exists (at 0) from the first scrape; a new kind fails to compile until listed. */
const DECISION_KINDS = Object.keys({
  'strategy.accepted': true,
  'strategy.updated': true,
  'strategy.retired': true,
  'strategy.rejected': true,
  'ensemble.changed': true,
  rotation: true,
  'position.opened': true,
  'position.resized': true,
  'position.closed': true,
  'breaker.changed': true,
} satisfies Record<Decision['decision'], true>) as Decision['decision'][];
const BREAKER_STATES: readonly BreakerState[] = ['NORMAL', 'REDUCING', 'HALTED'];
const POSITION_CHANGES: Readonly<Record<string, string>> = { 'position.opened': 'opened', 'position.resized': 'resized', 'position.closed': 'closed' };

/** Plain counts per label key, bounded in keys; copied into a prom-client counter at scrape time. */
class Tally {
  readonly counts = new Map<string, number>();

  constructor(initial: readonly string[] = []) {
    for (const key of initial) this.counts.set(key, 0);
  }

  add(key: string, n = 1): void {
    const count = this.counts.get(key);
    if (count !== undefined) this.counts.set(key, count + n);
    else if (this.counts.size < MAX_LABEL_VALUES) this.counts.set(key, n);
    else this.counts.set('other', (this.counts.get('other') ?? 0) + n);
  }

  /** Sets `counter` to these counts; `labels` turns a key into the counter's labels. */
  copyTo(counter: Counter<string>, labels: (key: string) => Record<string, string>): void {
    counter.reset();
    for (const [key, count] of this.counts) counter.inc(labels(key), count);
  }
}

/**
 * Engine metrics: inputs by kind, decisions by kind, rejections and dead letters by code, position
 * changes, tick-to-decision latency, SQLite flushes, WebSocket clients and frames, portfolio
 * equity, drawdown and breaker state, event-loop delay and process memory. `route` serves
 * `/metrics` (Prometheus text) and `/readyz`. Call `close()` to stop the event-loop monitor.
 */
export class EngineMetrics {
  /** The registry every metric here is registered in (only these). */
  readonly registry = new Registry();
  private readonly inputs: Record<InputKind, number> = { strategy: 0, candle: 0, tick: 0, control: 0, invalid: 0, unowned: 0 };
  private readonly decisions = new Tally(DECISION_KINDS);
  private readonly positionChanges = new Tally(['opened', 'resized', 'closed']);
  private readonly rejections = new Tally();
  private readonly deadLetters = new Tally();
  private readonly openPositions = new Set<string>();
  private readonly latency: Histogram<string>;
  private readonly flushSeconds: Histogram<string>;
  private readonly flushRows: Counter<string>;
  private readonly eventLoop: IntervalHistogram;
  private portfolio: Portfolio | null = null;
  private lastEventTime: number | null = null;
  private ownerlessSymbols = 0;
  private liveStats: (() => LiveServerStats) | null = null;
  private indicatorStats: (() => { instances: number; consumers: number; strategies: number }) | null = null;
  private ready = false;
  private closed = false;

  /** Creates the registry and its metrics and starts sampling event-loop delay. */
  constructor() {
    const registers = [this.registry];
    const self = this;
    this.latency = new Histogram({
      name: 'tradestream_tick_to_decision_seconds',
      help: 'Wall time from an input entering the pipeline to its output batch reaching the sinks.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.flushSeconds = new Histogram({
      name: 'tradestream_store_flush_seconds',
      help: 'Duration of one SQLite flush transaction.',
      buckets: FLUSH_BUCKETS,
      registers,
    });
    this.flushRows = new Counter({ name: 'tradestream_store_rows_written_total', help: 'Rows written to SQLite by flushes.', registers });

    new Counter({
      name: 'tradestream_inputs_total',
      help: 'Inputs processed, by kind (strategy, candle, tick, control = an operator command; invalid = refused at the source; unowned = of a symbol another engine owns, evaluation.symbols); not those replayed to rebuild the state at a start.',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const [kind, count] of Object.entries(self.inputs)) this.inc({ kind }, count);
      },
    });
    new Counter({
      name: 'tradestream_decisions_total',
      help: 'Decisions logged, by decision kind.',
      labelNames: ['decision'],
      registers,
      collect() {
        self.decisions.copyTo(this, (decision) => ({ decision }));
      },
    });
    new Counter({
      name: 'tradestream_position_changes_total',
      help: 'Positions opened, resized or closed.',
      labelNames: ['change'],
      registers,
      collect() {
        self.positionChanges.copyTo(this, (change) => ({ change }));
      },
    });
    new Counter({
      name: 'tradestream_rejections_total',
      help: 'Inputs refused at the source, by what they claimed to be and the rejection code.',
      labelNames: ['source', 'code'],
      registers,
      collect() {
        self.rejections.copyTo(this, splitSourceCode);
      },
    });
    new Counter({
      name: 'tradestream_dead_letters_total',
      help: 'Messages sent to the dead-letter subject, by kind and rejection code.',
      labelNames: ['kind', 'code'],
      registers,
      collect() {
        self.deadLetters.copyTo(this, (key) => {
          const { source, code } = splitSourceCode(key);
          return { kind: source, code };
        });
      },
    });
    new Gauge({
      name: 'tradestream_indicator_instances',
      help: 'Shared indicator series computed per candle, over all symbols (one per distinct indicator and inputs).',
      registers,
      collect() {
        this.set(self.indicatorStats?.().instances ?? 0);
      },
    });
    new Gauge({
      name: 'tradestream_indicator_consumers',
      help: "Indicator series held by strategy rules, over all symbols: consumers / instances is the sharing factor. A strategy holds its series from its symbol's first price after its discovery.",
      registers,
      collect() {
        this.set(self.indicatorStats?.().consumers ?? 0);
      },
    });
    new Gauge({
      name: 'tradestream_strategies',
      help: 'Strategies registered and evaluated live.',
      registers,
      collect() {
        this.set(self.indicatorStats?.().strategies ?? 0);
      },
    });
    new Gauge({
      name: 'tradestream_open_positions',
      help: 'Positions currently open.',
      registers,
      collect() {
        this.set(self.openPositions.size);
      },
    });
    new Gauge({
      name: 'tradestream_symbols_without_engine',
      help: "A shard's count of the symbols it passed over that no engine's durable on the stream is for, at its last check: their messages are applied by no engine (0 when not sharded).",
      registers,
      collect() {
        this.set(self.ownerlessSymbols);
      },
    });
    new Gauge({
      name: 'tradestream_last_event_time_seconds',
      help: 'Event time of the last input processed (epoch seconds; NaN before the first); compare with the wall clock to see how far behind the engine runs.',
      registers,
      collect() {
        this.set(self.lastEventTime === null ? Number.NaN : self.lastEventTime / 1000);
      },
    });
    this.portfolioGauges(registers);
    this.liveServerMetrics(registers);
    this.eventLoop = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.eventLoop.enable();
    this.processMetrics(registers);
  }

  /**
   * Counts one input entering the pipeline by its kind (a Rejection counts as `invalid`). Call it
   * once per input, before the pipeline; O(1), no allocation.
   */
  /** Reads the live registry's indicator sharing at scrape time (the pipeline hands its book over). */
  watchIndicators(stats: () => { instances: number; consumers: number; strategies: number }): void {
    this.indicatorStats = stats;
  }

  observeInput(input: { readonly kind: SourceInput['kind'] }): void {
    this.inputs[input.kind === 'rejection' ? 'invalid' : input.kind]++;
  }

  /** Inputs counted so far of one kind (tradestream_inputs_total{kind}). */
  inputCount(kind: InputKind): number {
    return this.inputs[kind];
  }

  /**
   * Counts one input's outputs (decisions by kind, position changes, rejections by code, open
   * positions, the latest portfolio) and observes its tick-to-decision latency (seconds, wall
   * time; null for an input that decides nothing here: another engine's symbol). Runs on the hot
   * path: plain additions, one histogram observation.
   */
  observeBatch(batch: OutputBatch, latencySeconds: number | null): void {
    if (latencySeconds !== null) this.latency.observe(latencySeconds);
    // A malformed input before the first price carries the engine clock's −∞: no event time to show.
    if (Number.isFinite(batch.time)) this.lastEventTime = batch.time;
    for (const output of batch.outputs) {
      switch (output.kind) {
        case 'decision': {
          this.decisions.add(output.decision);
          const change = POSITION_CHANGES[output.decision];
          if (change !== undefined) this.positionChanges.add(change);
          break;
        }
        case 'position':
        case 'portfolio':
          this.trackState(output);
          break;
        case 'rejection':
          this.rejections.add(`${output.source}\u0000${output.code}`);
          break;
        default:
          break;
      }
    }
  }

  /**
   * Folds in one batch of a restart's rebuild (inputs already committed before it): the state
   * gauges (open positions, portfolio, breaker, last event time) follow it, while the counters of
   * decisions, position changes and rejections do not count them again and no latency is observed.
   */
  observeRestored(batch: OutputBatch): void {
    if (Number.isFinite(batch.time)) this.lastEventTime = batch.time;
    for (const output of batch.outputs) if (output.kind === 'position' || output.kind === 'portfolio') this.trackState(output);
  }

  /** The state the gauges show: which symbols hold an open position, and the latest portfolio. */
  private trackState(output: Position | Portfolio): void {
    if (output.kind === 'portfolio') this.portfolio = output;
    else if (output.status === 'open') this.openPositions.add(output.symbol);
    else this.openPositions.delete(output.symbol);
  }

  /** Observes one committed SQLite flush: its duration (`ms`, milliseconds) and rows written. */
  observeFlush(result: Pick<FlushResult, 'rows' | 'ms'>): void {
    this.flushSeconds.observe(result.ms / 1000);
    this.flushRows.inc(result.rows);
  }

  /** Counts one message sent to the dead-letter subject, by the kind it claimed (`strategy`, `candle`, `tick`, `unknown`) and its rejection code. */
  observeDeadLetter(kind: string, code: string): void {
    this.deadLetters.add(`${kind}\u0000${code}`);
  }

  /** A shard's check found `count` symbols that it passes over and no engine owns (tradestream_symbols_without_engine). */
  observeOwnerlessSymbols(count: number): void {
    this.ownerlessSymbols = count;
  }

  /** From now on `/readyz` answers 200: call once the engine consumes its input. */
  markReady(): void {
    if (!this.closed) this.ready = true;
  }

  /** From now on `/readyz` answers 503 again (shutting down). */
  markUnready(): void {
    this.ready = false;
  }

  /** True between `markReady()` and `markUnready()`/`close()`. */
  isReady(): boolean {
    return this.ready;
  }

  /** The metrics in Prometheus text exposition format (what GET /metrics answers). */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * HTTP route for the live server: GET/HEAD `/metrics` → the registry in Prometheus text format
   * (WebSocket figures read from `stats` at scrape time); `/readyz` → 200 `{"status":"ready"}`
   * after `markReady()`, else 503 `{"status":"not ready"}`. Other paths are left to later routes.
   */
  route(stats: () => LiveServerStats): HttpRoute {
    this.liveStats = stats;
    return (req, res) => {
      const path = pathOf(req);
      if (path !== '/metrics' && path !== '/readyz') return false;
      if (refusedUnlessRead(req, res)) return true;
      if (path === '/readyz') {
        const status = this.ready ? 200 : 503;
        res
          .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
          .end(JSON.stringify({ status: this.ready ? 'ready' : 'not ready' }));
        return true;
      }
      this.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': this.registry.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text);
        },
        (err: unknown) => {
          if (res.headersSent) res.destroy();
          else res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics collection failed: ${(err as Error).message}\n`);
        },
      );
      return true;
    };
  }

  /** Stops the event-loop monitor, marks not ready and empties the registry. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    this.eventLoop.disable();
    this.registry.clear();
  }

  private portfolioGauges(registers: Registry[]): void {
    const self = this;
    new Gauge({
      name: 'tradestream_portfolio_equity',
      help: 'Marked-to-market portfolio equity (quote currency); NaN before the first portfolio update.',
      registers,
      collect() {
        this.set(self.portfolio?.equity ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'tradestream_portfolio_drawdown_ratio',
      help: 'Drawdown from the high-water mark, 0 to 1; NaN before the first portfolio update.',
      registers,
      collect() {
        this.set(self.portfolio?.drawdown ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'tradestream_breaker_state',
      help: 'Drawdown breaker state: 1 for the current state, 0 for the others.',
      labelNames: ['state'],
      registers,
      collect() {
        if (self.portfolio === null) return;
        for (const state of BREAKER_STATES) this.set({ state }, self.portfolio.state === state ? 1 : 0);
      },
    });
  }

  private liveServerMetrics(registers: Registry[]): void {
    const self = this;
    const read = (pick: (s: LiveServerStats) => number) =>
      function (this: Gauge<string> | Counter<string>): void {
        if (self.liveStats === null) return;
        const value = pick(self.liveStats());
        if (this instanceof Gauge) this.set(value);
        else {
          this.reset();
          this.inc(value);
        }
      };
    new Gauge({ name: 'tradestream_ws_clients', help: 'WebSocket clients connected.', registers, collect: read((s) => s.clients) });
    new Counter({ name: 'tradestream_ws_frames_sent_total', help: 'WebSocket frames written to clients.', registers, collect: read((s) => s.framesSent) });
    new Counter({
      name: 'tradestream_ws_deltas_dropped_total',
      help: 'Deltas not delivered: conflated sizes and the backlog of clients closed as slow.',
      registers,
      collect: read((s) => s.dropped),
    });
    new Counter({
      name: 'tradestream_ws_slow_disconnects_total',
      help: 'WebSocket clients closed as slow consumers.',
      registers,
      collect: read((s) => s.disconnectedSlow),
    });
  }

  private processMetrics(registers: Registry[]): void {
    const self = this;
    const loop = (name: string, help: string, value: (h: IntervalHistogram) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          // An interval without samples reports NaN/huge sentinels; show 0 instead.
          this.set(self.eventLoop.count > 0 ? value(self.eventLoop) / 1e9 : 0);
        },
      });
    loop('nodejs_eventloop_lag_mean_seconds', 'Mean event-loop delay since the last scrape.', (h) => h.mean);
    loop('nodejs_eventloop_lag_p50_seconds', 'Median event-loop delay since the last scrape.', (h) => h.percentile(50));
    loop('nodejs_eventloop_lag_p99_seconds', '99th percentile event-loop delay since the last scrape.', (h) => h.percentile(99));
    // The last gauge of the four resets the monitor, so each scrape covers the interval since the previous one.
    // Node's reset() also forgets the monitor's last sample time, so a stall that begins within one
    // resolution (10 ms) after a scrape, before the monitor's next sample, is not recorded.
    new Gauge({
      name: 'nodejs_eventloop_lag_max_seconds',
      help: 'Largest event-loop delay since the last scrape.',
      registers,
      collect() {
        this.set(self.eventLoop.count > 0 ? self.eventLoop.max / 1e9 : 0);
        self.eventLoop.reset();
      },
    });
    new Gauge({
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes.',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
    new Gauge({
      name: 'nodejs_heap_size_used_bytes',
      help: 'V8 heap in use, in bytes.',
      registers,
      collect() {
        this.set(process.memoryUsage().heapUsed);
      },
    });
    new Counter({
      name: 'process_cpu_seconds_total',
      help: 'User and system CPU time spent, in seconds.',
      registers,
      collect() {
        const { user, system } = process.cpuUsage();
        this.reset();
        this.inc((user + system) / 1e6);
      },
    });
  }
}

function splitSourceCode(key: string): { source: string; code: string } {
  const at = key.indexOf('\u0000');
  if (at < 0) return { source: key, code: key }; // the overflow key, 'other'
  return { source: key.slice(0, at), code: key.slice(at + 1) };
}
