import type { Candle } from '../types.js';
import { type SeriesInputs, SeriesNode, type SeriesSpec } from './seriesNode.js';

interface Entry {
  readonly node: SeriesNode;
  /** Holders: consumers (rules) plus dependent series. */
  refs: number;
}

/**
 * The indicators of one symbol. Shares one instance per series key among every rule that needs it
 * (EMA(close, 20) is computed once per candle however many strategies read it), including chained
 * series (SMA of RSI reads the shared RSI). Series are kept in creation order, which is a
 * topological order because a series acquires its inputs before it is added.
 */
export class IndicatorHub {
  private readonly byKey = new Map<string, Entry>();
  private readonly keyOf = new Map<SeriesNode, string>();
  private order: SeriesNode[] = [];
  private consumerCount = 0;
  private readonly inputs: SeriesInputs = { input: (spec) => this.take(spec) };

  /** Feeds every live series exactly once with this closed candle, inputs before dependents. */
  update(candle: Candle): void {
    const order = this.order;
    for (let i = 0; i < order.length; i++) {
      const node = order[i] as SeriesNode;
      node.prev = node.value;
      node.value = node.calc.next(candle);
    }
  }

  /**
   * Returns the shared series for `spec`, creating it (and its inputs) on first use. A series
   * created now starts warming from the next candle. Each call must be paired with `release`.
   */
  acquire(spec: SeriesSpec): SeriesNode {
    this.consumerCount++;
    return this.take(spec);
  }

  /** Gives back one `acquire`d hold; a series no one holds is dropped along with its unused inputs. */
  release(node: SeriesNode): void {
    this.consumerCount--;
    this.drop(node);
  }

  /** Live series instances (price fields included) and outstanding consumer holds. */
  stats(): { readonly instances: number; readonly consumers: number } {
    return { instances: this.order.length, consumers: this.consumerCount };
  }

  private take(spec: SeriesSpec): SeriesNode {
    const found = this.byKey.get(spec.key);
    if (found !== undefined) {
      found.refs++;
      return found.node;
    }
    const node = new SeriesNode(spec.create(this.inputs));
    this.byKey.set(spec.key, { node, refs: 1 });
    this.keyOf.set(node, spec.key);
    this.order.push(node);
    return node;
  }

  private drop(node: SeriesNode): void {
    const key = this.keyOf.get(node);
    const entry = key === undefined ? undefined : this.byKey.get(key);
    if (key === undefined || entry === undefined) throw new Error('IndicatorHub.release: series is not held by this hub');
    if (--entry.refs > 0) return;
    this.byKey.delete(key);
    this.keyOf.delete(node);
    this.order = this.order.filter((n) => n !== node);
    for (const input of node.inputs) this.drop(input);
  }
}
