import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Logger, pino } from 'pino';
import { concat, defer, takeWhile } from 'rxjs';
import { startEngine } from '../main.js';
import { EngineMetrics } from '../sinks/metrics.js';
import { DecisionPublisher } from '../sinks/natsPublisher.js';
import { peekStateIdentity } from '../sinks/stateIdentity.js';
import { acquireStateLock } from '../sinks/stateLock.js';
import { demoFeed } from '../sources/demo/demoFeed.js';
import { JetStreamSource } from '../sources/jetstreamSource.js';
import { ensureStream } from '../sources/jetstreamStream.js';
import { configFromFlags, parseCommand, UsageError } from './cliOptions.js';
import { jetStreamOptions, natsConnectOptions } from './natsOptions.js';

export const RUN_HELP = `Usage: tradestream run [options]

Runs the engine: inputs from the demo feed or JetStream, decisions to SQLite, WebSocket and NATS.

Options (each also settable in the config file and as TRADESTREAM_<KEY>, e.g. TRADESTREAM_PORT):
  --config FILE           JSON config file (keys of config/engine.ts)
  --source demo|jetstream input source (default demo)
  --db FILE               SQLite state file (default ./data/tradestream.db)
  --host H                HTTP/WebSocket bind address (default 127.0.0.1)
  --port P                HTTP/WebSocket port; 0 picks a free one (default 8080)
  --token T               require this bearer token on WebSocket upgrades
  --nats-url URL          NATS server URL(s) (default nats://127.0.0.1:4222)
  --consumer NAME         durable JetStream consumer name (default tradestream-engine)
  --stream NAME           JetStream stream of inputs (default TRADESTREAM)
  --seed N                demo feed seed (default 42)
  --speed realtime|max    demo pacing (default realtime)
  --strategies N          demo strategies (default 2000)
  --candles N             demo candles per symbol, 0 = forever (default 0)
  --capital USD           starting equity (default 100000)
  --symbols SYM,...       own these symbols only (shard by symbol; default every symbol)
  --decision-log FILE     also write the canonical decision log to FILE
  --log-level LEVEL       trace|debug|info|warn|error|silent (default info)
  --set KEY=VALUE         any config key by dotted path, e.g. --set sizing.method=kelly
  -h, --help              this help

With --source jetstream the engine resumes after the last input committed to --db: it first
replays the stream up to that input to rebuild its state exactly, then consumes live.`;

/**
 * The demo feed starts again at seq 1 and cannot resume, so a demo run starts from an empty
 * state: a file left by an earlier run (with its WAL files) is moved aside to `<db>.previous`,
 * and its decision log file, when one is configured, to `<file>.previous`.
 */
function setAsidePreviousRun(db: string, decisionLog: string, log: Logger): void {
  // `npm start` and `run --source jetstream` share the default file: two demo starts moved a
  // JetStream engine's state aside, then deleted it (found by a hunt).
  const held = peekStateIdentity(db);
  if (held?.source === 'jetstream') {
    const holder = `stream ${String(held.stream)}, consumer ${String(held.consumer)}`;
    throw new UsageError(`--db ${db} holds the state of a JetStream engine (${holder}): a demo run would move it aside; choose another --db`);
  }
  if (decisionLog !== '' && existsSync(decisionLog)) renameSync(decisionLog, `${decisionLog}.previous`);
  if (!existsSync(db)) return;
  // The older run's files go first: its WAL left beside the newer `.previous` was applied to it by
  // SQLite and made it unreadable (found by a bug hunt: "database disk image is malformed").
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}.previous${suffix}`, { force: true });
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(db + suffix)) renameSync(db + suffix, `${db}.previous${suffix}`);
  log.info({ db, previous: `${db}.previous` }, `demo feed starts from seq 1: the earlier run's state was moved to ${db}.previous`);
}

