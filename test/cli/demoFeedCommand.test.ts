import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';
import { runCli } from './engineProcess.js';

describe('tradestream demo-feed --out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-demofeed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the feed as JSON lines of subject and data', () => {
    const out = join(dir, 'feed.jsonl');
    const result = runCli(['demo-feed', '--out', out, '--candles', '2', '--strategies', '10']);
    expect(result.status, result.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { subject: string; data: string });
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

// Found by a bug hunt: message ids were `demo:<seq>`, so a second feed (another seed) published
// within the stream's duplicate window was dropped as duplicates, or spliced onto the first.
describe('tradestream demo-feed --to-nats', () => {
  let nats: NatsServerHandle;
  beforeAll(async () => {
    nats = await startNatsServer();
  }, 60_000);
  afterAll(async () => nats?.stop());

  const publish = (seed: string) => {
    const r = runCli(['demo-feed', '--to-nats', '--nats-url', nats.url, '--seed', seed, '--strategies', '20', '--candles', '2']);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { published: number; duplicates: number };
  };

  it('publishes another feed in full within the duplicate window, and the same feed again as duplicates', () => {
    const first = publish('5');
    expect(first.published).toBeGreaterThan(20);
    expect(first.duplicates).toBe(0);
    const other = publish('6');
    expect(other).toMatchObject({ published: expect.any(Number), duplicates: 0 });
    expect(other.published).toBeGreaterThan(20);
    expect(publish('6')).toMatchObject({ published: 0, duplicates: other.published });
  }, 60_000);
});
