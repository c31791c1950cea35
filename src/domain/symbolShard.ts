/**
 * Shard by symbol (DESIGN.md, Scale): each engine owns a set of symbols, given as
 * `evaluation.symbols`, and applies the inputs of those symbols only, each engine with its own
 * portfolio, consumer and state file. Every engine reads the whole stream in its total order and
 * passes over the others' messages, so the outputs of a shard are a function of the stream and
 * its symbol set alone.
 */

import type { SourceInput } from './types.js';

/** `"BTC/USD,ETH/USD"` → the set of owned symbols; empty (the default) → null: every symbol. */
export function ownedSymbols(list: string): ReadonlySet<string> | null {
  const symbols = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return symbols.length === 0 ? null : new Set(symbols);
}

/** The set as one string, sorted (the order it is written in does not matter): `BTC/USD,ETH/USD`. */
export function symbolsKey(list: string): string {
  return [...(ownedSymbols(list) ?? [])].sort().join(',');
}

/**
 * `input`, or the Unowned it stands for: a market event of a symbol outside `owned`, or an
 * operator's command addressed to symbols none of which are owned (one without symbols is for
 * every engine: each keeps a breaker of its own).
 */
export function asOwned(input: SourceInput, owned: ReadonlySet<string> | null): SourceInput {
  if (owned === null || input.kind === 'rejection' || input.kind === 'unowned') return input;
  if (input.kind === 'control')
    return input.symbols === null || input.symbols.some((s) => owned.has(s)) ? input : { kind: 'unowned', seq: input.seq, symbol: null };
  return owned.has(input.symbol) ? input : { kind: 'unowned', seq: input.seq, symbol: input.symbol };
}
