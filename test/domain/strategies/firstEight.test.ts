import { describe, expect, it } from 'vitest';
import { type Bar, runStrategy, warming } from './runStrategy.js';

// Every expectation below is derived by hand from the textbook definitions; the arithmetic is in
// the comments. Bars are [open, high, low, close, volume]; a bare number is a flat bar.

describe('SMA_EMA_CROSSOVER', () => {
  it('enters when SMA(5) crosses above EMA(5) and exits when it crosses back below', () => {
    // Bars 0–4 close 10: SMA(5) = EMA(5) = 10 at bar 4 (EMA seeded with the SMA); no previous value yet.
    // Bar 5 close 0: SMA = 40/5 = 8; EMA = 10 + (0 − 10)/3 = 6.667 → 8 > 6.667 after 10 <= 10: CU, enter.
    // Bar 6 close 0: SMA = 30/5 = 6; EMA = 6.667 − 6.667/3 = 4.444 → still above: hold.
    // Bar 7 close 30: SMA = 50/5 = 10; EMA = 4.444 + (30 − 4.444)/3 = 12.963 → CD: exit.
    const bars: Bar[] = [10, 10, 10, 10, 10, 0, 0, 30];
    expect(runStrategy('SMA_EMA_CROSSOVER', { smaPeriod: 5, emaPeriod: 5 }, bars)).toEqual([...warming(5), 'enter', 'hold', 'exit']);
  });
});

describe('DOUBLE_EMA_CROSSOVER', () => {
  it('enters on EMA(2) crossing above EMA(10) and exits on the cross back', () => {
    // Bars 0–9 close 10: both EMAs 10 at bar 9, EMA(10) has no previous value yet → null.
    // Bar 10 close 21: EMA(2) = 10 + (2/3)·11 = 17.333; EMA(10) = 10 + (2/11)·11 = 12 → CU: enter.
    // Bar 11 close 0: EMA(2) = 17.333 − (2/3)·17.333 = 5.778; EMA(10) = 12 − (2/11)·12 = 9.818 → CD: exit.
    const bars: Bar[] = [...new Array(10).fill(10), 21, 0];
    expect(runStrategy('DOUBLE_EMA_CROSSOVER', { shortEmaPeriod: 2, longEmaPeriod: 10 }, bars)).toEqual([...warming(10), 'enter', 'exit']);
  });
});

describe('EMA_MACD', () => {
  it('enters when the MACD line crosses above its signal and exits on the cross below', () => {
    // MACD(2,10) warms at bar 9, its EMA(5) signal at bar 13 (5 line values), previous signal at 14.
    // Bars 0–13 close 10: line = 0, signal = 0.
    // Bar 14 close 21: line = 17.333 − 12 = 5.333; signal = 0 + (5.333 − 0)/3 = 1.778 → CU: enter.
    // Bar 15 close 0: line = 5.778 − 9.818 = −4.040; signal = 1.778 + (−4.040 − 1.778)/3 = −0.162 → CD: exit.
    const bars: Bar[] = [...new Array(14).fill(10), 21, 0];
    expect(runStrategy('EMA_MACD', { shortEmaPeriod: 2, longEmaPeriod: 10, signalPeriod: 5 }, bars)).toEqual([...warming(14), 'enter', 'exit']);
  });
});

describe('PARABOLIC_SAR', () => {
  it('enters when the close is above the SAR and exits when it falls below', () => {
    // Worked SAR values (start 0.02, step 0.02, max 0.2) are in the indicator test: 9, 9.06, 13, 13, 7.
    // Bar 1 close 11 > 9: enter. Bar 2 close 12 > 9.06: hold. Bar 3 close 8.5 < 13: exit.
    // Bar 4 close 8.8 < 13: hold (flat). Bar 5 close 13.5 > 7: enter.
    const bars: Bar[] = [
      [10, 11, 9, 10, 1],
      [10, 12, 10, 11, 1],
      [11, 13, 11, 12, 1],
      [12, 12, 8, 8.5, 1],
      [8.5, 9, 7, 8.8, 1],
      [9, 14, 9, 13.5, 1],
    ];
    expect(runStrategy('PARABOLIC_SAR', {}, bars)).toEqual([null, 'enter', 'hold', 'exit', 'hold', 'enter']);
  });
});

describe('SMA_RSI', () => {
  it('enters when RSI and its SMA are both oversold and exits when both are overbought', () => {
    // RSI(2), SMA(5) of it, thresholds 60/40. Closes fall by 1 for bars 0–6: first average loss
    // (bars 1–2) = 1, gain 0 → RSI = 0 from bar 2; SMA(5) of RSI warms at bar 6 = 0 → enter.
    // Then closes rise by 4 (Wilder, n = 2: avg = (avg·1 + x)/2):
    // bar 7: gain (0+4)/2 = 2, loss (1+0)/2 = 0.5, RS 4, RSI 80; SMA = 80/5 = 16 → hold.
    // bar 8: gain 3, loss 0.25, RS 12, RSI 92.308; SMA = 172.308/5 = 34.46 → hold.
    // bar 9: gain 3.5, loss 0.125, RS 28, RSI 96.552; SMA = 268.86/5 = 53.77 → hold.
    // bar 10: gain 3.75, loss 0.0625, RS 60, RSI 98.361; SMA = 367.22/5 = 73.44 > 60 → exit.
    const bars: Bar[] = [10, 9, 8, 7, 6, 5, 4, 8, 12, 16, 20];
    const params = { rsiPeriod: 2, movingAveragePeriod: 5, overboughtThreshold: 60, oversoldThreshold: 40 };
    expect(runStrategy('SMA_RSI', params, bars)).toEqual([...warming(6), 'enter', 'hold', 'hold', 'hold', 'exit']);
  });
});

