/**
 * The input stream (DESIGN.md, Inputs): ONE JetStream stream capturing
 * `<prefix>.strategies.>`, `<prefix>.prices.>` and the operators' `<prefix>.control.>`, so that its
 * sequence is the total order in which the engine applies inputs, live and in replay. Decisions and dead letters are published
 * on other subjects and are never captured here.
 */
import { type JetStreamManager, RetentionPolicy, StorageType, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

/** How the input stream is laid out. Defaults are the documented ones. */
export interface InputStreamOptions {
  /** Stream name (default `TRADESTREAM`, NatsConfig.stream). */
  readonly stream?: string;
  /** Subject prefix (default `tradestream`, NatsConfig.subjectPrefix). */
  readonly subjectPrefix?: string;
  /**
   * `limits` (default) keeps messages until a limit removes them, which replay needs; `interest`
   * drops a message once every consumer acked it (no replay past it). Fixed at creation.
   */
  readonly retention?: 'limits' | 'interest';
  /** Replicas in a cluster (default 1). */
  readonly replicas?: number;
  /** `file` (default) or `memory`. Fixed at creation. */
  readonly storage?: 'file' | 'memory';
  /** Oldest message kept (ms; default 0 = forever). */
  readonly maxAgeMs?: number;
  /** Stream size cap (bytes; default -1 = unlimited). Oldest messages go first. */
  readonly maxBytes?: number;
  /** Window in which a repeated `msgID` is dropped as a duplicate (ms; default 120,000). */
  readonly duplicateWindowMs?: number;
}

/** The stream could not be created, read or updated. Keeps the server's error as `cause`. */
export class StreamSetupError extends Error {
  override readonly name = 'StreamSetupError';
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
  }
}

/** The subject families of the input stream for `prefix`: discoveries, prices and operators' commands. */
export function inputSubjects(prefix: string): string[] {
  return [`${prefix}.strategies.>`, `${prefix}.prices.>`, `${prefix}.control.>`];
}

function sameSubjects(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

/**
 * Creates the input stream when missing, or updates the mutable settings (subjects, replicas, max
 * age, max bytes, duplicate window) of an existing one to match. Resolves with its StreamInfo;
 * rejects with StreamSetupError when the server refuses (e.g. another stream already captures the
 * subjects) or when retention or storage differ from the existing stream's (they cannot change).
 */
export async function ensureStream(jsm: JetStreamManager, opts: InputStreamOptions = {}): Promise<StreamInfo> {
  const name = opts.stream ?? 'TRADESTREAM';
  const wanted = {
    subjects: inputSubjects(opts.subjectPrefix ?? 'tradestream'),
    retention: opts.retention === 'interest' ? RetentionPolicy.Interest : RetentionPolicy.Limits,
    storage: opts.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: opts.replicas ?? 1,
    max_age: nanos(opts.maxAgeMs ?? 0),
    max_bytes: opts.maxBytes ?? -1,
    duplicate_window: nanos(opts.duplicateWindowMs ?? 120_000),
  } satisfies Partial<StreamConfig>;

  let existing: StreamInfo | null;
  try {
    existing = await jsm.streams.info(name);
  } catch (error) {
    if (!isStreamNotFound(error)) throw new StreamSetupError(`cannot read stream ${name}`, { cause: error });
    existing = null;
  }
  try {
    if (existing === null) return await jsm.streams.add({ name, ...wanted });
    const c = existing.config;
    if (c.retention !== wanted.retention || c.storage !== wanted.storage) {
      throw new StreamSetupError(
        `stream ${name} has retention ${c.retention} and storage ${c.storage}; wanted ${wanted.retention} and ${wanted.storage}, which cannot be changed on an existing stream`,
      );
    }
    const unchanged =
      sameSubjects(c.subjects ?? [], wanted.subjects) &&
      c.num_replicas === wanted.num_replicas &&
      c.max_age === wanted.max_age &&
      c.max_bytes === wanted.max_bytes &&
      c.duplicate_window === wanted.duplicate_window;
    if (unchanged) return existing;
    const { subjects, num_replicas, max_age, max_bytes, duplicate_window } = wanted;
    return await jsm.streams.update(name, { subjects, num_replicas, max_age, max_bytes, duplicate_window });
  } catch (error) {
    if (error instanceof StreamSetupError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new StreamSetupError(`cannot ${existing === null ? 'create' : 'update'} stream ${name}: ${why}`, { cause: error });
  }
}

/**
 * The input stream as the commands that publish into it need it (publish, demo-feed,
 * reset-breaker): with `create`, made with `opts` when missing; an existing one is left as it is,
 * since the engine's configuration rules its settings (a publish run without it rewrote the
 * stream's limits, and a short nats.maxAge purged the history: found by bug hunts), and refused
 * (StreamSetupError) when it does not capture every subject in `needs`.
 */
export async function streamToPublishTo(jsm: JetStreamManager, opts: InputStreamOptions, needs: readonly string[], create: boolean): Promise<StreamInfo> {
  const name = opts.stream ?? 'TRADESTREAM';
  const existing = await jsm.streams.info(name).catch((error: unknown) => {
    if (create && isStreamNotFound(error)) return null;
    throw new StreamSetupError(`cannot read stream ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  if (existing === null) return ensureStream(jsm, opts);
  const missing = needs.filter((subject) => !(existing.config.subjects ?? []).includes(subject));
  if (missing.length > 0) {
    throw new StreamSetupError(`stream ${name} does not capture ${missing.join(', ')}: start the engine on it once (it adds the subjects), then try again`);
  }
  return existing;
}

function isStreamNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; code?: number; message?: string; api_error?: { err_code?: number } };
  return e.name === 'StreamNotFoundError' || e.api_error?.err_code === 10059 || /stream not found/i.test(e.message ?? '');
}
