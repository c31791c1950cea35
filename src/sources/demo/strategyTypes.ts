/**
 * The parameter ranges of the 60 strategy types, transcribed from /work/shared/STRATEGIES.md for
 * the demo's synthetic discoveries only. The strategy catalog (src/domain/strategies) is the
 * authority that validates parameters; this table only has to produce values it accepts.
 */

/** One parameter: integer (`I`), decimal (`D`), or a list of integers with one range per item. */
export type ParameterSpec =
  | { readonly name: string; readonly kind: 'I' | 'D'; readonly min: number; readonly max: number }
  | { readonly name: string; readonly kind: 'I[]'; readonly ranges: readonly (readonly [number, number])[] };

export interface StrategyTypeSpec {
  readonly type: string;
  readonly parameters: readonly ParameterSpec[];
  /**
   * Pairs [a, b] that must satisfy a < b. The catalog requires it where it says "short < long";
   * the demo also orders every fast/slow pair, since a discovery run would not report a "short"
   * period longer than its "long" one.
   */
  readonly ordered: readonly (readonly [string, string])[];
}

const I = (name: string, min: number, max: number): ParameterSpec => ({ name, kind: 'I', min, max });
const D = (name: string, min: number, max: number): ParameterSpec => ({ name, kind: 'D', min, max });
const t = (type: string, parameters: ParameterSpec[], ordered: [string, string][] = []): StrategyTypeSpec => ({ type, parameters, ordered });

