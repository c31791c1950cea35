/**
 * The state store's writer thread (a worker_threads entry; StateStore with `writer: 'thread'`).
 * It owns a second connection to the store's file and writes each flush the engine's thread posts,
 * in one transaction with the consumer position, in the order posted; then it answers on its port
 * and counts the write in the shared `done` counter, which lets the engine's thread wait for it
 * synchronously when it closes the store. SQLite's WAL mode lets the engine's thread keep reading
 * (restart position, snapshots) while this one writes.
 */
import { performance } from 'node:perf_hooks';
import { type MessagePort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type PendingWrites, writePendingRows } from './pendingWrites.js';
import { prepareStatements } from './schema.js';

/** What the engine's thread sends. */
export type ToStoreWriter = { readonly type: 'write'; readonly pending: PendingWrites } | { readonly type: 'close' };

/** What the writer answers, one per message, in order. */
export type FromStoreWriter =
  | { readonly type: 'written'; readonly lastSeq: number; readonly ms: number }
  | { readonly type: 'failed'; readonly lastSeq: number; readonly message: string }
  | { readonly type: 'closed' };

export interface StoreWriterData {
  readonly path: string;
  readonly port: MessagePort;
  /** Int32Array over a SharedArrayBuffer: [answers posted]. */
  readonly done: Int32Array;
}

const { path, port, done } = workerData as StoreWriterData;
const answer = (message: FromStoreWriter): void => {
  port.postMessage(message);
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
};

let db: Database.Database | undefined;
let write: ((pending: PendingWrites) => void) | undefined;
let openError: string | null = null;
try {
  db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const sql = prepareStatements(db);
  write = db.transaction((pending: PendingWrites) => writePendingRows(sql, pending));
} catch (error) {
  openError = `writer thread cannot open the file: ${error instanceof Error ? error.message : String(error)}`;
}

port.on('message', (message: ToStoreWriter) => {
  if (message.type === 'close') {
    db?.close();
    answer({ type: 'closed' });
    port.close();
    return;
  }
  const { lastSeq } = message.pending;
  if (write === undefined) {
    answer({ type: 'failed', lastSeq, message: openError ?? 'writer thread has no database' });
    return;
  }
  const started = performance.now();
  try {
    write(message.pending);
    answer({ type: 'written', lastSeq, ms: performance.now() - started });
  } catch (error) {
    answer({ type: 'failed', lastSeq, message: error instanceof Error ? error.message : String(error) });
  }
});
