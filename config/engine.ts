/**
 * Every configurable number of the engine, in one place, with its unit, default and allowed range.
 * The schema is the documentation: `description` says what a key means, `default` is the value used
 * when nothing overrides it, `minimum`/`maximum` bound it. The loader (src/cli/loadConfig.ts)
 * merges defaults < config file < TRADESTREAM_* environment < command-line flags and validates the
 * result against this schema, reporting every bad key at once.
 */
import Type from 'typebox';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const fraction = (def: number, description: string) => Type.Number({ minimum: 0, maximum: 1, default: def, description });
const positiveMs = (def: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 10 * 365 * DAY, default: def, description: `${description} (ms)` });
const days = (def: number, description: string) => Type.Number({ minimum: 0, maximum: 3650, default: def, description: `${description} (days)` });
/** A symbol as messages write it (src/sources/schemas.ts, SYMBOL_PATTERN): `BTC/USD`. */
const SYMBOL = '[A-Z0-9]{1,20}/[A-Z0-9]{1,20}';
/**
 * A JetStream stream or consumer name, by the NATS naming rules: not empty, no whitespace or
 * control characters, no '.', '*', '>' and no path separators (the server stores it as a file
 * name). `allowed` is what an error and the README say instead of the pattern.
 */
const natsName = (def: string, description: string) =>
  Type.String({
    pattern: '^[^\\s.*>/\\\\\\x00-\\x1f\\x7f]+$',
    allowed: "a NATS name: no '.', '*', '>', '/', backslash, whitespace or control characters",
    default: def,
    description,
  });

export const EvaluationConfig = Type.Object(
  {
    interval: Type.Integer({
      minimum: 1000,
      maximum: DAY,
      default: 60_000,
      description: 'Candle interval built from trade ticks (ms). 60000 = 1m candles.',
    }),
    feeBps: Type.Number({ minimum: 0, maximum: 1000, default: 10, description: 'Fee per paper fill of a strategy (basis points of notional).' }),
    returnsWindow: Type.Integer({
      minimum: 10,
      maximum: 10_000,
      default: 240,
      description: 'Per-candle returns kept per strategy and per symbol for volatility and correlation (candles).',
    }),
    periodsPerYear: Type.Number({
      minimum: 1,
      maximum: 100_000_000,
      default: 525_600,
      description: 'Candles per year used to annualize Sharpe, return and volatility (525600 = 1m candles, 24/7).',
    }),
    maxTimeJump: Type.Integer({
      minimum: 60_000,
      maximum: 10 * 365 * DAY,
      default: DAY,
      description:
        'A price stamped more than this ahead of the market clock is refused (ts_too_far_ahead) unless the next price is as far ahead: one mistyped time cannot move the clock for good. A strategy discovery or retirement whose discoveredAt is more than this ahead is refused too (ts_too_far_ahead; no confirmation, as it does not move the clock); before the first price there is no clock and every one is taken (ms; at least evaluation.interval).',
    }),
    symbols: Type.String({
      pattern: `^(\\s*${SYMBOL}\\s*(,\\s*${SYMBOL}\\s*)*)?$`,
      allowed: 'symbols like BTC/USD, comma-separated, or empty for every symbol',
      default: '',
      description:
        "The symbols this engine owns, comma-separated (shard by symbol): it applies their inputs only and passes over the others' messages, so that engines with disjoint sets share one stream, each with its own portfolio (capital), consumer and state file. An operator's breaker reset reaches every engine unless it names symbols (reset-breaker --symbols). Empty: every symbol.",
    }),
  },
  { default: {}, additionalProperties: false },
);

export const ConfidenceConfig = Type.Object(
  {
    performanceWeight: fraction(0.6, 'Weight of performance in confidence. The three weights must sum to 1.'),
    frequencyWeight: fraction(0.25, 'Weight of discovery frequency in confidence.'),
    recencyWeight: fraction(0.15, 'Weight of recency in confidence.'),
    liveTradesPrior: Type.Number({
      minimum: 0,
      maximum: 10_000,
      default: 20,
      description: 'n0: live score weight is n/(n + n0) for n live trades (trades).',
    }),
    frequencyLookbackDays: days(90, 'Discoveries counted for frequency within this lookback'),
    recencyHalfLifeDays: Type.Number({ minimum: 0.001, maximum: 3650, default: 30, description: 'Recency half-life (days).' }),
  },
  { default: {}, additionalProperties: false },
);

