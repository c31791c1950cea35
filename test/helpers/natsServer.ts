/**
 * A throw-away nats-server with JetStream for integration tests: loopback only, a free port, its
 * own store directory. Never the machine's server on 4222. Tests fail (never skip) when the
 * binary is missing, with the command that installs it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A running test server. */
export interface NatsServerHandle {
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** JetStream store directory (removed by stop()). */
  readonly storeDir: string;
  /** PID of the current server process (changes on restart). */
  readonly pid: number;
  /** Stops the server by PID and removes the store directory. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server by PID and starts it again on the same port and store; resolves when it accepts connections. */
  restart(): Promise<void>;
}

/** Path of the nats-server binary: PATH first, then /usr/sbin. Throws when there is none. */
export function findNatsServer(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, 'nats-server');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('nats-server binary not found on PATH or in /usr/sbin: install it with `apt-get install nats-server`');
}

async function freePort(): Promise<number> {
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

/** Resolves once the process logged "Server is ready" and the port accepts TCP connections. */
async function waitReady(child: ChildProcess, port: number, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}: ${output()}`);
    if (output().includes('Server is ready') && (await canConnect(port))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server on port ${port} not ready after ${timeoutMs} ms: ${output()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

/** Starts `nats-server -js -a 127.0.0.1 -p <free port> -sd <temp dir>` and waits until it is ready. */
export async function startNatsServer(): Promise<NatsServerHandle> {
  const binary = findNatsServer();
  const storeDir = await mkdtemp(join(tmpdir(), 'tradestream-nats-'));
  const port = await freePort();
  let child: ChildProcess;
  let log = '';
  let stopped = false;

  const launch = async (): Promise<void> => {
    log = '';
    child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    await waitReady(child, port, () => log.slice(-4000), 15_000);
  };

  try {
    await launch();
  } catch (error) {
    await rm(storeDir, { recursive: true, force: true });
    throw error;
  }

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return child.pid ?? -1;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopProcess(child);
      await rm(storeDir, { recursive: true, force: true });
    },
    async restart() {
      if (stopped) throw new Error('nats-server handle already stopped');
      await stopProcess(child);
      await launch();
    },
  };
}