export const STRATEGY_TYPES: readonly StrategyTypeSpec[] = [
  t('SMA_RSI', [I('movingAveragePeriod', 5, 50), I('rsiPeriod', 2, 30), D('overboughtThreshold', 60, 85), D('oversoldThreshold', 15, 40)]),
  t('EMA_MACD', [I('shortEmaPeriod', 2, 20), I('longEmaPeriod', 10, 50), I('signalPeriod', 5, 20)], [['shortEmaPeriod', 'longEmaPeriod']]),
  t('ADX_STOCHASTIC', [
    I('adxPeriod', 10, 30),
    I('stochasticKPeriod', 5, 20),
    I('stochasticDPeriod', 3, 15),
    I('overboughtThreshold', 60, 90),
    I('oversoldThreshold', 10, 40),
  ]),
  t('AROON_MFI', [I('aroonPeriod', 10, 50), I('mfiPeriod', 10, 50), I('overboughtThreshold', 60, 90), I('oversoldThreshold', 10, 40)]),
  t('ICHIMOKU_CLOUD', [I('tenkanSenPeriod', 5, 20), I('kijunSenPeriod', 20, 60), I('senkouSpanBPeriod', 50, 200), I('chikouSpanPeriod', 20, 60)]),
  t('PARABOLIC_SAR', [D('accelerationFactorStart', 0.01, 0.05), D('accelerationFactorIncrement', 0.01, 0.05), D('accelerationFactorMax', 0.1, 0.5)]),
  t('SMA_EMA_CROSSOVER', [I('smaPeriod', 5, 50), I('emaPeriod', 5, 50)]),
  t('DOUBLE_EMA_CROSSOVER', [I('shortEmaPeriod', 2, 30), I('longEmaPeriod', 10, 100)], [['shortEmaPeriod', 'longEmaPeriod']]),
  t(
    'TRIPLE_EMA_CROSSOVER',
    [I('shortEmaPeriod', 2, 20), I('mediumEmaPeriod', 10, 50), I('longEmaPeriod', 20, 100)],
    [
      ['shortEmaPeriod', 'mediumEmaPeriod'],
      ['mediumEmaPeriod', 'longEmaPeriod'],
    ],
  ),
  t('HEIKEN_ASHI', [I('period', 2, 30)]),
  t('LINEAR_REGRESSION_CHANNELS', [I('period', 10, 50), D('multiplier', 1, 3)]),
  t('VWAP_MEAN_REVERSION', [I('vwapPeriod', 10, 50), I('movingAveragePeriod', 10, 50), D('deviationMultiplier', 1, 3)]),
  t('BBAND_W_R', [I('bbandsPeriod', 10, 50), I('wrPeriod', 5, 30), D('stdDevMultiplier', 1.5, 3)]),
  t('ATR_CCI', [I('atrPeriod', 5, 30), I('cciPeriod', 10, 50)]),
  t('DONCHIAN_BREAKOUT', [I('donchianPeriod', 10, 50)]),
  t('VOLATILITY_STOP', [I('atrPeriod', 5, 30), D('multiplier', 1, 5)]),
  t('ATR_TRAILING_STOP', [I('atrPeriod', 5, 30), D('multiplier', 1, 5)]),
  t('MOMENTUM_SMA_CROSSOVER', [I('momentumPeriod', 5, 30), I('smaPeriod', 5, 50)]),
  t('KST_OSCILLATOR', [I('rma1Period', 5, 20), I('rma2Period', 10, 25), I('rma3Period', 15, 30), I('rma4Period', 20, 40), I('signalPeriod', 5, 15)]),
  t('STOCHASTIC_RSI', [
    I('rsiPeriod', 5, 30),
    I('stochasticKPeriod', 5, 30),
    I('stochasticDPeriod', 3, 15),
    I('overboughtThreshold', 60, 95),
    I('oversoldThreshold', 5, 40),
  ]),
  t('RVI', [I('period', 5, 30)]),
  t('MASS_INDEX', [I('emaPeriod', 5, 50), I('sumPeriod', 5, 25)]),
  t('MOMENTUM_PINBALL', [I('shortPeriod', 2, 30), I('longPeriod', 5, 60)], [['shortPeriod', 'longPeriod']]),
  t('VOLUME_WEIGHTED_MACD', [I('shortPeriod', 5, 20), I('longPeriod', 15, 50), I('signalPeriod', 5, 15)], [['shortPeriod', 'longPeriod']]),
  t('OBV_EMA', [I('emaPeriod', 10, 50)]),
  t('CHAIKIN_OSCILLATOR', [I('fastPeriod', 2, 20), I('slowPeriod', 5, 50)], [['fastPeriod', 'slowPeriod']]),
  t('KLINGER_VOLUME', [I('shortPeriod', 5, 15), I('longPeriod', 20, 50), I('signalPeriod', 5, 15)]),
  t('VOLUME_BREAKOUT', [D('volumeMultiplier', 1.5, 3)]),
  t('PVT', [I('period', 10, 50)]),
  t('VPT', [I('period', 10, 50)]),
  t('VOLUME_SPREAD_ANALYSIS', [I('volumePeriod', 10, 50)]),
  t('TICK_VOLUME_ANALYSIS', [I('tickPeriod', 10, 50)]),
  t('VOLUME_PROFILE_DEVIATIONS', [I('period', 10, 100)]),
  t('VOLUME_PROFILE', [I('period', 10, 100)]),
  t('STOCHASTIC_EMA', [
    I('emaPeriod', 5, 50),
    I('stochasticKPeriod', 5, 50),
    I('stochasticDPeriod', 5, 50),
    I('overboughtThreshold', 70, 90),
    I('oversoldThreshold', 10, 30),
  ]),
  t('CMO_MFI', [I('cmoPeriod', 10, 30), I('mfiPeriod', 10, 30)]),
  t('RSI_EMA_CROSSOVER', [I('rsiPeriod', 5, 30), I('emaPeriod', 5, 20)]),
  t('TRIX_SIGNAL_LINE', [I('trixPeriod', 5, 50), I('signalPeriod', 3, 20)]),
  t('CMF_ZERO_LINE', [I('period', 10, 50)]),
  t('RAINBOW_OSCILLATOR', [
    {
      name: 'periods',
      kind: 'I[]',
      ranges: [
        [5, 20],
        [10, 50],
        [20, 100],
      ],
    },
  ]),
  t('PRICE_OSCILLATOR_SIGNAL', [I('fastPeriod', 5, 20), I('slowPeriod', 10, 50), I('signalPeriod', 5, 20)], [['fastPeriod', 'slowPeriod']]),
  t('AWESOME_OSCILLATOR', [I('shortPeriod', 2, 20), I('longPeriod', 10, 50)], [['shortPeriod', 'longPeriod']]),
  t('DEMA_TEMA_CROSSOVER', [I('demaPeriod', 5, 50), I('temaPeriod', 5, 50)]),
  t('MACD_CROSSOVER', [I('shortEmaPeriod', 5, 20), I('longEmaPeriod', 15, 50), I('signalPeriod', 5, 20)], [['shortEmaPeriod', 'longEmaPeriod']]),
  t('VWAP_CROSSOVER', [I('vwapPeriod', 10, 50), I('movingAveragePeriod', 10, 50)]),
  t('ROC_MA_CROSSOVER', [I('rocPeriod', 5, 50), I('maPeriod', 5, 50)]),
  t('REGRESSION_CHANNEL', [I('period', 10, 100)]),
  t('FRAMA', [D('sc', 0.1, 2), I('fc', 5, 50), D('alpha', 0.1, 1)]),
  t('PIVOT', [I('period', 5, 50)]),
  t('DOUBLE_TOP_BOTTOM', [I('period', 10, 50)]),
  t('FIBONACCI_RETRACEMENTS', [I('period', 10, 50)]),
  t('PRICE_GAP', [I('period', 5, 30)]),
  t('RENKO_CHART', [D('brickSize', 0.1, 100)]),
  t('RANGE_BARS', [D('rangeSize', 0.1, 100)]),
  t('GANN_SWING', [I('gannPeriod', 2, 100)]),
  t('SAR_MFI', [
    D('accelerationFactorStart', 0.01, 0.2),
    D('accelerationFactorIncrement', 0.01, 0.2),
    D('accelerationFactorMax', 0.1, 1),
    I('mfiPeriod', 2, 100),
  ]),
  t('ADX_DMI', [I('adxPeriod', 10, 30), I('diPeriod', 10, 30)]),
  t('ELDER_RAY_MA', [I('emaPeriod', 5, 50)]),
  t('DPO_CROSSOVER', [I('dpoPeriod', 5, 50), I('maPeriod', 5, 50)]),
  t('VARIABLE_PERIOD_EMA', [I('minPeriod', 5, 50), I('maxPeriod', 10, 100)], [['minPeriod', 'maxPeriod']]),
];
