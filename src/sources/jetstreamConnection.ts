/**
 * Connecting to NATS for the engine's JetStream source and NATS sinks: one small option bag for
 * servers, credentials and TLS, turned into a `@nats-io/transport-node` v3 connection (the only
 * transport `@nats-io/jetstream` v3 consumes with; NOTES.md).
 */
import { readFile } from 'node:fs/promises';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';

/** How to reach NATS. Every field but `servers` is optional. */
export interface NatsConnectOptions {
  /** Server URL(s): an array, or one string with URLs separated by commas (NatsConfig.url). */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server's monitoring (default `tradestream`). */
  readonly name?: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** Path of a NATS `.creds` file (JWT + nkey seed). */
  readonly credsFile?: string;
  /** TLS: CA, client certificate and key files (PEM). Any object here requires TLS. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** Time to wait for the first connection (ms, default 10,000). */
  readonly timeoutMs?: number;
  /**
   * Keep trying the first connection as if it were a reconnection, instead of failing (default
   * false). The live source's consumer thread sets it: the server may be restarting just then.
   */
  readonly waitOnFirstConnect?: boolean;
}

/** Connecting failed: the servers, the credentials or the TLS files. Keeps the client's error as `cause`. */
export class NatsConnectError extends Error {
  override readonly name = 'NatsConnectError';
  constructor(servers: readonly string[], options: { cause: unknown }) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`cannot connect to NATS at ${servers.join(', ')}: ${why}`, options);
  }
}

/** `"a, b"` or `["a", "b"]` → `["a", "b"]` (empty entries dropped). */
export function serverList(servers: string | readonly string[]): string[] {
  const list = typeof servers === 'string' ? servers.split(',') : [...servers];
  return list.map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Opens a connection that never gives up reconnecting (`maxReconnectAttempts: -1`, NOTES.md): a
 * long-running engine outlives server restarts. Resolves once connected; rejects with
 * NatsConnectError when the first connection fails.
 */
export async function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  const servers = serverList(opts.servers);
  try {
    const options: NodeConnectionOptions = {
      servers,
      name: opts.name ?? 'tradestream',
      maxReconnectAttempts: -1,
      timeout: opts.timeoutMs ?? 10_000,
    };
    if (opts.waitOnFirstConnect === true) options.waitOnFirstConnect = true;
    if (opts.user !== undefined) options.user = opts.user;
    if (opts.pass !== undefined) options.pass = opts.pass;
    if (opts.token !== undefined) options.token = opts.token;
    if (opts.credsFile !== undefined) options.authenticator = credsAuthenticator(await readFile(opts.credsFile));
    if (opts.tls !== undefined) options.tls = { ...opts.tls };
    return await connect(options);
  } catch (error) {
    throw new NatsConnectError(servers, { cause: error });
  }
}

/** How long a closing connection may take to drain before it is closed outright (ms). */
export const DRAIN_GRACE_MS = 3_000;

/**
 * Drains `nc` (what is pending goes out, then it closes), but gives up after `graceMs` and closes
 * it outright: with the server away, a connection that reconnects forever never finishes draining,
 * and the engine must still stop on SIGTERM. Returns whether the drain finished.
 */
export async function drainWithin(nc: NatsConnection, graceMs = DRAIN_GRACE_MS): Promise<boolean> {
  if (nc.isClosed()) return true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drained = await Promise.race([
    // A drain refused outright (the connection is reconnecting) counts as not drained.
    nc.drain().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    }),
  ]);
  clearTimeout(timer);
  // Not awaited: with the server away, close() may wait on the reconnection loop too.
  if (!drained) void nc.close().catch(() => undefined);
  return drained;
}
