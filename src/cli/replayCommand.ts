import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { startEngine } from '../main.js';
import { EngineMetrics } from '../sinks/metrics.js';
import { ReplayReport } from '../sinks/replayReport.js';
import { JetStreamSource, JetStreamSourceError } from '../sources/jetstreamSource.js';
import { configFromFlags, integerFlag, parseCommand, timeFlag, UsageError } from './cliOptions.js';
import { defaultConfig } from './loadConfig.js';
import { jetStreamOptions, natsConnectOptions } from './natsOptions.js';

export const REPLAY_HELP = `Usage: tradestream replay (--since TIME | --from-seq N) [--until TIME] --db FILE [options]

Reads the input stream from a start time or sequence through the same pipeline as the live engine,
as fast as it can, into its own new SQLite file, and prints a report: decisions, trades, PnL, max
drawdown, Sharpe and the decision-log hash (equal inputs give an equal hash).

  --since TIME        start at the first price (candle or tick) stamped at or after TIME (ISO 8601 with
                      a zone, or epoch ms); earlier messages are skipped
  --from-seq N        first stream sequence to read
  --until TIME        stop before the first price (candle or tick) stamped after TIME; discoveries
                      on the way are kept whatever their discoveredAt
  --db FILE           SQLite file for the replay's state (must not exist yet; also TRADESTREAM_DB or
                      store.db in --config, but never the engine's default ./data/tradestream.db)
  --decision-log FILE also write the decision log to FILE (must not exist yet)
  --symbols SYM,...   replay as the engine that owns these symbols (shard by symbol; default every symbol)
  --nats-url URL      NATS server (default nats://127.0.0.1:4222); --stream NAME, --config FILE, --set K=V
  --json              print the report as one JSON object`;

/** `tradestream replay`: a deterministic backtest over the stream. */
export async function replayCommand(args: string[]): Promise<number> {
  const { values } = parseCommand(args, { since: { type: 'string' }, until: { type: 'string' }, 'from-seq': { type: 'string' }, json: { type: 'boolean' } });
  if (values.help === true) {
    console.log(REPLAY_HELP);
    return 0;
  }
  const since = timeFlag('since', values.since as string | undefined);
  const until = timeFlag('until', values.until as string | undefined);
  if (since !== undefined && until !== undefined && since > until) {
    throw new UsageError(`--since ${values.since as string} is after --until ${values.until as string}: the window would be empty`);
  }
  const fromSeq = integerFlag('from-seq', values['from-seq'] as string | undefined);
  if ((since === undefined) === (fromSeq === undefined)) throw new UsageError('replay needs exactly one of --since TIME or --from-seq N');
  const config = configFromFlags(values);
  // --db, TRADESTREAM_DB or store.db of a config file; never the default, which is the engine's file.
  const db = config.store.db;
  if (db === defaultConfig().store.db) {
    throw new UsageError(`replay needs a new file for its state: --db FILE, TRADESTREAM_DB or store.db in --config (not the engine's default ${db})`);
  }
  if (existsSync(db)) throw new UsageError(`--db ${db} already exists: a replay writes into a new file`);
  // The config file of a running engine names its decision log: a replay must not truncate it.
  if (config.store.decisionLog !== '' && existsSync(config.store.decisionLog)) {
    throw new UsageError(
      `store.decisionLog ${config.store.decisionLog} already exists: a replay writes its decision log into a new file (--decision-log FILE for another, --decision-log '' for none)`,
    );
  }
  // The report is replay's stdout (`--json`: one object); its log lines go to stderr.
  const log = pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, base: { service: 'tradestream-replay' } }, pino.destination(2));
  const report = new ReplayReport(config.capital, config.evaluation.interval, config.evaluation.periodsPerYear);
  const source = await JetStreamSource.connect(natsConnectOptions(config), jetStreamOptions(config), log);
  // The engine's own count of the inputs it passed over (another engine's symbols): it sorts them out once.
  const metrics = new EngineMetrics();
  try {
    // Before the store creates the file: a missing stream left a new, empty --db behind, and a
    // retry was refused as "already exists".
    await (await source.manager()).streams.info(config.nats.stream).catch((error: unknown) => {
      throw new JetStreamSourceError(`cannot replay ${config.nats.stream}: ${(error as Error).message}`, { cause: error });
    });
    const events = source.replayEvents({
      ...(fromSeq !== undefined ? { fromSeq } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      maxTimeJump: config.evaluation.maxTimeJump,
    });
    // Its inputs are the stream's, whatever `source` the configuration names (demo by default): the
    // file's identity says so, with the stream (it recorded source demo and no stream; found by a hunt).
    const replayed = { ...config, source: 'jetstream' as const };
    const engine = await startEngine(replayed, () => events, log, { serve: false, onBatch: (batch) => report.observe(batch), consumer: 'replay', metrics });
    await engine.done;
    report.passedOver(metrics.inputCount('unowned'));
    const figures = { ...report.figures(), fingerprint: engine.fingerprint(), db: config.store.db };
    if (values.json === true) console.log(JSON.stringify(figures));
    else printReport(figures);
    return 0;
  } finally {
    metrics.close();
    await source.close();
  }
}

function printReport(f: ReturnType<ReplayReport['figures']> & { fingerprint: string; db: string }): void {
  const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());
  const lines = [
    [
      'inputs',
      `${f.inputs} (seq ${f.firstSeq ?? '-'}..${f.lastSeq ?? '-'}, ${iso(f.from)} .. ${iso(f.until)})${f.unowned > 0 ? `; ${f.unowned} of other engines' symbols passed over` : ''}`,
    ],
    [
      'decisions',
      `${f.decisions}  ${Object.entries(f.decisionsByKind)
        .map(([k, n]) => `${k}=${n}`)
        .join(' ')}`,
    ],
    ['trades', String(f.trades)],
    ['rejections', String(f.rejections)],
    ['equity', `${f.startEquity.toFixed(2)} → ${f.endEquity.toFixed(2)}`],
    ['pnl', f.pnl.toFixed(2)],
    ['max drawdown', `${(f.maxDrawdown * 100).toFixed(3)}%`],
    ['sharpe', f.sharpe.toFixed(3)],
    ['decision log', `sha256 ${f.fingerprint}`],
    ['state', f.db],
  ];
  for (const [k, v] of lines) console.log(`${(k as string).padEnd(13)} ${v}`);
}
