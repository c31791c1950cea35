import type { IndicatorHub } from '../indicators/indicatorHub.js';
import type { SeriesNode } from '../indicators/seriesNode.js';
import type { Candle, Side, Signal, StrategyParameters } from '../types.js';
import type { ParameterSpec, RuleBody, StrategyDefinition } from './definition.js';
import { movingAverageStrategies } from './movingAverageStrategies.js';
import { oscillatorStrategies } from './oscillatorStrategies.js';
import { trendStrategies } from './trendStrategies.js';
import { volatilityStrategies } from './volatilityStrategies.js';
import { volumeStrategies } from './volumeStrategies.js';

/**
 * Every strategy type, by name. A new type is one entry in one family file; a new family file is
 * one more spread here.
 */
const definitions: ReadonlyMap<string, StrategyDefinition> = new Map(
  [...oscillatorStrategies, ...movingAverageStrategies, ...trendStrategies, ...volatilityStrategies, ...volumeStrategies].map((d) => [d.type, d]),
);

export interface ParsedStrategy {
  readonly type: string;
  /** Every parameter of the type, defaults filled, unknown extras dropped, integers checked. */
  readonly parameters: Readonly<Record<string, number | readonly number[]>>;
  /** Deterministic identity string: `${type}:${canonical JSON of parameters with sorted keys}`. */
  readonly canonicalKey: string;
}

export type ParseResult =
  | { readonly ok: true; readonly value: ParsedStrategy }
  | { readonly ok: false; readonly code: 'unknown_type' | 'bad_parameter'; readonly field: string; readonly reason: string };

function bad(name: string, reason: string): ParseResult {
  return { ok: false, code: 'bad_parameter', field: `parameters.${name}`, reason };
}

/**
 * A parameter's value as a reason shows it: JSON cut to 64 characters, invisible characters
 * escaped (as the type's, see `quoted`). Printed whole, a 60 KB string or list went into the
 * reason, the log line, the rejections row and the dead letter (found by a bug hunt). Never
 * throws: see describeValue (sources/schemas.ts).
 */
