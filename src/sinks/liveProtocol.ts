/**
 * The live WebSocket protocol's vocabulary: channels, sequenced deltas (serialized once, shared by
 * every client queue and the replay buffer), per-client subscriptions and the parser that stops a
 * bad client message at the door with a reason that names the field and its value.
 */
import type { EngineOutput } from '../domain/types.js';
import { SYMBOL_PATTERN } from '../sources/schemas.js';

/**
 * Most symbols one channel's filter may list (`only`, or `except` after unsubscribes). Symbols
 * must look like symbols (BASE/QUOTE), so a real feed has a few dozen; without a cap, a client
 * unsubscribing thousands of invented ones grew a set that every reply sorts and sends back.
 */
export const MAX_FILTER_SYMBOLS = 1024;

/** The delta channels, in the order a subscription lists them. */
export const CHANNELS = ['position', 'size', 'ensemble', 'score', 'portfolio', 'decision'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * One engine output as clients see it. `seq` is the live server's output sequence (increasing by
 * one across all channels); `json` is the wire form, serialized once at publish time.
 */
export interface Delta {
  readonly seq: number;
  readonly channel: Channel;
  /** The output's symbol, or null for portfolio-wide outputs (portfolio, breaker decisions). */
  readonly symbol: string | null;
  /**
   * For latest-value channels, what a newer delta supersedes for a client that is behind: sizes and
   * positions per symbol, scores per strategy, the portfolio as one. Null for the decision log and
   * ensembles, which are never conflated.
   */
  readonly key: string | null;
  readonly json: string;
}

/** The channel an output is broadcast on, or null for outputs that are not broadcast (rejections, strategy records). */
export function channelOf(output: EngineOutput): Channel | null {
  switch (output.kind) {
    case 'position':
    case 'size':
    case 'ensemble':
    case 'score':
    case 'portfolio':
    case 'decision':
      return output.kind;
    default:
      return null;
  }
}

/**
 * Serializes an output as `{"type":channel,"seq":seq,"inputSeq":...,...fields}`; `inputSeq` is the
 * input event that caused the output. The envelope keeps its names: `kind` is dropped (`type` says
 * it), a decision's own `seq` (its input's sequence) becomes `inputSeq`, and a score's strategy
 * `type` becomes `strategyType`.
 */
export function toDelta(output: EngineOutput, channel: Channel, seq: number, inputSeq: number): Delta {
  const body: Record<string, unknown> = { type: channel, seq, inputSeq: output.kind === 'decision' ? output.seq : inputSeq };
  for (const [key, value] of Object.entries(output)) {
    if (key === 'type') body.strategyType = value;
    else if (key !== 'kind' && key !== 'seq') body[key] = value;
  }
  const symbol = 'symbol' in output ? output.symbol : null;
  return { seq, channel, symbol, key: conflationKey(output), json: JSON.stringify(body) };
}

function conflationKey(output: EngineOutput): string | null {
  switch (output.kind) {
    case 'size':
    case 'position':
      return `${output.kind}:${output.symbol}`;
    case 'score':
      return `score:${output.strategyId}`;
    case 'portfolio':
      return 'portfolio';
    default:
      return null;
  }
}

/** Which symbols of one channel a client wants: all (optionally but some), or only a listed few. */
type SymbolFilter = { readonly all: true; readonly except: Set<string> } | { readonly all: false; readonly only: Set<string> };

/**
 * A client's subscription: per channel, a symbol filter. Starts as every symbol on every channel.
 * Outputs without a symbol (portfolio, portfolio-wide decisions) pass whenever their channel is on.
 */
export class Subscription {
  private readonly filters = new Map<Channel, SymbolFilter>(CHANNELS.map((c) => [c, { all: true, except: new Set<string>() }]));

  /** True when a delta on `channel` for `symbol` is wanted. */
  wants(channel: Channel, symbol: string | null): boolean {
    const filter = this.filters.get(channel);
    if (filter === undefined) return false;
    if (symbol === null) return true;
    return filter.all ? !filter.except.has(symbol) : filter.only.has(symbol);
  }

  /** True while the subscription is still the connect-time default (everything). */
  isEverything(): boolean {
    return this.filters.size === CHANNELS.length && [...this.filters.values()].every((f) => f.all && f.except.size === 0);
  }

  /** Replaces the whole subscription: these symbols on these channels, nothing else. */
  subscribe(symbols: readonly string[] | '*', channels: readonly Channel[]): void {
    this.filters.clear();
    for (const channel of channels) {
      this.filters.set(channel, symbols === '*' ? { all: true, except: new Set() } : { all: false, only: new Set(symbols) });
    }
  }

  /**
   * Removes symbols from channels: the listed symbols on the listed channels (null = every
   * channel); with symbols null or '*' the listed channels are dropped whole. Returns the reason
   * it refused (and changed nothing) when a channel would exclude more than MAX_FILTER_SYMBOLS.
   */
  unsubscribe(symbols: readonly string[] | '*' | null, channels: readonly Channel[] | null): string | null {
    if (symbols !== null && symbols !== '*') {
      for (const channel of channels ?? CHANNELS) {
        const filter = this.filters.get(channel);
        if (filter?.all !== true) continue;
        let size = filter.except.size;
        for (const s of symbols) if (!filter.except.has(s)) size++;
        if (size > MAX_FILTER_SYMBOLS) return `unsubscribe would exclude ${size} symbols on ${channel}; at most ${MAX_FILTER_SYMBOLS}`;
      }
    }
    for (const channel of channels ?? CHANNELS) {
      const filter = this.filters.get(channel);
      if (filter === undefined) continue;
      if (symbols === null || symbols === '*') this.filters.delete(channel);
      else if (filter.all) for (const s of symbols) filter.except.add(s);
      else for (const s of symbols) filter.only.delete(s);
    }
    return null;
  }

