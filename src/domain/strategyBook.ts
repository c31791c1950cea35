import type { EvaluationConfig, TimeFilterConfig } from '../../config/engine.js';
import { CandleBuilder } from './candleBuilder.js';
import type { ConfidenceFigures } from './confidence.js';
import { DiscoveryLog } from './discoveryLog.js';
import type { SurvivorCandidate } from './ensembles.js';
import { IndicatorHub } from './indicators/indicatorHub.js';
import { PaperAccount, type TradeClosed } from './paperAccount.js';
import { ReturnWindow, SymbolWindows } from './returnWindow.js';
import { createRule, type ParsedStrategy, parseStrategy, type StrategyRule } from './strategies/catalog.js';
import type { TimeExclusion } from './timeFilter.js';
import type { BacktestWindow, Candle, Decision, Millis, PriceEvent, Rejection, StrategyEvent, StrategyRecord } from './types.js';

/** What the registry knows of a strategy from its discoveries: identity and discovery history. */
export interface Registration {
  readonly id: string;
  readonly symbol: string;
  readonly type: string;
  readonly parameters: Readonly<Record<string, number | readonly number[]>>;
  externalId: string | null;
  score: number;
  window: BacktestWindow | null;
  firstSeenAt: Millis;
  lastSeenAt: Millis;
  seenCount: number;
  /**
   * The latest discovery times applied (ms, ascending, at most KEPT_DISCOVERIES): a discovery sent
   * again is recognised by its time whenever it arrives, not only right after itself.
   */
  readonly discoveredAt: Millis[];
}

/**
 * Discovery times kept per strategy to recognise a re-sent discovery. A discovery older than all
 * of them (with this many kept) cannot be told from a re-send and is taken as one: bounded memory
 * for strategies rediscovered without end.
 */
export const KEPT_DISCOVERIES = 32;

/** A registration's discovery history: what a discovery updates. */
type DiscoveryHistory = Pick<Registration, 'externalId' | 'score' | 'window' | 'firstSeenAt' | 'lastSeenAt' | 'seenCount' | 'discoveredAt'>;

/**
 * What the registry keeps of a retired strategy (SymbolBook.retired): its discovery history when
 * retired, with the discovery times of earlier retirements of the same id (all older) kept too,
 * so that a late discovery from before the retirement updates it as it would have updated the
 * strategy, and a re-sent one is recognised by its time. Its identity is the map's key and the
 * late discovery's own (the same canonical parameters): rule, account and parse are let go.
 */
export interface RetiredStrategy extends DiscoveryHistory {
  /** The latest of its discovery times and its retirement's: a discovery not after it is from before the retirement. */
  readonly through: Millis;
  /**
   * The `through` of the retirement before this registration (−∞ for the first): a discovery not
   * after it is from an earlier registration, whose counts this one does not hold.
   */
  readonly since: Millis;
}

/** A strategy registered since its symbol's last price, not built yet (see `StrategyBook.applyPrice`). */
export interface PendingStrategy extends Registration {
  readonly parsed: ParsedStrategy;
}

/** One registered strategy, built: identity, discovery history, its rule and its live paper account. */
export interface StrategyEntry extends Registration {
  rule: StrategyRule;
  account: PaperAccount;
  /** Phase 1's latest figures, overwritten in place by the confidence stage; null until scored. */
  confidence: ConfidenceFigures | null;
  /** Phase 2: whether the strategy passed the time filter at the last refresh; null until judged. */
  survives: boolean | null;
  /** Phase 2: the strategy as an ensemble candidate, updated in place while it survives. */
  candidate: SurvivorCandidate | null;
  /**
   * Phase 2: the time filter's windowExclusion of `judgedWindow` under `judgedBy`, its config;
   * recomputed when either is not the current one (`judgedWindow` is undefined until judged).
   */
  windowExclusion: TimeExclusion | null;
  judgedWindow: BacktestWindow | null | undefined;
  judgedBy: TimeFilterConfig | null;
}

