/**
 * One flush of the state store: the rows `StateStore.enqueue` coalesced since the last flush, as
 * plain data, so that the same rows can be written on the engine's thread or be posted (a
 * structured clone) to the store's writer thread. `writePendingRows` is the one place that knows
 * the order they are written in.
 */
import type { ConfidenceScore, Ensemble, Portfolio, Position, PositionSize, Rejection, StrategyRecord } from '../domain/types.js';
import type { StateStatements } from './schema.js';

/** What `StateStatements.insertDecision` stores of a decision, with its canonical line. */
export interface DecisionRow {
  readonly seq: number;
  readonly time: number;
  readonly decision: string;
  readonly symbol: string | null;
  readonly reason: string;
  readonly line: string;
}

export interface PendingWrites {
  readonly strategies: readonly StrategyRecord[];
  readonly scores: readonly ConfidenceScore[];
  /** In order of each ensemble's latest update: the last active one written deactivates the others. */
  readonly ensembles: readonly Ensemble[];
  readonly positions: readonly Position[];
  readonly sizes: readonly PositionSize[];
  readonly portfolio: Portfolio | null;
  /** [event-time minute, latest portfolio of that minute]. */
  readonly history: readonly (readonly [number, Portfolio])[];
  readonly decisions: readonly DecisionRow[];
  readonly rejections: readonly Rejection[];
  /** consumer_state row written with them: the input position commits atomically with its effects. */
  readonly consumer: string;
  readonly lastSeq: number;
  /** Event time of the latest input that had one (null until one had: see schema version 3). */
  readonly time: number | null;
}

/** Rows a flush writes, the consumer position not counted. */
export function pendingRowCount(p: PendingWrites): number {
  return (
    p.strategies.length +
    p.scores.length +
    p.ensembles.length +
    p.positions.length +
    p.sizes.length +
    (p.portfolio === null ? 0 : 1) +
    p.history.length +
    p.decisions.length +
    p.rejections.length
  );
}

/** Writes one flush; the caller runs it inside a transaction, so any throw rolls all of it back. */
export function writePendingRows(sql: StateStatements, p: PendingWrites): void {
  for (const s of p.strategies) sql.upsertStrategy(s);
  for (const c of p.scores) sql.upsertScore(c);
  for (const e of p.ensembles) sql.upsertEnsemble(e);
  for (const x of p.positions) sql.upsertPosition(x);
  for (const z of p.sizes) sql.upsertSize(z);
  if (p.portfolio !== null) sql.upsertPortfolio(p.portfolio);
  for (const [minute, x] of p.history) sql.upsertHistory(minute, x);
  for (const d of p.decisions) sql.insertDecision(d);
  for (const r of p.rejections) sql.insertRejection(r);
  sql.upsertConsumer(p.consumer, p.lastSeq, p.time);
}
