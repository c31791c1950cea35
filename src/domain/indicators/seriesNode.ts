import type { Candle } from '../types.js';

/**
 * One shared streaming series on a symbol's closed candles: the indicator value at the latest bar
 * and at the bar before, both NaN while the series is warming up. The hub moves `value` to `prev`
 * and computes the new `value` once per candle, so every rule reads the same two numbers and
 * crosses cost two comparisons, no recomputation.
 */
export abstract class SeriesNode {
  /** Value at the latest closed bar, in the indicator's own units; NaN while warming. */
  value = Number.NaN;
  /** Value at the bar before; NaN until the series has two values. */
  prev = Number.NaN;

  /** @param inputs the shared series this one reads (released by the hub when this one is). */
  constructor(readonly inputs: readonly SeriesNode[] = []) {}

  /**
   * Returns this series' value at `candle`, reading its inputs' already-updated `value`s; NaN while
   * warming. Called exactly once per closed candle, after every input's own `next`.
   */
  abstract next(candle: Candle): number;
}

/**
 * How to find or build one shared series: `key` is its identity on a symbol (two specs with equal
 * keys are the same series); `create` builds it, acquiring its inputs through the hub.
 */
export interface SeriesSpec {
  readonly key: string;
  create(inputs: SeriesInputs): SeriesNode;
}

/** The hub's handle given to `SeriesSpec.create`: acquires an input series shared by key. */
export interface SeriesInputs {
  input(spec: SeriesSpec): SeriesNode;
}

/** True when `a` crossed above `b` at the latest bar: previous a <= b and current a > b. */
export function crossesUp(a: SeriesNode, b: SeriesNode): boolean {
  return a.prev <= b.prev && a.value > b.value;
}

/** True when `a` crossed below `b` at the latest bar: previous a >= b and current a < b. */
export function crossesDown(a: SeriesNode, b: SeriesNode): boolean {
  return a.prev >= b.prev && a.value < b.value;
}

/** True when `a` crossed above the constant `level`: previous a <= level and current a > level. */
export function crossesAbove(a: SeriesNode, level: number): boolean {
  return a.prev <= level && a.value > level;
}

/** True when `a` crossed below the constant `level`: previous a >= level and current a < level. */
export function crossesBelow(a: SeriesNode, level: number): boolean {
  return a.prev >= level && a.value < level;
}