  /** The subscription as sent back to the client: channel → '*', [symbols] or {except: [symbols]}. */
  describe(): Record<string, '*' | string[] | { except: string[] }> {
    const out: Record<string, '*' | string[] | { except: string[] }> = {};
    for (const channel of CHANNELS) {
      const f = this.filters.get(channel);
      if (f === undefined) continue;
      if (!f.all) out[channel] = [...f.only].sort();
      else out[channel] = f.except.size === 0 ? '*' : { except: [...f.except].sort() };
    }
    return out;
  }
}

/** A client → server message after validation. */
export type ClientMessage =
  | { readonly type: 'subscribe'; readonly symbols: readonly string[] | '*'; readonly channels: readonly Channel[] }
  | { readonly type: 'unsubscribe'; readonly symbols: readonly string[] | '*' | null; readonly channels: readonly Channel[] | null }
  | { readonly type: 'resume'; readonly seq: number };

/** Why a client message was refused; sent back as `{"type":"error","reason":...}`. */
export interface InvalidClientMessage {
  readonly type: 'invalid';
  readonly reason: string;
}

/**
 * A client's value, short, for an error reason. Never throws: a frame of 10,000 nested arrays
 * parses, but printing it back overflows the stack, and that error, thrown in the socket's
 * message listener, stopped the engine.
 */
const show = (value: unknown): string => {
  let text: string;
  try {
    // A number too large for a double (1e400) parses as Infinity, which JSON prints as null.
    text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Array.isArray(value) ? 'an array nested too deeply to print' : 'an object nested too deeply to print';
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

function parseSymbols(value: unknown): readonly string[] | '*' | InvalidClientMessage {
  if (value === '*') return '*';
  if (!Array.isArray(value)) return { type: 'invalid', reason: `symbols must be "*" or an array of symbols like "BTC/USD" (was ${show(value)})` };
  if (value.length > MAX_FILTER_SYMBOLS) return { type: 'invalid', reason: `symbols lists ${value.length} symbols; at most ${MAX_FILTER_SYMBOLS}` };
  for (const s of value) {
    if (typeof s !== 'string' || !SYMBOL_PATTERN.test(s))
      return { type: 'invalid', reason: `symbols must be "*" or an array of symbols like "BTC/USD" (was ${show(s)} in symbols)` };
  }
  return value as string[];
}

function parseChannels(value: unknown): readonly Channel[] | InvalidClientMessage {
  if (value === '*') return CHANNELS;
  if (!Array.isArray(value)) return { type: 'invalid', reason: `channels must be "*" or an array of channel names (was ${show(value)})` };
  for (const c of value) {
    if (!(CHANNELS as readonly unknown[]).includes(c)) {
      return { type: 'invalid', reason: `unknown channel ${show(c)} in channels (known: ${CHANNELS.join(', ')})` };
    }
  }
  return value as Channel[];
}

const isInvalid = (v: unknown): v is InvalidClientMessage => typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'invalid';

/**
 * Parses and validates one client text frame. `subscribe` fields default to everything when
 * omitted; `unsubscribe` needs `symbols` or `channels`; `resume` needs a non-negative integer `seq`.
 */
export function parseClientMessage(text: string): ClientMessage | InvalidClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { type: 'invalid', reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { type: 'invalid', reason: `message must be a JSON object with a type (was ${show(value)})` };
  }
  const msg = value as Record<string, unknown>;
  switch (msg.type) {
    case 'subscribe': {
      const symbols = msg.symbols === undefined ? '*' : parseSymbols(msg.symbols);
      if (isInvalid(symbols)) return symbols;
      const channels = msg.channels === undefined ? CHANNELS : parseChannels(msg.channels);
      if (isInvalid(channels)) return channels;
      return { type: 'subscribe', symbols, channels };
    }
    case 'unsubscribe': {
      if (msg.symbols === undefined && msg.channels === undefined) {
        return { type: 'invalid', reason: 'unsubscribe needs symbols or channels (both were missing)' };
      }
      const symbols = msg.symbols === undefined ? null : parseSymbols(msg.symbols);
      if (isInvalid(symbols)) return symbols;
      const channels = msg.channels === undefined ? null : parseChannels(msg.channels);
      if (isInvalid(channels)) return channels;
      return { type: 'unsubscribe', symbols, channels };
    }
    case 'resume':
      if (typeof msg.seq !== 'number' || !Number.isSafeInteger(msg.seq) || msg.seq < 0) {
        return { type: 'invalid', reason: `resume seq must be a non-negative integer (was ${show(msg.seq)})` };
      }
      return { type: 'resume', seq: msg.seq };
    default:
      return { type: 'invalid', reason: `unknown message type ${show(msg.type)} (known: subscribe, unsubscribe, resume)` };
  }
}
