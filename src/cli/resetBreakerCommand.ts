import { stableId } from '../domain/stableId.js';
import { validateControl } from '../sources/decode.js';
import { configFromFlags, parseCommand, UsageError } from './cliOptions.js';
import { publishToStream } from './publishCommand.js';

export const RESET_BREAKER_HELP = `Usage: tradestream reset-breaker --operator NAME --reason TEXT [options]

Ends a HALTED drawdown breaker before its cooldown (sizing.haltCooldown), or re-bases a running one:
publishes an operator's command to the input stream (subject <prefix>.control.breaker-reset), where
the engine applies it in order with the other inputs, so a replay applies it at the same place. The
breaker is NORMAL at full size with its high-water mark re-based to the equity at that point; every
size is emitted again and positions follow on their symbols' next prices.

  --operator NAME     who resets it (recorded in the decision)
  --reason TEXT       why (recorded in the decision)
  --nats-url URL      NATS server (default nats://127.0.0.1:4222); --stream NAME, --config FILE, --set K=V

The command is stamped with this machine's clock; it dates the decision's reason, and the engine
applies it at its market clock.`;

/** `tradestream reset-breaker`: one control message into the input stream. */
export async function resetBreakerCommand(args: string[]): Promise<number> {
  const { values } = parseCommand(args, { operator: { type: 'string' }, reason: { type: 'string' } });
  if (values.help === true) {
    console.log(RESET_BREAKER_HELP);
    return 0;
  }
  // The operator's clock only dates the command: the engine acts at its market clock.
  const body = { ts: new Date().toISOString(), operator: values.operator, reason: values.reason };
  const checked = validateControl(body, 0);
  if (checked.kind === 'rejection') throw new UsageError(`reset-breaker: --${checked.field ?? 'operator'}: ${checked.reason}\n\n${RESET_BREAKER_HELP}`);
  const data = JSON.stringify(body);
  const subject = `${configFromFlags(values).nats.subjectPrefix}.control.breaker-reset`;
  return publishToStream(values, [{ subject, data, msgId: `control:breaker-reset:${stableId(data)}` }], 'reset-breaker');
}
