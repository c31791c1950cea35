/**
 * Engines sharded by symbol must own every symbol of the stream between them: the messages of a
 * symbol no engine owns are passed over by every shard, acked, and never traded, without an error
 * anywhere. Nothing says in advance which symbols the stream will carry, so the check is made on
 * the messages themselves: the first time a shard passes over a symbol, it reads which symbols the
 * stream's durables are for (each engine records its set in its durable's description,
 * jetstreamLive.ts) and warns when none is for that symbol. An engine started later may take it,
 * so an uncovered symbol is looked at again each time the count of its passed-over messages
 * doubles (a few readings over a long run, none once it is covered), and its coverage is logged
 * when it comes. Shards are usually started together, each creating its durable as it starts: the
 * first reading waits GRACE_MS of consuming, so that a shard does not warn about the symbols of
 * another that is still starting.
 */

import type { SourceLog } from './jetstreamLive.js';

/** Whom a durable is for: the set of symbols its engine owns, 'every' symbol, or null (not an engine's durable). */
export type DurableOwner = ReadonlySet<string> | 'every' | null;

interface Uncovered {
  /** Messages passed over so far. */
  passed: number;
  /** The passed-over count at which the owners are read again. */
  readAgainAt: number;
  /** Whether this engine has warned that no engine owns it. */
  warned: boolean;
}

/**
 * Most symbols tracked, covered and uncovered together: each distinct subject symbol is an entry
 * (and a warning), and the subjects are whatever was published, so a flood of bogus ones must not
 * grow the map without end (as decode.ts bounds its route cache). Past it, new symbols are passed
 * over unchecked, said once.
 */
export const MAX_TRACKED_SYMBOLS = 10_000;

/** How long a shard consumes before its first reading of the durables (ms of wall time: this is monitoring, not a decision). */
export const GRACE_MS = 10_000;

export class ShardCoverage {
  /** Symbols some engine's durable was for at the last reading. */
  private readonly covered = new Set<string>();
  private readonly uncovered = new Map<string, Uncovered>();
  private reading: Promise<void> | null = null;
  private full = false;
  private stopped = false;
  /** Whether GRACE_MS has not yet passed since the coverage was made (then the clock is read no more). */
  private inGrace: boolean;
  private readonly startedAt: number;
  /**
   * Ends the grace on time when something was passed over during it: without it, the symbols of a
   * backlog (or of a file published) in the first GRACE_MS were never checked unless some other
   * symbol's message was passed over later, and a stream gone quiet never said so (found by a bug hunt).
   */
  private graceTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param readOwners whom each durable of the stream is for (one reading of the server)
   * @param where the stream and this engine's durable, for the log lines
   * @param onReading after each reading: the symbols passed over that no engine owns (metrics)
   * @param graceMs how long to consume before the first reading (GRACE_MS)
   * @param clock wall time in ms (tests give their own)
   */
  constructor(
    private readonly readOwners: () => Promise<readonly DurableOwner[]>,
    private readonly log: SourceLog,
    private readonly where: { readonly stream: string; readonly consumer: string },
    private readonly onReading?: (ownerless: readonly string[]) => void,
    private readonly graceMs = GRACE_MS,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.startedAt = clock();
    this.inGrace = graceMs > 0;
  }

  /** A message of `symbol` was passed over: this engine does not own it. */
  passedOver(symbol: string): void {
    if (this.stopped || this.covered.has(symbol)) return;
    let u = this.uncovered.get(symbol);
    if (u === undefined) {
      if (this.covered.size + this.uncovered.size >= MAX_TRACKED_SYMBOLS) {
        if (!this.full) {
          this.full = true;
          this.log.warn(
            { ...this.where, tracked: MAX_TRACKED_SYMBOLS },
            `more than ${MAX_TRACKED_SYMBOLS} symbols passed over: the symbols past them are not checked for an engine that owns them`,
          );
        }
        return;
      }
      u = { passed: 0, readAgainAt: 1, warned: false };
      this.uncovered.set(symbol, u);
    }
    u.passed++;
    if (this.inGrace) {
      const left = this.graceMs - (this.clock() - this.startedAt);
      if (left > 0) {
        if (this.graceTimer === undefined) {
          this.graceTimer = setTimeout(() => this.endGrace(), left);
          this.graceTimer.unref?.();
        }
        return;
      }
      this.endGrace();
      return;
    }
    if (u.passed >= u.readAgainAt) this.read();
  }

  /** The grace is over: the symbols passed over meanwhile are checked now, whether or not more messages come. */
  private endGrace(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.stopped || !this.inGrace) return;
    this.inGrace = false;
    if ([...this.uncovered.values()].some((u) => u.passed >= u.readAgainAt)) this.read();
  }

  private read(): void {
    if (this.reading !== null) return;
    this.reading = this.check().finally(() => {
      this.reading = null;
    });
  }

  /** No more readings, and none under way is reported: the source is closing (its connection too). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  /** Resolves when no reading is under way. */
  settled(): Promise<void> {
    return this.reading ?? Promise.resolve();
  }

  private async check(): Promise<void> {
    let owners: readonly DurableOwner[];
    try {
      owners = await this.readOwners();
    } catch (error) {
      // A reading cut by the source closing its connection is no news.
      if (this.stopped) return;
      // Retried at the next doubling of some symbol's count; consuming goes on meanwhile.
      for (const u of this.uncovered.values()) u.readAgainAt = Math.max(u.readAgainAt, u.passed * 2);
      this.log.warn({ ...this.where, err: String(error) }, 'cannot read the durables of the stream to check that every symbol has an engine');
      return;
    }
    if (this.stopped) return;
    const forEvery = owners.includes('every');
    for (const [symbol, u] of this.uncovered) {
      if (forEvery || owners.some((o) => o instanceof Set && o.has(symbol))) {
        this.covered.add(symbol);
        this.uncovered.delete(symbol);
        // Logged only when this engine had warned about it (a failed reading also moves readAgainAt).
        if (u.warned) this.log.info({ ...this.where, symbol, passedOver: u.passed }, 'a symbol no engine owned has an engine now');
        continue;
      }
      // A symbol not warned about yet is named now whatever its count (a failed reading moved its
      // readAgainAt): the gauge fed below counts it, and used to count it unnamed until it doubled.
      if (u.warned && u.passed < u.readAgainAt) continue;
      u.readAgainAt = u.passed * 2;
      u.warned = true;
      this.log.warn(
        { ...this.where, symbol, passedOver: u.passed },
        `no engine owns ${symbol}: none of the stream's durables is for it, so every shard passes its messages over and nothing trades it; start an engine whose --symbols include it`,
      );
    }
    this.onReading?.([...this.uncovered.keys()].sort());
  }
}
