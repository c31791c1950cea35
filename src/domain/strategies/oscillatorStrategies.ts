import { ema, sma } from '../indicators/averages.js';
import { averageDirectionalIndex, averageTrueRange } from '../indicators/directional.js';
import {
  aroonDown,
  aroonUp,
  chandeMomentum,
  commodityChannelIndex,
  moneyFlowIndex,
  rsi,
  stochasticK,
  stochasticOf,
  williamsR,
} from '../indicators/oscillators.js';
import { close } from '../indicators/price.js';
import { crossesAbove, crossesBelow, crossesDown, crossesUp } from '../indicators/seriesNode.js';
import { stdDev } from '../indicators/windows.js';
import { decimal, integer, num, type StrategyDefinition } from './definition.js';

/** Oscillator strategies: thresholds on bounded oscillators (RSI, %K, MFI, %R, ...). STRATEGIES.md rows 1, 3, 4, 13, 14, 20, 35, 36, 37. */
export const oscillatorStrategies: readonly StrategyDefinition[] = [
  {
    type: 'SMA_RSI',
    parameters: [
      integer('movingAveragePeriod', 5, 50, 14),
      integer('rsiPeriod', 2, 30, 14),
      decimal('overboughtThreshold', 60, 85, 70),
      decimal('oversoldThreshold', 15, 40, 30),
    ],
    build(p, { use }) {
      const r = use(rsi(close, num(p, 'rsiPeriod')));
      const avg = use(sma(rsi(close, num(p, 'rsiPeriod')), num(p, 'movingAveragePeriod')));
      const over = num(p, 'overboughtThreshold');
      const under = num(p, 'oversoldThreshold');
      return {
        entry: () => r.value < under && avg.value < under,
        exit: () => r.value > over && avg.value > over,
      };
    },
  },
  {
    type: 'ADX_STOCHASTIC',
    parameters: [
      integer('adxPeriod', 10, 30, 14),
      integer('stochasticKPeriod', 5, 20, 14),
      // Accepted for identity but unused: the rule reads raw %K only (STRATEGIES.md).
      integer('stochasticDPeriod', 3, 15, 3),
      integer('overboughtThreshold', 60, 90, 80),
      integer('oversoldThreshold', 10, 40, 20),
    ],
    build(p, { use }) {
      const adx = use(averageDirectionalIndex(num(p, 'adxPeriod')));
      const k = use(stochasticK(num(p, 'stochasticKPeriod')));
      const over = num(p, 'overboughtThreshold');
      const under = num(p, 'oversoldThreshold');
      return {
        entry: () => adx.value > 20 && k.value < under,
        exit: () => adx.value < 20 && k.value > over,
      };
    },
  },
  {
    type: 'AROON_MFI',
    parameters: [
      integer('aroonPeriod', 10, 50, 25),
      integer('mfiPeriod', 10, 50, 14),
      integer('overboughtThreshold', 60, 90, 80),
      integer('oversoldThreshold', 10, 40, 20),
    ],
    build(p, { use, cross }) {
      const up = cross(aroonUp(num(p, 'aroonPeriod')));
      const down = cross(aroonDown(num(p, 'aroonPeriod')));
      const mfi = use(moneyFlowIndex(num(p, 'mfiPeriod')));
      const over = num(p, 'overboughtThreshold');
      const under = num(p, 'oversoldThreshold');
      return {
        entry: () => crossesUp(up, down) && mfi.value < under,
        exit: () => up.value > down.value && mfi.value > over,
      };
    },
  },
  {
    type: 'BBAND_W_R',
    parameters: [integer('bbandsPeriod', 10, 50, 20), integer('wrPeriod', 5, 30, 14), decimal('stdDevMultiplier', 1.5, 3.0, 2.0)],
    build(p, { use }) {
      const n = num(p, 'bbandsPeriod');
      // Bands composed from the shared SMA and population std-dev, so every multiplier shares them.
      const middle = use(sma(close, n));
      const sd = use(stdDev(close, n));
      const wr = use(williamsR(num(p, 'wrPeriod')));
      const m = num(p, 'stdDevMultiplier');
      return {
        entry: (c) => c.close < middle.value - m * sd.value && wr.value < -80,
        exit: (c) => c.close > middle.value + m * sd.value && wr.value > -20,
      };
    },
  },
  {
    type: 'ATR_CCI',
    parameters: [integer('atrPeriod', 5, 30, 14), integer('cciPeriod', 10, 50, 20)],
    build(p, { use, cross }) {
      const atr = cross(averageTrueRange(num(p, 'atrPeriod')));
      const cci = use(commodityChannelIndex(num(p, 'cciPeriod')));
      return {
        entry: () => cci.value > -100 && atr.value > atr.prev,
        exit: () => cci.value < 100 && atr.value < atr.prev,
      };
    },
  },
  {
    type: 'STOCHASTIC_RSI',
    parameters: [
      integer('rsiPeriod', 5, 30, 14),
      integer('stochasticKPeriod', 5, 30, 14),
      // %D = SMA(%K, D) is part of the indicator but no rule reads it.
      integer('stochasticDPeriod', 3, 15, 3),
      integer('overboughtThreshold', 60, 95, 80),
      integer('oversoldThreshold', 5, 40, 20),
    ],
    build(p, { cross }) {
      const r = rsi(close, num(p, 'rsiPeriod'));
      const k = cross(stochasticOf(r, r, r, num(p, 'stochasticKPeriod')));
      const over = num(p, 'overboughtThreshold');
      const under = num(p, 'oversoldThreshold');
      return { entry: () => crossesAbove(k, under), exit: () => crossesBelow(k, over) };
    },
  },
  {
    type: 'STOCHASTIC_EMA',
    parameters: [
      integer('emaPeriod', 5, 50, 14),
      integer('stochasticKPeriod', 5, 50, 14),
      // STRATEGIES.md row 35 prints 5–50 with a default of 3, so the default spelled out was
      // refused; the range admits its default (3–50). The rule does not read %D; it is identity only.
      integer('stochasticDPeriod', 3, 50, 3),
      integer('overboughtThreshold', 70, 90, 80),
      integer('oversoldThreshold', 10, 30, 20),
    ],
    build(p, { cross }) {
      const kSpec = stochasticK(num(p, 'stochasticKPeriod'));
      const k = cross(kSpec);
      const avg = cross(ema(kSpec, num(p, 'emaPeriod')));
      const over = num(p, 'overboughtThreshold');
      const under = num(p, 'oversoldThreshold');
      return {
        entry: () => crossesUp(k, avg) && k.value < under,
        exit: () => crossesDown(k, avg) || k.value > over,
      };
    },
  },
  {
    type: 'CMO_MFI',
    parameters: [integer('cmoPeriod', 10, 30, 14), integer('mfiPeriod', 10, 30, 14)],
    build(p, { use, cross }) {
      const cmo = cross(chandeMomentum(close, num(p, 'cmoPeriod')));
      const mfi = use(moneyFlowIndex(num(p, 'mfiPeriod')));
      return {
        entry: () => crossesAbove(cmo, 0) && mfi.value < 20,
        exit: () => crossesBelow(cmo, 0) || mfi.value > 80,
      };
    },
  },
  {
    type: 'RSI_EMA_CROSSOVER',
    parameters: [integer('rsiPeriod', 5, 30, 14), integer('emaPeriod', 5, 20, 10)],
    build(p, { cross }) {
      const rSpec = rsi(close, num(p, 'rsiPeriod'));
      const r = cross(rSpec);
      const avg = cross(ema(rSpec, num(p, 'emaPeriod')));
      return {
        entry: () => crossesUp(r, avg) && r.value < 70,
        exit: () => crossesDown(r, avg) && r.value > 30,
      };
    },
  },
];