describe('ADX_STOCHASTIC', () => {
  const params = { adxPeriod: 10, stochasticKPeriod: 5 };

  it('enters in a strong downtrend with the close at the bottom of its range', () => {
    // Bar t: H = 111 − t, L = C = 109 − t. Every move: −DM 1, +DM 0, TR 2 → −DI 50, +DI 0, DX 100;
    // ADX(10) = mean of the first 10 DX = 100 at bar 19 (2·10 − 1). %K(5) = (C − LL)/(HH − LL) = 0
    // because the close is the lowest low. ADX 100 > 20 and %K 0 < 20 → enter at bar 19.
    const bars: Bar[] = Array.from({ length: 20 }, (_, t) => [110 - t, 111 - t, 109 - t, 109 - t, 1] as const);
    expect(runStrategy('ADX_STOCHASTIC', params, bars)).toEqual([...warming(19), 'enter']);
  });

  it('exits a long position when there is no trend and %K is overbought', () => {
    // Identical bars H 11, L 9, C 10.8: no directional movement, so +DI = −DI = 0, DX is undefined
    // and (as in TA-Lib) adds nothing: ADX = 0/10 = 0 < 20. %K = (10.8 − 9)/(11 − 9) = 90 > 80 → exit.
    const bars: Bar[] = new Array(20).fill([10, 11, 9, 10.8, 1]);
    expect(runStrategy('ADX_STOCHASTIC', params, bars, 'long')).toEqual([...warming(19), 'exit']);
    expect(runStrategy('ADX_STOCHASTIC', params, bars, 'flat')).toEqual([...warming(19), 'hold']);
  });
});

describe('AROON_MFI', () => {
  it('enters when Aroon Up crosses above Aroon Down with MFI oversold, exits when MFI turns overbought', () => {
    // Bars 0–10: H 30 − t, L 28 − t, C 29 − t, V 10 (typical price 29 − t, falling).
    // Bar 10: Aroon(10) Up = 100·(10 − 10)/10 = 0 (high 10 bars ago), Down = 100 (low now); no previous → null.
    // Bar 11: H 31 L 19 C 25 V 1: new high → Up 100; lowest low is bar 10 (18), 1 bar ago → Down 90: CU.
    //   MFI(10): negative flows bars 2–10 = 10·(27 + … + 19) = 2070, positive bar 11 = 25·1 = 25;
    //   MFI = 100·25/2095 = 1.19 < 20 → enter.
    // Bar 12: H 33 L 24 C 32 V 100: TP 29.667 → positive 2966.7; negatives bars 3–10 = 1800;
    //   MFI = 100·2991.7/4791.7 = 62.4 > 60; Up 100 > Down 100·(10 − 2)/10 = 80 → exit.
    const bars: Bar[] = [...Array.from({ length: 11 }, (_, t) => [29 - t, 30 - t, 28 - t, 29 - t, 10] as const), [20, 31, 19, 25, 1], [25, 33, 24, 32, 100]];
    const params = { aroonPeriod: 10, mfiPeriod: 10, overboughtThreshold: 60 };
    expect(runStrategy('AROON_MFI', params, bars)).toEqual([...warming(11), 'enter', 'exit']);
  });
});

describe('BBAND_W_R', () => {
  it('enters below the lower band with %R under −80 and exits above the upper band with %R over −20', () => {
    // Bars 0–8: H 10.5 L 9.5 C 10. Bar 9: H 10 L 4.5 C 5.
    //   Bollinger(10, 2): mean = 95/10 = 9.5; variance = 925/10 − 9.5² = 2.25, sd 1.5; lower = 6.5 > 5.
    //   %R(5) = −100·(10.5 − 5)/(10.5 − 4.5) = −91.7 < −80 → enter.
    // Bar 10: H 20.5 L 19 C 20. Closes 10×8, 5, 20: mean 10.5; variance 1225/10 − 110.25 = 12.25, sd 3.5;
    //   upper = 17.5 < 20. %R = −100·(20.5 − 20)/(20.5 − 4.5) = −3.1 > −20 → exit.
    const bars: Bar[] = [...new Array(9).fill([10, 10.5, 9.5, 10, 1]), [10, 10, 4.5, 5, 1], [5, 20.5, 19, 20, 1]];
    expect(runStrategy('BBAND_W_R', { bbandsPeriod: 10, wrPeriod: 5 }, bars)).toEqual([...warming(9), 'enter', 'exit']);
  });
});
