/**
 * Workload 3 of issue 7: JetStream end to end, for one strategy count, in one child process.
 *
 * The inputs are the benchmark's demo spans (workloads.ts): span A (discoveries + warm-up candles)
 * then span B (the tick path), as wire messages (`toWireMessage`) published once into a fresh
 * stream. Then, on the same stream, each with its own durable consumer (AckPolicy.All):
 *  - pipeline in memory: the same events pushed into tradingPipeline (no NATS, no SQLite): the
 *    compute ceiling, and the JIT warm-up of the engine run;
 *  - engine: startEngine(temp db, serve: false) over JetStreamSource.events(0) (NATS consumed on
 *    the source's consumer thread, decoded and run on this one), acks after the SQLite commit
 *    (onCommitted → source.ack): messages/s from the first message received to the commit of the
 *    last seq; CPU counts both threads;
 *  - bare consumers: consume + JSON.parse + ack, no engine: acking each message, every 100th,
 *    and on a 100 ms timer (the engine's commit cadence, store.flushInterval).
 * Prints one JSON line of figures. With `profileDir` the engine run is CPU-profiled (inspector)
 * and the profile's self time is summarised by function and by area.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager, ReplayPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { pino } from 'pino';
import { tap } from 'rxjs';
import { toWireMessage } from '../src/cli/demoFeedCommand.js';
import { defaultConfig } from '../src/cli/loadConfig.js';
import type { MarketEvent } from '../src/domain/types.js';
import { startEngine } from '../src/main.js';
import { publishMessages } from '../src/sources/inputFiles.js';
import { decodeMessage } from '../src/sources/decode.js';
import { connectNats } from '../src/sources/jetstreamConnection.js';
import { JetStreamSource } from '../src/sources/jetstreamSource.js';
import { ensureStream } from '../src/sources/jetstreamStream.js';
import { type CpuReading, type CpuSpent, cpuSpent, readCpu, threadCpu } from './cpuAccount.js';
import { pipelineEngine } from './engines.js';
import { collectGarbage, round } from './stats.js';
import { laterSpans, registrationSpan, type WorkloadPlan } from './workloads.js';

export interface JetStreamOptions {
  readonly url: string;
  readonly plan: WorkloadPlan;
  /** Directory for the engine run's .cpuprofile (none when unset). */
  readonly profileDir?: string;
  /** The nats-server's process id, for its CPU time during each run (bench/cpuAccount.ts). */
  readonly serverPid?: number;
}

type Figures = { [key: string]: unknown };
type AckMode = 'each' | 'every100' | 'timer100ms' | 'timer100msRetain';
const log = (line: string) => process.stderr.write(`${line}\n`);
const utf8 = new TextDecoder('utf-8', { fatal: true });

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

/** CPU time (user + system, all threads) and GC pause time of this process during `body`, per message. */
async function costed<T extends Figures>(messages: number, body: () => Promise<T>): Promise<T & { cpu: Figures }> {
  const cpu0 = process.cpuUsage();
  const gc0 = gcMs;
  const result = await body();
  const cpu = process.cpuUsage(cpu0);
  // GC entries reach the observer on a later turn of the event loop.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  const gc = gcMs - gc0;
  return {
    ...result,
    cpu: {
      cpuMs: round((cpu.user + cpu.system) / 1000, 0),
      cpuUsPerMessage: round((cpu.user + cpu.system) / messages, 2),
      gcMs: round(gc, 0),
      gcUsPerMessage: round((gc * 1000) / messages, 2),
    },
  };
}

/** Rates of a run: whole stream, span A (1..splitSeq), span B (splitSeq+1..total). */
function rates(total: number, splitSeq: number, first: number, split: number, end: number): Figures {
  return {
    messages: total,
    ms: round(end - first, 1),
    messagesPerSecond: round((total / (end - first)) * 1000, 0),
    registrationSpan: { messages: splitSeq, messagesPerSecond: round((splitSeq / (split - first)) * 1000, 0) },
    tickSpan: { messages: total - splitSeq, messagesPerSecond: round(((total - splitSeq) / (end - split)) * 1000, 0) },
  };
}

