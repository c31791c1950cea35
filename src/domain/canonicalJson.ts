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
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, not a finite number`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item, i) => write(item, `${path}[${i}]`)).join(',')}]`;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`canonicalJson: ${path} is a ${value.constructor?.name ?? 'non-plain object'}, not a plain object`);
      }
      const record = value as Record<string, unknown>;
      const fields: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const field = record[key];
        if (field === undefined) continue;
        fields.push(`${JSON.stringify(key)}:${write(field, `${path}.${key}`)}`);
      }
      return `{${fields.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${path} is ${typeof value}, not a JSON value`);
  }
}
