import { ema, sma } from '../indicators/averages.js';
import { derived, difference } from '../indicators/combine.js';
import { barVigor, close, high, low, medianPrice } from '../indicators/price.js';
import type { SeriesSpec } from '../indicators/seriesNode.js';
import { crossesAbove, crossesBelow, crossesDown, crossesUp, type SeriesNode } from '../indicators/seriesNode.js';
import { delayed, momentum, rateOfChange } from '../indicators/windows.js';
import { integer, num, type Parameters, type RuleBody, type StrategyDefinition } from './definition.js';

/** Entry when `a` crosses above `b`, exit when it crosses below. */
function crossover(a: SeriesNode, b: SeriesNode): RuleBody {
  return { entry: () => crossesUp(a, b), exit: () => crossesDown(a, b) };
}

/** MACD line EMA(short) − EMA(long) of the close (Appel). */
function macdLine(short: number, long: number): SeriesSpec {
  return difference(ema(close, short), ema(close, long));
}

/** Entry when `a` crosses above zero, exit when it crosses below. */
function zeroCross(a: SeriesNode): RuleBody {
  return { entry: () => crossesAbove(a, 0), exit: () => crossesBelow(a, 0) };
}

/** The close against EMA(close, period): the shared rule of rows 50, 51, 52 and 60. */
function closeVersusEma(period: number, cross: (s: SeriesSpec) => SeriesNode): RuleBody {
  return crossover(cross(close), cross(ema(close, period)));
}

/** MACD line against its EMA signal (rows 2 and 44). */
function macdRule(p: Parameters, cross: (s: SeriesSpec) => SeriesNode): RuleBody {
  const line = macdLine(num(p, 'shortEmaPeriod'), num(p, 'longEmaPeriod'));
  return crossover(cross(line), cross(ema(line, num(p, 'signalPeriod'))));
}

