import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/types.js';
import { canonicalJson, DecisionLog } from '../../src/sinks/decisionLog.js';

// Keys deliberately out of order, so the canonical form has to sort them.
const opened: Decision = {
  time: 1_700_000_000_000,
  symbol: 'BTC/USD',
  seq: 7,
  reason: 'target 0.12 > 0',
  kind: 'decision',
  details: { size: 0.12, price: 37_000.5, ensembleId: 'e1' },
  decision: 'position.opened',
};
const breaker: Decision = {
  kind: 'decision',
  decision: 'breaker.changed',
  time: 1_700_000_060_000,
  seq: 9,
  symbol: null,
  reason: 'drawdown 5.1% reached 5%',
  details: { to: 'REDUCING', from: 'NORMAL', drawdown: 0.051 },
};
const openedLine =
  '{"decision":"position.opened","details":{"ensembleId":"e1","price":37000.5,"size":0.12},"kind":"decision","reason":"target 0.12 > 0","seq":7,"symbol":"BTC/USD","time":1700000000000}';
const breakerLine =
  '{"decision":"breaker.changed","details":{"drawdown":0.051,"from":"NORMAL","to":"REDUCING"},"kind":"decision","reason":"drawdown 5.1% reached 5%","seq":9,"symbol":null,"time":1700000060000}';
// Computed outside Node, once:
//   printf '%s\n' "$openedLine" "$breakerLine" | sha256sum
const bothLinesSha256 = '8de9184be478d60b214ff5c1e97f946863654735a8f62738b1f4a83a32d001d2';
//   printf '' | sha256sum
const emptySha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('canonicalJson', () => {
  it('sorts keys at every depth and prints no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('prints the same line for equal values built in different key orders', () => {
    const reordered = JSON.parse(JSON.stringify(opened)) as Decision;
    const shuffled = Object.fromEntries(Object.entries(reordered).reverse());
    expect(canonicalJson(shuffled)).toBe(canonicalJson(opened));
    expect(canonicalJson(opened)).toBe(openedLine);
  });

  it('prints numbers and strings exactly as JSON.stringify does', () => {
    expect(canonicalJson([0.1 + 0.2, 1e21, -0, 5e-7, 'quote " and \n newline', 'é'])).toBe(
      JSON.stringify([0.1 + 0.2, 1e21, -0, 5e-7, 'quote " and \n newline', 'é']),
    );
  });

  it('prints what JSON.stringify prints of the value with its keys sorted, over 3,000 random values', () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const keys = ['a', 'b', 'z', 'strategyId', 'é', 'key "quoted"', '10', '2', 'kind', 'line\nbreak', '', 'A'];
    const numbers = [0, -0, 1, -1, 0.1 + 0.2, 1e21, 1e-7, 5e-7, -1.5e300, 123_456.789, 2 ** 53 + 2, Number.MIN_VALUE];
    const build = (depth: number): unknown => {
      const pick = Math.floor(random() * (depth > 3 ? 4 : 6));
      if (pick === 0) return numbers[Math.floor(random() * numbers.length)];
      if (pick === 1) return keys[Math.floor(random() * keys.length)];
      if (pick === 2) return random() < 0.5;
      if (pick === 3) return null;
      if (pick === 4) return Array.from({ length: Math.floor(random() * 4) }, () => build(depth + 1));
      const out: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 5); i > 0; i--) out[keys[Math.floor(random() * keys.length)] as string] = random() < 0.1 ? undefined : build(depth + 1);
      return out;
    };
    // The reference: a copy whose objects are built in sorted key order, printed by JSON.stringify.
    const sorted = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(sorted);
      if (v === null || typeof v !== 'object') return v;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sorted((v as Record<string, unknown>)[k]);
      return out;
    };
    let compared = 0;
    for (let i = 0; i < 3_000; i++) {
      const value = build(0);
      // Integer-like keys ('10', '2') are ordered first by JS objects whatever the insertion order;
      // JSON.stringify follows that order, so the reference keeps only values without them at depth.
      const reference = JSON.stringify(sorted(value));
      if (/"(10|2)":/.test(reference)) continue;
      expect(canonicalJson(value)).toBe(reference);
      compared++;
    }
    expect(compared).toBeGreaterThan(2_000);
  });

  it('leaves out object properties that are undefined', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it.each([
    ['NaN', { details: { size: Number.NaN } }, '$.details.size is NaN'],
    ['Infinity', { pnl: Number.POSITIVE_INFINITY }, '$.pnl is Infinity'],
    ['a bigint', { n: 1n }, '$.n is bigint'],
    ['undefined in an array', { ids: ['a', undefined] }, '$.ids[1] is undefined'],
    ['a Date', { at: new Date(0) }, '$.at is a Date'],
    ['a function', { f: () => 1 }, '$.f is function'],
  ])('throws on %s, naming where it sits', (_label, value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });
});

