/**
 * Field rules of the input messages (DESIGN.md, Inputs): how a timestamp, a candle interval, a
 * symbol and each kind of number must look on the wire, and a reader that applies them field by
 * field and remembers the first failure with a reason that names the field and the value.
 *
 * Why not a TypeBox schema: the reasons and the stable `code`s we must report (`not_finite` for a
 * "NaN" string, `bad_timestamp`, `inconsistent_ohlc`, …) do not fall out of a JSON Schema error
 * list, and a union such as "epoch ms or ISO string" reports its branches instead of the field.
 * Checking a handful of fields by hand costs about what a compiled validator does; `JSON.parse`
 * dominates either way (NOTES.md, Validation).
 */
import type { Millis } from '../domain/types.js';

/** Stable keys of `Rejection.code`, for metrics. */
export type RejectionCode =
  | 'invalid_json'
  | 'not_an_object'
  | 'missing_field'
  | 'wrong_type'
  | 'not_finite'
  | 'non_positive'
  | 'out_of_range'
  | 'inconsistent_ohlc'
  | 'bad_symbol'
  | 'subject_mismatch'
  | 'too_large'
  | 'unknown_subject'
  | 'bad_timestamp'
  | 'unknown_type'
  | 'bad_parameter';

/** The first thing wrong with a message. */
export interface FieldFailure {
  readonly code: RejectionCode;
  readonly field: string | null;
  readonly reason: string;
}

/** A trading pair as written in message bodies: upper-case letters and digits, `BASE/QUOTE`. */
export const SYMBOL_PATTERN = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/;

/**
 * Prices the engine accepts. Finite is not enough: returns are price ratios and their squares are
 * summed, so a price of 1e-300 after 100 gives a return near 1e302 whose square is Infinity, and a
 * subnormal price turns equity into 0 × Infinity = NaN; either stopped the engine (a broken
 * invariant). Within these bounds the largest ratio is 1e27 and its square 1e54, far from
 * overflow. They hold every traded asset's quote with room to spare.
 */
export const MIN_PRICE = 1e-12;
export const MAX_PRICE = 1e15;
/** Largest volume or trade size accepted (positions mark quantity × price: at most 1e33 here). */
export const MAX_QUANTITY = 1e18;

/** Largest time a JavaScript Date can hold (ms); later "timestamps" are garbage. */
const MAX_EPOCH_MS = 8.64e15;

/**
 * ISO 8601 / RFC 3339 date, or date-time with a zone. A date-time without `Z` or an offset is
 * refused: it would be read in the process's local zone, and replay must not depend on `TZ`.
 */
const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|([+-])(\d{2})(?::?(\d{2}))?))?$/;

const INTERVAL_PATTERN = /^([1-9]\d{0,6})(s|m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Strings a producer may send for a non-finite number; named as such rather than as a wrong type. */
const NON_FINITE_WORDS = /^[+-]?(nan|inf|infinity)$/i;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Reads an event time: epoch milliseconds (a finite number in [0, 8.64e15]) or an ISO 8601 string
 * (`2026-11-20T10:00:00Z`, `2026-11-20T11:00:00.250+01:00`, or a date `2026-11-20` = UTC midnight).
 * Returns whole epoch ms, or null when the value is neither. Fractions of a millisecond are
 * truncated, in numbers as in strings: every time downstream is whole ms (the state file's time
 * columns are INTEGER, and a fraction there failed the flush and stopped the engine).
 */
export function parseTimestamp(value: unknown): Millis | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && value <= MAX_EPOCH_MS ? Math.floor(value) : null;
  if (typeof value !== 'string') return null;
  const m = ISO_PATTERN.exec(value);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  // Years before 1970 are refused like negative epoch numbers (and Date.UTC maps 0..99 to 19xx).
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const offH = Number(m[10]);
    // ISO 8601 allows an offset of hours alone (`+01`; found by a bug hunt, it was refused).
    const offM = m[11] === undefined ? 0 : Number(m[11]);
    if (offH > 23 || offM > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offH * 60 + offM);
  }
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  // 1970-01-01 with a positive offset is before the epoch: refused as a negative epoch number is.
  return epochMs >= 0 ? epochMs : null;
}

