import { parseArgs } from 'node:util';
import { stableId } from '../domain/stableId.js';
import { validateControl } from '../sources/decode.js';
import { configFromFlags, UsageError } from './cliOptions.js';
import { publishToStream } from './publishCommand.js';

export const RESET_BREAKER_HELP = `Usage: tradestream reset-breaker --operator NAME --reason TEXT [options]

Ends a HALTED drawdown breaker before its cooldown (sizing.haltCooldown), or re-bases a running one:
publishes an operator's command to the input stream (subject <prefix>.control.breaker-reset), where
the engine applies it in order with the other inputs, so a replay applies it at the same place. The
breaker is NORMAL at full size with its high-water mark re-based to the equity at that point; every
size is emitted again and positions follow on their symbols' next prices. The stream must exist and
capture <prefix>.control.> (the engine adds it); its settings are left as they are.

  --operator NAME     who resets it (recorded in the decision)
  --reason TEXT       why (recorded in the decision)
  --symbols SYM,...   where engines share the symbols between them (evaluation.symbols): only
                      the engines that own any of these reset theirs (default: every engine)
  --nats-url URL      NATS server (default nats://127.0.0.1:4222)
  --stream NAME       input stream (default TRADESTREAM); --config FILE, --set KEY=VALUE (nats.*)

The command is stamped with this machine's clock; it dates the decision's reason, and the engine
applies it at its market clock.`;

/** `tradestream reset-breaker`: one control message into the input stream. */
export async function resetBreakerCommand(args: string[]): Promise<number> {
  // Its own options only: an engine's --db or --seed here would suggest a reset of one engine's
  // file, while it goes to every engine that reads the stream.
  const { values } = parseArgs({
    args,
    options: {
      operator: { type: 'string' },
      reason: { type: 'string' },
      symbols: { type: 'string' },
      'nats-url': { type: 'string' },
      stream: { type: 'string' },
      config: { type: 'string' },
      set: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) {
    console.log(RESET_BREAKER_HELP);
    return 0;
  }
  // The operator's clock only dates the command: the engine acts at its market clock.
  const symbols = values.symbols === undefined ? undefined : values.symbols.split(',').map((s) => s.trim());
  const body = { ts: new Date().toISOString(), operator: values.operator, reason: values.reason, ...(symbols === undefined ? {} : { symbols }) };
  const checked = validateControl(body, 0);
  if (checked.kind === 'rejection') throw new UsageError(`reset-breaker: --${checked.field ?? 'operator'}: ${checked.reason}\n\n${RESET_BREAKER_HELP}`);
  const flags = { 'nats-url': values['nats-url'], stream: values.stream, config: values.config, set: values.set };
  const data = JSON.stringify(body);
  const subject = `${configFromFlags(flags).nats.subjectPrefix}.control.breaker-reset`;
  // The stream must exist and capture the control subjects; nothing of it is changed (an operator's
  // reset without the engine's settings once rewrote the stream's limits, and a short nats.maxAge
  // purged its history).
  const message = { subject, data, msgId: `control:breaker-reset:${stableId(data)}` };
  return publishToStream(flags, [message], 'reset-breaker', { families: ['control'], create: false });
}
