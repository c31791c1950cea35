/**
 * The demo's 16 pairs with plausible late-2026 market figures. `annualVol` is the annualized
 * volatility of log returns in a normal regime (BTC about 55%, ETH 70%, SOL and DOGE about 100%,
 * USDC 1% around its 1.00 peg); `marketBeta` is the correlation of a pair's noise with the common
 * market factor (crypto majors move together; the stablecoin does not).
 */
export interface DemoPair {
  readonly symbol: string;
  /** First price (USD). */
  readonly startPrice: number;
  /** Annualized volatility of log returns (fraction). */
  readonly annualVol: number;
  /** Correlation with the common market factor, in [0, 1]. */
  readonly marketBeta: number;
  /** Prices are rounded to this many decimals (the pair's tick size). */
  readonly priceDecimals: number;
  /** Typical trade notional (USD); sizes are log-normal around it. */
  readonly tradeNotional: number;
  /** Pull of the log price back to the start price (per year); 0 = none (a random walk). */
  readonly meanReversion: number;
  /** Relative share of discovered strategies on this pair. */
  readonly discoveryWeight: number;
}

const pair = (
  symbol: string,
  startPrice: number,
  annualVol: number,
  marketBeta: number,
  priceDecimals: number,
  tradeNotional: number,
  discoveryWeight = 1,
  meanReversion = 0,
): DemoPair => ({ symbol, startPrice, annualVol, marketBeta, priceDecimals, tradeNotional, meanReversion, discoveryWeight });

/** The 16 pairs, in alphabetical order (the order ticks of equal time are emitted in). */
export const DEMO_PAIRS: readonly DemoPair[] = [
  pair('ADA/USD', 0.45, 0.9, 0.75, 5, 1_500),
  pair('ATOM/USD', 9.0, 0.9, 0.7, 4, 1_200),
  pair('AVAX/USD', 35, 0.95, 0.75, 3, 2_000),
  pair('BCH/USD', 400, 0.85, 0.7, 2, 2_500),
  pair('BTC/USD', 68_000, 0.55, 0.85, 2, 25_000, 1.5),
  pair('DOGE/USD', 0.15, 1.0, 0.7, 6, 2_000),
  pair('DOT/USD', 7.0, 0.9, 0.75, 4, 1_200),
  pair('ETC/USD', 25, 0.85, 0.7, 3, 1_000),
  pair('ETH/USD', 3_400, 0.7, 0.85, 2, 12_000, 1.5),
  pair('LINK/USD', 15, 0.9, 0.75, 4, 1_800),
  pair('LTC/USD', 80, 0.8, 0.75, 3, 2_000),
  pair('SOL/USD', 150, 1.0, 0.8, 3, 6_000, 1.2),
  pair('UNI/USD', 8.0, 0.95, 0.7, 4, 1_000),
  pair('USDC/USD', 1.0, 0.01, 0, 5, 20_000, 0.3, 250),
  pair('XLM/USD', 0.11, 0.85, 0.7, 6, 800),
  pair('XRP/USD', 0.55, 0.85, 0.7, 5, 3_000),
];
