import type { Delta } from './liveProtocol.js';

/** Most deltas in one array frame. */
export const MAX_DELTAS_PER_FRAME = 256;
/** A frame stops growing once its JSON passes this many characters (one oversized delta still goes alone). */
export const MAX_FRAME_CHARS = 64 * 1024;

/**
 * Cuts the next frame from `queue` starting at `start`: up to MAX_DELTAS_PER_FRAME deltas or
 * MAX_FRAME_CHARS characters, skipping null holes (conflated deltas). Returns the wire text, a JSON
 * array of already-serialized deltas, the index after the frame and how many deltas it holds; null
 * when nothing is left.
 */
export function cutFrame(queue: readonly (Delta | null)[], start: number): { text: string; end: number; deltas: number } | null {
  const parts: string[] = [];
  let chars = 2;
  let i = start;
  for (; i < queue.length && parts.length < MAX_DELTAS_PER_FRAME && chars < MAX_FRAME_CHARS; i++) {
    const delta = queue[i];
    if (delta === null || delta === undefined) continue;
    parts.push(delta.json);
    chars += delta.json.length + 1;
  }
  return parts.length === 0 ? null : { text: `[${parts.join(',')}]`, end: i, deltas: parts.length };
}

/**
 * The frames of one flush tick for every client that wants exactly what was published during the
 * tick (the common case: subscribed to everything, not behind). They are encoded once into Buffers
 * and the same Buffer is handed to each such client, so a broadcast costs one serialization.
 */
export class SharedFrames {
  private readonly frames = new Map<number, { data: Buffer; end: number; deltas: number }>();

  /** @param deltas every delta published since the previous tick, in seq order, with no seq missing. */
  constructor(private readonly deltas: readonly Delta[]) {}

  /**
   * True when `queue` (no holes, in seq order) is this tick's list. A queue that starts at the
   * tick's first delta holds only deltas of the tick, since the tick holds every later seq; with
   * the same length it is the whole list.
   */
  covers(queue: readonly (Delta | null)[]): boolean {
    return queue.length > 0 && queue.length === this.deltas.length && queue[0] === this.deltas[0];
  }

  /** The frame starting at index `start` of the tick's list, encoded on first use. */
  frameAt(start: number): { data: Buffer; end: number; deltas: number } | null {
    let frame = this.frames.get(start);
    if (frame === undefined) {
      const cut = cutFrame(this.deltas, start);
      if (cut === null) return null;
      frame = { data: Buffer.from(cut.text), end: cut.end, deltas: cut.deltas };
      this.frames.set(start, frame);
    }
    return frame;
  }
}
