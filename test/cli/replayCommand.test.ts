import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { replayCommand } from '../../src/cli/replayCommand.js';

const dir = mkdtempSync(join(tmpdir(), 'ts-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** A port nothing listens on: a replay that got as far as connecting fails there, not on 4222. */
const NO_SERVER = ['--nats-url', 'nats://127.0.0.1:1'];

// Usage errors that replay reports before it connects to NATS (no server needed).
describe('tradestream replay, usage', () => {
  // Found by a bug hunt: Date.parse took "March 7" and zone-less local times, and --since after
  // --until gave an empty report with exit 0.
  it('reads --since and --until as ISO 8601 times with a zone or epoch ms, and refuses a reversed window', async () => {
    for (const bad of ['March 7', '2026-11-01T00:00:00', '2026-11-01 00:00', 'yesterday']) {
      await expect(replayCommand(['--since', bad, '--db', 'unused.db'])).rejects.toThrow(
        `--since "${bad}" is not an ISO 8601 time with a zone (e.g. 2026-11-01T00:00:00Z) or epoch milliseconds`,
      );
      await expect(replayCommand(['--from-seq', '1', '--until', bad, '--db', 'unused.db'])).rejects.toThrow(`--until "${bad}" is not an ISO 8601`);
    }
    await expect(replayCommand(['--since', '2026-11-02T00:00:00Z', '--until', '1793491200000', '--db', 'unused.db'])).rejects.toThrow(
      '--since 2026-11-02T00:00:00Z is after --until 1793491200000: the window would be empty',
    );
  });

  // Found by a bug hunt: replay opened the configured decision log for writing, truncating a
  // running engine's file when run with the engine's config file.
  it('refuses an existing decision-log file, naming it, and leaves it as it was', async () => {
    const log = join(dir, 'live.decisions');
    writeFileSync(log, 'a decision line\n');
    const config = join(dir, 'engine.json');
    writeFileSync(config, JSON.stringify({ store: { decisionLog: log } }));
    for (const args of [
      ['--decision-log', log],
      ['--config', config],
    ]) {
      await expect(replayCommand(['--from-seq', '1', '--db', join(dir, 'new.db'), ...NO_SERVER, ...args])).rejects.toThrow(
        `store.decisionLog ${log} already exists: a replay writes its decision log into a new file`,
      );
    }
    expect(readFileSync(log, 'utf8')).toBe('a decision line\n');
  });

  // Found by a bug hunt: replay read --db only, not TRADESTREAM_DB or store.db of a config file.
  it('takes its state file from TRADESTREAM_DB or a config file too, never the default, and only a new one', async () => {
    const existing = join(dir, 'existing.db');
    writeFileSync(existing, '');
    const config = join(dir, 'replay.json');
    writeFileSync(config, JSON.stringify({ store: { db: existing } }));
    const since = ['--from-seq', '1', ...NO_SERVER];
    await expect(replayCommand([...since, '--config', config])).rejects.toThrow(`--db ${existing} already exists: a replay writes into a new file`);
    vi.stubEnv('TRADESTREAM_DB', existing);
    try {
      await expect(replayCommand(since)).rejects.toThrow(`--db ${existing} already exists`);
    } finally {
      vi.unstubAllEnvs();
    }
    await expect(replayCommand(since)).rejects.toThrow(
      "replay needs a new file for its state: --db FILE, TRADESTREAM_DB or store.db in --config (not the engine's default ./data/tradestream.db)",
    );
  });
});