export const TimeFilterConfig = Type.Object(
  {
    maxAgeDays: days(90, 'Exclude strategies last discovered longer ago than this'),
    minWindowDays: days(30, 'Exclude backtest windows shorter than this'),
    maxWindowDays: days(365, 'Exclude backtest windows longer than this'),
    decayHalfLifeDays: Type.Number({ minimum: 0.001, maximum: 3650, default: 30, description: 'Half-life of the performance decay (days).' }),
  },
  { default: {}, additionalProperties: false },
);

export const EnsembleConfig = Type.Object(
  {
    minConfidence: fraction(0.6, 'Candidates need at least this confidence.'),
    maxCandidates: Type.Integer({ minimum: 2, maximum: 200, default: 20, description: 'Best candidates by confidence considered per symbol.' }),
    minMembers: Type.Integer({ minimum: 1, maximum: 20, default: 2, description: 'Fewest members of an ensemble (at most maxMembers and maxCandidates).' }),
    maxMembers: Type.Integer({ minimum: 1, maximum: 20, default: 5, description: 'Most members of an ensemble.' }),
    minDistinctTypes: Type.Integer({
      minimum: 1,
      maximum: 20,
      default: 2,
      description: 'Distinct strategy types an ensemble must have (at most maxMembers and maxCandidates).',
    }),
    performanceWeight: Type.Number({ minimum: 0, maximum: 10, default: 0.7, description: 'Weight of P (mean decayed performance) in the total.' }),
    diversificationWeight: Type.Number({ minimum: 0, maximum: 10, default: 0.3, description: 'Weight of D (diversification) in the total.' }),
    riskWeight: Type.Number({ minimum: 0, maximum: 10, default: 0.1, description: 'Weight of R (std-dev of performances), subtracted.' }),
    maxCorrelation: Type.Number({ minimum: -1, maximum: 1, default: 0.7, description: 'No two members may correlate above this (live returns).' }),
    minCorrelationSamples: Type.Integer({
      minimum: 2,
      maximum: 10_000,
      default: 20,
      description: 'Fewer common return samples than this count as correlation 0 (candles; at most evaluation.returnsWindow).',
    }),
    minUsableTotal: Type.Number({ minimum: 0, maximum: 10, default: 0.7, description: 'An ensemble is usable only at this total or above.' }),
  },
  { default: {}, additionalProperties: false },
);

export const RotationConfig = Type.Object(
  {
    threshold: Type.Number({ minimum: 0, maximum: 10, default: 0.1, description: 'A challenger must beat the active total by this much.' }),
    minHold: positiveMs(HOUR, 'Minimum time an ensemble stays active before a threshold switch'),
    schedule: positiveMs(DAY, 'Scheduled rotation period: take the best usable ensemble outright'),
  },
  { default: {}, additionalProperties: false },
);

export const PositionConfig = Type.Object(
  {
    minRebalance: fraction(0.1, 'Resize only when the target moves by more than this share of the position.'),
    stopLoss: Type.Number({
      minimum: 0.0001,
      maximum: 1,
      default: 0.05,
      description: 'Stop-loss distance below the entry price (fraction, > 0: it bounds the risk per position).',
    }),
    takeProfit: Type.Number({
      minimum: 0,
      maximum: 100,
      default: 0.15,
      description: 'Take-profit distance above the entry price (fraction; 0 exits at the first mark at or above entry, and 100 is in effect off).',
    }),
    cooldown: positiveMs(HOUR, 'No re-entry on a symbol for this long after a risk exit'),
    feeBps: Type.Number({ minimum: 0, maximum: 1000, default: 10, description: 'Fee per fill (basis points of notional).' }),
    slippageBps: Type.Number({ minimum: 0, maximum: 1000, default: 5, description: 'Slippage per fill against the mark (basis points).' }),
  },
  { default: {}, additionalProperties: false },
);

