import { fractalAdaptiveAverage } from '../indicators/adaptive.js';
import { bollingerBand } from '../indicators/bands.js';
import { derived, midpoint } from '../indicators/combine.js';
import { averageDirectionalIndex, minusDirectionalIndicator, parabolicSar, plusDirectionalIndicator } from '../indicators/directional.js';
import { moneyFlowIndex } from '../indicators/oscillators.js';
import { close, high, low } from '../indicators/price.js';
import { regressionChannel, regressionLine } from '../indicators/regression.js';
import { crossesDown, crossesUp, type SeriesNode } from '../indicators/seriesNode.js';
import { heikinAshiClose, heikinAshiOpen, renkoBrick, warmUp } from '../indicators/shapes.js';
import { delayed, highest, lowest } from '../indicators/windows.js';
import { decimal, integer, num, type StrategyDefinition } from './definition.js';

/** Trend-following, channel and stop-and-reverse strategies. STRATEGIES.md rows 5, 6, 10, 11, 15, 47–49, 53–57. */
export const trendStrategies: readonly StrategyDefinition[] = [
  {
    type: 'PARABOLIC_SAR',
    parameters: [
      decimal('accelerationFactorStart', 0.01, 0.05, 0.02),
      decimal('accelerationFactorIncrement', 0.01, 0.05, 0.02),
      decimal('accelerationFactorMax', 0.1, 0.5, 0.2),
    ],
    build(p, { use }) {
      const sar = use(parabolicSar(num(p, 'accelerationFactorStart'), num(p, 'accelerationFactorIncrement'), num(p, 'accelerationFactorMax')));
      return { entry: (c) => c.close > sar.value, exit: (c) => c.close < sar.value };
    },
  },
  {
    type: 'ICHIMOKU_CLOUD',
    parameters: [
      integer('tenkanSenPeriod', 5, 20, 9),
      integer('kijunSenPeriod', 20, 60, 26),
      integer('senkouSpanBPeriod', 50, 200, 52),
      // Accepted for identity; the lagging span would need a future bar, so no rule reads it.
      integer('chikouSpanPeriod', 20, 60, 26),
    ],
    build(p, { use, cross }) {
      const kijunBars = num(p, 'kijunSenPeriod');
      const line = (n: number) => midpoint(highest(high, n), lowest(low, n));
      const tenkanSpec = line(num(p, 'tenkanSenPeriod'));
      const kijunSpec = line(kijunBars);
      // Spans are "plotted forward": at bar t read the values computed kijunSenPeriod bars ago.
      const spanA = delayed(midpoint(tenkanSpec, kijunSpec), kijunBars);
      const spanB = delayed(line(num(p, 'senkouSpanBPeriod')), kijunBars);
      const tenkan = cross(tenkanSpec);
      const kijun = cross(kijunSpec);
      const a = use(spanA);
      const b = use(spanB);
      return {
        entry: (c) => crossesUp(tenkan, kijun) && c.close > Math.max(a.value, b.value),
        exit: (c) => crossesUp(kijun, tenkan) || c.close < Math.min(a.value, b.value),
      };
    },
  },
  {
    type: 'HEIKEN_ASHI',
    parameters: [integer('period', 2, 30, 14)],
    build(p, { use, cross }) {
      use(warmUp(num(p, 'period')));
      const haClose = cross(heikinAshiClose);
      const haOpen = cross(heikinAshiOpen);
      return { entry: () => crossesUp(haClose, haOpen), exit: () => crossesDown(haClose, haOpen) };
    },
  },
  {
    type: 'LINEAR_REGRESSION_CHANNELS',
    parameters: [integer('period', 10, 50, 20), decimal('multiplier', 1.0, 3.0, 2.0)],
    build(p, { cross }) {
      const n = num(p, 'period');
      const m = num(p, 'multiplier');
      const price = cross(close);
      const upper = cross(regressionChannel(close, n, m, 1));
      const lower = cross(regressionChannel(close, n, m, -1));
      return { entry: () => crossesUp(price, upper), exit: () => crossesDown(price, lower) };
    },
  },
  {
    type: 'DONCHIAN_BREAKOUT',
    parameters: [integer('donchianPeriod', 10, 50, 20)],
    build(p, { use }) {
      const n = num(p, 'donchianPeriod');
      // The channel of the previous n bars: the current bar is excluded, or a close could never break it.
      const upper = use(delayed(highest(high, n), 1));
      const lower = use(delayed(lowest(low, n), 1));
      return { entry: (c) => c.close > upper.value, exit: (c) => c.close < lower.value };
    },
  },
  {
    type: 'REGRESSION_CHANNEL',
    parameters: [integer('period', 10, 100, 20)],
    build(p, { cross }) {
      const price = cross(close);
      const line = cross(regressionLine(close, num(p, 'period')));
      return { entry: () => crossesUp(price, line), exit: () => crossesDown(price, line) };
    },
  },
  {
    type: 'FRAMA',
    parameters: [decimal('sc', 0.1, 2.0, 0.5), integer('fc', 5, 50, 20), decimal('alpha', 0.1, 1.0, 0.5)],
    build(p, { cross }) {
      const price = cross(close);
      const frama = cross(fractalAdaptiveAverage(num(p, 'fc'), num(p, 'sc'), num(p, 'alpha')));
      return { entry: () => crossesUp(price, frama), exit: () => crossesDown(price, frama) };
    },
  },
  {
    type: 'PIVOT',
    parameters: [integer('period', 5, 50, 20)],
    build(p, { cross }) {
      const n = num(p, 'period');
      const pivotSpec = derived('pivot', [highest(high, n), lowest(low, n), close], (s) => {
        return ((s[0] as SeriesNode).value + (s[1] as SeriesNode).value + (s[2] as SeriesNode).value) / 3;
      });
      const price = cross(close);
      const pivot = cross(pivotSpec);
      return { entry: () => crossesUp(price, pivot), exit: () => crossesDown(price, pivot) };
    },
  },
  {
    type: 'RENKO_CHART',
    parameters: [decimal('brickSize', 0.1, 100, 1.0)],
    build(p, { cross }) {
      const size = num(p, 'brickSize');
      // close >= last brick + size (entry) and close <= last brick − size (exit) are exactly the bars
      // on which the walk moves the brick up or down, so the rule reads the walk's move rather than
      // re-testing the close in floating point: brick.prev + size rounded above a close that is a
      // whole brick up (50.02 + 0.1 = 50.120000000000005 > 50.12), so the walk moved while the rule
      // held, for 5% of exact-brick closes over sizes 0.1–2.5 (found by a bug hunt).
      const brick = cross(renkoBrick(size));
      return { entry: () => brick.value > brick.prev, exit: () => brick.value < brick.prev };
    },
  },
  {
    type: 'RANGE_BARS',
    parameters: [decimal('rangeSize', 0.1, 100, 1.0)],
    build(p, { cross }) {
      const k = num(p, 'rangeSize');
      const price = cross(close);
      const upper = cross(bollingerBand(close, 20, k));
      const lower = cross(bollingerBand(close, 20, -k));
      return { entry: () => crossesUp(price, upper), exit: () => crossesDown(price, lower) };
    },
  },
  {
    type: 'GANN_SWING',
    parameters: [integer('gannPeriod', 2, 100, 14)],
    build(p, { cross }) {
      const n = num(p, 'gannPeriod');
      const price = cross(close);
      const swingHigh = cross(delayed(highest(high, n), 1));
      const swingLow = cross(delayed(lowest(low, n), 1));
      return { entry: () => crossesUp(price, swingHigh), exit: () => crossesDown(price, swingLow) };
    },
  },
  {
    type: 'SAR_MFI',
    parameters: [
      decimal('accelerationFactorStart', 0.01, 0.2, 0.02),
      decimal('accelerationFactorIncrement', 0.01, 0.2, 0.02),
      decimal('accelerationFactorMax', 0.1, 1.0, 0.2),
      integer('mfiPeriod', 2, 100, 14),
    ],
    build(p, { use, cross }) {
      const price = cross(close);
      const sar = cross(parabolicSar(num(p, 'accelerationFactorStart'), num(p, 'accelerationFactorIncrement'), num(p, 'accelerationFactorMax')));
      const mfi = use(moneyFlowIndex(num(p, 'mfiPeriod')));
      return {
        entry: () => crossesUp(price, sar) && mfi.value < 30,
        exit: () => crossesDown(price, sar) && mfi.value > 70,
      };
    },
  },
  {
    type: 'ADX_DMI',
    parameters: [integer('adxPeriod', 10, 30, 14), integer('diPeriod', 10, 30, 14)],
    build(p, { use, cross }) {
      const adx = use(averageDirectionalIndex(num(p, 'adxPeriod')));
      const plus = cross(plusDirectionalIndicator(num(p, 'diPeriod')));
      const minus = cross(minusDirectionalIndicator(num(p, 'diPeriod')));
      return { entry: () => adx.value > 25 && crossesUp(plus, minus), exit: () => crossesDown(plus, minus) };
    },
  },
];
