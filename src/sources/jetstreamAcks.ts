/**
 * Acknowledgement bookkeeping of the live JetStream source under `AckPolicy.All`, where acking
 * (or terminating) message N acknowledges every message up to N on the server. So an ack may only
 * be sent for N once every input up to N is committed to SQLite, and a dead-lettered message may
 * only be terminated once everything before it is committed: otherwise a crash would lose inputs.
 */

/**
 * Sends the JetStream ack protocol for one delivered message: `+ACK` or `+TERM` published to the
 * message's reply subject (what `JsMsg.ack()` / `term()` do). The queue keeps only that subject,
 * not the message: holding every delivered message with its payload until the next commit made
 * them survive young-generation GC, measurably slowing the consumer (bench/RESULTS.md).
 */
export type AckSender = (reply: string, verdict: 'ack' | 'term') => void;

/** A delivered message as the queue keeps it: its ack subject, or (if the client hides it) the message. */
export type AckTarget = string | { ack(): void; term(): void };

interface Entry {
  readonly seq: number;
  /** The message's ack subject (`$JS.ACK.…`), or the message itself when no subject was readable. */
  readonly reply: AckTarget;
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
  constructor(
    startAfterSeq: number,
    private readonly send: AckSender,
  ) {
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
  push(seq: number, reply: AckTarget, rejected: boolean): void {
    if (rejected && this.pending === 0) {
      this.settle(reply, 'term');
      this.acked = seq;
      return;
    }
    this.entries.push({ seq, reply, rejected });
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
    this.settle(last.reply, last.rejected ? 'term' : 'ack');
    this.acked = last.seq;
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return settled;
  }

  private settle(target: AckTarget, verdict: 'ack' | 'term'): void {
    if (typeof target === 'string') this.send(target, verdict);
    else if (verdict === 'ack') target.ack();
    else target.term();
  }
}
