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

  it('does not compare a setting this engine no longer has, and names every other difference', () => {
    expect(identityDifferences({ ...current, 'sizing.retiredSetting': 3 }, current)).toEqual([]);
    expect(identityDifferences({ ...current, capital: 5_000, consumer: 'other' }, current)).toEqual([
      'capital: 5000 in the file, 100000 now',
      'consumer: "other" in the file, "engine" now',
    ]);
  });
});
