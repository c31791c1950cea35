/**
 * The two CSV details that price files from other tools bring: quoted cells and epoch times in
 * units other than milliseconds. Shared by `publish prices` (src/sources/inputFiles.ts) and
 * `backtest` (src/cli/backtestCommand.ts), which read files line by line.
 */

/**
 * The cells of one CSV line (RFC 4180 quoting within a line): `"BTC/USD","1,5"` → `BTC/USD`, `1,5`;
 * a doubled quote inside quotes is one quote. Returns an error naming the column for a quote left
 * open or text after a closing quote. A cell that spans lines cannot occur in a price file.
 */
export function splitCsvLine(line: string): string[] | { readonly error: string } {
  const cells: string[] = [];
  let at = 0;
  for (;;) {
    while (line[at] === ' ' || line[at] === '\t') at++;
    if (line[at] !== '"') {
      const comma = line.indexOf(',', at);
      cells.push(line.slice(at, comma < 0 ? line.length : comma));
      if (comma < 0) return cells;
      at = comma + 1;
      continue;
    }
    let cell = '';
    let from = at + 1;
    for (;;) {
      const quote = line.indexOf('"', from);
      if (quote < 0) return { error: `column ${cells.length + 1}: a quoted cell is not closed` };
      cell += line.slice(from, quote);
      if (line[quote + 1] === '"') {
        cell += '"';
        from = quote + 2;
        continue;
      }
      at = quote + 1;
      break;
    }
    while (line[at] === ' ' || line[at] === '\t') at++;
    cells.push(cell);
    if (at >= line.length) return cells;
    if (line[at] !== ',') return { error: `column ${cells.length}: text after the closing quote (${JSON.stringify(line.slice(at, at + 20))})` };
    at++;
  }
}

/** A number written in decimal, as a cell or flag holds one: `12`, `-0.5`, `.5`, `1e-3`. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Whether `text` (trimmed) is a decimal number. Number() also reads `0x10` as 16, `0b11` and `0o7`,
 * and '' as 0, none of which a price, a volume or a fee means (found by a bug hunt: `0x10` was
 * published as a price of 16).
 */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** Header names a CSV's time column may have (lower case): exchange exports say `timestamp`, `time` or `open_time`. */
export const TIME_COLUMNS: readonly string[] = ['ts', 'timestamp', 'time', 'open_time', 'opentime'];

/** The index of a header's time column: the first column named as one of TIME_COLUMNS, or -1. */
export function timeColumn(names: readonly string[]): number {
  return names.findIndex((n) => TIME_COLUMNS.includes(n));
}

/** The unit of a numeric epoch time. */
export type EpochUnit = 's' | 'ms' | 'us' | 'ns';

/**
 * The unit of a numeric epoch time, told apart by magnitude: below 1e11 seconds (1e11 ms would be
 * March 1973, 1e11 s the year 5138), below 1e14 milliseconds, below 1e17 microseconds (newer
 * exchange kline dumps), above that nanoseconds. Market data of 1970–1973 in milliseconds is the
 * one thing this misreads.
 */
export function epochUnitOf(value: number): EpochUnit {
  const size = Math.abs(value);
  return size < 1e11 ? 's' : size < 1e14 ? 'ms' : size < 1e17 ? 'us' : 'ns';
}

/**
 * Epoch milliseconds of a numeric time in `unit` (default: by its magnitude, epochUnitOf). Fractions
 * of a millisecond are cut, as the engine cuts them; seconds are multiplied and the finer units
 * divided, so whole values stay exact.
 */
export function epochMillis(value: number, unit: EpochUnit = epochUnitOf(value)): number {
  switch (unit) {
    case 's':
      return Math.trunc(value * 1_000);
    case 'ms':
      return Math.trunc(value);
    case 'us':
      return Math.trunc(value / 1_000);
    case 'ns':
      return Math.trunc(value / 1_000_000);
  }
}

/** Units of `unit` in one millisecond, as a BigInt divisor (seconds multiply instead). */
const PER_MS: Record<Exclude<EpochUnit, 's'>, bigint> = { ms: 1n, us: 1_000n, ns: 1_000_000n };

/**
 * Epoch milliseconds of a numeric time cell as written, `extraUnits` of its unit added (a kline's
 * close time + 1). A whole number of more than 15 digits is divided exactly as a BigInt: nanosecond
 * times (19 digits) are beyond a double's 2^53, and `Number` rounded them by up to 128 ns, which cut
 * 1700000000002000000 ns to …001 ms (found by a review). Fractions go through `epochMillis`.
 */
export function epochMillisOfText(text: string, unit: EpochUnit = epochUnitOf(Number(text)), extraUnits = 0): number {
  const digits = text.trim();
  if (/^-?\d{16,}$/.test(digits)) {
    const value = BigInt(digits) + BigInt(extraUnits);
    return unit === 's' ? Number(value * 1_000n) : Number(value / PER_MS[unit]);
  }
  return epochMillis(Number(digits) + extraUnits, unit);
}

/**
 * Why a JSON line's numeric time at one of `paths` (`ts`, `window.start`) is not epoch ms, or
 * null. A JSON line is published as written and the engine reads its times as ms: one in epoch
 * seconds went into the stream, for good, as a time of January 1970. Sized as seconds or µs/ns
 * (epochUnitOf, the rule a CSV's ts is read by), it is a bad line.
 */
export function misreadEpoch(value: unknown, paths: readonly string[]): string | null {
  for (const path of paths) {
    let time: unknown = value;
    for (const key of path.split('.')) time = typeof time === 'object' && time !== null ? (time as Record<string, unknown>)[key] : undefined;
    if (typeof time !== 'number') continue;
    const unit = epochUnitOf(time);
    if (unit !== 'ms')
      return `field "${path}" ${time} is sized as epoch ${unit === 's' ? 'seconds' : 'µs or ns'}, not ms: JSON lines carry epoch ms or ISO 8601 (a CSV's ts may be in any unit)`;
  }
  return null;
}
