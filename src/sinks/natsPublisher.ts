/**
 * Publishes the engine's position changes and sizes on core NATS, one subject per symbol:
 * `<prefix>.decisions.<SYM>` (SYM written `BTC-USD`). Core publish only writes to the client's
 * buffer (it keeps buffering through a reconnect), so the engine is never blocked waiting on the
 * network; these messages are a live feed, not a record (SQLite and the decision log are).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { EngineOutput, OutputBatch } from '../domain/types.js';
import { symbolToSubjectToken } from '../sources/decode.js';
import { connectNats, type NatsConnectOptions } from '../sources/jetstreamConnection.js';

/** Options of the DecisionPublisher. */
export interface DecisionPublisherOptions {
  /** Subject prefix (default `tradestream`, NatsConfig.subjectPrefix). */
  readonly subjectPrefix?: string;
}

/** The outputs this sink forwards: positions, sizes, and `position.*` decisions. */
export function isPositionChange(output: EngineOutput): boolean {
  return (
    output.kind === 'position' || output.kind === 'size' || (output.kind === 'decision' && output.decision.startsWith('position.') && output.symbol !== null)
  );
}

/**
 * Forwards Position, PositionSize and `position.opened|resized|closed` Decisions of every
 * OutputBatch as JSON (the output object itself, `kind` included) on `<prefix>.decisions.<SYM>`.
 * `publish` never throws: a message the client refuses (connection closed) is counted in
 * `dropped`.
 */
export class DecisionPublisher {
  private readonly prefix: string;
  private readonly subjects = new Map<string, string>();
  private sent = 0;
  private lost = 0;

  /** Wraps an open connection; `owned`: close() drains it (true when made by `connect`). */
  constructor(
    private readonly nc: NatsConnection,
    opts: DecisionPublisherOptions = {},
    private readonly owned = false,
  ) {
    this.prefix = opts.subjectPrefix ?? 'tradestream';
  }

  /** Opens its own connection (reconnecting forever) and returns a publisher that owns it. */
  static async connect(connection: NatsConnectOptions, opts: DecisionPublisherOptions = {}): Promise<DecisionPublisher> {
    return new DecisionPublisher(await connectNats({ name: 'tradestream-decisions', ...connection }), opts, true);
  }

  /** Messages handed to the client so far. */
  get published(): number {
    return this.sent;
  }

  /** Messages the client refused (connection closed or buffer full). */
  get dropped(): number {
    return this.lost;
  }

  /** Publishes the batch's position changes and sizes, in batch order. Synchronous, never throws. */
  publish(batch: OutputBatch): void {
    for (const output of batch.outputs) {
      if (!isPositionChange(output)) continue;
      const symbol = (output as { symbol: string }).symbol;
      try {
        this.nc.publish(this.subject(symbol), JSON.stringify(output));
        this.sent += 1;
      } catch {
        this.lost += 1;
      }
    }
  }

  /** Sends what is buffered; drains and closes the connection when this publisher owns it. */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    if (this.owned) await this.nc.drain();
    else await this.nc.flush();
  }

  private subject(symbol: string): string {
    let subject = this.subjects.get(symbol);
    if (subject === undefined) {
      subject = `${this.prefix}.decisions.${symbolToSubjectToken(symbol)}`;
      this.subjects.set(symbol, subject);
    }
    return subject;
  }
}