export const SizingConfig = Type.Object(
  {
    method: Type.Union([Type.Literal('blend'), Type.Literal('kelly'), Type.Literal('riskParity'), Type.Literal('volTarget'), Type.Literal('min')], {
      default: 'blend',
      description: 'How the three sizes combine: blend (weights below), kelly, riskParity, volTarget, or min of the three.',
    }),
    kellyBlend: fraction(0.4, 'Weight of Kelly in blend. The three blend weights must sum to 1.'),
    riskParityBlend: fraction(0.3, 'Weight of risk parity in blend.'),
    volTargetBlend: fraction(0.3, 'Weight of volatility targeting in blend.'),
    kellyFraction: fraction(0.25, 'Fraction of the full Kelly bet.'),
    kellyPriorWins: Type.Number({
      minimum: 0,
      maximum: 10_000,
      default: 10,
      description: 'Pseudo-wins added to p: p = (wins + 10)/(trades + 20). Below kellyPriorTrades (or both 0).',
    }),
    kellyPriorTrades: Type.Number({ minimum: 0, maximum: 10_000, default: 20, description: 'Pseudo-trades added to p.' }),
    payoffPseudoTrades: Type.Number({ minimum: 0, maximum: 10_000, default: 10, description: 'Pseudo-trades of size m added to the average win and loss.' }),
    defaultTradeReturn: Type.Number({ minimum: 0, maximum: 1, default: 0.01, description: 'm when there are no trades (fraction).' }),
    grossBudget: Type.Number({ minimum: 0, maximum: 10, default: 1, description: 'Risk parity sizes sum to this (fraction of equity).' }),
    volTarget: Type.Number({ minimum: 0, maximum: 10, default: 0.2, description: 'Annualized portfolio volatility target (fraction).' }),
    minVolSamples: Type.Integer({
      minimum: 2,
      maximum: 10_000,
      default: 20,
      description: 'Symbol returns needed before it can be sized (candles; at most evaluation.returnsWindow).',
    }),
    maxRiskPerPosition: fraction(0.02, 'At most this share of equity at risk per position (size × stop distance).'),
    maxPerStrategy: fraction(0.05, 'At most this share of equity attributable to one strategy (weight × size).'),
    maxCorrelation: Type.Number({ minimum: -1, maximum: 1, default: 0.7, description: 'Held positions correlated above this are cut.' }),
    drawdownReduce: fraction(0.05, 'Drawdown where sizes start scaling down linearly (REDUCING).'),
    drawdownHalt: fraction(0.1, 'Drawdown where entries stop and positions flatten (HALTED).'),
    haltCooldown: positiveMs(DAY, 'HALTED ends after this long, re-basing the high-water mark'),
  },
  { default: {}, additionalProperties: false },
);

export const DemoConfig = Type.Object(
  {
    seed: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, default: 42, description: 'Seed of the synthetic feed; equal seeds, equal feeds.' }),
    strategies: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 2000, description: 'Strategies the demo feed discovers.' }),
    speed: Type.Union([Type.Literal('realtime'), Type.Literal('max')], {
      default: 'realtime',
      description: 'realtime paces the feed so a 1m candle closes every few seconds; max runs as fast as possible.',
    }),
    candleSeconds: Type.Number({ minimum: 0.05, maximum: 3600, default: 3, description: 'In realtime mode, wall seconds per candle interval.' }),
    ticksPerCandle: Type.Integer({ minimum: 1, maximum: 10_000, default: 12, description: 'Trade ticks generated per symbol per candle.' }),
    candles: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0, description: 'Stop after this many candles per symbol (0 = run forever).' }),
    warmupCandles: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 240,
      description: 'In realtime mode, the first candles of prices are replayed at full speed (history), so strategies are warm when pacing starts.',
    }),
    start: Type.String({ default: '2026-11-01T00:00:00Z', description: 'Event time of the first price tick (ISO 8601).' }),
  },
  { default: {}, additionalProperties: false },
);

export const NatsConfig = Type.Object(
  {
    url: Type.String({
      // Empty, the client fell back to its own default server (127.0.0.1:4222) without a word.
      pattern: '[^\\s,]',
      allowed: 'one or more NATS server URLs, comma-separated (not empty)',
      default: 'nats://127.0.0.1:4222',
      description: 'NATS server URL(s), comma-separated.',
    }),
    stream: natsName('TRADESTREAM', 'JetStream stream holding strategies, prices and operator commands (one total order).'),
    subjectPrefix: Type.String({
      // Subject tokens joined by '.': each one not empty, without wildcards or whitespace.
      pattern: '^[^\\s.*>\\x00-\\x1f\\x7f]+(\\.[^\\s.*>\\x00-\\x1f\\x7f]+)*$',
      allowed: "NATS subject tokens joined by '.': no empty token, '*', '>', whitespace or control characters",
      default: 'tradestream',
      description: 'Prefix of every subject.',
    }),
    consumer: natsName('tradestream-engine', 'Durable consumer name.'),
    maxMessageBytes: Type.Integer({ minimum: 256, maximum: 64 * 1024 * 1024, default: 65_536, description: 'Larger messages are dead-lettered (bytes).' }),
    user: Type.String({ default: '', description: 'User name for NATS (with pass); empty for none.' }),
    pass: Type.String({ default: '', description: 'Password for NATS.' }),
    token: Type.String({ default: '', description: 'NATS auth token; empty for none.' }),
    credsFile: Type.String({ default: '', description: 'NATS .creds file (JWT + nkey); empty for none.' }),
    tlsCaFile: Type.String({ default: '', description: 'CA certificate (PEM) for TLS to NATS; any TLS file enables TLS.' }),
    tlsCertFile: Type.String({ default: '', description: 'Client certificate (PEM) for TLS to NATS.' }),
    tlsKeyFile: Type.String({ default: '', description: 'Client key (PEM) for TLS to NATS.' }),
    retention: Type.Union([Type.Literal('limits'), Type.Literal('interest')], {
      default: 'limits',
      description: 'Stream retention when the engine creates it; limits keeps history for replay and restart.',
    }),
    replicas: Type.Integer({ minimum: 1, maximum: 5, default: 1, description: 'Stream replicas when the engine creates it.' }),
    maxAge: positiveMs(0, 'Oldest message the stream keeps; 0 keeps everything (restart rebuilds state from the stream)'),
    duplicateWindow: positiveMs(120_000, 'A repeated message id within this window is dropped by the stream'),
    ackWait: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 30_000, description: 'Redelivery after this long without an ack (ms).' }),
    maxAckPending: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 65_536, description: 'Unacked messages before the server pauses delivery.' }),
  },
  { default: {}, additionalProperties: false },
);

