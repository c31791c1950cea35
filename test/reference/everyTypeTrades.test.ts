import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/domain/backtest.js';
import { strategyTypes } from '../../src/domain/strategies/catalog.js';
import { candlesOf } from '../domain/strategies/runStrategy.js';
import {
  chandeMomentum,
  ema,
  highest,
  lag,
  linearRegression,
  lowest,
  rollingSum,
  sma,
  stdDev,
  stochastic,
  zip,
  roc as percentChange,
} from './referenceIndicators.js';
import { bars, talib } from './talibFixture.js';

// Expected trades of every STRATEGIES.md type with its default parameters on the 600-bar fixture,
// from a separate, straightforward implementation of each table row: indicators are TA-Lib's own
// values from the fixture where TA-Lib has them (npm talib@2.0.5, TA-Lib C 0.6.0-dev), else the
// textbook array functions of referenceIndicators.ts. None of it imports src/domain/indicators.
// The engine side is runBacktest: the StrategyBook and PaperAccount of live evaluation.

const O = bars.map((b) => (typeof b === 'number' ? b : b[0]));
const H = bars.map((b) => (typeof b === 'number' ? b : b[1]));
const L = bars.map((b) => (typeof b === 'number' ? b : b[2]));
const C = bars.map((b) => (typeof b === 'number' ? b : b[3]));
const V = bars.map((b) => (typeof b === 'number' ? b : b[4]));
const N = C.length;

type Series = readonly number[];
type Level = Series | number;
const at = (x: Level, i: number) => (typeof x === 'number' ? x : (x[i] as number));
/** Crosses up: previous a <= b and current a > b (STRATEGIES.md `CU`). */
const cu = (a: Level, b: Level, i: number) => at(a, i - 1) <= at(b, i - 1) && at(a, i) > at(b, i);
/** Crosses down: previous a >= b and current a < b (`CD`). */
const cd = (a: Level, b: Level, i: number) => at(a, i - 1) >= at(b, i - 1) && at(a, i) < at(b, i);

/** One row of the table: the series that must be warm (`use`: now; `cross`: now and the bar before) and the rules. */
interface Reference {
  readonly use?: readonly Series[];
  readonly cross?: readonly Series[];
  readonly entry: (i: number) => boolean;
  readonly exit: (i: number) => boolean;
  /** Per-strategy state, run on every warm bar before the rules, told whether the strategy is long. */
  readonly observe?: (i: number, long: boolean) => void;
}

/** STRATEGIES.md's shared semantics: silent until warm; flat and entry → enter at the close; long and exit → exit. */
function simulate(r: Reference): [number, number][] {
  const ok = (x: Series, i: number) => !Number.isNaN(x[i] as number);
  const trades: [number, number][] = [];
  let warm = false;
  let entryBar = -1;
  for (let i = 0; i < N; i++) {
    warm ||= (r.use ?? []).every((x) => ok(x, i)) && (r.cross ?? []).every((x) => i > 0 && ok(x, i) && ok(x, i - 1));
    if (!warm) continue;
    r.observe?.(i, entryBar >= 0);
    if (entryBar < 0) {
      if (r.entry(i)) entryBar = i;
    } else if (r.exit(i)) {
      trades.push([entryBar, i]);
      entryBar = -1;
    }
  }
  return trades;
}

const crossover = (a: Series, b: Series): Reference => ({ cross: [a, b], entry: (i) => cu(a, b, i), exit: (i) => cd(a, b, i) });
const zeroCross = (a: Series): Reference => ({ cross: [a], entry: (i) => cu(a, 0, i), exit: (i) => cd(a, 0, i) });
const macd = (fast: number, slow: number, signal: number): Reference => {
  // Appel: EMA(fast) − EMA(slow), each EMA seeded at its own period (TA-Lib's MACD seeds the fast one later).
  const line = zip((a, b) => a - b, ema(C, fast), ema(C, slow));
  return crossover(line, ema(line, signal));
};
const closeVersusEma = (n: number) => crossover(C, ema(C, n));

