import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './engineProcess.js';

describe('tradestream demo-feed --out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-demofeed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the feed as JSON lines of subject and data', () => {
    const out = join(dir, 'feed.jsonl');
    const result = runCli(['demo-feed', '--out', out, '--candles', '2', '--strategies', '10']);
    expect(result.status, result.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { subject: string; data: string });
    expect(lines.length).toBeGreaterThan(10);
    expect(lines[0]?.subject).toMatch(/^tradestream\.(strategies|prices)\.[A-Z0-9]+-[A-Z0-9]+$/);
  });

  // Found by a bug hunt: an unwritable path crashed Node with an unhandled 'error' event.
  it('refuses a path it cannot write with exit code 2 and the reason', () => {
    const out = join(dir, 'missing', 'dir', 'feed.jsonl');
    const result = runCli(['demo-feed', '--out', out, '--candles', '2']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`--out ${out}: cannot write it (ENOENT`);
    expect(result.stderr).not.toContain('Unhandled');
  });
});