/** Self time of a V8 CPU profile by function (top 25) and by area of the code. */
export function summariseProfile(profile: {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}): Figures {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const area = (url: string, fn: string): string => {
    if (fn === '(idle)') return 'idle';
    if (fn === '(garbage collector)') return 'GC';
    if (fn === '(program)' || url === '') return 'native/program';
    if (url.includes('@nats-io')) return 'nats client';
    if (url.includes('better-sqlite3')) return 'better-sqlite3 (JS side)';
    if (url.includes('/rxjs/')) return 'rxjs';
    if (url.includes('/prom-client/')) return 'prom-client';
    if (url.includes('/pino')) return 'pino';
    if (url.includes('node_modules')) return 'other dependencies';
    if (url.startsWith('node:')) return 'node core';
    const m = /\/src\/([^/]+(?:\/[^/]+)?)\//.exec(url) ?? /\/src\/([^/]+)\.js$/.exec(url);
    if (m !== null) return `src/${m[1]}`;
    if (url.includes('/bench/')) return 'bench';
    return 'other';
  };
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const short = url.replace(/^.*\/(node_modules|dist|src|bench)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number) => round((us / total) * 100, 1);
  return {
    totalMs: round(total / 1000, 0),
    byArea: Object.fromEntries([...areas].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, pct(v)])),
    topSelf: [...fns]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([k, v]) => `${pct(v)}% ${k}`),
  };
}

