import { describe, expect, it } from 'vitest';
import { deriveSeed, Random } from '../../../src/sources/demo/random.js';

describe('Random (xoshiro128**)', () => {
  it('matches the reference C implementation from state {1, 2, 3, 4}', () => {
    // Expected values printed by https://prng.di.unimi.it/xoshiro128starstar.c compiled with gcc.
    const r = Random.fromState([1, 2, 3, 4]);
    const out = Array.from({ length: 8 }, () => r.nextUint32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
  });

  it('matches the reference C implementation after 1,000 steps from a full 32-bit state', () => {
    const r = Random.fromState([0x9e3779b9, 0x243f6a88, 0xb7e15162, 0xdeadbeef]);
    for (let i = 0; i < 1000; i++) r.nextUint32();
    expect(r.nextUint32()).toBe(2541037969);
  });

  it('gives equal streams for equal seeds and different streams for different seeds', () => {
    const draw = (seed: number) => {
      const r = new Random(seed);
      return Array.from({ length: 5 }, () => r.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(deriveSeed(42, 1)).not.toBe(deriveSeed(42, 2));
  });

  it('draws uniforms in [0, 1) and inclusive integers with the right moments', () => {
    const r = new Random(7);
    let sum = 0;
    let min = 1;
    let max = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const u = r.next();
      min = Math.min(min, u);
      max = Math.max(max, u);
      sum += u;
      seen.add(r.int(3, 6));
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('draws standard normals with mean 0 and variance 1', () => {
    const r = new Random(11);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(sq / n).toBeCloseTo(1, 1);
  });

  it('picks indices in proportion to cumulative weights', () => {
    const r = new Random(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[r.weighted([1, 3, 6])]! += 1;
    expect(counts[0]! / 60_000).toBeCloseTo(1 / 6, 1);
    expect(counts[1]! / 60_000).toBeCloseTo(2 / 6, 1);
    expect(counts[2]! / 60_000).toBeCloseTo(3 / 6, 1);
  });
});
