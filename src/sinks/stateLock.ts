/**
 * One engine per state file. SQLite's WAL lets two processes write one file, and a second engine on
 * it would interleave its commits with the first's (and a demo start would move the running
 * engine's file aside: found by a bug hunt). So the engine holds `<db>.lock`, a file holding its
 * process id, created exclusively. A lock whose process is gone (the engine was killed) is taken
 * over: a crash must not keep the engine from restarting.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/** The state file is held by another live process. */
export class StateLockError extends Error {
  override readonly name = 'StateLockError';
}

/** True when a process with this id exists (signal 0 checks without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of state file `db` for this process; returns its release (idempotent, removes the
 * lock only while it is still this process's). Throws StateLockError naming the holder.
 */
export function acquireStateLock(db: string): () => void {
  const path = `${db}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
        throw new StateLockError(`state file ${db} is in use by process ${holder} (lock file ${path}); stop that engine or choose another --db`);
      }
      // Left by a process that is gone (or unreadable): take it over.
      rmSync(path, { force: true });
    }
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    try {
      if (Number.parseInt(readFileSync(path, 'utf8'), 10) === process.pid) rmSync(path, { force: true });
    } catch {
      // Already gone.
    }
  };
}
