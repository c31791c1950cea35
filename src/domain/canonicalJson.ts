/**
 * Canonical JSON of a plain JSON value (a Decision, strategy parameters): object keys sorted
 * recursively by UTF-16 code unit order (Array.prototype.sort's default, the same on every
 * platform), no whitespace, strings and numbers exactly as JSON.stringify prints them.
 *
 * Object properties whose value is `undefined` are left out, as JSON.stringify does, so an absent
 * optional field and an undefined one print alike. Anything that JSON cannot carry faithfully is a
 * bug in the producer and throws a TypeError naming where it sits (`details.size is NaN`): NaN and
 * ±Infinity (JSON.stringify would silently print null), bigint, functions, symbols, undefined in an
 * array or at the top, and objects that are not plain (Date, Map, class instances), which would
 * serialize lossily.
 */
export function canonicalJson(value: unknown): string {
  const line = write(value);
  // The printer keeps no path; on a value it cannot print, `fault` walks again to name where it sits.
  if (line === null) throw new TypeError(`canonicalJson: ${fault(value, '$') ?? '$ cannot be printed'}`);
  return line;
}

/**
 * Quoted keys by key: a decision has a handful of distinct keys, and JSON.stringify of each one on
 * every line was a fifth of the serialization. Bounded, so odd keys cannot grow it.
 */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 1024;

function quoted(key: string): string {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quotedKeys.size >= MAX_QUOTED_KEYS) quotedKeys.clear();
    quotedKeys.set(key, q);
  }
  return q;
}

/** A plain object (not a Date, Map or class instance, which would serialize lossily). */
function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The canonical text, or null at the first value it refuses. No path string is built per field:
 * the engine serializes every decision, and paths made it about 2× slower.
 */
function write(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      // JSON.stringify prints a finite number as ToString(number) (ECMA-262 SerializeJSONProperty), which String() is; -0 → "0" in both.
      return Number.isFinite(value) ? String(value) : null;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item = write(value[i]);
          if (item === null) return null;
          out += i === 0 ? item : `,${item}`;
        }
        return `${out}]`;
      }
      if (!isPlain(value)) return null;
      const record = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const key of Object.keys(record).sort()) {
        const field = record[key];
        if (field === undefined) continue;
        const text = write(field);
        if (text === null) return null;
        out += first ? `${quoted(key)}:${text}` : `,${quoted(key)}:${text}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return null;
  }
}

/** Why `write` refuses `value` (at `path`), naming the first value it refuses in its order; null when it does not. */
function fault(value: unknown, path: string): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${value}, not a finite number`;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const found = fault(value[i], `${path}[${i}]`);
          if (found !== null) return found;
        }
        return null;
      }
      if (!isPlain(value)) return `${path} is a ${value.constructor?.name ?? 'non-plain object'}, not a plain object`;
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record).sort()) {
        const field = record[key];
        if (field === undefined) continue;
        const found = fault(field, `${path}.${key}`);
        if (found !== null) return found;
      }
      return null;
    }
    default:
      return `${path} is ${typeof value}, not a JSON value`;
  }
}
