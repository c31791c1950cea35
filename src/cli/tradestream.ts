#!/usr/bin/env node
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { EngineConfig } from '../../config/engine.js';
import { startEngine } from '../main.js';
import { demoFeed } from '../sources/demo/demoFeed.js';
import { ConfigError, loadConfig, SHORT_KEYS } from './loadConfig.js';

/** Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration. */
class UsageError extends Error {}

const RUN_HELP = `Usage: tradestream run [options]

Runs the engine: inputs from the demo feed or JetStream, decisions to SQLite and WebSocket.

Options (each also settable in the config file and as TRADESTREAM_<KEY>, e.g. TRADESTREAM_PORT):
  --config FILE           JSON config file (keys of config/engine.ts)
  --source demo|jetstream input source (default demo)
  --db FILE               SQLite state file (default ./data/tradestream.db)
  --host H                HTTP/WebSocket bind address (default 127.0.0.1)
  --port P                HTTP/WebSocket port; 0 picks a free one (default 8080)
  --token T               require this bearer token on WebSocket upgrades
  --nats-url URL          NATS server URL(s) (default nats://127.0.0.1:4222)
  --consumer NAME         durable JetStream consumer name
  --seed N                demo feed seed (default 42)
  --speed realtime|max    demo pacing (default realtime)
  --strategies N          demo strategies (default 2000)
  --candles N             demo candles per symbol, 0 = forever (default 0)
  --decision-log FILE     also write the canonical decision log to FILE
  --log-level LEVEL       trace|debug|info|warn|error|silent
  --set KEY=VALUE         any config key by dotted path, e.g. --set sizing.method=kelly
  -h, --help              this help`;

const HELP = `Usage: tradestream <command> [options]

Commands:
  run        run the engine (demo feed or JetStream)

Run 'tradestream <command> --help' for the options of a command.`;

function configFrom(values: Record<string, string | boolean | string[] | undefined>): EngineConfig {
  const overrides: Record<string, unknown> = {};
  for (const [flag, path] of Object.entries(SHORT_KEYS)) {
    const value = values[flag];
    if (typeof value === 'string') overrides[path] = value;
  }
  for (const pair of (values.set as string[] | undefined) ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--set expects KEY=VALUE (was "${pair}")`);
    overrides[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return loadConfig({ file: values.config as string | undefined, env: process.env, overrides });
}

async function run(args: string[]): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    config: { type: 'string' },
    set: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  };
  for (const key of Object.keys(SHORT_KEYS)) options[key] = { type: 'string' };
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | string[] | undefined> };
  if (values.help === true) {
    console.log(RUN_HELP);
    return 0;
  }
  const config = configFrom(values);
  const log = pino({ level: config.logLevel, base: { service: 'tradestream' } });
  if (config.source !== 'demo') throw new UsageError(`--source ${config.source} is not available in this build (use demo)`);
  mkdirSync(dirname(config.store.db), { recursive: true });
  const source = demoFeed(config.demo, config.evaluation.interval);
  const engine = await startEngine(config, source, log);
  const http = engine.url.replace(/^ws/, 'http').replace(/\/ws$/, '');
  log.info({ url: engine.url, port: engine.port, db: config.store.db, seed: config.demo.seed, speed: config.demo.speed }, `TradeStream running: WebSocket ${engine.url}, health ${http}/healthz, state ${config.store.db}`);
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down: flushing state');
    engine.stop().then(
      () => log.info({ decisions: engine.decisions(), fingerprint: engine.fingerprint() }, 'stopped'),
      (error: unknown) => log.error({ err: error }, 'shutdown failed'),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await engine.done;
  return 0;
}

/** Entry point: dispatches the command and maps failures to exit codes. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await run(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(`tradestream: ${error.message}`);
      return 2;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`tradestream: ${error.message}`);
      return 2;
    }
    console.error(`tradestream: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
