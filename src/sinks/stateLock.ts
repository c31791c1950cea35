/**
 * One engine per state file. SQLite's WAL lets two processes write one file, and a second engine on
 * it would interleave its commits with the first's (and a demo start would move the running
 * engine's file aside: found by a bug hunt). So the engine holds an exclusive SQLite lock on
 * `<db>.lock` for its lifetime: an fcntl lock, which the kernel drops when the process ends however
 * it ends (a killed engine leaves nothing to clean up, and a reused process id cannot keep a lock
 * alive). The holder writes its process id to `<db>.lock.pid`, only to name it in the refusal.
 * The lock file stays on disk: removing it would let a waiting process lock a file no one else sees.
 * It sits beside the state file's real path, so a symbolic link to a state file in use (or to its
 * directory) finds the same lock (found by a bug hunt: two engines wrote one file through a link).
 */
import { lstatSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** The state file is held by another live process. */
export class StateLockError extends Error {
  override readonly name = 'StateLockError';
}

/**
 * Takes the lock of state file `db` for this process; returns its release (idempotent). Throws
 * StateLockError naming the holder's process id when another process (or another lock in this
 * one) holds it.
 */
export function acquireStateLock(db: string, retried = false): () => void {
  const path = `${realPathOf(db)}.lock`;
  const pidFile = `${path}.pid`;
  const lock = new Database(path, { timeout: 0 });
  try {
    // The lock file holds no data: a rollback journal in memory, so no `<db>.lock-journal` sits
    // beside it while the engine runs.
    lock.pragma('journal_mode = MEMORY');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    const code = (error as { code?: string }).code;
    // Not a database (a lock file of another kind, or damaged): it holds no lock; replace it once.
    if (code === 'SQLITE_NOTADB' && !retried) {
      rmSync(path, { force: true });
      return acquireStateLock(db, true);
    }
    if (code !== 'SQLITE_BUSY') throw error;
    let holder = 'another process';
    try {
      holder = `process ${readFileSync(pidFile, 'utf8').trim()}`;
    } catch {
      // The holder has not written its id yet.
    }
    throw new StateLockError(`state file ${db} is in use by ${holder} (lock file ${path}); stop that engine or choose another --db`);
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    rmSync(pidFile, { force: true });
    lock.close();
  };
}

/**
 * The path of `db` with every symbolic link resolved, for a file that may not exist yet (its
 * directory must). A link to a file not created yet is followed too: the engine creates the file
 * through it, and a second engine given the target must find the same lock (found by a review).
 */
function realPathOf(db: string): string {
  let path = db;
  for (let hops = 0; hops < 40; hops++) {
    try {
      return realpathSync(path);
    } catch {
      // Missing: a dangling link is followed to its target; a plain missing file ends the walk.
      const link = lstatSync(path, { throwIfNoEntry: false });
      if (link === undefined || !link.isSymbolicLink()) return join(realpathSync(dirname(path)), basename(path));
      path = resolve(dirname(path), readlinkSync(path));
    }
  }
  return path;
}
