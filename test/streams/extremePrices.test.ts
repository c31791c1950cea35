import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import type { OutputBatch, SourceInput } from '../../src/domain/types.js';
import { decodeMessage } from '../../src/sources/decode.js';
import { demoEvents } from '../../src/sources/demo/demoEvents.js';
import { MAX_PRICE, MIN_PRICE } from '../../src/sources/schemas.js';
import { tradingPipeline } from '../../src/streams/tradingPipeline.js';

/** Paths of every non-finite number in `value`. */
function nonFinite(value: unknown, path: string, out: string[]): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push(`${path}=${value}`);
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) nonFinite(v, `${path}[${i}]`, out);
  } else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) nonFinite(v, `${path}.${k}`, out);
}

// Prices are bounded at decoding because finite was not enough: a tick at 1e-300 or 5e-324, or at
// 1e308, on a warm symbol made returns overflow and the pipeline throw (riskParityWeights:
// volatility NaN; ReturnWindow.push: return Infinity; updateBreaker: equity NaN), which stops the
// engine. This checks that the bounds themselves are safe: the widest swings they let through, on
// every symbol at once, while positions are open, keep every output finite.
describe('prices at the bounds of what decoding accepts', () => {
  it('swing every symbol between MIN_PRICE and MAX_PRICE while positions are open: no error, every output finite', () => {
    const cfg = defaultConfig();
    const base = [...demoEvents({ ...cfg.demo, strategies: 400, candles: 300, speed: 'max' }, cfg.evaluation.interval)].slice(0, 22_000);
    const last = new Map<string, { price: number; ts: number }>();
    for (const e of base) if (e.kind === 'tick') last.set(e.symbol, { price: e.price, ts: e.ts });
    const t0 = Math.max(...[...last.values()].map((p) => p.ts));
    let seq = base.length;
    const swing: SourceInput[] = [];
    const prices = [MIN_PRICE, MAX_PRICE, MIN_PRICE, MAX_PRICE];
    // One tick per symbol per minute: each minute closes the previous one's candle.
    for (let minute = 0; minute <= prices.length + 2; minute++) {
      for (const [symbol, p] of last) {
        const price = prices[minute] ?? p.price;
        const body = JSON.stringify({ symbol, ts: t0 + 1_000 + minute * 60_000, price, size: 1 });
        swing.push(decodeMessage(body, `tradestream.prices.${symbol.replace('/', '-')}`, ++seq, { subjectPrefix: 'tradestream', maxBytes: 65_536 }));
      }
    }
    expect(swing.filter((e) => e.kind === 'rejection')).toEqual([]);

    const open = new Set<string>();
    let openWhenSwingStarts = 0;
    const bad: string[] = [];
    let error: unknown = null;
    let batches = 0;
    from([...base, ...swing])
      .pipe(tradingPipeline(cfg))
      .subscribe({
        next: (batch: OutputBatch) => {
          batches++;
          if (batch.seq === base.length) openWhenSwingStarts = open.size;
          for (const o of batch.outputs) if (o.kind === 'position') o.status === 'open' ? open.add(o.symbol) : open.delete(o.symbol);
          nonFinite(batch.outputs, `seq ${batch.seq}`, bad);
        },
        error: (e: unknown) => {
          error = e;
        },
      });
    expect(error).toBeNull();
    expect(batches).toBe(base.length + swing.length);
    // The swing hits held positions (marking, breaker, sizing all see it).
    expect(openWhenSwingStarts).toBeGreaterThanOrEqual(3);
    expect(bad).toEqual([]);
  }, 60_000);
});