// TA-Lib series at the catalog's default periods.
const rsi14 = talib('RSI(14)', 'outReal');
const adx14 = talib('ADX(14)', 'outReal');
const k14 = talib('STOCHF(14,1)', 'outFastK');
const mfi14 = talib('MFI(14)', 'outReal');
const atr14 = talib('ATR(14)', 'outReal');
const obv = talib('OBV', 'outReal');
const sar = talib('SAR(0.02,0.2)', 'outReal');
const bbUpper = talib('BBANDS(20,2,2)', 'outRealUpperBand');
const bbLower = talib('BBANDS(20,2,2)', 'outRealLowerBand');

// Textbook series shared by several rows.
const typical = zip((h, l, c) => (h + l + c) / 3, H, L, C);
const vwap = (n: number) =>
  zip(
    (a, b) => (b === 0 ? 0 : a / b),
    rollingSum(
      zip((t, v) => t * v, typical, V),
      n,
    ),
    rollingSum(V, n),
  );
const vwma = (n: number) =>
  zip(
    (a, b) => (b === 0 ? 0 : a / b),
    rollingSum(
      zip((c, v) => c * v, C, V),
      n,
    ),
    rollingSum(V, n),
  );
/** Price-volume trend: 0 on the first bar, then + volume × relative change of the close. */
const pvt: number[] = [0];
for (let i = 1; i < N; i++) pvt.push((pvt[i - 1] as number) + ((V[i] as number) * ((C[i] as number) - (C[i - 1] as number))) / (C[i - 1] as number));

/** Klinger volume force (the catalog's KVO input): trend ±1 of H+L+C, cm accumulates H−L while the trend holds. */
function klingerForce(): number[] {
  const out = [Number.NaN];
  let trend = 0;
  let cm = 0;
  for (let i = 1; i < N; i++) {
    const t = (H[i] as number) + (L[i] as number) + (C[i] as number) > (H[i - 1] as number) + (L[i - 1] as number) + (C[i - 1] as number) ? 1 : -1;
    const dm = (H[i] as number) - (L[i] as number);
    cm = t === trend ? cm + dm : (H[i - 1] as number) - (L[i - 1] as number) + dm;
    trend = t;
    // Klinger's own formula, VF = V · |2·dm/cm − 1| · trend · 100 (his TradeStation code; trading-signals KVO).
    out.push(cm === 0 ? 0 : (V[i] as number) * Math.abs((2 * dm) / cm - 1) * t * 100);
  }
  return out;
}

/** Ehlers' FRAMA over an even window n: D from the ranges of the halves, alpha = weight·e^(−4.6·sc·(D−1)) in [0.01, 1], seeded with the close. */
function frama(period: number, sc: number, weight: number): number[] {
  const n = period % 2 === 0 ? period : period + 1;
  const out: number[] = [];
  let f = Number.NaN;
  for (let i = 0; i < N; i++) {
    if (i < n - 1) {
      out.push(Number.NaN);
      continue;
    }
    if (i === n - 1) {
      f = C[i] as number;
      out.push(f);
      continue;
    }
    const older = C.slice(i - n + 1, i - n / 2 + 1);
    const newer = C.slice(i - n / 2 + 1, i + 1);
    const all = [...older, ...newer];
    const n1 = (Math.max(...older) - Math.min(...older)) / (n / 2);
    const n2 = (Math.max(...newer) - Math.min(...newer)) / (n / 2);
    const n3 = (Math.max(...all) - Math.min(...all)) / n;
    const d = n1 === 0 || n2 === 0 || n3 === 0 ? 1 : (Math.log(n1 + n2) - Math.log(n3)) / Math.LN2;
    const a = Math.min(1, Math.max(0.01, weight * Math.exp(-4.6 * sc * (d - 1))));
    f += a * ((C[i] as number) - f);
    out.push(f);
  }
  return out;
}

