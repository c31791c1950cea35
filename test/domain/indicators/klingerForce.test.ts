// Found by a bug hunt (2026-12-01); fails on the code before its fix.
import { KVO } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { IndicatorHub } from '../../../src/domain/indicators/indicatorHub.js';
import { volumeForce } from '../../../src/domain/indicators/volume.js';
import { randomWalk } from '../../helpers/randomWalk.js';
import { candlesOf } from '../strategies/runStrategy.js';

describe('Klinger volume force', () => {
  it('is V·|2·dm/cm − 1|·trend·100 (Klinger; trading-signals KVO), as the KVO of trading-signals shows', () => {
    const closes = randomWalk(400, 1000, 9, 0.02);
    const bars = closes.map((c, i) => [i === 0 ? c : (closes[i - 1] as number), c * 1.003, c * 0.996 - (i % 7) * 0.1, c, 1 + (i % 11)] as const);
    const hub = new IndicatorHub();
    const vf = hub.acquire(volumeForce);
    const lib = new KVO(10, 35);
    // The library's KVO with EMAs seeded by the first force, from the engine's own forces:
    const a10 = 2 / 11;
    const a35 = 2 / 36;
    let e10 = Number.NaN;
    let e35 = Number.NaN;
    let ours = Number.NaN;
    let theirs: number | null = null;
    for (const c of candlesOf(bars)) {
      hub.update(c);
      theirs = lib.add(c);
      if (Number.isNaN(vf.value)) continue;
      e10 = Number.isNaN(e10) ? vf.value : e10 + a10 * (vf.value - e10);
      e35 = Number.isNaN(e35) ? vf.value : e35 + a35 * (vf.value - e35);
      ours = e10 - e35;
    }
    expect(ours).toBeCloseTo(theirs as number, 6);
  });
});
