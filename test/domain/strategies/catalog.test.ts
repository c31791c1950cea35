import { describe, expect, it } from 'vitest';
import { IndicatorHub } from '../../../src/domain/indicators/indicatorHub.js';
import { createRule, parseStrategy, strategyTypes } from '../../../src/domain/strategies/catalog.js';

describe('parseStrategy', () => {
  it('fills every missing optional parameter with its default', () => {
    const r = parseStrategy('SMA_RSI', { rsiPeriod: 10 });
    expect(r).toEqual({
      ok: true,
      value: {
        type: 'SMA_RSI',
        parameters: { movingAveragePeriod: 14, overboughtThreshold: 70, oversoldThreshold: 30, rsiPeriod: 10 },
        canonicalKey: 'SMA_RSI:{"movingAveragePeriod":14,"overboughtThreshold":70,"oversoldThreshold":30,"rsiPeriod":10}',
      },
    });
  });

  it('ignores unknown extra parameters, so they do not change the identity', () => {
    const plain = parseStrategy('DOUBLE_EMA_CROSSOVER', { shortEmaPeriod: 5, longEmaPeriod: 20 });
    const extra = parseStrategy('DOUBLE_EMA_CROSSOVER', { longEmaPeriod: 20, shortEmaPeriod: 5, colour: 'blue' });
    expect(plain.ok && extra.ok && plain.value.canonicalKey === extra.value.canonicalKey).toBe(true);
    expect(extra.ok && Object.keys(extra.value.parameters)).toEqual(['longEmaPeriod', 'shortEmaPeriod']);
  });

  // Found by a bug hunt: STOCHASTIC_EMA's stochasticDPeriod defaults to 3 with a range of 5–50 (as
  // STRATEGIES.md row 35 prints it), so the default strategy spelled out was refused.
  it('accepts every type with its defaults spelled out, as the same strategy as with none given', () => {
    for (const type of strategyTypes()) {
      const implicit = parseStrategy(type, {});
      expect(implicit.ok, type).toBe(true);
      if (!implicit.ok) continue;
      const explicit = parseStrategy(type, { ...implicit.value.parameters } as Record<string, number>);
      expect(explicit, type).toEqual(implicit);
    }
  });

  it('rejects a parameter below its range, naming the parameter, value and range', () => {
    expect(parseStrategy('SMA_RSI', { rsiPeriod: 1 })).toEqual({
      ok: false,
      code: 'bad_parameter',
      field: 'parameters.rsiPeriod',
      reason: 'parameter rsiPeriod 1 is out of range 2–30',
    });
  });

  // Found by a bug hunt: the reason named periods[2], the field only the list.
  it('names the bad element of a list parameter in the field and the reason', () => {
    expect(parseStrategy('RAINBOW_OSCILLATOR', { periods: [10, 20, 999] })).toEqual({
      ok: false,
      code: 'bad_parameter',
      field: 'parameters.periods[2]',
      reason: 'parameter periods[2] 999 is out of range 20–100',
    });
    expect(parseStrategy('RAINBOW_OSCILLATOR', { periods: [10, 20] })).toMatchObject({ field: 'parameters.periods' });
  });

  it('rejects a parameter above its range', () => {
    const r = parseStrategy('PARABOLIC_SAR', { accelerationFactorMax: 0.6 });
    expect(r.ok === false && r.reason).toBe('parameter accelerationFactorMax 0.6 is out of range 0.1–0.5');
  });

  it('accepts both ends of an inclusive range', () => {
    expect(parseStrategy('SMA_RSI', { rsiPeriod: 2, movingAveragePeriod: 50 }).ok).toBe(true);
  });

  it('rejects a non-integer value of an integer parameter', () => {
    const r = parseStrategy('SMA_RSI', { rsiPeriod: 14.5 });
    expect(r.ok === false && [r.field, r.reason]).toEqual(['parameters.rsiPeriod', 'parameter rsiPeriod 14.5 must be an integer']);
  });

  it('accepts a fractional value of a decimal parameter but not of an integer threshold', () => {
    expect(parseStrategy('SMA_RSI', { overboughtThreshold: 70.5 }).ok).toBe(true);
    const r = parseStrategy('ADX_STOCHASTIC', { overboughtThreshold: 70.5 });
    expect(r.ok === false && r.reason).toBe('parameter overboughtThreshold 70.5 must be an integer');
  });

  it('rejects a value that is not a number', () => {
    const r = parseStrategy('SMA_RSI', { rsiPeriod: '14' });
    expect(r.ok === false && r.reason).toBe('parameter rsiPeriod "14" is not a finite number');
  });

  // Found by a bug hunt: a parameter's value went whole into the reason (60 KB in the log line,
  // the rejections row and the dead letter), as the type's once did.
  it('shows a long or invisible-charactered parameter value cut to 64 characters and escaped', () => {
    const long = parseStrategy('SMA_RSI', { rsiPeriod: 'x'.repeat(60_000) });
    expect(long.ok === false && long.reason).toBe(`parameter rsiPeriod "${'x'.repeat(63)}… is not a finite number`);
    const list = parseStrategy('RAINBOW_OSCILLATOR', { periods: Array.from({ length: 10_000 }, () => 1) });
    expect(list.ok === false && list.reason).toBe(`parameter periods [${'1,'.repeat(31)}1… must be a list of 3 integers`);
    const zeroWidth = parseStrategy('SMA_RSI', { rsiPeriod: '14\u200b' });
    expect(zeroWidth.ok === false && zeroWidth.reason).toBe('parameter rsiPeriod "14\\u200b" is not a finite number');
  });

  it('rejects a short period that is not below the long one', () => {
    const r = parseStrategy('DOUBLE_EMA_CROSSOVER', { shortEmaPeriod: 30, longEmaPeriod: 26 });
    expect(r).toEqual({ ok: false, code: 'bad_parameter', field: 'parameters.shortEmaPeriod', reason: 'shortEmaPeriod 30 must be < longEmaPeriod 26' });
    const equal = parseStrategy('EMA_MACD', { shortEmaPeriod: 12, longEmaPeriod: 12 });
    expect(equal.ok === false && equal.reason).toBe('shortEmaPeriod 12 must be < longEmaPeriod 12');
  });

  it('rejects an unknown type on the type field', () => {
    expect(parseStrategy('FOO_BAR', {})).toEqual({ ok: false, code: 'unknown_type', field: 'type', reason: 'unknown strategy type "FOO_BAR"' });
    // Found by a bug hunt: the type went raw into the reason, whole however long, invisible characters
    // unseen (a zero-width space after SMA_RSI looked like a known type).
    const zeroWidth = parseStrategy('SMA_RSI\u200b', {});
    expect(zeroWidth.ok === false && zeroWidth.reason).toBe('unknown strategy type "SMA_RSI\\u200b"');
    const long = parseStrategy('X'.repeat(65_536), {});
    expect(long.ok === false && long.reason).toBe(`unknown strategy type "${'X'.repeat(64)}…"`);
  });

  it('accepts every known type with all defaults', () => {
    for (const type of strategyTypes()) expect(parseStrategy(type, {}).ok, type).toBe(true);
  });
});

