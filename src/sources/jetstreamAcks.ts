/**
 * Acknowledgement bookkeeping of the live JetStream source under `AckPolicy.All`, where acking
 * (or terminating) message N acknowledges every message up to N on the server. So an ack may only
 * be sent for N once every input up to N is committed to SQLite, and a dead-lettered message may
 * only be terminated once everything before it is committed: otherwise a crash would lose inputs.
 */

/**
 * Sends the JetStream ack protocol (`+ACK` or `+TERM`) for the delivered message with stream seq
 * `seq`. The consumer thread holds the messages' ack subjects (jetstreamConsumerThread.ts); the
 * queue only decides which seq to settle and how.
 */
export type AckSender = (seq: number, verdict: 'ack' | 'term') => void;

/**
 * The messages handed to the engine and not yet acknowledged, in stream order. Sends at most one
 * ack (or term) per `ackUpTo` call. Holds numbers only (no message, no subject), so the inputs of
 * the ~100 ms between two commits add nothing that outlives the young-generation GC.
 */
export class AckQueue {
  private seqs: number[] = [];
  /** Pending seqs that were dead-lettered: nothing to commit, settled once every earlier input is. */
  private readonly rejected = new Set<number>();
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
    return this.seqs.length - this.head;
  }

  /**
   * Records a message handed to the engine. A rejected one is terminated at once when nothing
   * before it is pending (plain `term()`: NOTES.md, 2.9.10 ignores a reason); otherwise it waits
   * for the commit of the inputs before it.
   */
  push(seq: number, rejected: boolean): void {
    if (rejected && this.pending === 0) {
      this.send(seq, 'term');
      this.acked = seq;
      return;
    }
    this.seqs.push(seq);
    if (rejected) this.rejected.add(seq);
  }

  /**
   * The engine committed every input up to `upToSeq`: acknowledges the longest prefix of pending
   * messages that are committed or rejected, with one ack of its last message (a term when that
   * one was rejected). Returns the number of messages settled.
   */
  ackUpTo(upToSeq: number): number {
    let last = -1;
    let settled = 0;
    while (this.head < this.seqs.length) {
      const seq = this.seqs[this.head] as number;
      if (seq > upToSeq && !this.rejected.has(seq)) break;
      last = seq;
      this.head += 1;
      settled += 1;
    }
    if (settled === 0) return 0;
    const wasRejected = this.rejected.size > 0 && this.rejected.has(last);
    if (this.rejected.size > 0) for (const seq of this.rejected) if (seq <= last) this.rejected.delete(seq);
    this.send(last, wasRejected ? 'term' : 'ack');
    this.acked = last;
    if (this.head > 4096 && this.head * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
    return settled;
  }
}
