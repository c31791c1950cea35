import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/runCommand.js';
import { peekStateIdentity } from '../../src/sinks/stateIdentity.js';

const dir = mkdtempSync(join(tmpdir(), 'ts-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradestream run, signals', () => {
  // Found by the crash hunt: the handlers came after the start, so a SIGTERM while the engine was
  // connecting or opening its file ended the process by the signal (exit 143), not with exit 0.
  it('stops cleanly, exit 0 and its lock released, on a SIGTERM that comes before the engine is up', async () => {
    const db = join(dir, 'early.db');
    // Twice on one file: the second start would be refused if the first had kept the lock.
    for (let n = 0; n < 2; n++) {
      // The demo feed runs for ever (--candles 0): only the signal ends this run.
      const run = runCommand(['--source', 'demo', '--db', db, '--port', '0', '--candles', '0', '--log-level', 'silent']);
      // runCommand has run up to its first await, the engine's start: the signal comes before it is up.
      process.emit('SIGTERM', 'SIGTERM');
      await expect(run).resolves.toBe(0);
      expect(peekStateIdentity(db)).toMatchObject({ source: 'demo' });
    }
  }, 60_000);
});