describe('IndicatorHub sharing', () => {
  const rule = (hub: IndicatorHub, type: string, parameters: Record<string, unknown>) => {
    const parsed = parseStrategy(type, parameters);
    if (!parsed.ok) throw new Error(parsed.reason);
    return createRule(parsed.value, hub);
  };

  it('lets two strategies with the same EMA share one instance', () => {
    const hub = new IndicatorHub();
    const a = rule(hub, 'DOUBLE_EMA_CROSSOVER', { shortEmaPeriod: 12, longEmaPeriod: 26 });
    const b = rule(hub, 'DOUBLE_EMA_CROSSOVER', { shortEmaPeriod: 12, longEmaPeriod: 30 });
    // close, EMA(12), EMA(26), EMA(30): EMA(12) once although both rules hold it.
    expect(hub.stats()).toEqual({ instances: 4, consumers: 4 });
    a.dispose();
    expect(hub.stats()).toEqual({ instances: 3, consumers: 2 });
    b.dispose();
    expect(hub.stats()).toEqual({ instances: 0, consumers: 0 });
  });

  it('shares a chained input: two SMAs of the same RSI read one RSI', () => {
    const hub = new IndicatorHub();
    rule(hub, 'SMA_RSI', { movingAveragePeriod: 5 });
    rule(hub, 'SMA_RSI', { movingAveragePeriod: 10 });
    // close, RSI(close,14), SMA(RSI,5), SMA(RSI,10).
    expect(hub.stats()).toEqual({ instances: 4, consumers: 4 });
  });

  it('shares one Bollinger mean and deviation between different multipliers', () => {
    const hub = new IndicatorHub();
    rule(hub, 'BBAND_W_R', { stdDevMultiplier: 2 });
    rule(hub, 'BBAND_W_R', { stdDevMultiplier: 2.5 });
    // close, high, low, SMA, std-dev, highest high, lowest low, %R.
    expect(hub.stats().instances).toBe(8);
  });

  it('treats a second dispose of the same rule as a no-op', () => {
    const hub = new IndicatorHub();
    const a = rule(hub, 'SMA_EMA_CROSSOVER', {});
    const b = rule(hub, 'SMA_EMA_CROSSOVER', {});
    a.dispose();
    a.dispose();
    expect(hub.stats()).toEqual({ instances: 3, consumers: 2 });
    b.dispose();
  });

  it('lists the catalog types without duplicates', () => {
    const types = strategyTypes();
    expect(new Set(types).size).toBe(types.length);
  });
});
