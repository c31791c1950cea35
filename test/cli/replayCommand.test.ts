import { describe, expect, it } from 'vitest';
import { replayCommand } from '../../src/cli/replayCommand.js';

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
});