function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    return Array.isArray(v) ? 'a list nested too deeply to print' : 'an object nested too deeply to print';
  }
  return escapeInvisible(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/** Control and zero-width characters as \uXXXX escapes, so a reason shows every character it holds. */
function escapeInvisible(text: string): string {
  return text.replace(/[\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function checkScalar(name: string, v: unknown, integerOnly: boolean, min: number, max: number): string | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return `parameter ${name} ${show(v)} is not a finite number`;
  if (integerOnly && !Number.isInteger(v)) return `parameter ${name} ${v} must be an integer`;
  if (v < min || v > max) return `parameter ${name} ${v} is out of range ${min}–${max}`;
  return null;
}

/** A parameter's value, or why it is bad and which part (`periods[2]` for a list element) was. */
function parseParameter(spec: ParameterSpec, raw: unknown): { value: number | readonly number[] } | { reason: string; part?: string } {
  if (spec.kind !== 'integerList') {
    const reason = checkScalar(spec.name, raw, spec.kind === 'integer', spec.min, spec.max);
    return reason === null ? { value: raw as number } : { reason };
  }
  if (!Array.isArray(raw) || raw.length !== spec.ranges.length) {
    return { reason: `parameter ${spec.name} ${show(raw)} must be a list of ${spec.ranges.length} integers` };
  }
  for (let i = 0; i < spec.ranges.length; i++) {
    const [min, max] = spec.ranges[i] as readonly [number, number];
    const reason = checkScalar(`${spec.name}[${i}]`, raw[i], true, min, max);
    if (reason !== null) return { reason, part: `${spec.name}[${i}]` };
  }
  return { value: Object.freeze([...(raw as number[])]) };
}

/**
 * A type as it came, for a reason: quoted, cut to 64 characters, with invisible characters escaped.
 * The type was printed raw: a 64 KB one went whole into the reason and the dead letter, and
 * `SMA_RSI` with a zero-width space looked like a known type (found by a bug hunt).
 */
function quoted(text: string): string {
  const cut = text.length > 64 ? `${text.slice(0, 64)}…` : text;
  return escapeInvisible(JSON.stringify(cut));
}

/**
 * Validates a discovered strategy against its type's table row (STRATEGIES.md): returns the
 * canonical parameters (defaults filled, extras dropped) and identity key, or the first bad input
 * as a value naming the field and the value it had.
 */
export function parseStrategy(type: string, parameters: StrategyParameters): ParseResult {
  const def = definitions.get(type);
  if (def === undefined) return { ok: false, code: 'unknown_type', field: 'type', reason: `unknown strategy type ${quoted(type)}` };
  const out: Record<string, number | readonly number[]> = {};
  for (const spec of def.parameters) {
    const raw = Object.hasOwn(parameters, spec.name) ? parameters[spec.name] : undefined;
    if (raw === undefined || raw === null) {
      out[spec.name] = spec.default;
      continue;
    }
    const parsed = parseParameter(spec, raw);
    if ('reason' in parsed) return bad(parsed.part ?? spec.name, parsed.reason);
    out[spec.name] = parsed.value;
  }
  for (const [a, b] of def.ordered ?? []) {
    const va = out[a] as number;
    const vb = out[b] as number;
    if (!(va < vb)) return bad(a, `${a} ${va} must be < ${b} ${vb}`);
  }
  const sorted = Object.keys(out).sort();
  const canonical: Record<string, number | readonly number[]> = {};
  for (const k of sorted) canonical[k] = out[k] as number | readonly number[];
  const value: ParsedStrategy = { type, parameters: Object.freeze(canonical), canonicalKey: `${type}:${JSON.stringify(canonical)}` };
  return { ok: true, value };
}

export interface StrategyRule {
  /** Called once per closed candle, AFTER hub.update(candle) for that candle. Returns null while any indicator is warming, else the signal for the strategy's current side (enter only meaningful when flat, exit when long). */
  evaluate(candle: Candle, side: Side): Signal | null;
  /** Releases the shared indicators this rule holds (strategy retired). */
  dispose(): void;
}

class Rule implements StrategyRule {
  private warm = false;
  private disposed = false;
  // The body's functions, held directly: one pointer fewer to chase per strategy per candle, on a
  // path that is bound by memory latency (README, Performance).
  private readonly entry: RuleBody['entry'];
  private readonly exit: RuleBody['exit'];
  private readonly observe: NonNullable<RuleBody['observe']> | null;

  constructor(
    private readonly hub: IndicatorHub,
    private readonly held: readonly SeriesNode[],
    private readonly needsPrevious: readonly SeriesNode[],
    body: RuleBody,
  ) {
    this.entry = body.entry;
    this.exit = body.exit;
    this.observe = body.observe ?? null;
  }

  evaluate(candle: Candle, side: Side): Signal | null {
    if (!this.warm) {
      if (!this.isWarm()) return null;
      this.warm = true;
    }
    if (this.observe !== null) this.observe(candle, side);
    if (side === 'flat') return this.entry(candle) ? 'enter' : 'hold';
    return this.exit(candle) ? 'exit' : 'hold';
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const node of this.held) this.hub.release(node);
  }

  /** Once every series has its values it keeps them, so the answer is latched by the caller. */
  private isWarm(): boolean {
    for (const n of this.held) if (Number.isNaN(n.value)) return false;
    for (const n of this.needsPrevious) if (Number.isNaN(n.prev)) return false;
    return true;
  }
}

/**
 * Builds the live rule of a parsed strategy on `hub` (the strategy's symbol), acquiring the shared
 * series it reads. The rule emits null until they are all warm, then a Signal per closed candle.
 */
export function createRule(parsed: ParsedStrategy, hub: IndicatorHub): StrategyRule {
  const def = definitions.get(parsed.type);
  if (def === undefined) throw new Error(`createRule: unknown strategy type ${parsed.type} (parse it first)`);
  const held: SeriesNode[] = [];
  const needsPrevious: SeriesNode[] = [];
  const use = (spec: Parameters<typeof hub.acquire>[0]) => {
    const node = hub.acquire(spec);
    held.push(node);
    return node;
  };
  const body = def.build(parsed.parameters, {
    use,
    cross: (spec) => {
      const node = use(spec);
      needsPrevious.push(node);
      return node;
    },
  });
  return new Rule(hub, held, needsPrevious, body);
}

/** Every strategy type the catalog knows, in catalog order. */
export function strategyTypes(): readonly string[] {
  return [...definitions.keys()];
}