/** Everything the engine keeps per symbol: its strategies, candles, shared indicators and returns. */
export class SymbolBook {
  /** Active built strategies in registration order (the order every stage iterates them in). */
  readonly strategies: StrategyEntry[] = [];
  readonly byId = new Map<string, StrategyEntry>();
  /**
   * Strategies registered since the symbol's last price, in registration order: their rules, paper
   * accounts and indicator series are built on that price, all of the symbol's together, before
   * anything reads them (StrategyBook.applyPrice). Built at their discovery instead, they were
   * allocated in discovery order, the symbols mixed, and a candle close of one symbol walked memory
   * scattered among all of them. The hub's stats count only built strategies' series.
   */
  readonly pending = new Map<string, PendingStrategy>();
  /**
   * Per strategy id retired on this symbol: its registration as retired and the latest of its
   * discovery times and its retirement's. A discovery of that id not after it is one from before
   * the retirement and must not bring the strategy back (found by a review): sent again when its
   * time is among the kept ones, else a late one, counted as it would have been before the
   * retirement (found by a bug hunt).
   */
  readonly retired = new Map<string, RetiredStrategy>();
  readonly hub = new IndicatorHub();
  readonly candles: CandleBuilder;
  readonly discoveries = new DiscoveryLog();
  /** Per-candle close-to-close returns of the symbol's price. */
  readonly returns: ReturnWindow;
  /** Candle times and sample storage shared by the return windows of the symbol's strategies. */
  readonly windows: SymbolWindows;
  /** Latest applied trade price or candle close. */
  mark: number | null = null;
  lastClose: number | null = null;
  /** The strategy set changed since phases 1–3 last ran for this symbol. */
  dirty = false;
  /** Called with every round trip a strategy's paper account closes (the backtest collects them); null in the live engine. */
  onTradeClosed: ((entry: StrategyEntry, trade: TradeClosed) => void) | null = null;

  constructor(
    readonly symbol: string,
    private readonly cfg: EvaluationConfig,
  ) {
    this.candles = new CandleBuilder(symbol, cfg.interval);
    this.returns = new ReturnWindow(cfg.returnsWindow);
    this.windows = new SymbolWindows(cfg.returnsWindow);
  }

  /** The active strategy `id` of this symbol, built or pending; undefined when not registered. */
  registration(id: string): Registration | undefined {
    return this.byId.get(id) ?? this.pending.get(id);
  }

  /**
   * Builds the pending strategies, in registration order, after the built ones (all older): the
   * order `strategies` had when each was built at its discovery. Their series are acquired now,
   * before the price that follows, so they start warming from the same candle as before, and a
   * strategy retired while pending never acquired any. StrategyBook.applyPrice calls it first
   * thing, evaluateCandle too for callers that feed candles directly, and a retirement of a built
   * strategy before it releases its series (which the pending ones may share).
   */
  buildPending(): void {
    for (const p of this.pending.values()) {
      const entry: StrategyEntry = {
        id: p.id,
        symbol: p.symbol,
        type: p.type,
        parameters: p.parameters,
        externalId: p.externalId,
        score: p.score,
        window: p.window,
        firstSeenAt: p.firstSeenAt,
        lastSeenAt: p.lastSeenAt,
        seenCount: p.seenCount,
        discoveredAt: p.discoveredAt,
        rule: createRule(p.parsed, this.hub),
        account: new PaperAccount(this.cfg.feeBps / 10_000, this.cfg.returnsWindow, this.windows),
        confidence: null,
        survives: null,
        candidate: null,
        windowExclusion: null,
        judgedWindow: undefined,
        judgedBy: null,
      };
      this.byId.set(entry.id, entry);
      this.strategies.push(entry);
    }
    this.pending.clear();
  }
}

/** What a strategy message did to the registry. */
export interface StrategyChange {
  readonly record: StrategyRecord | null;
  /** Null for a rejected message: invalid input is counted and dead-lettered, not a decision. */
  readonly decision: Decision | null;
  readonly rejection: Rejection | null;
}

/**
 * The live-evaluation registry: strategies by symbol, each run on its symbol's closed candles as a
 * long/flat paper strategy with fees, on indicators shared per symbol. A strategy's identity is
 * (symbol, type, canonical parameters); a repeat discovery updates it instead of adding one.
 */
export class StrategyBook {
  private readonly books = new Map<string, SymbolBook>();
  /** The book asked for last: one event asks for its symbol's book several times in a row. */
  private last: SymbolBook | null = null;

  constructor(private readonly cfg: EvaluationConfig) {}

  /** The book of `symbol`, created on first use. */
  book(symbol: string): SymbolBook {
    if (this.last !== null && this.last.symbol === symbol) return this.last;
    let book = this.books.get(symbol);
    if (book === undefined) {
      book = new SymbolBook(symbol, this.cfg);
      this.books.set(symbol, book);
    }
    this.last = book;
    return book;
  }