/** Expected trades of each type (default parameters unless `parameters` says otherwise). */
const references: Record<string, { parameters?: Record<string, unknown>; reference: () => Reference }> = {
  SMA_RSI: {
    reference: () => {
      const avg = sma(rsi14, 14);
      return { use: [rsi14, avg], entry: (i) => at(rsi14, i) < 30 && at(avg, i) < 30, exit: (i) => at(rsi14, i) > 70 && at(avg, i) > 70 };
    },
  },
  EMA_MACD: { reference: () => macd(12, 26, 9) },
  ADX_STOCHASTIC: {
    reference: () => ({ use: [adx14, k14], entry: (i) => at(adx14, i) > 20 && at(k14, i) < 20, exit: (i) => at(adx14, i) < 20 && at(k14, i) > 80 }),
  },
  AROON_MFI: {
    // The default oversold 20 never meets an Aroon cross on this walk; 40 is in range and trades.
    parameters: { oversoldThreshold: 40 },
    reference: () => {
      const up = talib('AROON(25)', 'outAroonUp');
      const down = talib('AROON(25)', 'outAroonDown');
      return { use: [mfi14], cross: [up, down], entry: (i) => cu(up, down, i) && at(mfi14, i) < 40, exit: (i) => at(up, i) > at(down, i) && at(mfi14, i) > 80 };
    },
  },
  ICHIMOKU_CLOUD: {
    reference: () => {
      const line = (n: number) => zip((h, l) => (h + l) / 2, highest(H, n), lowest(L, n));
      const tenkan = line(9);
      const kijun = line(26);
      const a = lag(
        zip((t, k) => (t + k) / 2, tenkan, kijun),
        26,
      );
      const b = lag(line(52), 26);
      return {
        use: [a, b],
        cross: [tenkan, kijun],
        entry: (i) => cu(tenkan, kijun, i) && at(C, i) > Math.max(at(a, i), at(b, i)),
        exit: (i) => cu(kijun, tenkan, i) || at(C, i) < Math.min(at(a, i), at(b, i)),
      };
    },
  },
  PARABOLIC_SAR: { reference: () => ({ use: [sar], entry: (i) => at(C, i) > at(sar, i), exit: (i) => at(C, i) < at(sar, i) }) },
  SMA_EMA_CROSSOVER: { reference: () => crossover(sma(C, 20), ema(C, 50)) },
  DOUBLE_EMA_CROSSOVER: { reference: () => crossover(ema(C, 12), ema(C, 26)) },
  TRIPLE_EMA_CROSSOVER: {
    reference: () => {
      const [s, m, l] = [ema(C, 10), ema(C, 20), ema(C, 50)];
      return { cross: [s, m, l], entry: (i) => cu(s, m, i) || cu(m, l, i), exit: (i) => cd(s, m, i) || cd(m, l, i) };
    },
  },
  HEIKEN_ASHI: {
    reference: () => {
      const haClose = zip((o, h, l, c) => (o + h + l + c) / 4, O, H, L, C);
      const haOpen: number[] = [];
      for (let i = 0; i < N; i++)
        haOpen.push(i === 0 ? ((O[0] as number) + (C[0] as number)) / 2 : ((haOpen[i - 1] as number) + (haClose[i - 1] as number)) / 2);
      const warmUp = C.map((_, i) => (i < 13 ? Number.NaN : i));
      return { ...crossover(haClose, haOpen), use: [warmUp] };
    },
  },
  LINEAR_REGRESSION_CHANNELS: {
    reference: () => {
      const r = linearRegression(C, 20);
      const upper = zip((e, s) => e + 2 * s, r.end, r.residualStd);
      const lower = zip((e, s) => e - 2 * s, r.end, r.residualStd);
      return { cross: [C, upper, lower], entry: (i) => cu(C, upper, i), exit: (i) => cd(C, lower, i) };
    },
  },
  VWAP_MEAN_REVERSION: {
    reference: () => {
      const w = vwap(20);
      const lower = zip((v, s) => v - 2 * Math.abs(v - s), w, sma(C, 20));
      return { cross: [C, w, lower], entry: (i) => cd(C, lower, i), exit: (i) => cu(C, w, i) };
    },
  },
  BBAND_W_R: {
    reference: () => {
      const wr = talib('WILLR(14)', 'outReal');
      return {
        use: [bbUpper, wr],
        entry: (i) => at(C, i) < at(bbLower, i) && at(wr, i) < -80,
        exit: (i) => at(C, i) > at(bbUpper, i) && at(wr, i) > -20,
      };
    },
  },
  ATR_CCI: {
    reference: () => {
      const cci = talib('CCI(20)', 'outReal');
      return {
        use: [cci],
        cross: [atr14],
        entry: (i) => at(cci, i) > -100 && at(atr14, i) > at(atr14, i - 1),
        exit: (i) => at(cci, i) < 100 && at(atr14, i) < at(atr14, i - 1),
      };
    },
  },
  DONCHIAN_BREAKOUT: {
    reference: () => {
      const upper = lag(highest(H, 20), 1);
      const lower = lag(lowest(L, 20), 1);
      return { use: [upper, lower], entry: (i) => at(C, i) > at(upper, i), exit: (i) => at(C, i) < at(lower, i) };
    },
  },
  VOLATILITY_STOP: {
    // With the default multiplier 2 no close of this walk falls 2 ATR below the previous one: no exit.
    parameters: { multiplier: 1 },
    reference: () => {
      const e = ema(C, 14);
      return { use: [atr14], cross: [C, e], entry: (i) => cu(C, e, i), exit: (i) => at(C, i) < at(C, i - 1) - at(atr14, i) };
    },
  },
  ATR_TRAILING_STOP: {
    reference: () => {
      // Highest close since entry − 2·ATR, ratcheting up; it starts at the entry bar's close and ATR.
      let highestClose = 0;
      let stop = 0;
      let entered = -1;
      return {
        cross: [C, atr14],
        observe: (i, long) => {
          if (!long) {
            entered = -1;
            return;
          }
          if (entered < 0) {
            entered = i - 1;
            highestClose = C[i - 1] as number;
            stop = highestClose - 2 * at(atr14, i - 1);
          }
          highestClose = Math.max(highestClose, C[i] as number);
          stop = Math.max(stop, highestClose - 2 * at(atr14, i));
        },
        entry: (i) => at(C, i) > at(C, i - 1),
        exit: (i) => at(C, i) < stop,
      };
    },
  },
  MOMENTUM_SMA_CROSSOVER: {
    reference: () => {
      const mom = talib('ROC(10)', 'outReal');
      const avg = sma(mom, 20);
      return { cross: [mom, avg], entry: (i) => at(mom, i) > 0 && cu(mom, avg, i), exit: (i) => at(mom, i) < 0 && cd(mom, avg, i) };
    },
  },
  KST_OSCILLATOR: {
    reference: () => {
      const parts = [10, 15, 20, 30].map((bars, k) => sma(percentChange(C, bars), [10, 15, 20, 30][k] as number));
      const kst = zip((a, b, c, d) => a + 2 * b + 3 * c + 4 * d, ...parts);
      return crossover(kst, sma(kst, 9));
    },
  },
  STOCHASTIC_RSI: {
    reference: () => {
      const k = stochastic(rsi14, rsi14, rsi14, 14);
      return { cross: [k], entry: (i) => cu(k, 20, i), exit: (i) => cd(k, 80, i) };
    },
  },
  RVI: {
    reference: () => {
      const rvi = sma(
        zip((o, h, l, c) => (h === l ? 0 : (c - o) / (h - l)), O, H, L, C),
        10,
      );
      return crossover(rvi, sma(rvi, 4));
    },
  },
  MASS_INDEX: {
    // With EMA(9) the one bulge of this walk is never followed by MI crossing 27 again: no exit.
    parameters: { emaPeriod: 20 },
    reference: () => {
      const single = ema(
        zip((h, l) => h - l, H, L),
        20,
      );
      const ratio = zip((s, d) => (d === 0 ? 1 : s / d), single, ema(single, 20));
      const mi = rollingSum(ratio, 25);
      let warmFrom = -1;
      return {
        cross: [mi],
        observe: (i) => {
          if (warmFrom < 0) warmFrom = i;
        },
        // A reversal bulge: MI was above 27 on one of the last 25 bars (since warm-up) and now crosses below 26.5.
        entry: (i) => {
          if (!cd(mi, 26.5, i)) return false;
          for (let j = Math.max(warmFrom, i - 25); j <= i; j++) if (at(mi, j) > 27) return true;
          return false;
        },
        exit: (i) => cu(mi, 27, i),
      };
    },
  },
  MOMENTUM_PINBALL: {
    reference: () => {
      const short = talib('MOM(10)', 'outReal');
      const long = zip((c, p) => c - p, C, lag(C, 20));
      return { use: [long], cross: [short], entry: (i) => at(long, i) > 0 && cu(short, 0, i), exit: (i) => at(long, i) < 0 && cd(short, 0, i) };
    },
  },
  VOLUME_WEIGHTED_MACD: {
    reference: () => {
      const line = zip((a, b) => a - b, vwma(12), vwma(26));
      return crossover(line, ema(line, 9));
    },
  },
  OBV_EMA: { reference: () => crossover(obv, ema(obv, 20)) },
  CHAIKIN_OSCILLATOR: {
    reference: () => {
      const ad = talib('AD', 'outReal');
      return zeroCross(zip((a, b) => a - b, ema(ad, 3), ema(ad, 10)));
    },
  },
  KLINGER_VOLUME: {
    reference: () => {
      const vf = klingerForce();
      const kvo = zip((a, b) => a - b, ema(vf, 10), ema(vf, 35));
      return crossover(kvo, ema(kvo, 10));
    },
  },
  VOLUME_BREAKOUT: {
    reference: () => {
      const avgVolume = sma(V, 20);
      const avgClose = sma(C, 10);
      return {
        use: [avgVolume],
        cross: [C, avgClose],
        entry: (i) => at(V, i) > 2 * at(avgVolume, i) && at(C, i) > at(avgClose, i),
        exit: (i) => at(V, i) < 2 * at(avgVolume, i) || cd(C, avgClose, i),
      };
    },
  },
  PVT: { reference: () => crossover(pvt, sma(pvt, 20)) },
  VPT: { reference: () => crossover(pvt, ema(pvt, 20)) },
  VOLUME_SPREAD_ANALYSIS: {
    reference: () => {
      const score = C.map((c, i) => (i === 0 ? Number.NaN : V[i - 1] === 0 ? 0 : ((V[i] as number) / (V[i - 1] as number)) * (c - (L[i] as number))));
      return crossover(score, sma(score, 20));
    },
  },
  TICK_VOLUME_ANALYSIS: {
    reference: () => {
      const score = C.map((c, i) => (i === 0 ? Number.NaN : Math.abs(c - (C[i - 1] as number)) * Math.abs((V[i] as number) - (V[i - 1] as number))));
      return crossover(score, sma(score, 20));
    },
  },
  VOLUME_PROFILE_DEVIATIONS: {
    reference: () => {
      const avgVolume = sma(V, 20);
      return {
        use: [avgVolume],
        cross: [C, bbLower, bbUpper],
        entry: (i) => cu(C, bbLower, i) && at(V, i) > at(avgVolume, i),
        exit: (i) => cd(C, bbUpper, i),
      };
    },
  },
  VOLUME_PROFILE: {
    reference: () => {
      const obvAverage = ema(obv, 20);
      const closeAverage = ema(C, 20);
      return {
        use: [closeAverage],
        cross: [obv, obvAverage],
        entry: (i) => cu(obv, obvAverage, i) && at(C, i) > at(closeAverage, i),
        exit: (i) => cd(obv, obvAverage, i),
      };
    },
  },
  STOCHASTIC_EMA: {
    reference: () => {
      const avg = ema(k14, 14);
      return { cross: [k14, avg], entry: (i) => cu(k14, avg, i) && at(k14, i) < 20, exit: (i) => cd(k14, avg, i) || at(k14, i) > 80 };
    },
  },
  CMO_MFI: {
    // With the defaults MFI(14) is never below 20 on a CMO zero cross of this walk; these periods trade.
    parameters: { cmoPeriod: 12, mfiPeriod: 10 },
    reference: () => {
      const cmo = chandeMomentum(C, 12);
      const mfi = talib('MFI(10)', 'outReal');
      return { use: [mfi], cross: [cmo], entry: (i) => cu(cmo, 0, i) && at(mfi, i) < 20, exit: (i) => cd(cmo, 0, i) || at(mfi, i) > 80 };
    },
  },
  RSI_EMA_CROSSOVER: {
    reference: () => {
      const avg = ema(rsi14, 10);
      return { cross: [rsi14, avg], entry: (i) => cu(rsi14, avg, i) && at(rsi14, i) < 70, exit: (i) => cd(rsi14, avg, i) && at(rsi14, i) > 30 };
    },
  },
  TRIX_SIGNAL_LINE: {
    reference: () => {
      const trix = talib('TRIX(15)', 'outReal');
      return crossover(trix, sma(trix, 9));
    },
  },
  CMF_ZERO_LINE: {
    reference: () => {
      const mfv = zip((h, l, c, v) => (h === l ? 0 : ((c - l - (h - c)) / (h - l)) * v), H, L, C, V);
      return zeroCross(zip((a, b) => (b === 0 ? 0 : a / b), rollingSum(mfv, 20), rollingSum(V, 20)));
    },
  },
  RAINBOW_OSCILLATOR: { reference: () => zeroCross(zip((f, l) => ((f - l) / l) * 100, ema(C, 10), ema(C, 50))) },
  PRICE_OSCILLATOR_SIGNAL: { reference: () => macd(10, 20, 9) },
  AWESOME_OSCILLATOR: {
    reference: () => {
      const median = zip((h, l) => (h + l) / 2, H, L);
      return zeroCross(zip((a, b) => a - b, sma(median, 5), sma(median, 34)));
    },
  },
  DEMA_TEMA_CROSSOVER: { reference: () => crossover(talib('DEMA(12)', 'outReal'), talib('TEMA(26)', 'outReal')) },
  MACD_CROSSOVER: { reference: () => macd(12, 26, 9) },
  VWAP_CROSSOVER: { reference: () => crossover(C, vwap(20)) },
  ROC_MA_CROSSOVER: {
    reference: () => {
      const r = talib('ROC(10)', 'outReal');
      return crossover(r, ema(r, 20));
    },
  },
  REGRESSION_CHANNEL: { reference: () => crossover(C, talib('LINEARREG(20)', 'outReal')) },
  FRAMA: { reference: () => crossover(C, frama(20, 0.5, 0.5)) },
  PIVOT: {
    reference: () =>
      crossover(
        C,
        zip((h, l, c) => (h + l + c) / 3, highest(H, 20), lowest(L, 20), C),
      ),
  },
  DOUBLE_TOP_BOTTOM: { reference: () => closeVersusEma(20) },
  FIBONACCI_RETRACEMENTS: { reference: () => closeVersusEma(20) },
  PRICE_GAP: { reference: () => closeVersusEma(10) },
  RENKO_CHART: {
    reference: () => {
      // Brick walk of 1.0 on the close: the first close is the first brick; moves by whole bricks.
      const brick: number[] = [];
      for (let i = 0; i < N; i++) {
        const c = C[i] as number;
        const b = i === 0 ? c : (brick[i - 1] as number);
        brick.push(c >= b + 1 ? b + Math.floor(c - b) : c <= b - 1 ? b - Math.floor(b - c) : b);
      }
      return { cross: [brick], entry: (i) => at(C, i) >= at(brick, i - 1) + 1, exit: (i) => at(C, i) <= at(brick, i - 1) - 1 };
    },
  },
  RANGE_BARS: {
    reference: () => {
      const mid = sma(C, 20);
      const sd = stdDev(C, 20);
      const upper = zip((m, s) => m + s, mid, sd);
      const lower = zip((m, s) => m - s, mid, sd);
      return { cross: [C, upper, lower], entry: (i) => cu(C, upper, i), exit: (i) => cd(C, lower, i) };
    },
  },
  GANN_SWING: {
    reference: () => {
      const swingHigh = lag(highest(H, 14), 1);
      const swingLow = lag(lowest(L, 14), 1);
      return { cross: [C, swingHigh, swingLow], entry: (i) => cu(C, swingHigh, i), exit: (i) => cd(C, swingLow, i) };
    },
  },
  SAR_MFI: {
    reference: () => ({ use: [mfi14], cross: [C, sar], entry: (i) => cu(C, sar, i) && at(mfi14, i) < 30, exit: (i) => cd(C, sar, i) && at(mfi14, i) > 70 }),
  },
  ADX_DMI: {
    reference: () => {
      const plus = talib('PLUS_DI(14)', 'outReal');
      const minus = talib('MINUS_DI(14)', 'outReal');
      return { use: [adx14], cross: [plus, minus], entry: (i) => at(adx14, i) > 25 && cu(plus, minus, i), exit: (i) => cd(plus, minus, i) };
    },
  },
  ELDER_RAY_MA: {
    reference: () => {
      const e = ema(C, 20);
      const bull = zip((h, m) => h - m, H, e);
      const bear = zip((l, m) => l - m, L, e);
      return { cross: [bull, bear], entry: (i) => cu(bull, 0, i), exit: (i) => cd(bear, 0, i) };
    },
  },
  DPO_CROSSOVER: {
    reference: () => {
      const dpo = zip((c, m) => c - m, lag(C, 11), sma(C, 20));
      return crossover(dpo, sma(dpo, 10));
    },
  },
  VARIABLE_PERIOD_EMA: { reference: () => closeVersusEma(20) },
};

