import { ema } from '../indicators/averages.js';
import { derived } from '../indicators/combine.js';
import { averageTrueRange } from '../indicators/directional.js';
import { barRange, close } from '../indicators/price.js';
import { crossesAbove, crossesBelow, crossesUp, type SeriesNode } from '../indicators/seriesNode.js';
import { rollingSum } from '../indicators/windows.js';
import { decimal, integer, num, type StrategyDefinition } from './definition.js';

/** Volatility strategies: ATR stops and the Mass Index bulge. STRATEGIES.md rows 16, 17, 22. */
export const volatilityStrategies: readonly StrategyDefinition[] = [
  {
    type: 'VOLATILITY_STOP',
    parameters: [integer('atrPeriod', 5, 30, 14), decimal('multiplier', 1.0, 5.0, 2.0)],
    build(p, { use, cross }) {
      const n = num(p, 'atrPeriod');
      const m = num(p, 'multiplier');
      const price = cross(close);
      const average = cross(ema(close, n));
      const atr = use(averageTrueRange(n));
      return {
        entry: () => crossesUp(price, average),
        // stop = previous close − multiplier × ATR
        exit: (c) => c.close < price.prev - m * atr.value,
      };
    },
  },
  {
    type: 'ATR_TRAILING_STOP',
    parameters: [integer('atrPeriod', 5, 30, 14), decimal('multiplier', 1.0, 5.0, 2.0)],
    build(p, { cross }) {
      const m = num(p, 'multiplier');
      const price = cross(close);
      const atr = cross(averageTrueRange(num(p, 'atrPeriod')));
      // Per-strategy state: the stop since entry. On the first long bar the entry bar's close and
      // ATR (now `prev`) start it; from then stop = max(stop, highest close − m × ATR), so it only
      // ratchets up, and the current bar's close counts before the exit test.
      let tracking = false;
      let highestClose = 0;
      let stop = 0;
      return {
        observe(c, side) {
          if (side === 'flat') {
            tracking = false;
            return;
          }
          if (!tracking) {
            tracking = true;
            highestClose = price.prev;
            stop = price.prev - m * atr.prev;
          }
          if (c.close > highestClose) highestClose = c.close;
          const candidate = highestClose - m * atr.value;
          if (candidate > stop) stop = candidate;
        },
        entry: () => price.value > price.prev,
        exit: (c) => c.close < stop,
      };
    },
  },
  {
    type: 'MASS_INDEX',
    parameters: [integer('emaPeriod', 5, 50, 9), integer('sumPeriod', 5, 25, 25)],
    build(p, { cross }) {
      const e = num(p, 'emaPeriod');
      const window = num(p, 'sumPeriod');
      const single = ema(barRange, e);
      const ratio = derived('massRatio', [single, ema(single, e)], (s) => {
        const d = (s[1] as SeriesNode).value;
        return d === 0 ? 1 : (s[0] as SeriesNode).value / d;
      });
      // The Mass Index sums the ratio (the source system averaged it, a defect not copied).
      const mi = cross(rollingSum(ratio, window));
      // Bars since MI was last above 27 (per strategy; counted from warm-up on).
      let sinceAbove = Number.POSITIVE_INFINITY;
      return {
        observe() {
          sinceAbove = mi.value > 27 ? 0 : sinceAbove + 1;
        },
        // "Rose above 27 within the last sumPeriod bars and now crosses below 26.5".
        entry: () => sinceAbove <= window && crossesBelow(mi, 26.5),
        exit: () => crossesAbove(mi, 27),
      };
    },
  },
];
