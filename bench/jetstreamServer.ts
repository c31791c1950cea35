/**
 * A throw-away nats-server with JetStream for the benchmark (workload 3): loopback only, a free
 * port, its own temp store directory; stopped by PID. The same recipe as test/helpers/natsServer.ts,
 * which tsc does not compile into dist.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface BenchNatsServer {
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  readonly pid: number;
  readonly storeDir: string;
  /** SIGTERM by PID (SIGKILL after 5 s), then removes the store. Idempotent. */
  stop(): Promise<void>;
}

/** Path of nats-server: PATH, then /usr/sbin, /usr/local/sbin. Throws when there is none. */
export function findNatsServer(): string {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin']) {
    if (dir !== '' && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  throw new Error('nats-server not found on PATH or in /usr/sbin (apt-get install nats-server)');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

/** Starts `nats-server -js -a 127.0.0.1 -p <free port> -sd <temp dir>`; resolves once it accepts connections. */
export async function startBenchNatsServer(timeoutMs = 15_000): Promise<BenchNatsServer> {
  const binary = findNatsServer();
  const storeDir = await mkdtemp(join(tmpdir(), 'tradestream-bench-nats-'));
  const port = await freePort();
  let output = '';
  const child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopChild(child);
    await rm(storeDir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}: ${output}`);
      if (output.includes('Server is ready') && (await canConnect(port))) break;
      if (Date.now() > deadline) throw new Error(`nats-server on port ${port} not ready after ${timeoutMs} ms: ${output}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `nats://127.0.0.1:${port}`, pid: child.pid ?? -1, storeDir, stop };
}
