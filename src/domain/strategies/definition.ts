import type { SeriesNode, SeriesSpec } from '../indicators/seriesNode.js';
import type { Candle, Side } from '../types.js';

/** One parameter of a strategy type as STRATEGIES.md lists it: name, kind, inclusive range, default. */
export type ParameterSpec =
  | { readonly name: string; readonly kind: 'integer' | 'decimal'; readonly min: number; readonly max: number; readonly default: number }
  | {
      readonly name: string;
      readonly kind: 'integerList';
      /** Inclusive range of each element, by position; the list has exactly this many elements. */
      readonly ranges: readonly (readonly [number, number])[];
      readonly default: readonly number[];
    };

/** Canonical parameters of a parsed strategy: every parameter of its type, defaults filled. */
export type Parameters = Readonly<Record<string, number | readonly number[]>>;

/** An integer parameter (`I` in STRATEGIES.md), inclusive range and default. */
export function integer(name: string, min: number, max: number, def: number): ParameterSpec {
  return { name, kind: 'integer', min, max, default: def };
}

/** A decimal parameter (`D` in STRATEGIES.md), inclusive range and default. */
export function decimal(name: string, min: number, max: number, def: number): ParameterSpec {
  return { name, kind: 'decimal', min, max, default: def };
}

/** Reads a scalar parameter that parsing has already validated and filled. */
export function num(p: Parameters, name: string): number {
  const v = p[name];
  if (typeof v !== 'number') throw new Error(`strategy parameter ${name} is not a parsed number (was ${String(v)})`);
  return v;
}

/** What a rule needs from the hub while it is being built. */
export interface RuleInputs {
  /** A shared series whose current value must be warm before the rule speaks. */
  use(spec: SeriesSpec): SeriesNode;
  /** A shared series read in a cross: its current and previous values must both be warm. */
  cross(spec: SeriesSpec): SeriesNode;
}

/**
 * The entry and exit conditions of one strategy instance. Called only once every series it uses is
 * warm; `observe` (optional) runs first on every such candle, for per-strategy state such as a
 * trailing stop. All three must not allocate: they run for every strategy on every candle.
 */
export interface RuleBody {
  entry(candle: Candle): boolean;
  exit(candle: Candle): boolean;
  observe?(candle: Candle, side: Side): void;
}

/** One strategy type: its parameters, its "a < b" constraints, and how to build its rule. */
export interface StrategyDefinition {
  readonly type: string;
  readonly parameters: readonly ParameterSpec[];
  /** Pairs [a, b] of parameter names with the constraint a < b (STRATEGIES.md "short < long"). */
  readonly ordered?: readonly (readonly [string, string])[];
  build(p: Parameters, inputs: RuleInputs): RuleBody;
}
