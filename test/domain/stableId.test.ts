import { describe, expect, it } from 'vitest';
import { fnv1a32, murmur3Hash32, stableId } from '../../src/domain/stableId.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('fnv1a32', () => {
  // Reference values from the FNV test suite (Landon Curt Noll, isthe.com/chongo/tech/comp/fnv).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('hashes %j to the published FNV-1a 32-bit value', (text, expected) => {
    expect(fnv1a32(utf8(text))).toBe(expected);
  });
});

describe('murmur3Hash32', () => {
  // Reference values of MurmurHash3 x86_32 (Appleby's SMHasher implementation), as tabulated in
  // the widely cited test-vector lists; they cover 0-3 tail bytes and full blocks.
  it.each([
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['test', 0, 0xba6bd213],
    ['Hello, world!', 1234, 0xfaf6cdb3],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['ab', 0x9747b28c, 0x74875592],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ])('hashes %j with seed %i to the reference value', (text, seed, expected) => {
    expect(murmur3Hash32(utf8(text), seed)).toBe(expected);
  });
});

describe('stableId', () => {
  it('returns 16 lowercase hex characters', () => {
    expect(stableId('BTC/USD:SMA_RSI')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is the FNV-1a hash followed by the seeded MurmurHash3 hash of the UTF-8 bytes', () => {
    // 'a': FNV-1a e40c292c, murmur3(seed 0x9747b28c) 7fa09ea6 (both from the tables above).
    expect(stableId('a')).toBe('e40c292c7fa09ea6');
  });

  it('gives the same id for the same text on every call', () => {
    const text = 'BTC/USD:ADX_STOCHASTIC:{"adxPeriod":14}\nBTC/USD:SMA_RSI:{"rsiPeriod":14}';
    expect(stableId(text)).toBe(stableId(`${text}`));
  });

  it('gives different ids for texts that differ in one character or in order', () => {
    const ids = new Set(['s1,s2', 's1,s3', 's2,s1', 's1,s2 ', 'S1,s2', 'é', 'e'].map(stableId));
    expect(ids.size).toBe(7);
  });

  it('gives 10,000 distinct ids for 10,000 consecutive numbered texts', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(stableId(`strategy-${i}`));
    expect(ids.size).toBe(10_000);
  });
});
