/**
 * Deterministic inputs for indicator tests: the Park–Miller "minimal standard" generator (seed ·
 * 16807 mod 2³¹ − 1), the same sequence on every platform, and a multiplicative random walk of
 * closes with awkward decimals, so a change in summation order shows in the last bits.
 */

/** Uniform numbers in (0, 1) from an integer seed in [1, 2³¹ − 2]. */
export function lehmer(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}

/** `length` closes from `start`, each bar multiplying by 1 + (u − 0.5) · `step` for a uniform u. */
export function randomWalk(length: number, start: number, seed: number, step: number): number[] {
  const rand = lehmer(seed);
  let x = start;
  return Array.from({ length }, () => {
    x *= 1 + (rand() - 0.5) * step;
    return x;
  });
}
