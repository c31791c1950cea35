import { parseArgs } from 'node:util';
import type { EngineConfig } from '../../config/engine.js';
import { parseTimestamp } from '../sources/schemas.js';
import { loadConfig, SHORT_KEYS } from './loadConfig.js';

/** Bad usage: exit code 2 with the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

/**
 * Parses a command's flags: the config flags every command shares (`--config`, `--set`, the short
 * keys such as `--db` or `--nats-url`) plus the command's own. Unknown flags are a UsageError.
 */
export function parseCommand(args: string[], own: Record<string, OptionSpec> = {}, allowPositionals = false) {
  const options: Record<string, OptionSpec> = {
    config: { type: 'string' },
    set: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
    ...own,
  };
  for (const key of Object.keys(SHORT_KEYS)) options[key] ??= { type: 'string' };
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals }) as {
    values: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
  };
  return { values, positionals };
}

/** The configuration from defaults < `--config` file < TRADESTREAM_* env < flags. */
export function configFromFlags(values: Record<string, string | boolean | string[] | undefined>): EngineConfig {
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

/**
 * An ISO 8601 time with a zone or epoch milliseconds from a flag, read as event times are
 * (parseTimestamp), or a UsageError naming the flag and value. Date.parse took "March 7" and read
 * a time without a zone in the machine's local zone.
 */
export function timeFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseTimestamp(/^\d+$/.test(value) ? Number(value) : value);
  if (ms === null) throw new UsageError(`--${name} "${value}" is not an ISO 8601 time with a zone (e.g. 2026-11-01T00:00:00Z) or epoch milliseconds`);
  return ms;
}

/** A positive integer from a flag, or a UsageError. */
export function integerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} "${value}" is not a positive integer`);
  return Number(value);
}