  /** Symbols seen so far, in ascending order. */
  symbols(): string[] {
    return [...this.books.keys()].sort();
  }

  /** Count of active strategies over all symbols, built or pending. */
  size(): number {
    let n = 0;
    for (const book of this.books.values()) n += book.strategies.length + book.pending.size;
    return n;
  }

  /**
   * Registers, updates or retires the strategy of a discovery message. A bad type or parameter is a
   * rejection, never an exception: the same rejection the source gives it (sources/decode.ts), so
   * a feed validated at the source and one that is not produce the same outputs. `time` is the
   * market clock, or before the first price the message's own time.
   *
   * A discovery or retirement stamped more than `maxTimeJump` after `time` is refused
   * (`ts_too_far_ahead`, field `discoveredAt`), as a price that far ahead is: a mistyped year (2099
   * among 2026 prices) kept its strategy's recency at 1, passed the time filter's age check and
   * counted in its type's frequency until then, and was never forgotten; a retirement that far
   * ahead would keep the strategy out until then. Unlike a price, a second message as far ahead
   * does not confirm it: a discovery does not move the clock, so there is no jump to confirm, and
   * a real gap in the feed is confirmed by its prices, after which the discovery is within reach.
   * Before the first price `time` is the message's own, so nothing is refused: there is no clock.
   */
  applyStrategy(event: StrategyEvent, time: Millis): StrategyChange {
    const parsed = parseStrategy(event.type, event.parameters);
    if (!parsed.ok) {
      const rejection: Rejection = {
        kind: 'rejection',
        seq: event.seq,
        source: 'strategy',
        code: parsed.code,
        reason: parsed.reason,
        field: parsed.field,
        symbol: event.symbol,
      };
      return { record: null, rejection, decision: null };
    }
    const id = `${event.symbol}:${parsed.value.canonicalKey}`;
    // A refusal decided by the registry's state: a rejection and a strategy.rejected decision.
    const refuse = (code: 'ts_too_far_ahead' | 'not_registered' | 'stale_retirement', field: string, reason: string): StrategyChange => ({
      record: null,
      rejection: { kind: 'rejection', seq: event.seq, source: 'strategy', code, reason, field, symbol: event.symbol },
      decision: this.decision('strategy.rejected', event, time, reason, { strategyId: id, code }),
    });
    if (event.ts - time > this.cfg.maxTimeJump) {
      const what = event.retired ? 'retirement' : 'discovery';
      return refuse(
        'ts_too_far_ahead',
        'discoveredAt',
        `${what} of ${id}: discoveredAt ${new Date(event.ts).toISOString()} is ${event.ts - time} ms ahead of the market clock ${new Date(time).toISOString()}, more than evaluation.maxTimeJump ${this.cfg.maxTimeJump} ms`,
      );
    }
    const book = this.book(event.symbol);
    const built = book.byId.get(id);
    const existing = book.registration(id);
    if (event.retired) {
      if (existing === undefined) return refuse('not_registered', 'retired', `retirement of ${id}, which is not registered`);
      // By event time the strategy was discovered again after this retirement, whatever the order
      // the two arrived in (found by a bug hunt: a late retirement retired a rediscovered strategy).
      if (event.ts < existing.lastSeenAt) {
        const when = (t: Millis) => new Date(t).toISOString();
        return refuse(
          'stale_retirement',
          'discoveredAt',
          `retirement of ${id} at ${when(event.ts)} is older than its latest discovery at ${when(existing.lastSeenAt)}: it was discovered again after it`,
        );
      }
      if (built !== undefined) {
        // The pending strategies would have held their series since their discoveries: build them
        // before this one lets go, or a series they share with it would be dropped and rebuilt cold.
        if (book.pending.size > 0) book.buildPending();
        built.rule.dispose();
        built.account.dispose();
        book.byId.delete(id);
        book.strategies.splice(book.strategies.indexOf(built), 1);
      } else book.pending.delete(id);
      const before = book.retired.get(id);
      const { externalId, score, window, firstSeenAt, lastSeenAt, seenCount, discoveredAt } = existing;
      // An earlier retirement's discovery times (all older) stay recognisable when sent again.
      if (before !== undefined) for (const t of before.discoveredAt) if (!discoveredAt.includes(t)) insertDiscovery(discoveredAt, t);
      const since = before?.through ?? Number.NEGATIVE_INFINITY;
      const through = Math.max(lastSeenAt, event.ts, since);
      book.retired.set(id, { through, since, externalId, score, window, firstSeenAt, lastSeenAt, seenCount, discoveredAt });
      book.dirty = true;
      return {
        record: recordOf(existing, time, 'retired'),
        rejection: null,
        decision: this.decision('strategy.retired', event, time, `retired after ${existing.seenCount} discoveries`, { strategyId: id }),
      };
    }
    const retired = book.retired.get(id);
    if (retired !== undefined && event.ts <= retired.through) {
      // From before the retirement: it does not bring the strategy back, and it is applied to the
      // retired registration as it would have been before the retirement, so the type's frequency
      // and the strategy's row do not depend on whether it arrived before or after it.
      const refused = sentAgainReason(id, retired, event);
      if (refused !== null) return sentAgain(event, `${refused} (retired through ${new Date(retired.through).toISOString()})`);
      book.discoveries.record(event.type, event.ts);
      book.dirty = true;
      if (event.ts <= retired.since) {
        // From before an earlier retirement: its registration's counts were let go at the next
        // one, so it counts in its type's frequency and is kept to recognise a re-send, but the
        // retired row (a later registration's) is not its own (found by a review: it raised that
        // row's seenCount and moved its firstSeenAt back, unlike the same discovery arriving in time).
        insertDiscovery(retired.discoveredAt, event.ts);
        const reason = `an earlier discovery (${new Date(event.ts).toISOString()}) of a strategy retired more than once arrived after its retirement through ${new Date(retired.since).toISOString()}: counted in its type's frequency`;
        return { record: null, rejection: null, decision: this.decision('strategy.updated', event, time, reason, { strategyId: id }) };
      }
      rediscover(retired, event);
      const reason = `an earlier discovery (${new Date(event.ts).toISOString()}) of a retired strategy arrived after its retirement: counted (seen ${retired.seenCount} times), ${existing === undefined ? 'it stays retired' : 'the strategy discovered since stands'}`;
      const { type, parameters } = parsed.value;
      return {
        // Once discovered again after its retirement, the strategy's row is the registered one's.
        record: existing === undefined ? recordOf({ id, symbol: event.symbol, type, parameters, ...retired }, time, 'retired') : null,
        rejection: null,
        decision: this.decision('strategy.updated', event, time, reason, { strategyId: id, score: retired.score, seenCount: retired.seenCount }),
      };
    }
    if (existing !== undefined) {
      const refused = sentAgainReason(id, existing, event);
      if (refused !== null) return sentAgain(event, refused);
    }
    book.discoveries.record(event.type, event.ts);
    book.dirty = true;
    if (existing !== undefined) {
      const latest = rediscover(existing, event);
      const reason = latest
        ? `rediscovered (seen ${existing.seenCount} times), backtest score ${event.score}`
        : `an earlier discovery (${new Date(event.ts).toISOString()}) arrived after a later one: counted (seen ${existing.seenCount} times), the latest backtest score ${existing.score} stands`;
      return {
        record: recordOf(existing, time, 'active'),
        rejection: null,
        decision: this.decision('strategy.updated', event, time, reason, {
          strategyId: id,
          score: existing.score,
          seenCount: existing.seenCount,
        }),
      };
    }
    const entry: PendingStrategy = {
      id,
      symbol: event.symbol,
      type: parsed.value.type,
      parameters: parsed.value.parameters,
      externalId: event.externalId,
      score: event.score,
      window: event.window,
      firstSeenAt: event.ts,
      lastSeenAt: event.ts,
      seenCount: 1,
      discoveredAt: [event.ts],
      parsed: parsed.value,
    };
    book.pending.set(id, entry);
    return {
      record: recordOf(entry, time, 'active'),
      rejection: null,
      decision: this.decision('strategy.accepted', event, time, `new ${entry.type} strategy, backtest score ${event.score}`, {
        strategyId: id,
        score: event.score,
      }),
    };
  }

