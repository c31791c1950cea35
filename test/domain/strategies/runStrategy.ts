import { IndicatorHub } from '../../../src/domain/indicators/indicatorHub.js';
import { createRule, parseStrategy } from '../../../src/domain/strategies/catalog.js';
import type { Candle, Side, Signal } from '../../../src/domain/types.js';

/** [open, high, low, close, volume]; a bare number is a flat bar at that price with volume 1. */
export type Bar = number | readonly [number, number, number, number, number];

/** Candles of 1 minute from `bars`, in order. */
export function candlesOf(bars: readonly Bar[]): Candle[] {
  return bars.map((b, i) => {
    const [open, high, low, close, volume] = typeof b === 'number' ? [b, b, b, b, 1] : b;
    return { symbol: 'TEST/USD', ts: i * 60_000, interval: 60_000, open, high, low, close, volume };
  });
}

/**
 * Runs one strategy over `bars` as the engine does (hub.update, then evaluate) and returns its
 * signal per bar. Without `side` it keeps its own paper side (enter → long, exit → flat); with a
 * fixed `side` every bar is evaluated from that side.
 */
export function runStrategy(type: string, parameters: Record<string, unknown>, bars: readonly Bar[], side?: Side): (Signal | null)[] {
  const parsed = parseStrategy(type, parameters);
  if (!parsed.ok) throw new Error(parsed.reason);
  const hub = new IndicatorHub();
  const rule = createRule(parsed.value, hub);
  let current: Side = side ?? 'flat';
  const out: (Signal | null)[] = [];
  for (const candle of candlesOf(bars)) {
    hub.update(candle);
    const s = rule.evaluate(candle, current);
    out.push(s);
    if (side === undefined && s === 'enter') current = 'long';
    if (side === undefined && s === 'exit') current = 'flat';
  }
  rule.dispose();
  return out;
}

/** `count` nulls, for the warm-up part of an expected signal list. */
export function warming(count: number): null[] {
  return new Array<null>(count).fill(null);
}
