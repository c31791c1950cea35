import { describe, expect, it } from 'vitest';
import { cpuBudget } from '../../bench/jetstreamRun.js';
import { cpuSpent, mainThreadSched, parseSchedstat, processCpu, readCpu, statCpuMs, threadCpu } from '../../bench/cpuAccount.js';

// A /proc/<pid>/stat line: utime (field 14) = 250 ticks, stime (field 15) = 30 ticks; the command
// name holds a space and a ')' so that the fields must be counted after the last ')'.
const STAT = '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 11 0 1000 100000000 5000 18446744073709551615';

/** A CPU reading from thread id → CPU ms, and the server's CPU ms. */
const reading = (threads: Record<number, number>, server: number) => ({
  threads: new Map(Object.entries(threads).map(([tid, ms]) => [Number(tid), ms])),
  server,
});

describe('CPU account from /proc (bench/cpuAccount.ts)', () => {
  it('reads utime + stime of a stat line at 100 ticks a second', () => {
    expect(statCpuMs(STAT)).toBe(2_800);
  });

  it('refuses a line it cannot read, naming it', () => {
    expect(() => statCpuMs('4242 (node) S 1')).toThrow(/unreadable \/proc stat line: 4242 \(node\) S 1/);
  });

  it('splits the CPU between two readings into main thread, new threads, other threads and the server', () => {
    const before = reading({ 10: 1_000, 11: 200, 12: 50 }, 5_000);
    // Thread 12 exited (its time is lost, as on Linux); 13 started in between.
    const after = reading({ 10: 1_700, 11: 260, 13: 400 }, 5_900);
    expect(cpuSpent(before, after, 10)).toEqual({ mainMs: 700, newThreadsMs: 400, otherThreadsMs: 60, serverMs: 900, totalMs: 2_060 });
    expect(cpuSpent({ threads: undefined, server: undefined }, after, 10)).toEqual({
      mainMs: null,
      newThreadsMs: null,
      otherThreadsMs: null,
      serverMs: null,
      totalMs: null,
    });
  });

  // The engine's window starts at its first message, after its consumer thread started: the threads
  // that existed before the engine tell that thread apart, and only what it spent in the window counts.
  it('counts as new the threads not there before the run, from the first reading on', () => {
    const before = reading({ 10: 1_000, 11: 200, 13: 150 }, 5_000);
    const after = reading({ 10: 1_700, 11: 260, 13: 400 }, 5_900);
    expect(cpuSpent(before, after, 10, new Set([10, 11]))).toEqual({ mainMs: 700, newThreadsMs: 250, otherThreadsMs: 60, serverMs: 900, totalMs: 1_910 });
  });

  it('sees this thread spend CPU (Linux)', () => {
    const before = readCpu(process.pid);
    expect(before.threads?.has(process.pid)).toBe(true);
    const until = process.cpuUsage().user + 200_000; // 200 ms of this thread's CPU
    let x = 0;
    while (process.cpuUsage().user < until) x += Math.sqrt(x + 1);
    const spent = cpuSpent(before, readCpu(process.pid));
    expect(x).toBeGreaterThan(0);
    expect(spent.mainMs).toBeGreaterThanOrEqual(150);
    // The "server" here is this process itself: it spent at least what its main thread did.
    expect(spent.serverMs).toBeGreaterThanOrEqual((spent.mainMs as number) - 20);
    expect(threadCpu()?.size).toBeGreaterThan(1);
    expect(processCpu(-1)).toBeUndefined();
    expect(processCpu(2 ** 30)).toBeUndefined();
  });

  it('sets the engine run against the CPU that 0.8 of the bare rate allows', () => {
    const engine = { ms: 4_000, cpuAccount: { mainMs: 2_500, newThreadsMs: 1_800, otherThreadsMs: 1_300, serverMs: 1_800, totalMs: 7_400 } };
    const bare = { ms: 1_600, cpuAccount: { mainMs: 1_200, newThreadsMs: 0, otherThreadsMs: 100, serverMs: 1_200, totalMs: 2_500 } };
    // Budget: 2 cores × 1.6 s / 0.8 = 4.0 s of CPU; the engine spent 7.4 s (1.85×) and kept 7.4 / 8 of the cores busy.
    // Floor: the bare consumer's 2.5 s plus the pipeline's 1.2 s in memory = 3.7 s, 0.93 of the budget.
    expect(cpuBudget(engine, bare, 1_200, 2)).toEqual({
      cores: 2,
      engineWallMs: 4_000,
      engineCpuMs: 7_400,
      engineBusy: 0.93,
      bareWallMs: 1_600,
      bareProcessMs: 1_300,
      bareCpuMs: 2_500,
      budgetAt08Ms: 4_000,
      engineCpuOverBudget: 1.85,
      pipelineInMemoryMs: 1_200,
      floorCpuMs: 3_700,
      floorOverBudget: 0.93,
    });
  });

  it('reads a schedstat line: ns on a CPU, ns waiting for one, times run', () => {
    expect(parseSchedstat('4993812345 41700000 169\n')).toEqual({ runMs: 4993.812345, waitMs: 41.7, timesRun: 169 });
    expect(() => parseSchedstat('4993812345 41700000')).toThrow(/unreadable schedstat line: 4993812345 41700000/);
    expect(() => parseSchedstat('a b c')).toThrow(/unreadable schedstat line/);
  });

  it("reads this process's main thread's account, which grows as the thread works", () => {
    const before = mainThreadSched();
    if (before === undefined) throw new Error('no /proc/self/task/<pid>/schedstat on this machine');
    // Work until the account shows 5 ms more on a CPU, however loaded the machine (a fixed 30 ms
    // of wall time got 8 ms of CPU under a full test run); 10 s bounds a reading that never grows.
    let after = before;
    let x = 0;
    const deadline = Date.now() + 10_000;
    while (after.runMs - before.runMs < 5 && Date.now() < deadline) {
      for (let i = 0; i < 100_000; i++) x += Math.sqrt(x + 1);
      after = mainThreadSched() ?? before;
    }
    expect(x).toBeGreaterThan(0);
    expect(after.runMs - before.runMs).toBeGreaterThanOrEqual(5);
    expect(after.waitMs).toBeGreaterThanOrEqual(before.waitMs);
    expect(after.timesRun).toBeGreaterThanOrEqual(before.timesRun);
  });
});