  /**
   * Applies a price: a tick builds candles and marks; an explicit candle closes one. Every candle it
   * closes is evaluated at once. Returns the closed candles (oldest first) and whether the price was
   * applied (a late tick is not).
   */
  applyPrice(event: PriceEvent): { readonly closed: readonly Candle[]; readonly applied: boolean } {
    const book = this.book(event.symbol);
    if (book.pending.size > 0) book.buildPending();
    let closed: readonly Candle[];
    let applied: boolean;
    if (event.kind === 'tick') {
      const result = book.candles.onTick(event);
      closed = result.closed === null ? [] : [result.closed];
      applied = result.applied;
      // The builder's last price: a tick older than the bucket's latest one does not move the mark.
      if (applied) book.mark = book.candles.lastPrice();
    } else {
      closed = book.candles.onCandle(event);
      applied = closed.length > 0;
      // The builder's last price, not the last closed candle's close: a candle that fills a gap
      // behind the bucket being built is older than the latest price.
      if (applied) book.mark = book.candles.lastPrice();
    }
    for (const candle of closed) evaluateCandle(book, candle);
    return { closed, applied };
  }

  private decision(kind: Decision['decision'], event: StrategyEvent, time: Millis, reason: string, details: Decision['details']): Decision {
    return { kind: 'decision', decision: kind, time, seq: event.seq, symbol: event.symbol, reason, details };
  }
}

