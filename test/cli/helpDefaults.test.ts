import { describe, expect, it } from 'vitest';
import { BACKTEST_HELP } from '../../src/cli/backtestCommand.js';
import { configFromFlags } from '../../src/cli/cliOptions.js';
import { DEMO_FEED_HELP } from '../../src/cli/demoFeedCommand.js';
import { INSPECT_HELP } from '../../src/cli/inspectCommand.js';
import { SHORT_KEYS } from '../../src/cli/loadConfig.js';
import { PUBLISH_HELP } from '../../src/cli/publishCommand.js';
import { REPLAY_HELP } from '../../src/cli/replayCommand.js';
import { RESET_BREAKER_HELP } from '../../src/cli/resetBreakerCommand.js';
import { RUN_HELP } from '../../src/cli/runCommand.js';

// Every "(default V)" a command's help prints for a configuration flag must be the configuration's
// own default: passing the flag with that value changes nothing. Found by a README walkthrough:
// `run --help` left out the defaults of --consumer and --log-level, and nothing kept the printed
// ones true.
const helps = {
  run: RUN_HELP,
  replay: REPLAY_HELP,
  publish: PUBLISH_HELP,
  'demo-feed': DEMO_FEED_HELP,
  inspect: INSPECT_HELP,
  backtest: BACKTEST_HELP,
  'reset-breaker': RESET_BREAKER_HELP,
};

/** [flag, printed default] for each help line of a configuration flag that prints one value. */
function printedDefaults(help: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of help.split('\n')) {
    const m = /^\s+--([a-z-]+)\b.*\(default ([^\s)]+)\)\s*$/.exec(line);
    if (m !== null && Object.hasOwn(SHORT_KEYS, m[1] as string)) out.push([m[1] as string, m[2] as string]);
  }
  return out;
}

describe('the defaults printed by --help', () => {
  it('include the run command’s consumer and log level', () => {
    expect(printedDefaults(RUN_HELP).map(([flag]) => flag)).toEqual(expect.arrayContaining(['consumer', 'log-level', 'port', 'db', 'stream']));
  });

  it.each(Object.entries(helps))('are the configuration defaults in `%s --help`', (_command, help) => {
    const base = configFromFlags({});
    for (const [flag, value] of printedDefaults(help)) expect({ flag, config: configFromFlags({ [flag]: value }) }).toEqual({ flag, config: base });
  });
});
