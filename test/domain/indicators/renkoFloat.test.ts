// Found by a bug hunt (2026-12-01); fails on the code before its fix.
import { describe, expect, it } from 'vitest';
import { IndicatorHub } from '../../../src/domain/indicators/indicatorHub.js';
import { renkoBrick } from '../../../src/domain/indicators/shapes.js';
import { candlesOf, runStrategy } from '../strategies/runStrategy.js';

describe('RENKO_CHART brick walk with a decimal brick size', () => {
  it('a close exactly three bricks up moves the brick three bricks (100 → 100.3)', () => {
    const hub = new IndicatorHub();
    const brick = hub.acquire(renkoBrick(0.1));
    const seen: number[] = [];
    for (const c of candlesOf([100, 100.3])) {
      hub.update(c);
      seen.push(brick.value);
    }
    expect(seen).toEqual([100, 100.3]);
  });
  it('then a close one brick below the last brick (100.2 <= 100.3 − 0.1) exits', () => {
    expect(runStrategy('RENKO_CHART', { brickSize: 0.1 }, [100, 100, 100.3, 100.2])).toEqual([null, 'hold', 'enter', 'exit']);
  });
});