describe('DecisionLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'decision-log-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('fingerprints known lines as the SHA-256 computed by sha256sum', () => {
    const log = new DecisionLog();
    expect(log.fingerprint()).toBe(emptySha256);
    expect(log.append(opened)).toBe(openedLine);
    expect(log.append(breaker)).toBe(breakerLine);
    expect(log.fingerprint()).toBe(bothLinesSha256);
    expect(log.count()).toBe(2);
  });

  it('keeps hashing after a fingerprint is taken', () => {
    const log = new DecisionLog();
    log.append(opened);
    const afterOne = log.fingerprint();
    expect(log.fingerprint()).toBe(afterOne);
    log.append(breaker);
    expect(log.fingerprint()).toBe(bothLinesSha256);
    expect(afterOne).not.toBe(bothLinesSha256);
  });

  it('gives the same fingerprint to two logs of the same decisions', () => {
    const first = new DecisionLog();
    const second = new DecisionLog();
    for (const log of [first, second]) {
      log.append(opened);
      log.append(breaker);
    }
    expect(second.fingerprint()).toBe(first.fingerprint());
  });

  it('appends the lines to a file whose SHA-256 is the fingerprint', () => {
    const path = join(dir, 'nested', 'decisions.jsonl');
    const log = new DecisionLog(path);
    log.append(opened);
    log.append(breaker);
    log.close();
    expect(readFileSync(path, 'utf8')).toBe(`${openedLine}\n${breakerLine}\n`);
    expect(log.fingerprint()).toBe(bothLinesSha256);
  });

  it('writes buffered lines to the file on flush, before close', () => {
    const path = join(dir, 'decisions.jsonl');
    const log = new DecisionLog(path);
    log.append(opened);
    log.flush();
    expect(readFileSync(path, 'utf8')).toBe(`${openedLine}\n`);
    log.close();
  });

  it('writes in batches once enough lines are buffered, without a flush', () => {
    const path = join(dir, 'decisions.jsonl');
    const log = new DecisionLog(path);
    // Each line is about 190 bytes, so 1,000 of them cross the 64 KiB write threshold.
    for (let i = 0; i < 1000; i++) log.append({ ...opened, seq: i });
    const written = readFileSync(path, 'utf8');
    expect(written.length).toBeGreaterThan(0);
    expect(written.endsWith('\n')).toBe(true);
    log.close();
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(1001);
  });

  // The state store is the truth: a restart starts the file from the lines the store committed.
  // Appending to whatever a crash left lost the lines not yet written (found by a bug hunt: 38
  // committed lines missing for good) and would repeat lines written past the last commit.
  it('starts the file from the committed lines, whatever a crash left in it, and continues after them', () => {
    const path = join(dir, 'decisions.jsonl');
    const crashed = new DecisionLog(path);
    crashed.append(opened);
    crashed.append(breaker); // written, but its input was never committed
    crashed.close();
    const restarted = new DecisionLog(path, [openedLine]);
    expect(readFileSync(path, 'utf8')).toBe(`${openedLine}\n`);
    // The rebuild hashes the committed decision without writing it again; the next input's decision follows.
    restarted.append(opened, false);
    restarted.append(breaker);
    restarted.close();
    expect(readFileSync(path, 'utf8')).toBe(`${openedLine}\n${breakerLine}\n`);
    expect(restarted.fingerprint()).toBe(createHash('sha256').update(`${openedLine}\n${breakerLine}\n`).digest('hex'));
  });

  it('writes committed lines past the write threshold in full', () => {
    const path = join(dir, 'decisions.jsonl');
    const lines = Array.from({ length: 3_000 }, (_, i) => `${openedLine.slice(0, -1)},"n":${i}}`);
    new DecisionLog(path, lines).close();
    expect(readFileSync(path, 'utf8')).toBe(`${lines.join('\n')}\n`);
  });

  it('refuses appends after close and closes only once', () => {
    const log = new DecisionLog(join(dir, 'decisions.jsonl'));
    log.close();
    log.close();
    expect(() => log.append(opened)).toThrow('DecisionLog.append after close');
  });
});
