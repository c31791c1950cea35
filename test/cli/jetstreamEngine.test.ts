import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import { DecisionLog } from '../../src/sinks/decisionLog.js';
import { peekStateIdentity } from '../../src/sinks/stateIdentity.js';
import { demoEvents } from '../../src/sources/demo/demoFeed.js';
import { DEMO_PAIRS } from '../../src/sources/demo/pairs.js';
import { tradingPipeline } from '../../src/streams/tradingPipeline.js';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';
import { jetstreamRunArgs, publishDemoFeed, readDb, runCli, spawnEngine, waitForCommitted } from './engineProcess.js';

const DEMO = ['--seed', '5', '--strategies', '150', '--candles', '40'];

/** The same demo data run in-process (by an engine that owns `symbols`, all by default): its decision-log fingerprint and final positions. */
async function inProcess(symbols = '') {
  const base = defaultConfig();
  const config = {
    ...base,
    evaluation: { ...base.evaluation, symbols },
    demo: { ...base.demo, seed: 5, strategies: 150, candles: 40, speed: 'max' as const },
  };
  const batches = await lastValueFrom(from([...demoEvents(config.demo, config.evaluation.interval)]).pipe(tradingPipeline(config), toArray()));
  const log = new DecisionLog();
  let strategyDecisions = 0;
  for (const b of batches) {
    for (const o of b.outputs) {
      if (o.kind !== 'decision') continue;
      log.append(o);
      if (o.decision.startsWith('strategy.')) strategyDecisions++;
    }
  }
  return { fingerprint: log.fingerprint(), lastSeq: batches.at(-1)?.seq ?? 0, decisions: log.count(), strategyDecisions };
}

function dbState(file: string) {
  return readDb(file, (db) => ({
    positions: db.prepare('select position_id, symbol, quantity, entry_price, status, pnl from trading_positions order by position_id').all(),
    portfolio: db.prepare('select cash, equity, high_water_mark, state from portfolio').get(),
    decisions: (db.prepare('select count(*) n from decisions').get() as { n: number }).n,
  }));
}

describe('the engine on JetStream', () => {
  let nats: NatsServerHandle;
  let dir: string;
  let expected: Awaited<ReturnType<typeof inProcess>>;

  beforeAll(async () => {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'ts-js-'));
    publishDemoFeed(nats.url, DEMO);
    expected = await inProcess();
  }, 120_000);

  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('consumes the published stream into SQLite with the same decisions as an in-process run, and replays to the same hash', async () => {
    const db = join(dir, 'live.db');
    const logFile = join(dir, 'live.decisions');
    const engine = spawnEngine(jetstreamRunArgs(nats.url, db, '--decision-log', logFile));
    await engine.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start');
    await waitForCommitted(db, expected.lastSeq);
    engine.child.kill('SIGTERM');
    const stopped = await engine.waitForLog((l) => l.msg === 'stopped', 'stop');
    expect(await engine.exited).toBe(0);
    expect(stopped.fingerprint).toBe(expected.fingerprint);
    expect(dbState(db).decisions).toBe(expected.decisions);
    expect(readFileSync(logFile, 'utf8').split('\n').filter(Boolean)).toHaveLength(expected.decisions);

    // At log level debug the engine logs as it replays: those lines go to stderr, and stdout holds
    // the one JSON object `--json` promises (log lines used to share stdout).
    const replays = [1, 2].map((n) =>
      runCli(['replay', '--from-seq', '1', '--db', join(dir, `replay${n}.db`), '--nats-url', nats.url, '--json', '--set', 'logLevel=debug']),
    );
    for (const r of replays) {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(r.stdout).fingerprint).toBe(expected.fingerprint);
      expect(r.stderr).toContain('"level":30');
    }
    expect(dbState(join(dir, 'replay1.db')).positions).toEqual(dbState(db).positions);
    // The replay's file says where its inputs came from: the stream, not the configuration's default demo source.
    expect(peekStateIdentity(join(dir, 'replay1.db'))).toMatchObject({ source: 'jetstream', stream: defaultConfig().nats.stream, consumer: 'replay' });
  }, 180_000);

  // DESIGN.md, Scale: engines shard the symbols between them, each with its own consumer and file.
  it('runs two engines that share the symbols between them, each deciding as an in-process engine with its symbols, and replays each', async () => {
    const halves = [DEMO_PAIRS.slice(0, 8), DEMO_PAIRS.slice(8)].map((pairs) => pairs.map((p) => p.symbol).join(','));
    const shards = halves.map((symbols, i) => {
      const db = join(dir, `shard${i}.db`);
      const engine = spawnEngine(jetstreamRunArgs(nats.url, db, '--consumer', `shard-${i}`, '--symbols', symbols));
      return { symbols, db, engine };
    });
    for (const { engine } of shards) await engine.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start');
    const strategies: number[] = [];
    for (const { symbols, db, engine } of shards) {
      const want = await inProcess(symbols);
      expect(want.decisions).toBeGreaterThan(100);
      strategies.push(want.strategyDecisions);
      // Each commits the whole stream: the last message may be the other shard's.
      await waitForCommitted(db, expected.lastSeq, 90_000);
      engine.child.kill('SIGTERM');
      const stopped = await engine.waitForLog((l) => l.msg === 'stopped', 'stop');
      expect(await engine.exited).toBe(0);
      expect(stopped.fingerprint).toBe(want.fingerprint);
      const owned = readDb(db, (d) => d.prepare('select distinct symbol from trading_positions').pluck().all() as string[]);
      expect(owned.length).toBeGreaterThan(0);
      for (const symbol of owned) expect(symbols.split(',')).toContain(symbol);

      const replay = runCli(['replay', '--from-seq', '1', '--db', join(dir, `${basename(db)}.replay`), '--nats-url', nats.url, '--json', '--symbols', symbols]);
      expect(replay.status, replay.stderr).toBe(0);
      const report = JSON.parse(replay.stdout);
      expect(report.fingerprint).toBe(want.fingerprint);
      // Its inputs are its own symbols'; the other engine's are passed over and counted apart.
      expect(report.unowned).toBeGreaterThan(1_000);
      expect(report.inputs + report.unowned).toBe(expected.lastSeq);
    }
    // Every discovery is decided once, by the shard that owns its symbol.
    expect(strategies.reduce((a, b) => a + b, 0)).toBe(expected.strategyDecisions);
  }, 240_000);

  it('reconnects by itself when the nats-server restarts mid-run and ends in the same state', async () => {
    const db = join(dir, 'restart.db');
    const engine = spawnEngine(jetstreamRunArgs(nats.url, db, '--consumer', 'restart-test'));
    await engine.waitForLog((l) => String(l.msg).startsWith('TradeStream running'), 'start');
    await nats.restart();
    try {
      await waitForCommitted(db, expected.lastSeq, 90_000);
    } catch (error) {
      // Seen once in a CI run on a loaded machine (nothing committed in 90 s), not reproduced since:
      // the engine's own log says where it stood.
      throw new Error(
        `${(error as Error).message}; engine log: ${JSON.stringify(engine.lines.slice(-12).map((l) => l.msg))}; stderr: ${engine.stderr.join('').slice(-1500)}`,
      );
    }
    engine.child.kill('SIGTERM');
    const stopped = await engine.waitForLog((l) => l.msg === 'stopped', 'stop');
    expect(await engine.exited).toBe(0);
    expect(stopped.fingerprint).toBe(expected.fingerprint);
  }, 180_000);
});