/** `tradestream run`: the long-running engine. Resolves with the exit code when it stops. */
export async function runCommand(args: string[]): Promise<number> {
  const { values } = parseCommand(args);
  if (values.help === true) {
    console.log(RUN_HELP);
    return 0;
  }
  const config = configFromFlags(values);
  const log = pino({ level: config.logLevel, base: { service: 'tradestream' } });
  try {
    mkdirSync(dirname(config.store.db), { recursive: true });
  } catch (error) {
    throw new UsageError(`--db ${config.store.db}: cannot create its directory (${(error as Error).message})`);
  }
  // Before anything touches the file: a second engine on it is refused (a demo start used to move
  // the running engine's file aside).
  const releaseLock = acquireStateLock(config.store.db);
  process.once('exit', releaseLock);

  // A signal before the engine is up (connecting, opening the file) stops it as soon as it is: the
  // handlers used to come after the start, and such a signal ended the process by itself (exit
  // 143, found by the crash hunt), not the clean exit 0 the README promises.
  let signalled: string | null = null;
  let stop = (signal: string): void => {
    signalled = signal;
  };
  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);

  let release = async (): Promise<void> => undefined;
  // Whatever ends the run (a signal, a failed source or pipeline, a failed start), the NATS
  // connection and the lock go: a failed source used to leave the process hanging on its open
  // connection, and the error reaches the CLI's one-line report.
  try {
    let engine: Awaited<ReturnType<typeof startEngine>>;
    if (config.source === 'demo') {
      setAsidePreviousRun(config.store.db, config.store.decisionLog, log);
      engine = await startEngine(config, () => demoFeed(config.demo, config.evaluation.interval), log);
    } else {
      const consumer = config.nats.consumer;
      const metrics = new EngineMetrics();
      const source = await JetStreamSource.connect(
        natsConnectOptions(config),
        // The stream is ensured once, below (its creation time is part of the file's identity).
        {
          ...jetStreamOptions(config),
          ensureStream: false,
          onDeadLetter: (rejection) => metrics.observeDeadLetter(rejection.source, rejection.code),
          onOwnerless: (symbols) => metrics.observeOwnerlessSymbols(symbols.length),
        },
        log,
      );
      const publisher = new DecisionPublisher(source.nc, { subjectPrefix: config.nats.subjectPrefix });
      // Set before anything else can fail, so that the finally below closes the connection.
      let released: Promise<void> | null = null;
      release = () => {
        released ??= (async () => {
          // Its flush fails while the server is away (a restart): decisions are published at most once.
          await publisher.close().catch((error: unknown) => log.warn({ err: error }, 'decision publisher not flushed'));
          await source.close();
          metrics.close();
        })();
        return released;
      };
      // The stream as it is now: its creation time is part of the state file's identity, so a file
      // written from a deleted stream is refused against its successor, whose sequence numbers
      // start again at 1 (found by a bug hunt: the engine replayed the new stream's first inputs as
      // its history and never applied them).
      const stream = await ensureStream(await source.manager(), jetStreamOptions(config));
      // Resume after the last input committed to the file: replay 1..lastSeq to rebuild state, then live.
      const resume = (lastSeq: number, replayed: () => void) => {
        if (lastSeq === 0) return source.events(0);
        log.info({ db: config.store.db, consumer, lastSeq }, `resuming after seq ${lastSeq}: replaying ${config.nats.stream} 1..${lastSeq} to rebuild state`);
        const live = defer(() => {
          // The replay is over (even if message lastSeq itself is gone from the stream): the state is whole.
          replayed();
          return source.events(lastSeq);
        });
        return concat(source.replayEvents({ fromSeq: 1 }).pipe(takeWhile((input) => input.seq <= lastSeq)), live);
      };
      // Fault injection for the crash tests only: die right after the N-th commit, before its acks.
      const killAfter = Number(process.env.TS_FAULT_KILL_AFTER_COMMITS ?? 0);
      let commits = 0;
      engine = await startEngine(config, resume, log, {
        consumer,
        identity: { 'stream.created': stream.created },
        inputEnd: stream.state.last_seq,
        metrics,
        onCommitted: (seq) => {
          if (killAfter > 0 && ++commits >= killAfter) process.kill(process.pid, 'SIGKILL');
          source.ack(seq);
        },
        onBatch: (batch) => publisher.publish(batch),
      });
    }
    const http = engine.url.replace(/^ws/, 'http').replace(/\/ws$/, '');
    log.info(
      { url: engine.url, port: engine.port, db: config.store.db, source: config.source },
      `TradeStream running: WebSocket ${engine.url}, dashboard ${http}/, metrics ${http}/metrics, state ${config.store.db}`,
    );
    stop = (signal: string) => {
      log.info({ signal }, 'shutting down: flushing state');
      // The engine first (its last flush acks what it committed), then the source.
      engine
        .stop()
        .then(release)
        .then(
          () => log.info({ decisions: engine.decisions(), fingerprint: engine.fingerprint() }, 'stopped'),
          (error: unknown) => log.error({ err: error }, 'shutdown failed'),
        );
    };
    if (signalled !== null) stop(signalled);
    await engine.done;
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
    await release();
    releaseLock();
  }
  return 0;
}
