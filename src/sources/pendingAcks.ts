/**
 * The ack subjects of the messages the consumer thread has shipped and the engine has not yet
 * settled, in stream order. The engine settles only at its commits (every 100 ms or so), and
 * AckPolicy.All acks a message together with every earlier one, so each message's ack subject
 * must be kept until then, but only one of them is ever used per commit.
 *
 * Kept as UTF-8 bytes in one growing buffer, not as strings: tens of thousands of live
 * 80-character strings survive the young generation's scavenges and get copied by each of
 * them, which cost the consumer thread about a third more CPU (bench/RESULTS.md, section 3;
 * README, Performance). Only the settled message's subject is decoded again. A message
 * without a reply subject (never seen from a pull consumer; kept for safety) is kept as its
 * JsMsg, to be acked through the client.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Longest ack subject kept as bytes; a longer one (not seen in practice) is kept as a string. */
const MAX_SUBJECT_BYTES = 1024;

export class PendingAcks<M extends object> {
  private seqs = new Float64Array(1024);
  /** Message i's subject is bytes[starts[i] .. starts[i + 1]); `starts` has one more entry than there are messages. */
  private starts = new Uint32Array(1025);
  private bytes = new Uint8Array(64 * 1024);
  /** Replies that are not byte strings (a JsMsg, or an unusually long subject), by seq. */
  private readonly others = new Map<number, string | M>();
  private head = 0;
  private tail = 0;

  /** Messages kept. */
  get size(): number {
    return this.tail - this.head;
  }

  /** Keeps the reply of shipped message `seq`; seqs must increase. */
  push(seq: number, reply: string | M): void {
    // A UTF-8 subject of n UTF-16 units takes at most 3n bytes.
    const room = typeof reply === 'string' && reply.length <= MAX_SUBJECT_BYTES ? reply.length * 3 : 0;
    if (this.tail === this.seqs.length || (this.starts[this.tail] as number) + room > this.bytes.length) this.makeRoom(room);
    const at = this.starts[this.tail] as number;
    let end = at;
    if (room > 0) end = at + encoder.encodeInto(reply as string, this.bytes.subarray(at)).written;
    else this.others.set(seq, reply);
    this.seqs[this.tail] = seq;
    this.tail += 1;
    this.starts[this.tail] = end;
  }

  /**
   * Forgets every kept message up to `seq` and returns the reply of `seq` itself, or undefined
   * when `seq` is not kept (then the ones before it are forgotten all the same).
   */
  settle(seq: number): string | M | undefined {
    let found: string | M | undefined;
    while (this.head < this.tail && (this.seqs[this.head] as number) <= seq) {
      const s = this.seqs[this.head] as number;
      const other = this.others.get(s);
      if (other !== undefined) this.others.delete(s);
      if (s === seq) found = other ?? decoder.decode(this.bytes.subarray(this.starts[this.head] as number, this.starts[this.head + 1] as number));
      this.head += 1;
    }
    if (this.head === this.tail) {
      // Empty: start over at the front of the buffers.
      this.head = 0;
      this.tail = 0;
      this.starts[0] = 0;
    }
    return found;
  }

  /**
   * Moves the kept messages to the front of every buffer (the settled ones before them are free),
   * then doubles the index arrays when the kept ones fill more than half of them, and the byte
   * buffer until one more subject of `bytes` fits.
   */
  private makeRoom(bytes: number): void {
    const count = this.tail - this.head;
    const from = this.starts[this.head] as number;
    const used = (this.starts[this.tail] as number) - from;
    // In place, every read is at or after its write, so forward copies are safe.
    this.seqs.copyWithin(0, this.head, this.tail);
    for (let i = 0; i <= count; i++) this.starts[i] = (this.starts[this.head + i] as number) - from;
    this.bytes.copyWithin(0, from, from + used);
    this.head = 0;
    this.tail = count;
    if (count * 2 > this.seqs.length) {
      const seqs = new Float64Array(this.seqs.length * 2);
      const starts = new Uint32Array(seqs.length + 1);
      seqs.set(this.seqs);
      starts.set(this.starts);
      this.seqs = seqs;
      this.starts = starts;
    }
    if (used + bytes > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < used + bytes) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(0, used));
      this.bytes = grown;
    }
  }
}
