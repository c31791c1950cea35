import type { Millis } from '../../domain/types.js';
import type { DemoPair } from './pairs.js';
import type { Random } from './random.js';

const YEAR_MS = 365.25 * 86_400_000;
/** Trends are measured against the noise over this many candles (see Regime.trend). */
const TREND_HORIZON_CANDLES = 60;
/** Dispersion of log trade notional; sizes are log-normal with mean `tradeNotional`. */
const SIZE_SIGMA = 0.8;

/** A market regime of one pair: a drift, a volatility multiplier and how long it tends to last. */
export interface Regime {
  readonly name: 'calm' | 'bull' | 'bear' | 'turbulent';
  /**
   * Drift, in standard deviations of the pair's noise over TREND_HORIZON_CANDLES candles, per such
   * span. Tied to the candle interval rather than to the year so that the demo shows trends that
   * strategies can trade at any configured interval.
   */
  readonly trend: number;
  /** Multiplies the pair's annual volatility (and its trade sizes: busy markets trade more). */
  readonly volMultiplier: number;
  /** Mean stay, in candles (geometric). */
  readonly meanCandles: number;
  /** Relative chance of being the next regime. */
  readonly weight: number;
}

/** Calm most of the time, trending up or down for hours, turbulent now and then. */
export const REGIMES: readonly Regime[] = [
  { name: 'calm', trend: 0, volMultiplier: 0.75, meanCandles: 360, weight: 0.4 },
  { name: 'bull', trend: 1.0, volMultiplier: 1.0, meanCandles: 240, weight: 0.25 },
  { name: 'bear', trend: -1.2, volMultiplier: 1.25, meanCandles: 180, weight: 0.25 },
  { name: 'turbulent', trend: -0.2, volMultiplier: 1.8, meanCandles: 60, weight: 0.1 },
];

/**
 * Synthetic prices for a set of pairs, advanced in equal steps of `interval / ticksPerCandle` ms:
 * geometric Brownian motion whose noise mixes a common market factor (correlation `marketBeta`)
 * with the pair's own, whose drift and volatility follow a per-pair Markov regime that may switch
 * at each candle boundary, and, for a pegged asset, a pull back to its start price.
 * All randomness comes from the given Random, so equal seeds give equal paths.
 */
export class PriceModel {
  private readonly logPrice: Float64Array;
  private readonly anchor: Float64Array;
  private readonly regime: Uint8Array;
  private readonly prices: Float64Array;
  private readonly stepYears: number;
  /** Noise standard deviation over TREND_HORIZON_CANDLES candles per unit of annual volatility. */
  private readonly horizonScale: number;
  private readonly stepsPerHorizon: number;

  constructor(
    readonly pairs: readonly DemoPair[],
    private readonly rng: Random,
    interval: Millis,
    ticksPerCandle: number,
  ) {
    const n = pairs.length;
    this.logPrice = Float64Array.from(pairs, (p) => Math.log(p.startPrice));
    this.anchor = Float64Array.from(this.logPrice);
    this.prices = Float64Array.from(pairs, (p) => p.startPrice);
    this.regime = new Uint8Array(n);
    this.stepYears = interval / ticksPerCandle / YEAR_MS;
    this.horizonScale = Math.sqrt((TREND_HORIZON_CANDLES * interval) / YEAR_MS);
    this.stepsPerHorizon = TREND_HORIZON_CANDLES * ticksPerCandle;
  }

  /** The regime each pair is in (by pair index). */
  regimeOf(index: number): Regime {
    return REGIMES[this.regime[index] as number] as Regime;
  }

  /** Lets each pair leave its regime with probability 1 / its mean stay; call at each candle start. */
  startCandle(): void {
    for (let i = 0; i < this.pairs.length; i++) {
      const current = this.regime[i] as number;
      if (!this.rng.chance(1 / (REGIMES[current] as Regime).meanCandles)) continue;
      let total = 0;
      for (let r = 0; r < REGIMES.length; r++) if (r !== current) total += (REGIMES[r] as Regime).weight;
      let x = this.rng.next() * total;
      let next = current;
      for (let r = 0; r < REGIMES.length; r++) {
        if (r === current) continue;
        next = r;
        x -= (REGIMES[r] as Regime).weight;
        if (x < 0) break;
      }
      this.regime[i] = next;
    }
  }

  /**
   * Advances every pair by one step and returns the prices (USD, rounded to each pair's tick), in
   * pair order. The returned array is reused by the next call.
   */
  step(): Float64Array {
    const market = this.rng.normal();
    const dt = this.stepYears;
    for (let i = 0; i < this.pairs.length; i++) {
      const pair = this.pairs[i] as DemoPair;
      const regime = REGIMES[this.regime[i] as number] as Regime;
      const beta = pair.marketBeta;
      const z = beta * market + Math.sqrt(1 - beta * beta) * this.rng.normal();
      const sigma = pair.annualVol * regime.volMultiplier;
      // A pegged pair has no trend: its pull to the peg is its only drift.
      const trend = pair.meanReversion > 0 ? 0 : (regime.trend * sigma * this.horizonScale) / this.stepsPerHorizon;
      let x = this.logPrice[i] as number;
      x += trend - 0.5 * sigma * sigma * dt + sigma * Math.sqrt(dt) * z;
      if (pair.meanReversion > 0) x -= pair.meanReversion * dt * (x - (this.anchor[i] as number));
      this.logPrice[i] = x;
      const scale = 10 ** pair.priceDecimals;
      this.prices[i] = Math.max(1, Math.round(Math.exp(x) * scale)) / scale;
    }
    return this.prices;
  }

  /** A random offset in [0, width) ms: where in its slice of the interval a trade prints. */
  jitter(width: number): number {
    return Math.floor(this.rng.next() * width);
  }

  /** A trade size (base units, 6 decimals) for pair `index` at its current price. */
  tradeSize(index: number): number {
    const pair = this.pairs[index] as DemoPair;
    const regime = REGIMES[this.regime[index] as number] as Regime;
    const notional = pair.tradeNotional * regime.volMultiplier * Math.exp(SIZE_SIGMA * this.rng.normal() - 0.5 * SIZE_SIGMA * SIZE_SIGMA);
    return Math.max(1, Math.round((notional / (this.prices[index] as number)) * 1e6)) / 1e6;
  }
}
