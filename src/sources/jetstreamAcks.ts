/**
 * Acknowledgement bookkeeping of the live JetStream source under `AckPolicy.All`, where acking
 * (or terminating) message N acknowledges every message up to N on the server. So an ack may only
 * be sent for N once every input up to N is committed to SQLite, and a dead-lettered message may
 * only be terminated once everything before it is committed: otherwise a crash would lose inputs.
 */

/** The slice of a JetStream message this queue needs. */
export interface Ackable {
  ack(): void;
  term(): void;
}

interface Entry {
  readonly seq: number;
  readonly msg: Ackable;
  /** Dead-lettered: nothing to commit, settled as soon as every earlier input is. */
  readonly rejected: boolean;
}

/**
 * The messages handed to the engine and not yet acknowledged, in stream order. Sends at most one
 * ack (or term) per `ackUpTo` call. Not thread-safe; used from the connection's callbacks only.
 */
export class AckQueue {
  private entries: Entry[] = [];
  private head = 0;
  private acked: number;

  /** `startAfterSeq`: the last seq already committed (0 when none). */
  constructor(startAfterSeq: number) {
    this.acked = startAfterSeq;
  }

  /** Highest stream seq acknowledged on the server so far (or committed before the start). */
  get floor(): number {
    return this.acked;
  }

  /** Messages delivered to the engine and not acknowledged yet. */
  get pending(): number {
    return this.entries.length - this.head;
  }

  /**
   * Records a message handed to the engine. A rejected one is terminated at once when nothing
   * before it is pending (plain `term()`: NOTES.md, 2.9.10 ignores a reason); otherwise it waits
   * for the commit of the inputs before it.
   */
  push(seq: number, msg: Ackable, rejected: boolean): void {
    if (rejected && this.pending === 0) {
      msg.term();
      this.acked = seq;
      return;
    }
    this.entries.push({ seq, msg, rejected });
  }

  /**
   * The engine committed every input up to `upToSeq`: acknowledges the longest prefix of pending
   * messages that are committed or rejected, with one ack of its last message (a term when that
   * one was rejected). Returns the number of messages settled.
   */
  ackUpTo(upToSeq: number): number {
    let last: Entry | undefined;
    let settled = 0;
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head] as Entry;
      if (entry.seq > upToSeq && !entry.rejected) break;
      last = entry;
      this.head += 1;
      settled += 1;
    }
    if (last === undefined) return 0;
    if (last.rejected) last.msg.term();
    else last.msg.ack();
    this.acked = last.seq;
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return settled;
  }
}
