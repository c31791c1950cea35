import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import { identityDifferences, stateIdentity } from '../../src/sinks/stateIdentity.js';

describe('state file identity across versions of the engine', () => {
  const config = defaultConfig();
  const current = stateIdentity(config, 'engine');
  const { 'sizing.method': _method, ...olderFile } = current;

  it('takes a setting the file does not name (it came later) as equal when it is at its default now', () => {
    expect(identityDifferences(olderFile, current)).toEqual([]);
    const kelly = stateIdentity({ ...config, sizing: { ...config.sizing, method: 'kelly' } }, 'engine');
    expect(identityDifferences(olderFile, kelly)).toEqual(['sizing.method: absent in the file, "kelly" now']);
  });

  it("takes a key without a default that the file does not name (the stream's creation time) as unknown", () => {
    const withStream = { ...current, 'stream.created': '2026-12-01T10:00:00.123456789Z' };
    expect(identityDifferences(current, withStream)).toEqual([]);
    expect(identityDifferences({ ...withStream, 'stream.created': '2026-11-30T09:00:00Z' }, withStream)).toEqual([
      'stream.created: "2026-11-30T09:00:00Z" in the file, "2026-12-01T10:00:00.123456789Z" now',
    ]);
  });

  it('covers the NATS settings that decide which inputs apply', () => {
    const other = stateIdentity({ ...config, nats: { ...config.nats, subjectPrefix: 'desk', maxMessageBytes: 1_024 } }, 'engine');
    expect(identityDifferences(current, other)).toEqual([
      'nats.maxMessageBytes: 65536 in the file, 1024 now',
      'nats.subjectPrefix: "tradestream" in the file, "desk" now',
    ]);
  });

  it('covers the symbols an engine owns (shard by symbol), as a set: the order they are written in does not count', () => {
    const shard = (symbols: string) => stateIdentity({ ...config, evaluation: { ...config.evaluation, symbols } }, 'engine');
    expect(identityDifferences(shard('BTC/USD,ETH/USD'), shard(' ETH/USD, BTC/USD'))).toEqual([]);
    expect(identityDifferences(shard('BTC/USD,ETH/USD'), shard('BTC/USD'))).toEqual(['evaluation.symbols: "BTC/USD,ETH/USD" in the file, "BTC/USD" now']);
    // A file from before shards owned every symbol, as an engine at the default does.
    const { 'evaluation.symbols': _symbols, ...unsharded } = current;
    expect(identityDifferences(unsharded, current)).toEqual([]);
    expect(identityDifferences(unsharded, shard('BTC/USD'))).toEqual(['evaluation.symbols: absent in the file, "BTC/USD" now']);
  });

  it('does not compare a setting this engine no longer has, and names every other difference, where the state comes from first', () => {
    expect(identityDifferences({ ...current, 'sizing.retiredSetting': 3 }, current)).toEqual([]);
    expect(identityDifferences({ ...current, capital: 5_000, consumer: 'other' }, current)).toEqual([
      'consumer: "other" in the file, "engine" now',
      'capital: 5000 in the file, 100000 now',
    ]);
  });
});
