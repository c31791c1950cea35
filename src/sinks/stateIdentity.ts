/**
 * What a state file's decisions depend on beyond its inputs: the source, the stream and durable
 * consumer it resumes from, and every setting that moves a decision. Recorded in the file's `meta`
 * at its first open and checked at every later one. Without it a restart under another consumer
 * applied the whole stream again on top of the file (twice the decisions), a JetStream run on a demo
 * run's file carried the demo's positions on, and a restart with another sizing method rebuilt a
 * state the stored rows did not match, all silently (found by a bug hunt).
 */
import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Value } from 'typebox/value';
import { EngineConfig } from '../../config/engine.js';
import { symbolsKey } from '../domain/symbolShard.js';

/** A state file's identity: flat JSON, compared key by key (dotted paths). */
export type StateIdentity = Readonly<Record<string, unknown>>;

/** The identity of an engine with `config` writing consumer_state row `consumer`. */
export function stateIdentity(config: EngineConfig, consumer: string): StateIdentity {
  const { capital, evaluation, confidence, timeFilter, ensembles, rotation, positions, sizing } = config;
  // How messages are routed and which are refused as too large decide which inputs apply.
  const { subjectPrefix, maxMessageBytes } = config.nats;
  return {
    source: config.source,
    ...(config.source === 'jetstream' ? { stream: config.nats.stream } : {}),
    consumer,
    ...flatten({
      capital,
      evaluation: { ...evaluation, symbols: symbolsKey(evaluation.symbols) },
      confidence,
      timeFilter,
      ensembles,
      rotation,
      positions,
      sizing,
      nats: { subjectPrefix, maxMessageBytes },
    }),
  };
}

/**
 * Every key whose value differs between the file's identity and this engine's, as `key: file value,
 * now value`. Across versions of the engine: a setting the file does not name (it came later) is
 * equal when it is at its default now, since a new setting's default keeps the behaviour from
 * before it, and a key without a default (the input stream's creation time) is unknown, not
 * different; a setting this engine no longer has is not compared.
 */
export function identityDifferences(recorded: StateIdentity, current: StateIdentity): string[] {
  const defaults = settingDefaults();
  return Object.keys(current)
    .sort(byWeight)
    .filter((key) => {
      const now = JSON.stringify(current[key]);
      if (key in recorded) return JSON.stringify(recorded[key]) !== now;
      return key in defaults && JSON.stringify(defaults[key]) !== now;
    })
    .map((key) => `${key}: ${key in recorded ? JSON.stringify(recorded[key]) : 'absent'} in the file, ${JSON.stringify(current[key])} now`);
}

/** Where the state comes from first (what usually tells a foreign file), then the settings by name. */
const FIRST = ['source', 'stream', 'stream.created', 'consumer'];
function byWeight(a: string, b: string): number {
  const rank = (key: string) => (FIRST.includes(key) ? FIRST.indexOf(key) : FIRST.length);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

let defaultsCache: Readonly<Record<string, unknown>> | undefined;

/** The decision settings at their defaults (config/engine.ts), flattened like an identity. */
function settingDefaults(): Readonly<Record<string, unknown>> {
  defaultsCache ??= stateIdentity(Value.Default(EngineConfig, {}) as EngineConfig, '');
  return defaultsCache;
}

function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = v;
  }
  return out;
}

/** The file was written by an engine with another identity; `differences` from identityDifferences. */
export class ForeignStateError extends Error {
  constructor(readonly differences: readonly string[]) {
    super(`written by an engine with other settings (${differences.join('; ')}); run with the file's settings or use another file`);
    this.name = 'ForeignStateError';
  }
}

/**
 * Records `identity` in a file that has none, or throws ForeignStateError when the file's differs.
 * A file from before identities were recorded is taken as this engine's unless it holds committed
 * inputs of other consumers only. `inputEnd`, the input stream's last sequence when known: a file
 * that committed an input past it was written from another stream (one deleted and created again).
 * Every difference is named together, and nothing is recorded in a file that is refused. `meta`
 * must exist (after migrateSchema).
 */
export function checkStateIdentity(db: Database.Database, identity: StateIdentity, consumer: string, inputEnd?: number): void {
  db.transaction(() => {
    const recorded = recordedIdentity(db);
    const differences = recorded === null ? [] : identityDifferences(recorded, identity);
    if (recorded === null) {
      const consumers = db.prepare('SELECT name FROM consumer_state ORDER BY name').pluck().all() as string[];
      if (consumers.length > 0 && !consumers.includes(consumer))
        differences.push(`consumer: ${JSON.stringify(consumers.join(', '))} in the file, ${JSON.stringify(consumer)} now`);
    }
    const committed = (db.prepare('SELECT last_seq FROM consumer_state WHERE name = ?').pluck().get(consumer) as number | undefined) ?? 0;
    if (inputEnd !== undefined && committed > inputEnd) {
      differences.push(`input stream: the file committed input ${committed}, the stream's last message is ${inputEnd} (a stream created again?)`);
    }
    // Nothing is recorded in a file that is refused.
    if (differences.length > 0) throw new ForeignStateError(differences);
    if (recorded === null) db.prepare("INSERT INTO meta (key, value) VALUES ('identity', ?)").run(JSON.stringify(identity));
    // Keys the file did not name yet are recorded from now on.
    else if (Object.keys(identity).some((key) => !(key in recorded))) {
      db.prepare("UPDATE meta SET value = ? WHERE key = 'identity'").run(JSON.stringify({ ...recorded, ...identity }));
    }
  }).immediate();
}

/** The identity recorded in an open state file, or null (none yet). `meta` must exist. */
export function recordedIdentity(db: Database.Database): StateIdentity | null {
  const value = db.prepare("SELECT value FROM meta WHERE key = 'identity'").pluck().get() as string | undefined;
  return value === undefined ? null : (JSON.parse(value) as StateIdentity);
}

/**
 * The identity recorded in the state file at `path`, read without writing to it, or null (no file,
 * none recorded, or not a state file). Only for a file no engine holds (its lock taken): a read-only
 * connection to a WAL file creates its -wal and -shm when missing (empty: it writes nothing), and
 * those are removed again, so the file is left as it was.
 */
export function peekStateIdentity(path: string): StateIdentity | null {
  if (!existsSync(path)) return null;
  const created = ['-wal', '-shm'].filter((suffix) => !existsSync(path + suffix));
  try {
    const file = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return recordedIdentity(file);
    } finally {
      file.close();
      for (const suffix of created) rmSync(path + suffix, { force: true });
    }
  } catch {
    return null;
  }
}