export const ServerConfig = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'HTTP/WebSocket bind address.' }),
    port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080, description: 'HTTP/WebSocket port; 0 picks a free one and logs it.' }),
    token: Type.String({ default: '', description: 'Bearer token required on the WebSocket upgrade; empty disables auth.' }),
    allowedOrigins: Type.String({ default: '', description: 'Comma-separated browser origins allowed on the WebSocket (403 otherwise); empty allows any.' }),
  },
  { default: {}, additionalProperties: false },
);

export const StoreConfig = Type.Object(
  {
    db: Type.String({ minLength: 1, allowed: 'a file path (not empty)', default: './data/tradestream.db', description: 'SQLite state file (WAL).' }),
    flushInterval: Type.Integer({ minimum: 1, maximum: 60_000, default: 100, description: 'Batch writes into one transaction this often (ms, wall time).' }),
    decisionLog: Type.String({
      default: '',
      description: 'Also write canonical decision lines to this file, after each commit (a restart rewrites it from the state store); empty disables.',
    }),
    writer: Type.Union([Type.Literal('inline'), Type.Literal('thread')], {
      default: 'inline',
      description:
        "Where the SQL runs: 'inline' on the engine's thread, or 'thread' on a writer thread of its own (acks still follow its commits). 'thread' frees the engine's thread where a core is spare; on 2 cores beside a nats-server it did not pay (README, Performance).",
    }),
  },
  { default: {}, additionalProperties: false },
);

export const EngineConfig = Type.Object(
  {
    capital: Type.Number({ minimum: 1, maximum: 1e12, default: 100_000, description: 'Starting equity (quote currency, USD).' }),
    source: Type.Union([Type.Literal('demo'), Type.Literal('jetstream')], { default: 'demo', description: 'Where inputs come from.' }),
    logLevel: Type.Union(
      [Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')],
      { default: 'info', description: 'pino log level.' },
    ),
    evaluation: EvaluationConfig,
    confidence: ConfidenceConfig,
    timeFilter: TimeFilterConfig,
    ensembles: EnsembleConfig,
    rotation: RotationConfig,
    positions: PositionConfig,
    sizing: SizingConfig,
    demo: DemoConfig,
    nats: NatsConfig,
    server: ServerConfig,
    store: StoreConfig,
  },
  { additionalProperties: false },
);

export type EngineConfig = Type.Static<typeof EngineConfig>;
export type EvaluationConfig = Type.Static<typeof EvaluationConfig>;
export type ConfidenceConfig = Type.Static<typeof ConfidenceConfig>;
export type TimeFilterConfig = Type.Static<typeof TimeFilterConfig>;
export type EnsembleConfig = Type.Static<typeof EnsembleConfig>;
export type RotationConfig = Type.Static<typeof RotationConfig>;
export type PositionConfig = Type.Static<typeof PositionConfig>;
export type SizingConfig = Type.Static<typeof SizingConfig>;
export type DemoConfig = Type.Static<typeof DemoConfig>;
export type NatsConfig = Type.Static<typeof NatsConfig>;
export type ServerConfig = Type.Static<typeof ServerConfig>;
export type StoreConfig = Type.Static<typeof StoreConfig>;