const candles = candlesOf(bars);

/** Closed trades of the engine (runBacktest: StrategyBook + PaperAccount) as [entry bar, exit bar]. */
function engineTrades(type: string, parameters: Record<string, unknown>): [number, number][] {
  const r = runBacktest({ type, parameters, candles, feeBps: 0 });
  if (!r.ok) throw new Error(r.reason);
  return r.trades.map((t) => [t.entryBar, t.exitBar]);
}

describe('every type trades as an independent reference of its STRATEGIES.md row, on 600 random-walk bars', () => {
  it('has a reference for each of the 60 catalog types', () => {
    expect(Object.keys(references).sort()).toEqual([...strategyTypes()].sort());
  });

  for (const type of strategyTypes()) {
    it(`${type} enters and exits on the reference's bars`, () => {
      const row = references[type];
      if (row === undefined) throw new Error(`no reference for ${type}`);
      const expected = simulate(row.reference());
      expect(engineTrades(type, row.parameters ?? {})).toEqual(expected);
      // Every row closes trades on this walk, so the comparison is never of two empty lists.
      expect(expected.length).toBeGreaterThan(0);
    });
  }
});

describe('the reference array indicators agree with TA-Lib where it has them', () => {
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y));
  const same = (ours: Series, theirs: Series) => theirs.every((t, i) => (Number.isNaN(t) ? Number.isNaN(ours[i] as number) : close(ours[i] as number, t)));
  it('SMA, EMA, population std-dev, ROC and the least-squares end point match TA-Lib bar for bar', () => {
    expect(same(sma(C, 20), talib('SMA(20)', 'outReal'))).toBe(true);
    expect(same(ema(C, 20), talib('EMA(20)', 'outReal'))).toBe(true);
    expect(same(stdDev(C, 20), talib('STDDEV(20,1)', 'outReal'))).toBe(true);
    expect(same(percentChange(C, 10), talib('ROC(10)', 'outReal'))).toBe(true);
    expect(same(linearRegression(C, 20).end, talib('LINEARREG(20)', 'outReal'))).toBe(true);
    expect(
      same(
        zip((c, p) => c - p, C, lag(C, 10)),
        talib('MOM(10)', 'outReal'),
      ),
    ).toBe(true);
  });
});
