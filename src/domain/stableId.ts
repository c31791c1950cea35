/**
 * Deterministic short ids from strings, without node:crypto so the domain layer stays free of I/O
 * modules. Two independent 32-bit hashes (FNV-1a and MurmurHash3 x86_32) over the UTF-8 bytes are
 * concatenated: 64 bits make an accidental collision between the few thousand ensembles a run sees
 * negligible (birthday bound ~2^32), while each hash alone would not be. Not cryptographic.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MURMUR_C1 = 0xcc9e2d51;
const MURMUR_C2 = 0x1b873593;
/** A fixed seed (the one commonly used in MurmurHash3 test suites); changing it changes every id. */
const STABLE_ID_SEED = 0x9747b28c;

/**
 * FNV-1a, 32 bits, over `bytes`. Returns an unsigned 32-bit integer.
 */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i] as number;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

const rotl32 = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/**
 * MurmurHash3 x86_32 of `bytes` with `seed`. Returns an unsigned 32-bit integer, equal to the
 * reference implementation's output (little-endian blocks).
 */
export function murmur3Hash32(bytes: Uint8Array, seed: number): number {
  const at = (i: number): number => bytes[i] as number;
  const length = bytes.length;
  const blocksEnd = length & ~3;
  let hash = seed >>> 0;
  for (let i = 0; i < blocksEnd; i += 4) {
    let k = at(i) | (at(i + 1) << 8) | (at(i + 2) << 16) | (at(i + 3) << 24);
    k = Math.imul(rotl32(Math.imul(k, MURMUR_C1), 15), MURMUR_C2);
    hash ^= k;
    hash = (Math.imul(rotl32(hash, 13), 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= at(blocksEnd + 2) << 16;
    if (tail >= 2) k ^= at(blocksEnd + 1) << 8;
    k ^= at(blocksEnd);
    hash ^= Math.imul(rotl32(Math.imul(k, MURMUR_C1), 15), MURMUR_C2);
  }
  hash ^= length;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/**
 * A deterministic 16-character lowercase hex id for `text`: FNV-1a then MurmurHash3 (fixed seed)
 * of its UTF-8 bytes. Equal texts give equal ids in every run and on every platform.
 */
export function stableId(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return hex8(fnv1a32(bytes)) + hex8(murmur3Hash32(bytes, STABLE_ID_SEED));
}
