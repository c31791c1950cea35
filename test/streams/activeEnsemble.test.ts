import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/cli/loadConfig.js';
import type { Ensemble, InputEvent, OutputBatch, StrategyEvent } from '../../src/domain/types.js';
import { demoEvents } from '../../src/sources/demo/demoEvents.js';
import { LiveState } from '../../src/sinks/liveState.js';
import { tradingPipeline } from '../../src/streams/tradingPipeline.js';

const DAY = 86_400_000;

// Phase 3 streams its best ensemble as a candidate (`active: false`). When its best went to a new
// set and then came back to the active one on a refresh whose clock had not moved, phase 3
// re-emitted the active set with `active: false` and phase 4, seeing the active set unchanged,
// emitted nothing after it: the store wrote the active ensemble as inactive and the live state
// (WebSocket snapshots and deltas) dropped it, while the engine kept trading on it. Found by a
// helper's bug hunt with these two symbol and type pairs.
describe('the active ensemble after phase 3 returns to it on an unmoved clock', () => {
  const cfg = defaultConfig();
  const base = [...demoEvents({ ...cfg.demo, strategies: 400, candles: 300, speed: 'max' }, cfg.evaluation.interval)].slice(0, 22_000);

  it.each([
    ['BTC/USD', 'FIBONACCI_RETRACEMENTS'],
    ['DOT/USD', 'SMA_RSI'],
  ])('%s, a strong %s discovered then retired at the same time: the last word on the active set is active', (symbol, type) => {
    const input = new Subject<InputEvent>();
    const batches: OutputBatch[] = [];
    let error: unknown = null;
    input.pipe(tradingPipeline(cfg)).subscribe({ next: (b) => batches.push(b), error: (e: unknown) => (error = e) });
    for (const e of base) input.next(e);
    // The symbol's active ensemble and last tick before the scenario.
    let active: string | null = null;
    for (const b of batches) for (const o of b.outputs) if (o.kind === 'decision' && o.decision === 'rotation' && o.symbol === symbol) active = (o.details as { to: string | null }).to;
    const last = base.filter((e) => e.kind === 'tick' && e.symbol === symbol).at(-1) as Extract<InputEvent, { kind: 'tick' }>;
    expect(active).not.toBeNull();

    let seq = base.length;
    const t = last.ts;
    const discovery: StrategyEvent = { kind: 'strategy', seq: 0, ts: t, symbol, type, parameters: {}, score: 1, window: { start: t - 100 * DAY, end: t - 10 * DAY }, externalId: null, retired: false };
    const tick = (): InputEvent => ({ kind: 'tick', seq: ++seq, symbol, ts: t, price: last.price, size: 1 });
    const scenario = batches.length;
    for (const e of [{ ...discovery, seq: ++seq }, tick(), { ...discovery, seq: ++seq, retired: true }, tick()]) input.next(e);
    expect(error).toBeNull();

    // The scenario does what it is about: phase 3 streamed the active set as a candidate on the last tick.
    const lastOutputs = (batches.at(-1) as OutputBatch).outputs;
    const ensembles = lastOutputs.filter((o): o is Ensemble => o.kind === 'ensemble' && o.id === active);
    expect(ensembles.some((e) => !e.active)).toBe(true);
    // The rotation did not move, and the active set's last ensemble output says it is active.
    for (const b of batches.slice(scenario)) for (const o of b.outputs) if (o.kind === 'decision' && o.decision === 'rotation' && o.symbol === symbol) active = (o.details as { to: string | null }).to;
    expect(ensembles.at(-1)?.active).toBe(true);
    const live = new LiveState();
    for (const b of batches) for (const o of b.outputs) live.apply(o);
    expect(live.snapshot().ensembles.find((e) => e.symbol === symbol)?.id ?? null).toBe(active);
  }, 60_000);
});
