import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReference, configReferenceMarkdown } from '../../src/cli/configReference.js';

describe('the configuration reference', () => {
  it('lists every leaf key of the schema with its default', () => {
    const keys = configReference().map((r) => r.key);
    expect(keys).toContain('sizing.maxRiskPerPosition');
    expect(keys).toContain('confidence.recencyHalfLifeDays');
    expect(configReference().find((r) => r.key === 'rotation.threshold')?.default).toBe('0.1');
  });

  it('is embedded in the README exactly as the schema generates it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const embedded = readme.split('<!-- config:begin -->\n')[1]?.split('\n<!-- config:end -->')[0];
    expect(embedded).toBe(configReferenceMarkdown());
  });
});