/**
 * Reads a candle interval: `"30s"`, `"1m"`, `"5m"`, `"1h"`, `"4h"`, `"1d"`, `"1w"`, or a positive
 * integer number of milliseconds. Returns ms, or null. Months are refused: their length varies.
 */
export function parseInterval(value: unknown): Millis | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  if (typeof value !== 'string') return null;
  const m = INTERVAL_PATTERN.exec(value);
  return m === null ? null : Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/** A value as it appears in a reason: strings quoted, long values cut to 60 characters. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      // Nested past the stack (a 30 KB price of 15,000 nested arrays): String() recurses as deep,
      // and the error it threw stopped the engine on every restart (found by a bug hunt).
      text = Array.isArray(value) ? 'an array nested too deeply to print' : 'an object nested too deeply to print';
    }
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The JSON type name of a value, for "must be an object (was array)". */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** True for a JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the fields of one message in order and keeps the first failure. Once a read has failed,
 * later reads return placeholders (NaN, '') and record nothing, so a validator reads every field
 * in a straight line and checks `failure` once; the placeholders never leave the validator.
 * `prefix` names nested fields (`window.start`).
 */
export class FieldReader {
  failure: FieldFailure | null = null;

  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly prefix = '',
  ) {}

  /** Records a failure unless one is already recorded. */
  fail(code: RejectionCode, field: string | null, reason: string): void {
    if (this.failure === null) this.failure = { code, field, reason };
  }

  private name(field: string): string {
    return this.prefix + field;
  }

  /** The raw value; records `missing_field` when absent (undefined or null). */
  private present(field: string): unknown {
    const value = this.obj[field];
    if (value === undefined || value === null) {
      // A null is named as what it was (found by a bug hunt: the reason never showed the value).
      this.fail('missing_field', this.name(field), `field "${this.name(field)}" is missing${value === null ? ' (was null)' : ''}`);
      return undefined;
    }
    return value;
  }

  /** A finite JSON number. Numeric strings are refused: the wire format carries numbers. */
  number(field: string): number {
    if (this.failure !== null) return Number.NaN;
    const value = this.present(field);
    if (value === undefined) return Number.NaN;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    const nonFinite = typeof value === 'number' || (typeof value === 'string' && NON_FINITE_WORDS.test(value.trim()));
    this.fail(nonFinite ? 'not_finite' : 'wrong_type', this.name(field), `field "${this.name(field)}" must be a finite number (was ${describeValue(value)})`);
    return Number.NaN;
  }

  /** A finite number > 0 (prices). */
  positive(field: string): number {
    const value = this.number(field);
    if (this.failure === null && !(value > 0)) {
      this.fail('non_positive', this.name(field), `field "${this.name(field)}" must be > 0 (was ${describeValue(value)})`);
    }
    return value;
  }

  /** A price: a finite number > 0, within [MIN_PRICE, MAX_PRICE]. */
  price(field: string): number {
    const value = this.positive(field);
    if (this.failure === null && !(value >= MIN_PRICE && value <= MAX_PRICE)) {
      this.fail('out_of_range', this.name(field), `field "${this.name(field)}" must be in [${MIN_PRICE}, ${MAX_PRICE}] (was ${describeValue(value)})`);
    }
    return value;
  }

  /** A quantity (volume, trade size): a finite number in [0, MAX_QUANTITY]. */
  quantity(field: string): number {
    const value = this.number(field);
    if (this.failure === null && !(value >= 0)) {
      this.fail('out_of_range', this.name(field), `field "${this.name(field)}" must be >= 0 (was ${describeValue(value)})`);
    } else if (this.failure === null && !(value <= MAX_QUANTITY)) {
      this.fail('out_of_range', this.name(field), `field "${this.name(field)}" must be <= ${MAX_QUANTITY} (was ${describeValue(value)})`);
    }
    return value;
  }

  /** A finite number in [min, max]. */
  between(field: string, min: number, max: number): number {
    const value = this.number(field);
    if (this.failure === null && !(value >= min && value <= max)) {
      this.fail('out_of_range', this.name(field), `field "${this.name(field)}" must be in [${min}, ${max}] (was ${describeValue(value)})`);
    }
    return value;
  }

  /** A string with at least one non-blank character. */
  text(field: string): string {
    if (this.failure !== null) return '';
    const value = this.present(field);
    if (value === undefined) return '';
    if (typeof value === 'string' && value.trim() !== '') return value;
    this.fail('wrong_type', this.name(field), `field "${this.name(field)}" must be a non-empty string (was ${describeValue(value)})`);
    return '';
  }

  /** A symbol `BASE/QUOTE`. */
  symbol(field: string): string {
    const value = this.text(field);
    if (this.failure === null && !SYMBOL_PATTERN.test(value)) {
      this.fail('bad_symbol', this.name(field), `field "${this.name(field)}" must look like BASE/QUOTE, e.g. "BTC/USD" (was ${describeValue(value)})`);
    }
    return value;
  }

  /** An event time (see parseTimestamp). */
  timestamp(field: string): Millis {
    if (this.failure !== null) return Number.NaN;
    const value = this.present(field);
    if (value === undefined) return Number.NaN;
    const ms = parseTimestamp(value);
    if (ms !== null) return ms;
    this.fail('bad_timestamp', this.name(field), `field "${this.name(field)}" must be epoch ms or an ISO 8601 time with a zone (was ${describeValue(value)})`);
    return Number.NaN;
  }

  /** A candle interval (see parseInterval). */
  interval(field: string): Millis {
    if (this.failure !== null) return Number.NaN;
    const value = this.present(field);
    if (value === undefined) return Number.NaN;
    const ms = parseInterval(value);
    if (ms !== null) return ms;
    this.fail(
      typeof value === 'number' ? 'out_of_range' : 'wrong_type',
      this.name(field),
      `field "${this.name(field)}" must be a duration like "1m", "5m", "1h", "1d" or a positive integer of ms (was ${describeValue(value)})`,
    );
    return Number.NaN;
  }

  /** A JSON object (parameters). */
  record(field: string): Record<string, unknown> {
    if (this.failure !== null) return {};
    const value = this.present(field);
    if (value === undefined) return {};
    if (isRecord(value)) return value;
    this.fail('wrong_type', this.name(field), `field "${this.name(field)}" must be an object (was ${describeValue(value)})`);
    return {};
  }

  /** An optional JSON object; null when absent (undefined or null). */
  optionalRecord(field: string): Record<string, unknown> | null {
    const value = this.obj[field];
    if (value === undefined || value === null || this.failure !== null) return null;
    if (isRecord(value)) return value;
    this.fail('wrong_type', this.name(field), `field "${this.name(field)}" must be an object (was ${describeValue(value)})`);
    return null;
  }

  /** An optional string; null when absent. */
  optionalText(field: string): string | null {
    const value = this.obj[field];
    if (value === undefined || value === null || this.failure !== null) return null;
    if (typeof value === 'string') return value;
    this.fail('wrong_type', this.name(field), `field "${this.name(field)}" must be a string (was ${describeValue(value)})`);
    return null;
  }

  /** An optional boolean; `fallback` when absent. */
  optionalFlag(field: string, fallback: boolean): boolean {
    const value = this.obj[field];
    if (value === undefined || value === null || this.failure !== null) return fallback;
    if (typeof value === 'boolean') return value;
    this.fail('wrong_type', this.name(field), `field "${this.name(field)}" must be true or false (was ${describeValue(value)})`);
    return fallback;
  }
}