/** Moving-average, MACD-style and momentum crossover strategies. STRATEGIES.md rows 2, 7–9, 18, 19, 21, 23, 38, 40–44, 46, 50–52, 58–60. */
export const movingAverageStrategies: readonly StrategyDefinition[] = [
  {
    type: 'EMA_MACD',
    parameters: [integer('shortEmaPeriod', 2, 20, 12), integer('longEmaPeriod', 10, 50, 26), integer('signalPeriod', 5, 20, 9)],
    ordered: [['shortEmaPeriod', 'longEmaPeriod']],
    build(p, { cross }) {
      return macdRule(p, cross);
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
  {
    type: 'TRIPLE_EMA_CROSSOVER',
    parameters: [integer('shortEmaPeriod', 2, 20, 10), integer('mediumEmaPeriod', 10, 50, 20), integer('longEmaPeriod', 20, 100, 50)],
    ordered: [
      ['shortEmaPeriod', 'mediumEmaPeriod'],
      ['mediumEmaPeriod', 'longEmaPeriod'],
    ],
    build(p, { cross }) {
      const s = cross(ema(close, num(p, 'shortEmaPeriod')));
      const m = cross(ema(close, num(p, 'mediumEmaPeriod')));
      const l = cross(ema(close, num(p, 'longEmaPeriod')));
      return {
        entry: () => crossesUp(s, m) || crossesUp(m, l),
        exit: () => crossesDown(s, m) || crossesDown(m, l),
      };
    },
  },
  {
    type: 'MOMENTUM_SMA_CROSSOVER',
    parameters: [integer('momentumPeriod', 5, 30, 10), integer('smaPeriod', 5, 50, 20)],
    build(p, { cross }) {
      const momSpec = rateOfChange(close, num(p, 'momentumPeriod'));
      const mom = cross(momSpec);
      const avg = cross(sma(momSpec, num(p, 'smaPeriod')));
      return {
        entry: () => mom.value > 0 && crossesUp(mom, avg),
        exit: () => mom.value < 0 && crossesDown(mom, avg),
      };
    },
  },
  {
    type: 'KST_OSCILLATOR',
    parameters: [
      integer('rma1Period', 5, 20, 10),
      integer('rma2Period', 10, 25, 15),
      integer('rma3Period', 15, 30, 20),
      integer('rma4Period', 20, 40, 30),
      integer('signalPeriod', 5, 15, 9),
    ],
    build(p, { cross }) {
      // ROC lengths are fixed at 10/15/20/30 bars (STRATEGIES.md); the parameters smooth them.
      const parts = [10, 15, 20, 30].map((bars, i) => sma(rateOfChange(close, bars), num(p, `rma${i + 1}Period`)));
      const kstSpec = derived('kst', parts, (s) => {
        let kst = 0;
        for (let i = 0; i < 4; i++) kst += (i + 1) * (s[i] as SeriesNode).value;
        return kst;
      });
      return crossover(cross(kstSpec), cross(sma(kstSpec, num(p, 'signalPeriod'))));
    },
  },
  {
    type: 'RVI',
    parameters: [integer('period', 5, 30, 10)],
    build(p, { cross }) {
      const rviSpec = sma(barVigor, num(p, 'period'));
      return crossover(cross(rviSpec), cross(sma(rviSpec, 4)));
    },
  },
  {
    type: 'MOMENTUM_PINBALL',
    parameters: [integer('shortPeriod', 2, 30, 10), integer('longPeriod', 5, 60, 20)],
    build(p, { use, cross }) {
      const short = cross(momentum(close, num(p, 'shortPeriod')));
      const long = use(momentum(close, num(p, 'longPeriod')));
      return {
        entry: () => long.value > 0 && crossesAbove(short, 0),
        exit: () => long.value < 0 && crossesBelow(short, 0),
      };
    },
  },
  {
    type: 'TRIX_SIGNAL_LINE',
    parameters: [integer('trixPeriod', 5, 50, 15), integer('signalPeriod', 3, 20, 9)],
    build(p, { cross }) {
      const n = num(p, 'trixPeriod');
      // TRIX = 1-bar % change of EMA(EMA(EMA(close))), as TA-Lib TRIX.
      const trixSpec = rateOfChange(ema(ema(ema(close, n), n), n), 1);
      return crossover(cross(trixSpec), cross(sma(trixSpec, num(p, 'signalPeriod'))));
    },
  },
  {
    type: 'RAINBOW_OSCILLATOR',
    parameters: [
      {
        name: 'periods',
        kind: 'integerList',
        ranges: [
          [5, 20],
          [10, 50],
          [20, 100],
        ],
        default: [10, 20, 50],
      },
    ],
    build(p, { cross }) {
      const periods = p.periods as readonly number[];
      // The middle period is part of the identity but, per STRATEGIES.md, not of the oscillator.
      const first = ema(close, periods[0] as number);
      const last = ema(close, periods[2] as number);
      const osc = derived('rainbow', [first, last], (s) => {
        const l = (s[1] as SeriesNode).value;
        return l === 0 ? 0 : (((s[0] as SeriesNode).value - l) / l) * 100;
      });
      return zeroCross(cross(osc));
    },
  },
  {
    type: 'PRICE_OSCILLATOR_SIGNAL',
    parameters: [integer('fastPeriod', 5, 20, 10), integer('slowPeriod', 10, 50, 20), integer('signalPeriod', 5, 20, 9)],
    build(p, { cross }) {
      const line = macdLine(num(p, 'fastPeriod'), num(p, 'slowPeriod'));
      return crossover(cross(line), cross(ema(line, num(p, 'signalPeriod'))));
    },
  },
  {
    type: 'AWESOME_OSCILLATOR',
    parameters: [integer('shortPeriod', 2, 20, 5), integer('longPeriod', 10, 50, 34)],
    build(p, { cross }) {
      return zeroCross(cross(difference(sma(medianPrice, num(p, 'shortPeriod')), sma(medianPrice, num(p, 'longPeriod')))));
    },
  },
  {
    type: 'DEMA_TEMA_CROSSOVER',
    parameters: [integer('demaPeriod', 5, 50, 12), integer('temaPeriod', 5, 50, 26)],
    build(p, { cross }) {
      const d = num(p, 'demaPeriod');
      const t = num(p, 'temaPeriod');
      const d1 = ema(close, d);
      const dema = derived('dema', [d1, ema(d1, d)], (s) => 2 * (s[0] as SeriesNode).value - (s[1] as SeriesNode).value);
      const t1 = ema(close, t);
      const t2 = ema(t1, t);
      const tema = derived('tema', [t1, t2, ema(t2, t)], (s) => 3 * (s[0] as SeriesNode).value - 3 * (s[1] as SeriesNode).value + (s[2] as SeriesNode).value);
      return crossover(cross(dema), cross(tema));
    },
  },
  {
    type: 'MACD_CROSSOVER',
    parameters: [integer('shortEmaPeriod', 5, 20, 12), integer('longEmaPeriod', 15, 50, 26), integer('signalPeriod', 5, 20, 9)],
    build(p, { cross }) {
      return macdRule(p, cross);
    },
  },
  {
    type: 'ROC_MA_CROSSOVER',
    parameters: [integer('rocPeriod', 5, 50, 10), integer('maPeriod', 5, 50, 20)],
    build(p, { cross }) {
      const roc = rateOfChange(close, num(p, 'rocPeriod'));
      return crossover(cross(roc), cross(ema(roc, num(p, 'maPeriod'))));
    },
  },
  {
    type: 'DOUBLE_TOP_BOTTOM',
    parameters: [integer('period', 10, 50, 20)],
    build: (p, { cross }) => closeVersusEma(num(p, 'period'), cross),
  },
  {
    type: 'FIBONACCI_RETRACEMENTS',
    parameters: [integer('period', 10, 50, 20)],
    build: (p, { cross }) => closeVersusEma(num(p, 'period'), cross),
  },
  {
    type: 'PRICE_GAP',
    parameters: [integer('period', 5, 30, 10)],
    build: (p, { cross }) => closeVersusEma(num(p, 'period'), cross),
  },
  {
    type: 'VARIABLE_PERIOD_EMA',
    parameters: [integer('minPeriod', 5, 50, 10), integer('maxPeriod', 10, 100, 30)],
    ordered: [['minPeriod', 'maxPeriod']],
    // Math.round rounds .5 up: (10 + 15)/2 = 12.5 → 13.
    build: (p, { cross }) => closeVersusEma(Math.round((num(p, 'minPeriod') + num(p, 'maxPeriod')) / 2), cross),
  },
  {
    type: 'ELDER_RAY_MA',
    parameters: [integer('emaPeriod', 5, 50, 20)],
    build(p, { cross }) {
      const e = ema(close, num(p, 'emaPeriod'));
      const bull = cross(difference(high, e));
      const bear = cross(difference(low, e));
      return { entry: () => crossesAbove(bull, 0), exit: () => crossesBelow(bear, 0) };
    },
  },
  {
    type: 'DPO_CROSSOVER',
    parameters: [integer('dpoPeriod', 5, 50, 20), integer('maPeriod', 5, 50, 10)],
    build(p, { cross }) {
      const n = num(p, 'dpoPeriod');
      // DPO = close (n/2 + 1) bars ago − SMA(close, n): only past bars, no centring into the future.
      const dpo = difference(delayed(close, Math.floor(n / 2) + 1), sma(close, n));
      return crossover(cross(dpo), cross(sma(dpo, num(p, 'maPeriod'))));
    },
  },
];