/**
 * Feeds one closed candle to a symbol: the shared indicators once, then every strategy's rule and
 * paper account, then the symbol's own close-to-close return. Cost O(strategies of the symbol).
 */
export function evaluateCandle(book: SymbolBook, candle: Candle): void {
  if (book.pending.size > 0) book.buildPending();
  book.hub.update(candle);
  book.windows.times.push(candle.ts);
  for (const entry of book.strategies) {
    const signal = entry.rule.evaluate(candle, entry.account.side);
    const trade = entry.account.onCandle(candle, signal);
    if (trade !== null && book.onTradeClosed !== null) book.onTradeClosed(entry, trade);
  }
  if (book.lastClose !== null) book.returns.push(candle.ts, candle.close / book.lastClose - 1);
  book.lastClose = candle.close;
}

/** A discovery taken as one already applied: a `duplicate` rejection naming its discoveredAt. */
function sentAgain(event: StrategyEvent, reason: string): StrategyChange {
  return {
    record: null,
    decision: null,
    rejection: { kind: 'rejection', seq: event.seq, source: 'strategy', code: 'duplicate', reason, field: 'discoveredAt', symbol: event.symbol },
  };
}

/**
 * Why a discovery of a registered strategy is one already applied, or null when it is new. A
 * discovery is its strategy and its discoveredAt (the publisher's msgId says the same): the same
 * time again is the same discovery sent twice, idempotent and counted, whenever it comes. Checking
 * only the latest let a re-send of an earlier one count again.
 */
function sentAgainReason(id: string, history: DiscoveryHistory, event: StrategyEvent): string | null {
  const kept = history.discoveredAt;
  if (kept.includes(event.ts)) return `duplicate of the discovery of ${id} at ${new Date(event.ts).toISOString()}`;
  if (kept.length >= KEPT_DISCOVERIES && event.ts < (kept[0] as number)) {
    return `discovery of ${id} at ${new Date(event.ts).toISOString()} is older than its ${KEPT_DISCOVERIES} latest: taken as sent again`;
  }
  return null;
}

/**
 * Applies a new discovery to a registration; returns whether it is the latest. The latest
 * discovery's score and window stand, whatever order discoveries arrive in: an earlier one arriving
 * late is counted (frequency, seenCount) and changes nothing else.
 */
function rediscover(reg: DiscoveryHistory, event: StrategyEvent): boolean {
  insertDiscovery(reg.discoveredAt, event.ts);
  reg.seenCount++;
  const latest = event.ts > reg.lastSeenAt;
  if (latest) {
    reg.lastSeenAt = event.ts;
    reg.score = event.score;
    reg.window = event.window;
    reg.externalId = event.externalId ?? reg.externalId;
  } else reg.firstSeenAt = Math.min(reg.firstSeenAt, event.ts);
  return latest;
}

/** Inserts `ts` (not present) into the ascending `times`, keeping the latest KEPT_DISCOVERIES. */
function insertDiscovery(times: Millis[], ts: Millis): void {
  let at = times.length;
  while (at > 0 && (times[at - 1] as number) > ts) at--;
  times.splice(at, 0, ts);
  if (times.length > KEPT_DISCOVERIES) times.shift();
}

function recordOf(entry: Registration, time: Millis, status: 'active' | 'retired'): StrategyRecord {
  return {
    kind: 'strategy',
    time,
    strategyId: entry.id,
    externalId: entry.externalId,
    symbol: entry.symbol,
    type: entry.type,
    parameters: entry.parameters,
    score: entry.score,
    window: entry.window,
    firstSeenAt: entry.firstSeenAt,
    lastSeenAt: entry.lastSeenAt,
    seenCount: entry.seenCount,
    status,
  };
}
