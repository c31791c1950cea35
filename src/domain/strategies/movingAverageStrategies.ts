import { ema, sma } from '../indicators/averages.js';
import { difference } from '../indicators/combine.js';
import { close } from '../indicators/price.js';
import { crossesDown, crossesUp, type SeriesNode } from '../indicators/seriesNode.js';
import type { SeriesSpec } from '../indicators/seriesNode.js';
import { integer, num, type RuleBody, type StrategyDefinition } from './definition.js';

/** Entry when `a` crosses above `b`, exit when it crosses below. */
function crossover(a: SeriesNode, b: SeriesNode): RuleBody {
  return { entry: () => crossesUp(a, b), exit: () => crossesDown(a, b) };
}

/** MACD line EMA(short) − EMA(long) of the close (Appel). */
function macdLine(short: number, long: number): SeriesSpec {
  return difference(ema(close, short), ema(close, long));
}

/** Moving-average and MACD-style crossover strategies. STRATEGIES.md rows 2, 7, 8. */
export const movingAverageStrategies: readonly StrategyDefinition[] = [
  {
    type: 'EMA_MACD',
    parameters: [integer('shortEmaPeriod', 2, 20, 12), integer('longEmaPeriod', 10, 50, 26), integer('signalPeriod', 5, 20, 9)],
    ordered: [['shortEmaPeriod', 'longEmaPeriod']],
    build(p, { cross }) {
      const line = macdLine(num(p, 'shortEmaPeriod'), num(p, 'longEmaPeriod'));
      return crossover(cross(line), cross(ema(line, num(p, 'signalPeriod'))));
    },
  },
  {
    type: 'SMA_EMA_CROSSOVER',
    parameters: [integer('smaPeriod', 5, 50, 20), integer('emaPeriod', 5, 50, 50)],
    build(p, { cross }) {
      return crossover(cross(sma(close, num(p, 'smaPeriod'))), cross(ema(close, num(p, 'emaPeriod'))));
    },
  },
  {
    type: 'DOUBLE_EMA_CROSSOVER',
    parameters: [integer('shortEmaPeriod', 2, 30, 12), integer('longEmaPeriod', 10, 100, 26)],
    ordered: [['shortEmaPeriod', 'longEmaPeriod']],
    build(p, { cross }) {
      return crossover(cross(ema(close, num(p, 'shortEmaPeriod'))), cross(ema(close, num(p, 'longEmaPeriod'))));
    },
  },
];
