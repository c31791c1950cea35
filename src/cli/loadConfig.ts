import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import { EngineConfig } from '../../config/engine.js';
import { isDecimal } from '../sources/csv.js';
import { parseTimestamp } from '../sources/schemas.js';
import { type SchemaNode, schemaAt } from './configSchema.js';

/** A configuration that failed validation; `problems` lists every bad key at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Where configuration comes from, lowest precedence first: defaults < file < env < flags. */
export interface ConfigSources {
  /** Path of a JSON config file, or undefined. */
  readonly file?: string | undefined;
  /** Usually process.env; only TRADESTREAM_* keys are read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Dotted config paths to raw values, e.g. { 'server.port': '0' } (from command-line flags). */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

/**
 * Short names shared by command-line flags and environment variables (`--nats-url`,
 * `TRADESTREAM_NATS_URL`) for the keys people set most. Any key can also be set by its dotted path:
 * `--set sizing.method=kelly` or `TRADESTREAM_SIZING__METHOD=kelly`.
 */
export const SHORT_KEYS: Readonly<Record<string, string>> = {
  source: 'source',
  db: 'store.db',
  host: 'server.host',
  port: 'server.port',
  token: 'server.token',
  'nats-url': 'nats.url',
  consumer: 'nats.consumer',
  stream: 'nats.stream',
  seed: 'demo.seed',
  speed: 'demo.speed',
  strategies: 'demo.strategies',
  candles: 'demo.candles',
  capital: 'capital',
  symbols: 'evaluation.symbols',
  'log-level': 'logLevel',
  'decision-log': 'store.decisionLog',
};

const compiled = Compile(EngineConfig);
// TypeBox stops listing errors after 8, and a bad union key (logLevel, sizing.method) spends seven
// of them alone: a config with several bad keys was reported a few keys at a time (found by a
// documentation audit). Every bad key is reported at once.
Settings.Set({ maxErrors: 10_000 });

/** The default configuration: every key of config/engine.ts at its documented default. */
export function defaultConfig(): EngineConfig {
  return Value.Default(EngineConfig, {}) as EngineConfig;
}

/**
 * Builds and validates the engine configuration. Returns the config, or throws a ConfigError that
 * names every bad key with its value and the allowed range (exit code 2 at the CLI).
 */
export function loadConfig(sources: ConfigSources = {}): EngineConfig {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  if (sources.file !== undefined) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(sources.file, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) problems.push(`config file ${sources.file}: must hold a JSON object`);
      else {
        // JSON.parse makes "__proto__" an own key; copied, it would become raw's prototype and
        // set values no key check sees ({"__proto__":{"capital":5}} set the capital to 5).
        const forbidden = forbiddenKey(parsed, '');
        if (forbidden !== null) problems.push(`config file ${sources.file}: key "${forbidden}" is not allowed`);
        else Object.assign(raw, parsed);
      }
    } catch (error) {
      problems.push(`config file ${sources.file}: ${(error as Error).message}`);
    }
  }
  for (const [name, value] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith('TRADESTREAM_') || value === undefined) continue;
    const key = name.slice('TRADESTREAM_'.length);
    const path = envKeyToPath(key);
    if (path === null) problems.push(`environment ${name}: no such configuration key`);
    else setPath(raw, path, coerce(path, value));
  }
  for (const [path, value] of Object.entries(sources.overrides ?? {})) {
    if (schemaAt(path) === null) problems.push(`${path}: no such configuration key`);
    else setPath(raw, path, typeof value === 'string' ? coerce(path, value) : value);
  }
  const config = Value.Default(EngineConfig, raw) as EngineConfig;
  // One problem per key: a union reports one error per branch, an unknown key two.
  const seen = new Set<string>();
  for (const error of compiled.Errors(config)) {
    if (error.keyword === 'additionalProperties' || seen.has(error.instancePath)) continue;
    seen.add(error.instancePath);
    problems.push(describe(error, config));
  }
  if (problems.length === 0) problems.push(...crossFieldProblems(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Rules a per-key schema cannot say: weights that must sum to 1, ordered pairs. */
function crossFieldProblems(c: EngineConfig): string[] {
  const problems: string[] = [];
  const sumsToOne = (label: string, parts: Record<string, number>) => {
    const sum = Object.values(parts).reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-9) {
      const list = Object.entries(parts)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      problems.push(`${label}: weights must sum to 1 (was ${sum.toFixed(6)}: ${list})`);
    }
  };
  sumsToOne('confidence', {
    performanceWeight: c.confidence.performanceWeight,
    frequencyWeight: c.confidence.frequencyWeight,
    recencyWeight: c.confidence.recencyWeight,
  });
  if (c.sizing.method === 'blend') {
    sumsToOne('sizing', { kellyBlend: c.sizing.kellyBlend, riskParityBlend: c.sizing.riskParityBlend, volTargetBlend: c.sizing.volTargetBlend });
  }
  const ordered = (lowKey: string, low: number, highKey: string, high: number, strict: boolean) => {
    if (strict ? !(low < high) : !(low <= high)) problems.push(`${lowKey} ${low} must be ${strict ? '<' : '<='} ${highKey} ${high}`);
  };
  ordered('ensembles.minMembers', c.ensembles.minMembers, 'ensembles.maxMembers', c.ensembles.maxMembers, false);
  ordered('ensembles.minDistinctTypes', c.ensembles.minDistinctTypes, 'ensembles.maxMembers', c.ensembles.maxMembers, false);
  // An ensemble is drawn from the best maxCandidates: it can never have more members or types.
  ordered('ensembles.minMembers', c.ensembles.minMembers, 'ensembles.maxCandidates', c.ensembles.maxCandidates, false);
  ordered('ensembles.minDistinctTypes', c.ensembles.minDistinctTypes, 'ensembles.maxCandidates', c.ensembles.maxCandidates, false);
  // A prior win rate of 1 (p clamps to 1) sizes full Kelly before a single trade; no prior at all (0 and 0) is allowed.
  if (c.sizing.kellyPriorTrades > 0 || c.sizing.kellyPriorWins > 0) {
    ordered('sizing.kellyPriorWins', c.sizing.kellyPriorWins, 'sizing.kellyPriorTrades', c.sizing.kellyPriorTrades, true);
  }
  const listed = c.evaluation.symbols.split(',').map((s) => s.trim());
  const twice = listed.filter((s, i) => s !== '' && listed.indexOf(s) !== i);
  if (twice.length > 0) problems.push(`evaluation.symbols: "${c.evaluation.symbols}" names ${[...new Set(twice)].join(', ')} more than once`);
  ordered('timeFilter.minWindowDays', c.timeFilter.minWindowDays, 'timeFilter.maxWindowDays', c.timeFilter.maxWindowDays, false);
  // A candle-only feed moves the market clock by an interval per candle: a smaller jump limit
  // refused every candle of a symbol (ts_too_far_ahead) unless another symbol's came at its time.
  ordered('evaluation.interval', c.evaluation.interval, 'evaluation.maxTimeJump', c.evaluation.maxTimeJump, false);
  // Return windows keep returnsWindow samples: a symbol needing more was never sized (warming up
  // for ever), and correlations needing more all counted as 0, so the 0.7 limit never bound.
  ordered('sizing.minVolSamples', c.sizing.minVolSamples, 'evaluation.returnsWindow', c.evaluation.returnsWindow, false);
  ordered('ensembles.minCorrelationSamples', c.ensembles.minCorrelationSamples, 'evaluation.returnsWindow', c.evaluation.returnsWindow, false);
  ordered('sizing.drawdownReduce', c.sizing.drawdownReduce, 'sizing.drawdownHalt', c.sizing.drawdownHalt, true);
  // The demo feed reads it as every event time is read (a zone is required): Date.parse took
  // "2026-11-01T00:00:00" here, and the feed then failed with a stack trace.
  if (parseTimestamp(c.demo.start) === null) problems.push(`demo.start: "${c.demo.start}" is not an ISO 8601 time with a zone (e.g. 2026-11-01T00:00:00Z)`);
  // Annualization counts candles: more per year than the interval allows (the 1m default left in
  // place with 5m candles) overstates every annualized volatility by the square root of the
  // ratio (√5 there) and shrinks vol-target sizes to match. Fewer is fine (trading hours only).
  const candlesPerYear = (YEAR_DAYS * 86_400_000) / c.evaluation.interval;
  if (c.evaluation.periodsPerYear > candlesPerYear * (1 + 1e-9)) {
    const allDay = (365 * 86_400_000) / c.evaluation.interval;
    problems.push(
      `evaluation.periodsPerYear ${c.evaluation.periodsPerYear} is more candles than a year holds at evaluation.interval ${c.evaluation.interval} ms (at most ${Math.floor(candlesPerYear)}); set it to ${Number.isInteger(allDay) ? allDay : allDay.toFixed(1)} for a market open around the clock`,
    );
  }
  return problems;
}

/** Days in a year, for the most candles a year can hold (365.25: leap years included). */
const YEAR_DAYS = 365.25;

/** `SIZING__MAX_RISK_PER_POSITION`, `SIZING__MAXRISKPERPOSITION` or a short key like `NATS_URL`. */
function envKeyToPath(key: string): string | null {
  const short = key.toLowerCase().replaceAll('_', '-');
  if (SHORT_KEYS[short] !== undefined) return SHORT_KEYS[short];
  const parts = key.split('__');
  let node: SchemaNode | undefined = EngineConfig as unknown as SchemaNode;
  const path: string[] = [];
  for (const part of parts) {
    const wanted = part.replaceAll('_', '').toLowerCase();
    const match: string | undefined = Object.keys(node?.properties ?? {}).find((k) => k.toLowerCase() === wanted);
    if (match === undefined) return null;
    path.push(match);
    node = node?.properties?.[match];
  }
  return path.join('.');
}

/**
 * Strings from env and flags become numbers where the schema wants one, when written in decimal
 * (`--set capital=0x10` was 16); anything else stays a string so validation names it.
 */
function coerce(path: string, value: string): unknown {
  const node = schemaAt(path);
  if (node?.type === 'number' || node?.type === 'integer') return isDecimal(value) ? Number(value) : value;
  if (node?.type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/** The dotted path of the first key that could reach an object's prototype, or null. */
function forbiddenKey(value: unknown, path: string): string | null {
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, child] of Object.entries(value)) {
    const here = path === '' ? key : `${path}.${key}`;
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return here;
    const deeper = forbiddenKey(child, here);
    if (deeper !== null) return deeper;
  }
  return null;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

interface ValidationError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message: string;
}

function describe(error: ValidationError, config: unknown): string {
  const path = error.instancePath.split('/').filter(Boolean).join('.');
  if (error.keyword === 'boolean') return `${path}: no such configuration key`;
  let value: unknown = config;
  for (const part of path.split('.').filter(Boolean)) value = (value as Record<string, unknown>)?.[part];
  const node = schemaAt(path);
  const allowed =
    node?.allowed !== undefined
      ? node.allowed
      : node?.anyOf !== undefined
        ? `one of ${node.anyOf.map((o) => JSON.stringify(o.const)).join(', ')}`
        : node?.minimum !== undefined || node?.maximum !== undefined
          ? `${node?.type === 'integer' ? 'an integer' : 'a number'} in ${node?.minimum ?? '-∞'}–${node?.maximum ?? '∞'}`
          : `a ${node?.type ?? 'value'}`;
  return `${path || '(root)'}: ${JSON.stringify(value)} is not allowed (expected ${allowed})`;
}
