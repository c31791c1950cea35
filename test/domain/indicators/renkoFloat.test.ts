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

describe('RENKO_CHART rule on a close exactly one decimal brick from the last brick', () => {
  it('enters on 50.02 → 50.12 with bricks of 0.1 (50.02 + 0.1 rounds to 50.120000000000005)', () => {
    expect(runStrategy('RENKO_CHART', { brickSize: 0.1 }, [50.02, 50.02, 50.12])).toEqual([null, 'hold', 'enter']);
  });
  it('exits on 50.05 → 49.95 with bricks of 0.1 (50.05 − 0.1 rounds to 49.949999999999996)', () => {
    expect(runStrategy('RENKO_CHART', { brickSize: 0.1 }, [50.05, 50.05, 49.95], 'long')).toEqual([null, 'hold', 'exit']);
  });
  it('signals on every exact whole-brick move up and down (sizes 0.1–2.5, 300 origins, 1–3 bricks)', () => {
    let missed = 0;
    for (const size of [0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.1, 2.5]) {
      for (let o = 0; o < 300; o++) {
        const origin = Number((50 + o * 0.01).toFixed(2));
        for (let k = 1; k <= 3; k++) {
          const up = Number((origin + k * size).toFixed(8));
          const down = Number((origin - k * size).toFixed(8));
          if (runStrategy('RENKO_CHART', { brickSize: size }, [origin, origin, up], 'flat')[2] !== 'enter') missed++;
          if (runStrategy('RENKO_CHART', { brickSize: size }, [origin, origin, down], 'long')[2] !== 'exit') missed++;
        }
      }
    }
    expect(missed).toBe(0);
  });
});
