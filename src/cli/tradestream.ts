#!/usr/bin/env -S node --single-threaded-gc --max-semi-space-size=64
import { ListenError } from '../sinks/liveServer.js';
import { StateLockError } from '../sinks/stateLock.js';
import { StateFileOpenError, StateStoreError } from '../sinks/stateStore.js';
import { NatsConnectError } from '../sources/jetstreamConnection.js';
import { JetStreamSourceError } from '../sources/jetstreamSource.js';
import { StreamSetupError } from '../sources/jetstreamStream.js';
import { backtestCommand } from './backtestCommand.js';
import { UsageError } from './cliOptions.js';
import { demoFeedCommand } from './demoFeedCommand.js';
import { inspectCommand } from './inspectCommand.js';
import { ConfigError } from './loadConfig.js';
import { publishCommand } from './publishCommand.js';
import { replayCommand } from './replayCommand.js';
import { resetBreakerCommand } from './resetBreakerCommand.js';
import { runCommand } from './runCommand.js';

const HELP = `Usage: tradestream <command> [options]

Commands:
  run            run the engine (demo feed or JetStream), serving WebSocket, dashboard and metrics
  publish        load strategies or prices from a file into the input stream
  replay         run a stretch of the input stream through the pipeline into a new database, with a report
  inspect        print the positions, sizes, ensembles and portfolio of a database
  demo-feed      write the seeded demo feed into the input stream or a file
  backtest       run one strategy over a candle file (trades and summary as JSON lines)
  reset-breaker  end a HALTED drawdown breaker (an operator's command through the input stream)

Run 'tradestream <command> --help' for the options of a command.
Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  run: runCommand,
  publish: publishCommand,
  replay: replayCommand,
  inspect: inspectCommand,
  'demo-feed': demoFeedCommand,
  backtest: (args) => backtestCommand(args),
  'reset-breaker': resetBreakerCommand,
};

/** Entry point: dispatches the command and maps failures to exit codes. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || command === '-h' || command === '--help') {
      console.log(HELP);
      return command === undefined ? 2 : 0;
    }
    const handler = COMMANDS[command];
    if (handler === undefined) throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    return await handler(rest);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(`tradestream: ${error.message}`);
      return 2;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`tradestream: ${error.message}`);
      return 2;
    }
    if (error instanceof StateFileOpenError) {
      console.error(`tradestream: ${error.message} (--db)`);
      return 2;
    }
    // Failures of the machine's state or of the NATS server, not of the code: one line, no stack.
    if (error instanceof StateLockError || error instanceof StateStoreError || error instanceof ListenError || error instanceof NatsConnectError) {
      console.error(`tradestream: ${error.message}`);
      return 1;
    }
    if (error instanceof StreamSetupError || error instanceof JetStreamSourceError) {
      console.error(`tradestream: ${withCauses(error)}`);
      return 1;
    }
    console.error(`tradestream: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

/** An error's message and those of its causes it does not already quote, on one line (the server's reason is often only in a cause). */
function withCauses(error: Error): string {
  let text = error.message;
  let cause = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++, cause = cause.cause) if (!text.includes(cause.message)) text += `: ${cause.message}`;
  return text.replaceAll('\n', ' ');
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
