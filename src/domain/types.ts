/**
 * The engine's vocabulary: inputs as they enter the pipeline (already validated), and the values
 * every phase emits. All times are event times in epoch milliseconds (`Millis`); nothing here reads
 * a clock. Sizes and prices follow the units named on each field.
 */

/** Epoch milliseconds, taken from the events, never from a clock. */
export type Millis = number;

/** A trading pair as written in messages, e.g. `BTC/USD` (subjects write it `BTC-USD`). */
export type Symbol = string;

/** An OHLCV bar. `ts` is the bar's open time; `interval` its length in ms. Prices in quote currency. */
export interface Candle {
  readonly symbol: Symbol;
  readonly ts: Millis;
  readonly interval: Millis;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** A trade print: price in quote currency, size in base units. */
export interface Tick {
  readonly symbol: Symbol;
  readonly ts: Millis;
  readonly price: number;
  readonly size: number;
}

/** The backtest window a strategy was discovered on. */
export interface BacktestWindow {
  readonly start: Millis;
  readonly end: Millis;
}

/** Strategy parameters as they arrive (camelCase names, numbers or arrays of numbers). */
export type StrategyParameters = Readonly<Record<string, unknown>>;

/**
 * Every input carries `seq`, its position in the total order of the input stream (the JetStream
 * sequence, or the demo feed's counter). Replays apply events in `seq` order, so the order is a
 * property of the data.
 */
export interface StrategyEvent {
  readonly kind: 'strategy';
  readonly seq: number;
  /** discoveredAt. */
  readonly ts: Millis;
  readonly symbol: Symbol;
  readonly type: string;
  readonly parameters: StrategyParameters;
  /** Backtest score in [0, 1]. */
  readonly score: number;
  readonly window: BacktestWindow | null;
  readonly externalId: string | null;
  readonly retired: boolean;
}

export interface CandleEvent extends Candle {
  readonly kind: 'candle';
  readonly seq: number;
}

export interface TickEvent extends Tick {
  readonly kind: 'tick';
  readonly seq: number;
}

export type PriceEvent = CandleEvent | TickEvent;

/**
 * An operator's command, ordered with the other inputs by the stream, so that a replay applies it
 * where the live run did. `breaker.reset` (DESIGN.md phase 5: "HALTED ends when an operator resets
 * it"): the breaker is NORMAL again and its high-water mark re-based to equity. `ts` is when the
 * operator issued it; it is recorded in the decision and does not move the market clock.
 */
export interface ControlEvent {
  readonly kind: 'control';
  readonly seq: number;
  readonly command: 'breaker.reset';
  readonly ts: Millis;
  /** Who issued it (free text, e.g. a login). */
  readonly operator: string;
  readonly reason: string;
  /**
   * The engines it is for, when symbols are sharded between engines (`evaluation.symbols`): those
   * that own any of these symbols. Null: every engine.
   */
  readonly symbols: readonly Symbol[] | null;
}

/** The market's inputs: discoveries and prices (what the demo feed and input files produce). */
export type MarketEvent = StrategyEvent | PriceEvent;

export type InputEvent = MarketEvent | ControlEvent;

/** Why an input was refused at the source: names the field and the value it had. */
export interface Rejection {
  readonly kind: 'rejection';
  readonly seq: number;
  /** What the message claimed to be: 'strategy', 'candle', 'tick', 'control' (an operator's command) or 'unknown' (undecodable). */
  readonly source: 'strategy' | 'candle' | 'tick' | 'control' | 'unknown';
  /** A short stable key for counting, e.g. `invalid_json`, `missing_field`, `unknown_type`. */
  readonly code: string;
  /** Human-readable, names the field and value: `high 9 is below low 10`. */
  readonly reason: string;
  readonly field: string | null;
  readonly symbol: Symbol | null;
}

/**
 * A message of a symbol another engine owns (`evaluation.symbols`: shard by symbol, DESIGN.md
 * Scale). It applies nothing; it passes through so that the engine's committed position, and with
 * it the acks, follow the whole stream.
 */
export interface Unowned {
  readonly kind: 'unowned';
  readonly seq: number;
  /** The message's symbol; null for an operator's command meant for other engines' symbols. */
  readonly symbol: Symbol | null;
}

/** What a source hands the pipeline: an input, a refusal, or a message of another engine's symbol. */
export type SourceInput = InputEvent | Rejection | Unowned;

/** Long or flat: the only two states of a paper strategy (STRATEGIES.md). */
export type Side = 'long' | 'flat';

/** What a strategy's rule says at a candle close (STRATEGIES.md): act only when flat/long fits. */
export type Signal = 'enter' | 'exit' | 'hold';

/** Drawdown breaker states (DESIGN.md phase 5). */
export type BreakerState = 'NORMAL' | 'REDUCING' | 'HALTED';

/** Which hard limit bound a size (or `none` when the combined size stood). */
export type BindingLimit = 'none' | 'positionRisk' | 'strategyConcentration' | 'correlation' | 'drawdown' | 'halted' | 'noEnsemble' | 'warmup' | 'cooldown';

/** Phase 1 output for one strategy. All components in [0, 1]. */
export interface ConfidenceScore {
  readonly kind: 'score';
  readonly time: Millis;
  readonly strategyId: string;
  readonly symbol: Symbol;
  readonly type: string;
  readonly confidence: number;
  readonly performance: number;
  readonly frequency: number;
  readonly recency: number;
  /** Live score on the backtest scale, or null before the first live candle return. */
  readonly liveScore: number | null;
  readonly liveTrades: number;
}

export interface EnsembleMember {
  readonly strategyId: string;
  readonly type: string;
  readonly confidence: number;
  /** Time-decayed performance (phase 2). */
  readonly performance: number;
  /** confidence / sum of members' confidences. */
  readonly weight: number;
  readonly side: Side;
}

/** Phase 3 output: the best ensemble found for a symbol. */
export interface Ensemble {
  readonly kind: 'ensemble';
  readonly time: Millis;
  readonly symbol: Symbol;
  /** Stable id: symbol plus sorted member ids, hashed. Equal members, equal id. */
  readonly id: string;
  readonly members: readonly EnsembleMember[];
  /** total = 0.7·P + 0.3·D − 0.1·R (weights from config). */
  readonly total: number;
  readonly performance: number;
  readonly diversification: number;
  readonly risk: number;
  readonly usable: boolean;
  /** Confidence-weighted share of members that are long, in [0, 1]. */
  readonly exposure: number;
  /** True when phase 4 holds this ensemble as the symbol's active one. */
  readonly active: boolean;
}

/** Phase 5 output for one symbol. Sizes are fractions of equity (notional / equity). */
export interface PositionSize {
  readonly kind: 'size';
  readonly time: Millis;
  readonly symbol: Symbol;
  readonly kelly: number;
  readonly riskParity: number;
  readonly volTarget: number;
  /** The configured combination before limits. */
  readonly combined: number;
  /** After every hard limit. */
  readonly size: number;
  readonly binding: BindingLimit;
  /** Share of portfolio variance; the shares sum to 1 (one may leave [0, 1] under negative correlation; 0 without variance). */
  readonly riskContribution: number;
  readonly reason: string;
}

export type PositionStatus = 'open' | 'closed';

/** A position per symbol, held for the symbol's active ensemble. */
export interface Position {
  readonly kind: 'position';
  readonly time: Millis;
  readonly positionId: string;
  readonly symbol: Symbol;
  readonly ensembleId: string;
  /** Base units held (>= 0, long only). */
  readonly quantity: number;
  /** Volume-weighted average fill price of the open quantity. */
  readonly entryPrice: number;
  readonly entryTime: Millis;
  readonly markPrice: number;
  /** Notional at mark / equity. */
  readonly size: number;
  readonly stopPrice: number;
  readonly takeProfitPrice: number;
  readonly status: PositionStatus;
  readonly exitTime: Millis | null;
  /** Realized PnL so far plus unrealized at mark, quote currency, after fees. */
  readonly pnl: number;
}

export interface Portfolio {
  readonly kind: 'portfolio';
  readonly time: Millis;
  readonly cash: number;
  readonly equity: number;
  readonly highWaterMark: number;
  /** 1 − equity / highWaterMark, in [0, 1]. */
  readonly drawdown: number;
  readonly state: BreakerState;
  /** Scale applied to every size by the breaker, in [0, 1]. */
  readonly sizeScale: number;
  readonly haltedAt: Millis | null;
}

/**
 * One line of the decision log. `kind` names the decision, `reason` explains it in words that
 * carry the numbers; the fingerprint of a run is the SHA-256 of these lines in canonical JSON.
 */
export interface Decision {
  readonly kind: 'decision';
  readonly decision:
    | 'strategy.accepted'
    | 'strategy.updated'
    | 'strategy.retired'
    | 'strategy.rejected'
    | 'ensemble.changed'
    | 'rotation'
    | 'position.opened'
    | 'position.resized'
    | 'position.closed'
    | 'breaker.changed';
  readonly time: Millis;
  readonly seq: number;
  readonly symbol: Symbol | null;
  readonly reason: string;
  /** Decision-specific details (ids, sizes, prices); plain JSON values only. */
  readonly details: Readonly<Record<string, string | number | boolean | null | readonly string[]>>;
}

/** The registry's view of one strategy, emitted when it is accepted, rediscovered or retired. */
export interface StrategyRecord {
  readonly kind: 'strategy';
  readonly time: Millis;
  /** Identity: symbol, type and canonical parameters (see strategies/catalog). */
  readonly strategyId: string;
  readonly externalId: string | null;
  readonly symbol: Symbol;
  readonly type: string;
  /** Canonical parameters, defaults filled in. */
  readonly parameters: Readonly<Record<string, number | readonly number[]>>;
  /** Latest backtest score. */
  readonly score: number;
  readonly window: BacktestWindow | null;
  readonly firstSeenAt: Millis;
  readonly lastSeenAt: Millis;
  readonly seenCount: number;
  readonly status: 'active' | 'retired';
}

/** Everything the pipeline hands to the sinks. */
export type EngineOutput = Decision | StrategyRecord | ConfidenceScore | Ensemble | PositionSize | Position | Portfolio | Rejection;

/**
 * The outputs caused by one input event, in the order they were produced. `seq` is the input's
 * sequence: once a batch is committed to the state store, its input may be acknowledged.
 */
export interface OutputBatch {
  readonly seq: number;
  readonly time: Millis;
  readonly outputs: readonly EngineOutput[];
}
