import { ema, sma } from '../indicators/averages.js';
import { bollingerBand } from '../indicators/bands.js';
import { derived, difference } from '../indicators/combine.js';
import { close, volume } from '../indicators/price.js';
import type { SeriesSpec } from '../indicators/seriesNode.js';
import { crossesAbove, crossesBelow, crossesDown, crossesUp, type SeriesNode } from '../indicators/seriesNode.js';
import {
  accumulationDistribution,
  chaikinMoneyFlow,
  onBalanceVolume,
  priceVolumeTrend,
  rollingVwap,
  tickVolumeScore,
  volumeForce,
  volumeSpreadScore,
  volumeWeightedAverage,
} from '../indicators/volume.js';
import { decimal, integer, num, type RuleBody, type StrategyDefinition } from './definition.js';

function crossover(a: SeriesNode, b: SeriesNode): RuleBody {
  return { entry: () => crossesUp(a, b), exit: () => crossesDown(a, b) };
}

/** A series against its own moving average (`average` built from the series' spec). */
function versusAverage(series: SeriesSpec, average: SeriesSpec, cross: (s: SeriesSpec) => SeriesNode): RuleBody {
  return crossover(cross(series), cross(average));
}

/** Volume and money-flow strategies. STRATEGIES.md rows 12, 24–34, 39, 45. */
export const volumeStrategies: readonly StrategyDefinition[] = [
  {
    type: 'VWAP_MEAN_REVERSION',
    parameters: [integer('vwapPeriod', 10, 50, 20), integer('movingAveragePeriod', 10, 50, 20), decimal('deviationMultiplier', 1.0, 3.0, 2.0)],
    build(p, { cross }) {
      const m = num(p, 'deviationMultiplier');
      const vwapSpec = rollingVwap(num(p, 'vwapPeriod'));
      // lower band = VWAP − m × |VWAP − SMA(close)|
      const lowerSpec = derived(`vwapLower${m}`, [vwapSpec, sma(close, num(p, 'movingAveragePeriod'))], (s) => {
        const v = (s[0] as SeriesNode).value;
        return v - m * Math.abs(v - (s[1] as SeriesNode).value);
      });
      const price = cross(close);
      const vwap = cross(vwapSpec);
      const lower = cross(lowerSpec);
      return { entry: () => crossesDown(price, lower), exit: () => crossesUp(price, vwap) };
    },
  },
  {
    type: 'VOLUME_WEIGHTED_MACD',
    parameters: [integer('shortPeriod', 5, 20, 12), integer('longPeriod', 15, 50, 26), integer('signalPeriod', 5, 15, 9)],
    build(p, { cross }) {
      const line = difference(volumeWeightedAverage(num(p, 'shortPeriod')), volumeWeightedAverage(num(p, 'longPeriod')));
      return versusAverage(line, ema(line, num(p, 'signalPeriod')), cross);
    },
  },
  {
    type: 'OBV_EMA',
    parameters: [integer('emaPeriod', 10, 50, 20)],
    build: (p, { cross }) => versusAverage(onBalanceVolume, ema(onBalanceVolume, num(p, 'emaPeriod')), cross),
  },
  {
    type: 'CHAIKIN_OSCILLATOR',
    parameters: [integer('fastPeriod', 2, 20, 3), integer('slowPeriod', 5, 50, 10)],
    build(p, { cross }) {
      const osc = cross(difference(ema(accumulationDistribution, num(p, 'fastPeriod')), ema(accumulationDistribution, num(p, 'slowPeriod'))));
      return { entry: () => crossesAbove(osc, 0), exit: () => crossesBelow(osc, 0) };
    },
  },
  {
    type: 'KLINGER_VOLUME',
    parameters: [integer('shortPeriod', 5, 15, 10), integer('longPeriod', 20, 50, 35), integer('signalPeriod', 5, 15, 10)],
    build(p, { cross }) {
      const kvo = difference(ema(volumeForce, num(p, 'shortPeriod')), ema(volumeForce, num(p, 'longPeriod')));
      return versusAverage(kvo, ema(kvo, num(p, 'signalPeriod')), cross);
    },
  },
  {
    type: 'VOLUME_BREAKOUT',
    parameters: [decimal('volumeMultiplier', 1.5, 3.0, 2.0)],
    build(p, { use, cross }) {
      const m = num(p, 'volumeMultiplier');
      const avgVolume = use(sma(volume, 20));
      const price = cross(close);
      const avgClose = cross(sma(close, 10));
      // volume / SMA against the multiplier, not volume against multiplier × SMA: the product rounds
      // away from a tie the table's decimals make (2.2 × 95 = 209.00000000000003, so a volume of
      // exactly 209 exited under the strict `<`; found by a bug hunt), while the quotient of two
      // exact values that equal the multiplier rounds to the multiplier's own double. An SMA of 0 (no
      // volume for 20 bars) gives Infinity for a volume, which enters, and NaN for none, which does
      // neither: as volume against 0 · m did.
      return {
        entry: (c) => c.volume / avgVolume.value > m && c.close > avgClose.value,
        exit: (c) => c.volume / avgVolume.value < m || crossesDown(price, avgClose),
      };
    },
  },
  {
    type: 'PVT',
    parameters: [integer('period', 10, 50, 20)],
    build: (p, { cross }) => versusAverage(priceVolumeTrend, sma(priceVolumeTrend, num(p, 'period')), cross),
  },
  {
    type: 'VPT',
    parameters: [integer('period', 10, 50, 20)],
    build: (p, { cross }) => versusAverage(priceVolumeTrend, ema(priceVolumeTrend, num(p, 'period')), cross),
  },
  {
    type: 'VOLUME_SPREAD_ANALYSIS',
    parameters: [integer('volumePeriod', 10, 50, 20)],
    build: (p, { cross }) => versusAverage(volumeSpreadScore, sma(volumeSpreadScore, num(p, 'volumePeriod')), cross),
  },
  {
    type: 'TICK_VOLUME_ANALYSIS',
    parameters: [integer('tickPeriod', 10, 50, 20)],
    build: (p, { cross }) => versusAverage(tickVolumeScore, sma(tickVolumeScore, num(p, 'tickPeriod')), cross),
  },
  {
    type: 'VOLUME_PROFILE_DEVIATIONS',
    parameters: [integer('period', 10, 100, 20)],
    build(p, { use, cross }) {
      const n = num(p, 'period');
      const avgVolume = use(sma(volume, n));
      const price = cross(close);
      const lower = cross(bollingerBand(close, n, -2));
      const upper = cross(bollingerBand(close, n, 2));
      return {
        entry: (c) => crossesUp(price, lower) && c.volume > avgVolume.value,
        exit: () => crossesDown(price, upper),
      };
    },
  },
  {
    type: 'VOLUME_PROFILE',
    parameters: [integer('period', 10, 100, 20)],
    build(p, { use, cross }) {
      const n = num(p, 'period');
      const obv = cross(onBalanceVolume);
      const obvAverage = cross(ema(onBalanceVolume, n));
      const closeAverage = use(ema(close, n));
      return {
        entry: (c) => crossesUp(obv, obvAverage) && c.close > closeAverage.value,
        exit: () => crossesDown(obv, obvAverage),
      };
    },
  },
  {
    type: 'CMF_ZERO_LINE',
    parameters: [integer('period', 10, 50, 20)],
    build(p, { cross }) {
      const cmf = cross(chaikinMoneyFlow(num(p, 'period')));
      return { entry: () => crossesAbove(cmf, 0), exit: () => crossesBelow(cmf, 0) };
    },
  },
  {
    type: 'VWAP_CROSSOVER',
    // movingAveragePeriod is accepted for identity but unused (STRATEGIES.md).
    parameters: [integer('vwapPeriod', 10, 50, 20), integer('movingAveragePeriod', 10, 50, 20)],
    build: (p, { cross }) => versusAverage(close, rollingVwap(num(p, 'vwapPeriod')), cross),
  },
];
