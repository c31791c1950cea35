/**
 * CPU time by thread of this process, and of another process (the benchmark's nats-server), read
 * from Linux's /proc: `utime + stime` of `/proc/<pid>/task/<tid>/stat` and `/proc/<pid>/stat`, in
 * clock ticks (`getconf CLK_TCK`, 100 on Linux: 10 ms resolution). Workload 3 uses it to show
 * where a JetStream run's CPU goes across the engine's threads and the server, because on a
 * 2-core machine they compete: a run cannot be shorter than its total CPU over the cores.
 * Elsewhere (no /proc) every reading is undefined and the report says so.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let tickMs: number | undefined;

/** Milliseconds per clock tick of /proc's times. */
function msPerTick(): number {
  if (tickMs === undefined) {
    let hz = 100;
    try {
      const text = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
      if (/^[1-9][0-9]*$/.test(text)) hz = Number(text);
    } catch {
      // getconf missing: Linux's USER_HZ is 100 on every architecture Node supports.
    }
    tickMs = 1000 / hz;
  }
  return tickMs;
}

/** utime + stime of one /proc stat line, in ms. The command name (field 2) may hold spaces: fields are counted after its ')'. */
export function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After ')': field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 80)}`);
  return (utime + stime) * msPerTick();
}

/** CPU ms of every live thread of this process, by thread id; undefined without /proc. */
export function threadCpu(): Map<number, number> | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const out = new Map<number, number>();
  for (const tid of tids) {
    try {
      out.set(Number(tid), statCpuMs(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')));
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return out;
}

/** CPU ms of process `pid` (all its threads); undefined without /proc or when it is gone. */
export function processCpu(pid: number | undefined): number | undefined {
  if (pid === undefined || !(pid > 0)) return undefined;
  try {
    return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A reading to diff against a later one. */
export interface CpuReading {
  readonly threads: Map<number, number> | undefined;
  readonly server: number | undefined;
}

export function readCpu(serverPid: number | undefined): CpuReading {
  return { threads: threadCpu(), server: processCpu(serverPid) };
}

/**
 * CPU ms spent between two readings: the main thread (tid = pid), new threads (for the engine: its
 * consumer thread; those not in `existedBefore` when given, else those started between the
 * readings), the other threads of the process (V8's compiler and platform threads, libuv), the
 * server, and their total. Null where there is no reading.
 */
export interface CpuSpent {
  readonly mainMs: number | null;
  readonly newThreadsMs: number | null;
  readonly otherThreadsMs: number | null;
  readonly serverMs: number | null;
  readonly totalMs: number | null;
}

export function cpuSpent(before: CpuReading, after: CpuReading, mainTid = process.pid, existedBefore?: ReadonlySet<number>): CpuSpent {
  const server = before.server !== undefined && after.server !== undefined ? after.server - before.server : null;
  if (before.threads === undefined || after.threads === undefined) {
    return { mainMs: null, newThreadsMs: null, otherThreadsMs: null, serverMs: server, totalMs: null };
  }
  let main = 0;
  let fresh = 0;
  let other = 0;
  for (const [tid, ms] of after.threads) {
    const spent = ms - (before.threads.get(tid) ?? 0);
    if (tid === mainTid) main += spent;
    else if (existedBefore === undefined ? !before.threads.has(tid) : !existedBefore.has(tid)) fresh += spent;
    else other += spent;
  }
  return { mainMs: main, newThreadsMs: fresh, otherThreadsMs: other, serverMs: server, totalMs: main + fresh + other + (server ?? 0) };
}

/**
 * A thread's scheduler account from /proc (`schedstat`: ns on a CPU, ns runnable but waiting for
 * one, times it was run). The latency run reads its main thread's around the ticks: a tick late
 * behind no push and no collection was mostly one whose thread waited while another task held the
 * core.
 */
export interface SchedReading {
  readonly runMs: number;
  readonly waitMs: number;
  readonly timesRun: number;
}

/** The three fields of a schedstat line; throws naming a line it cannot read. */
export function parseSchedstat(text: string): SchedReading {
  const fields = text.trim().split(/\s+/).map(Number);
  if (fields.length !== 3 || !fields.every((f) => Number.isInteger(f) && f >= 0)) throw new Error(`unreadable schedstat line: ${text.slice(0, 80)}`);
  const [run, wait, times] = fields as [number, number, number];
  return { runMs: run / 1e6, waitMs: wait / 1e6, timesRun: times };
}

/** The main thread's schedstat; undefined without /proc (or a kernel without schedstats). */
export function mainThreadSched(): SchedReading | undefined {
  try {
    return parseSchedstat(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8'));
  } catch {
    return undefined;
  }
}
