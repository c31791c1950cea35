import { sma } from './averages.js';
import { derived } from './combine.js';
import type { SeriesNode, SeriesSpec } from './seriesNode.js';
import { stdDev } from './windows.js';

/**
 * A Bollinger band of `source`: SMA(period) + `offset` × population std-dev(period); offset +k is
 * the upper band, −k the lower. Built on the shared SMA and std-dev. Units of the source.
 */
export function bollingerBand(source: SeriesSpec, period: number, offset: number): SeriesSpec {
  return derived(`bb${offset}`, [sma(source, period), stdDev(source, period)], (s) => (s[0] as SeriesNode).value + offset * (s[1] as SeriesNode).value);
}
