import { SeriesCalc, type SeriesNode, type SeriesSpec } from './seriesNode.js';

class Combined2 extends SeriesCalc {
  constructor(
    private readonly a: SeriesNode,
    private readonly b: SeriesNode,
    private readonly f: (a: number, b: number) => number,
  ) {
    super([a, b]);
  }
  next(): number {
    // NaN inputs propagate through arithmetic, so the result warms when both inputs are warm.
    return this.f(this.a.value, this.b.value);
  }
}

function combine2(name: string, a: SeriesSpec, b: SeriesSpec, f: (a: number, b: number) => number): SeriesSpec {
  return { key: `${name}(${a.key},${b.key})`, create: (h) => new Combined2(h.input(a), h.input(b), f) };
}

/** a − b at each bar, in their common units (e.g. the MACD line = EMA(short) − EMA(long)). */
export function difference(a: SeriesSpec, b: SeriesSpec): SeriesSpec {
  return combine2('sub', a, b, (x, y) => x - y);
}

/** (a + b) / 2 at each bar (e.g. an Ichimoku line from highest high and lowest low). */
export function midpoint(a: SeriesSpec, b: SeriesSpec): SeriesSpec {
  return combine2('mid', a, b, (x, y) => (x + y) / 2);
}

/** a / b at each bar; 0 where b is 0 so a flat input does not poison the series with NaN. */
export function ratio(a: SeriesSpec, b: SeriesSpec): SeriesSpec {
  return combine2('div', a, b, (x, y) => (y === 0 ? (Number.isNaN(x) ? x : 0) : x / y));
}

/**
 * a / b at each bar for a weighted mean (a = Σ weight·value, b = Σ weight); NaN where the weights
 * sum to 0: a volume-weighted price over bars without volume is no price (trading-signals' VWAP and
 * VWMA give no value then), where `ratio`'s 0 would read as a price crossing. A NaN bar is skipped
 * by the series that read it and never crosses.
 */
export function weightedMean(a: SeriesSpec, b: SeriesSpec): SeriesSpec {
  return combine2('wmean', a, b, (x, y) => (y === 0 ? Number.NaN : x / y));
}

class CombinedN extends SeriesCalc {
  constructor(
    inputs: readonly SeriesNode[],
    private readonly f: (inputs: readonly SeriesNode[]) => number,
  ) {
    super(inputs);
  }
  next(): number {
    return this.f(this.inputs);
  }
}

/**
 * A series computed from several input series by `f`, which reads their current `value`s. `name`
 * must identify `f` exactly: it is part of the sharing key.
 */
export function derived(name: string, sources: readonly SeriesSpec[], f: (inputs: readonly SeriesNode[]) => number): SeriesSpec {
  return {
    key: `${name}(${sources.map((s) => s.key).join(',')})`,
    create: (h) =>
      new CombinedN(
        sources.map((s) => h.input(s)),
        f,
      ),
  };
}
