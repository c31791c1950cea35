/**
 * Dead letters (DESIGN.md: invalid input is rejected at the source, logged, counted and sent to
 * a dead-letter subject). One JSON message per rejected input on `<prefix>.dlq.<kind>`, published
 * on core NATS: dead letters are never captured by the input stream.
 */
import type { Rejection } from '../domain/types.js';

/** The body of a dead letter. */
export interface DeadLetter {
  readonly reason: string;
  /** Rejection code, e.g. `invalid_json`, `too_large`. */
  readonly code: string;
  readonly field: string | null;
  readonly symbol: string | null;
  /** Subject the input arrived on. */
  readonly subject: string;
  /** Its stream sequence. */
  readonly seq: number;
  /** The original payload as UTF-8 text, cut to at most `maxBytes` bytes. */
  readonly data: string;
  /** Size of the original payload (bytes). */
  readonly bytes: number;
  readonly truncated: boolean;
}

const lenientUtf8 = new TextDecoder('utf-8', { fatal: false });

/** `<prefix>.dlq.<strategy|candle|tick|unknown>` for a rejection. */
export function deadLetterSubject(prefix: string, rejection: Rejection): string {
  return `${prefix}.dlq.${rejection.source}`;
}

/** Builds the dead letter of `rejection` for the payload `data` received on `subject`. */
export function deadLetter(rejection: Rejection, subject: string, data: Uint8Array, maxBytes: number): DeadLetter {
  const truncated = data.byteLength > maxBytes;
  const text = lenientUtf8.decode(truncated ? data.subarray(0, maxBytes) : data);
  return {
    reason: rejection.reason,
    code: rejection.code,
    field: rejection.field,
    symbol: rejection.symbol,
    subject,
    seq: rejection.seq,
    data: text,
    bytes: data.byteLength,
    truncated,
  };
}
