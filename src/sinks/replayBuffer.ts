import type { Delta } from './liveProtocol.js';

/**
 * The last `capacity` deltas, for clients that resume after a disconnect. The live server pushes
 * every delta it assigns a seq, so the kept seqs are contiguous and a lookup is index arithmetic.
 */
export class ReplayBuffer {
  private readonly ring: (Delta | undefined)[];
  private start = 0;
  private count = 0;

  /** @param capacity most deltas kept (0 keeps none: every resume gets a snapshot). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`ReplayBuffer capacity must be a non-negative integer (was ${capacity})`);
    this.ring = new Array<Delta | undefined>(capacity);
  }

  /** Keeps a delta, evicting the oldest when full. Seqs must follow each other by one. */
  push(delta: Delta): void {
    if (this.capacity === 0) return;
    const last = this.at(this.count - 1);
    if (last !== undefined && delta.seq !== last.seq + 1) throw new RangeError(`ReplayBuffer.push: seq ${delta.seq} does not follow ${last.seq}`);
    if (this.count === this.capacity) {
      this.ring[this.start] = delta;
      this.start = (this.start + 1) % this.capacity;
    } else {
      this.ring[(this.start + this.count) % this.capacity] = delta;
      this.count++;
    }
  }

  /**
   * The deltas after `seq`, oldest first, or null when some of them were already evicted (or none
   * was ever kept) and the caller must fall back to a snapshot. `seq` must not exceed the last seq.
   */
  since(seq: number): Delta[] | null {
    const first = this.at(0);
    const last = this.at(this.count - 1);
    if (first === undefined || last === undefined || seq < first.seq - 1) return null;
    const out: Delta[] = [];
    for (let i = seq - first.seq + 1; i < this.count; i++) out.push(this.at(i) as Delta);
    return out;
  }

  private at(i: number): Delta | undefined {
    return i < 0 || i >= this.count ? undefined : this.ring[(this.start + i) % this.capacity];
  }
}