async function withProfile<T>(dir: string | undefined, name: string, body: () => Promise<T>): Promise<{ result: T; profile?: Figures }> {
  if (dir === undefined) return { result: await body() };
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  const result = await body();
  const { profile } = (await post('Profiler.stop')) as { profile: Parameters<typeof summariseProfile>[0] };
  session.disconnect();
  const file = join(dir, `${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  return { result, profile: { file, ...summariseProfile(profile) } };
}

/**
 * The consumer's ack floor once it reaches `total`, or as it stands after `withinMs`. The server
 * applies acks from its own queue, so a read right after the last ack can still show less.
 */
async function ackFloorReaching(total: number, read: () => Promise<number>, withinMs = 3_000): Promise<number> {
  const deadline = performance.now() + withinMs;
  let floor = await read();
  while (floor < total && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    floor = await read();
  }
  return floor;
}

/** A bare consumer: consume, JSON.parse, ack per `mode`; resolves with its rates once `total` was received. */
async function bareConsumer(
  url: string,
  stream: string,
  name: string,
  mode: AckMode,
  total: number,
  splitSeq: number,
  serverPid: number | undefined,
): Promise<Figures> {
  const nc = await connectNats({ servers: url, name });
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(stream, {
    durable_name: name,
    ack_policy: AckPolicy.All,
    ack_wait: nanos(30_000),
    max_ack_pending: 65_536,
    max_deliver: -1,
    replay_policy: ReplayPolicy.Instant,
    deliver_policy: DeliverPolicy.All,
  });
  const consumer = await jetstream(nc).consumers.get(stream, name);
  let first = 0;
  let split = 0;
  let parsed = 0;
  // CPU over the same window as the rates: first message to last.
  let cpu0: CpuReading | undefined;
  let cpuEnd: CpuReading | undefined;
  let pendingAck: JsMsg | undefined;
  let lastAck: Promise<boolean> | undefined;
  // 'timer100msRetain' keeps every message until its ack (the engine's consumer thread keeps only their ack subjects).
  let retained: JsMsg[] = [];
  let finish!: (end: number) => void;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const timer = mode.startsWith('timer100ms')
    ? setInterval(() => {
        pendingAck?.ack();
        pendingAck = undefined;
        retained = [];
      }, 100)
    : undefined;
  const messages = await consumer.consume({
    max_messages: 1_000,
    callback: (m: JsMsg) => {
      if (first === 0) {
        cpu0 = readCpu(serverPid);
        first = performance.now();
      }
      const body = JSON.parse(utf8.decode(m.data)) as { symbol?: unknown };
      if (body.symbol !== undefined) parsed++;
      const seq = m.seq;
      // The last ack waits for the server's reply: a plain ack is queued on the server's side, so a
      // consumer info read right after could show an ack floor short of the end (seen in CI: 1159 of 1416).
      if (seq >= total) lastAck = m.ackAck();
      else if (mode === 'each' || (mode === 'every100' && seq % 100 === 0)) m.ack();
      else pendingAck = m;
      if (mode === 'timer100msRetain') retained.push(m);
      if (seq === splitSeq) split = performance.now();
      if (seq >= total) {
        pendingAck = undefined;
        const end = performance.now();
        cpuEnd = readCpu(serverPid);
        finish(end);
      }
    },
  });
  const end = await finished;
  if (timer !== undefined) clearInterval(timer);
  if ((await lastAck) !== true) throw new Error(`bare consumer ${mode}: the server did not confirm the ack of seq ${total}`);
  const info = await jsm.consumers.info(stream, name);
  await messages.close();
  await nc.drain();
  return {
    ackMode: mode,
    ...rates(total, splitSeq, first, split, end),
    parsed,
    retainedAtEnd: retained.length,
    ackFloor: info.ack_floor.stream_seq,
    cpuAccount: cpuSpent(cpu0 as CpuReading, cpuEnd as CpuReading),
  };
}

/**
 * The engine run's CPU against what 0.8 of the bare consumer's rate allows: to finish within
 * bare wall / 0.8, a run on `cores` cores can spend at most cores × bare wall / 0.8 of CPU across
 * the engine's threads and the nats-server. `busy` is the share of the cores the run kept busy.
 * `floorCpuMs` is the least any engine running this pipeline could spend: what the bare consumer
 * spent (NATS client, JSON.parse, acks, the server's side) plus the pipeline's own time in memory
 * (`pipelineInMemoryMs`; its decoding, which parses the message again, is left out).
 * Null figures where /proc could not be read.
 */
export function cpuBudget(engine: Figures, bare: Figures, pipelineInMemoryMs: number, cores = availableParallelism()): Figures {
  const spent = engine.cpuAccount as CpuSpent;
  const bareSpent = bare.cpuAccount as CpuSpent;
  const engineWallMs = engine.ms as number;
  const bareWallMs = bare.ms as number;
  const budgetAt08Ms = (cores * bareWallMs) / 0.8;
  const floorMs = bareSpent.totalMs === null ? null : bareSpent.totalMs + pipelineInMemoryMs;
  return {
    cores,
    engineWallMs,
    engineCpuMs: spent.totalMs,
    engineBusy: spent.totalMs === null ? null : round(spent.totalMs / (cores * engineWallMs), 2),
    bareWallMs,
    bareProcessMs: bareSpent.mainMs === null ? null : bareSpent.mainMs + (bareSpent.newThreadsMs ?? 0) + (bareSpent.otherThreadsMs ?? 0),
    bareCpuMs: bareSpent.totalMs,
    budgetAt08Ms: round(budgetAt08Ms, 0),
    engineCpuOverBudget: spent.totalMs === null ? null : round(spent.totalMs / budgetAt08Ms, 2),
    pipelineInMemoryMs,
    floorCpuMs: floorMs === null ? null : round(floorMs, 0),
    floorOverBudget: floorMs === null ? null : round(floorMs / budgetAt08Ms, 2),
  };
}

export async function runJetStream(opts: JetStreamOptions): Promise<Figures> {
  const cfg = defaultConfig();
  const plan = opts.plan;
  const n = plan.strategies;
  const stream = `BENCH_${n}`;
  const prefix = `bench${n}`;
  const events: MarketEvent[] = [...registrationSpan(cfg, plan)()];
  const splitSeq = events.length;
  for (const t of laterSpans(cfg, plan, splitSeq).ticks) events.push(t);
  const total = events.length;
  const out: Figures = { strategies: n, stream, messages: total, registrationMessages: splitSeq, tickMessages: total - splitSeq };

  // Publish once into a fresh stream.
  const pubConn = await connectNats({ servers: opts.url, name: 'bench-publisher' });
  const jsm = await jetstreamManager(pubConn);
  await ensureStream(jsm, { stream, subjectPrefix: prefix });
  const p0 = performance.now();
  // The wire messages once: published here, decoded again below for the decode timing.
  const messages = events.map((e) => toWireMessage(e, prefix, stream));
  const summary = await publishMessages(jetstream(pubConn), messages);
  const pubMs = performance.now() - p0;
  const info = await jsm.streams.info(stream);
  out.publish = {
    ...summary,
    ms: round(pubMs, 0),
    messagesPerSecond: round((summary.published / pubMs) * 1000, 0),
    streamBytes: info.state.bytes,
    lastSeq: info.state.last_seq,
  };
  if (summary.published !== total || info.state.last_seq !== total) throw new Error(`publish: ${JSON.stringify(out.publish)}, expected ${total} messages`);
  log(`[${n}] published ${total} messages in ${(pubMs / 1000).toFixed(1)} s`);

  // Compute ceiling: the same inputs pushed into the pipeline in memory, best of three passes (the
  // floor of the CPU account below is a lower bound: a first, colder pass overstated it; found by
  // an audit of the figures). The first pass also warms the JIT for the engine's run.
  let fastest: Figures | undefined;
  for (let pass = 0; pass < 3; pass++) {
    collectGarbage();
    const figures = await costed(total, async () => {
      const engine = pipelineEngine(cfg);
      const t0 = performance.now();
      for (let i = 0; i < splitSeq; i++) engine.push(events[i] as MarketEvent);
      const t1 = performance.now();
      for (let i = splitSeq; i < total; i++) engine.push(events[i] as MarketEvent);
      const t2 = performance.now();
      engine.close();
      return { ...rates(total, splitSeq, t0, t1, t2), outputs: engine.outputs() };
    });
    if (fastest === undefined || ((figures as Figures).ms as number) < (fastest.ms as number)) fastest = figures as Figures;
  }
  out.pipelineInMemory = { ...(fastest as Figures), passes: 3 };
  // The main thread also decodes every message (JSON.parse and validation, sources/decode.ts): timed
  // on the same messages as bytes, best of three passes. With the pipeline in memory it makes the
  // single-thread ceiling of the engine (NATS delivery and acks run on the consumer thread).
  const encoder = new TextEncoder();
  const wire = messages.map((m) => ({ subject: m.subject, data: encoder.encode(m.data) }));
  messages.length = 0;
  events.length = 0;
  const decodeOptions = { subjectPrefix: prefix, maxBytes: 65_536 };
  let decodeMs = Number.POSITIVE_INFINITY;
  let decoded = 0;
  for (let pass = 0; pass < 3; pass++) {
    decoded = 0;
    const t0 = performance.now();
    for (let i = 0; i < wire.length; i++) {
      const w = wire[i] as { subject: string; data: Uint8Array };
      if (decodeMessage(w.data, w.subject, i + 1, decodeOptions).kind !== 'rejection') decoded++;
    }
    decodeMs = Math.min(decodeMs, performance.now() - t0);
  }
  wire.length = 0;
  const inMemoryMs = (out.pipelineInMemory as Figures).ms as number;
  out.decodeInMemory = { messages: total, decoded, ms: round(decodeMs, 1), usPerMessage: round((decodeMs * 1000) / total, 2) };
  out.mainThreadCeiling = { ms: round(inMemoryMs + decodeMs, 1), messagesPerSecond: round((total / (inMemoryMs + decodeMs)) * 1000, 0) };
  collectGarbage();
  log(`[${n}] in-memory pipeline: ${JSON.stringify(out.pipelineInMemory)}; decode: ${JSON.stringify(out.decodeInMemory)}`);

  // (a) the engine over JetStream, acks after the SQLite commit.
  const dbDir = mkdtempSync(join(tmpdir(), 'tradestream-bench-db-'));
  try {
    const config = { ...cfg, logLevel: 'silent' as const, store: { ...cfg.store, db: join(dbDir, 'state.db'), decisionLog: '' } };
    const { result, profile } = await withProfile(opts.profileDir, `engine-${n}`, () =>
      costed(total, async () => {
        const source = await JetStreamSource.connect({ servers: opts.url, name: 'bench-engine' }, { stream, subjectPrefix: prefix, consumer: 'bench-engine' });
        // CPU by thread and the server's over the same window as the rates, from the first message to
        // the commit of the last (setting up SQLite and the consumer is not in it); the threads that
        // exist before the engine starts tell its consumer thread apart.
        const existedBefore = new Set(threadCpu()?.keys() ?? []);
        let cpu0: CpuReading | undefined;
        let cpuEnd: CpuReading | undefined;
        let first = 0;
        let split = 0;
        let commits = 0;
        let finish!: (end: number) => void;
        const finished = new Promise<number>((resolve) => {
          finish = resolve;
        });
        const engine = await startEngine(
          config,
          () =>
            source.events(0).pipe(
              tap(() => {
                if (first !== 0) return;
                cpu0 = readCpu(opts.serverPid);
                first = performance.now();
              }),
            ),
          pino({ level: 'silent' }),
          {
            consumer: 'bench-engine',
            serve: false,
            onCommitted: (seq) => {
              source.ack(seq);
              commits++;
              if (split === 0 && seq >= splitSeq) split = performance.now();
              if (seq >= total) {
                const end = performance.now();
                cpuEnd = readCpu(opts.serverPid);
                finish(end);
              }
            },
          },
        );
        const end = await finished;
        const cpuAccount = cpuSpent(cpu0 as CpuReading, cpuEnd as CpuReading, process.pid, existedBefore);
        const decisions = engine.decisions();
        await engine.stop();
        const ackFloor = await ackFloorReaching(total, async () => (await source.consumerInfo()).ack_floor.stream_seq);
        await source.close();
        return { ...rates(total, splitSeq, first, split, end), commits, decisions, ackFloor, cpuAccount };
      }),
    );
    out.engine = profile === undefined ? result : { ...result, profile };
  } finally {
    rmSync(dbDir, { recursive: true, force: true });
  }
  collectGarbage();
  log(`[${n}] engine: ${JSON.stringify({ ...(out.engine as Figures), profile: undefined })}`);

  // (b) bare consumers of the same stream, each with its own durable.
  const bare: Figures = {};
  for (const mode of ['timer100ms', 'every100', 'each', 'timer100msRetain'] as const) {
    collectGarbage();
    bare[mode] = await costed(total, () => bareConsumer(opts.url, stream, `bench-bare-${mode}`, mode, total, splitSeq, opts.serverPid));
    log(`[${n}] bare ${mode}: ${JSON.stringify(bare[mode])}`);
  }
  out.bare = bare;
  const rate = (f: unknown, path = 'messagesPerSecond') => (f as Figures)[path] as number;
  const engineRate = rate(out.engine);
  out.engineOverBare = {
    timer100ms: round(engineRate / rate(bare.timer100ms), 3),
    every100: round(engineRate / rate(bare.every100), 3),
    each: round(engineRate / rate(bare.each), 3),
    timer100msRetain: round(engineRate / rate(bare.timer100msRetain), 3),
  };
  const cpuPerMessage = (f: unknown) => ((f as Figures).cpu as Figures).cpuUsPerMessage as number;
  // The same ratio in CPU time (less sensitive to other load on the machine than wall time).
  out.engineOverBareByCpu = round(cpuPerMessage(bare.timer100ms) / cpuPerMessage(out.engine), 3);
  out.engineOverPipelineInMemory = round(engineRate / rate(out.pipelineInMemory), 3);
  out.mainThreadCeilingOverBare = round(rate(out.mainThreadCeiling) / rate(bare.timer100ms), 3);
  const tick = (f: unknown) => ((f as Figures).tickSpan as Figures).messagesPerSecond as number;
  out.tickSpanEngineOverBare = round(tick(out.engine) / tick(bare.timer100ms), 3);
  out.cpuBudget = cpuBudget(out.engine as Figures, bare.timer100ms as Figures, inMemoryMs);

  await jsm.streams.delete(stream);
  await pubConn.drain();
  return out;
}

// As a child process: `node --expose-gc dist/bench/jetstreamRun.js '<JetStreamOptions JSON>'` prints one JSON line.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const opts = JSON.parse(process.argv[2] ?? '{}') as JetStreamOptions;
  runJetStream(opts).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
