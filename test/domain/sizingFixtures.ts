/** Shared inputs for the phase 5 tests: the documented sizing defaults and return windows. */
import type { SizingConfig } from '../../config/engine.js';
import { ReturnWindow } from '../../src/domain/returnWindow.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The defaults of config/engine.ts SizingConfig, spelled out so each test's arithmetic can cite them. */
export const sizingDefaults: SizingConfig = {
  method: 'blend',
  kellyBlend: 0.4,
  riskParityBlend: 0.3,
  volTargetBlend: 0.3,
  kellyFraction: 0.25,
  kellyPriorWins: 10,
  kellyPriorTrades: 20,
  payoffPseudoTrades: 10,
  defaultTradeReturn: 0.01,
  grossBudget: 1,
  volTarget: 0.2,
  minVolSamples: 20,
  maxRiskPerPosition: 0.02,
  maxPerStrategy: 0.05,
  maxCorrelation: 0.7,
  drawdownReduce: 0.05,
  drawdownHalt: 0.1,
  haltCooldown: DAY,
};

/** A window holding `values` as the returns of consecutive 1m candles opened from `start`. */
export function windowOf(values: readonly number[], start = 0): ReturnWindow {
  const w = new ReturnWindow(Math.max(1, values.length));
  values.forEach((v, i) => {
    w.push(start + i * 60_000, v);
  });
  return w;
}
