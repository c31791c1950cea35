/**
 * The decision log: every Decision as one canonical JSON line, hashed as it is appended, so a run's
 * fingerprint (DESIGN.md, "The decision log") is available at any moment without re-reading
 * anything. Two runs over the same input must print the same lines, hence the canonical form:
 * the line depends only on the values, never on the order in which a phase happened to build the
 * object's keys.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson } from '../domain/canonicalJson.js';
import type { Decision } from '../domain/types.js';

export { canonicalJson };

/** Buffered bytes at which lines are written to the file: one write per ~64 KiB, not per line. */
const WRITE_THRESHOLD = 64 * 1024;

/**
 * Appends decisions as canonical lines and keeps the incremental SHA-256 over them, each line
 * followed by '\n' (so the fingerprint equals `sha256sum` of the log file).
 *
 * With a `filePath`, the lines are also written to that file (created with its directory if
 * missing). The state store is the truth: the file starts as the `committed` lines (the decisions
 * the store holds, in order), so whatever a crash left in it (lines not yet written, or written
 * past the last commit) is set right at the next start, and the lines of the inputs after them
 * follow. Lines are buffered and written in batches of about 64 KiB, and on `flush()` and
 * `close()`; the engine calls `flush()` after each state-store commit so the file is never behind
 * the database by more than one batch.
 */
export class DecisionLog {
  private readonly hash: Hash = createHash('sha256');
  private fd: number | null = null;
  private pending: string[] = [];
  private pendingBytes = 0;
  private lines = 0;
  private closed = false;

  /**
   * @param filePath optional log file; no file when omitted or empty.
   * @param committed the lines the file starts with (the state store's decisions; none for a new
   *   store). They are written, not hashed: a restart hashes them as it rebuilds its state.
   */
  constructor(
    private readonly filePath?: string,
    committed: Iterable<string> = [],
  ) {
    if (filePath) {
      mkdirSync(dirname(filePath), { recursive: true });
      this.fd = openSync(filePath, 'w');
      for (const line of committed) this.queue(`${line}\n`);
      this.flush();
    }
  }

  /**
   * Hashes (and queues for the file) one decision; returns its canonical line, without '\n'.
   * `write: false` only hashes it: a restart rebuilding its state replays decisions that the
   * file already holds, and the fingerprint must cover them all the same.
   */
  append(decision: Decision, write = true): string {
    if (this.closed) throw new Error(`DecisionLog.append after close${this.filePath ? ` (${this.filePath})` : ''}`);
    const line = canonicalJson(decision);
    const text = `${line}\n`;
    this.hash.update(text);
    this.lines++;
    if (write && this.fd !== null) this.queue(text);
    return line;
  }

  /** Buffers `text` for the file, writing the buffer once it reaches WRITE_THRESHOLD. */
  private queue(text: string): void {
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= WRITE_THRESHOLD) this.flush();
  }

  /** Hex SHA-256 of every line appended so far; the hash keeps going (it digests a copy). */
  fingerprint(): string {
    return this.hash.copy().digest('hex');
  }

  /** Lines appended so far. */
  count(): number {
    return this.lines;
  }

  /** Writes the buffered lines to the file, if there is one. Synchronous: the lines are in the OS after it returns. */
  flush(): void {
    if (this.fd === null || this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    // writeSync may write less than asked (it returns the count); loop so no line is ever cut.
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(this.fd, bytes, offset);
  }

  /** Writes what is buffered and closes the file. Idempotent; `fingerprint()` and `count()` still answer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd === null) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
