import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision, OutputBatch, Portfolio, Position, PositionSize } from '../../src/domain/types.js';
import { DecisionPublisher } from '../../src/sinks/natsPublisher.js';
import { connectNats } from '../../src/sources/jetstreamConnection.js';
import { type NatsServerHandle, startNatsServer } from '../helpers/natsServer.js';

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const time = 1795168800000;
const position = (symbol: string): Position => ({
  kind: 'position',
  time,
  positionId: `p-${symbol}`,
  symbol,
  ensembleId: 'e1',
  quantity: 0.5,
  entryPrice: 100,
  entryTime: time,
  markPrice: 100,
  size: 0.05,
  stopPrice: 95,
  takeProfitPrice: 115,
  status: 'open',
  exitTime: null,
  pnl: 0,
});
const size: PositionSize = {
  kind: 'size',
  time,
  symbol: 'BTC/USD',
  kelly: 0,
  riskParity: 0.1,
  volTarget: 0.1,
  combined: 0.06,
  size: 0.05,
  binding: 'positionRisk',
  riskContribution: 1,
  reason: 'capped',
};
const decision = (d: Decision['decision'], symbol: string | null): Decision => ({
  kind: 'decision',
  decision: d,
  time,
  seq: 7,
  symbol,
  reason: 'because',
  details: {},
});
const portfolio: Portfolio = { kind: 'portfolio', time, cash: 1, equity: 1, highWaterMark: 1, drawdown: 0, state: 'NORMAL', sizeScale: 1, haltedAt: null };

let server: NatsServerHandle;
let subscriber: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  subscriber = await connectNats({ servers: server.url });
});
afterAll(async () => {
  await subscriber?.close();
  await server?.stop();
});

describe('DecisionPublisher', () => {
  it('publishes position changes and sizes on <prefix>.decisions.<SYM>, in batch order, and nothing else', async () => {
    const btc: unknown[] = [];
    const all: string[] = [];
    subscriber.subscribe('tradestream.decisions.BTC-USD', { callback: (_e, m) => void btc.push(m.json()) });
    subscriber.subscribe('tradestream.decisions.>', { callback: (_e, m) => void all.push(m.subject) });
    await subscriber.flush();

    const publisher = await DecisionPublisher.connect({ servers: server.url });
    const batch: OutputBatch = {
      seq: 7,
      time,
      outputs: [
        decision('strategy.accepted', 'BTC/USD'),
        decision('position.opened', 'BTC/USD'),
        position('BTC/USD'),
        size,
        portfolio,
        position('ETH/USD'),
        decision('breaker.changed', null),
      ],
    };
    publisher.publish(batch);
    expect(publisher.published).toBe(4);
    await publisher.close();

    await waitFor('4 decision messages', () => all.length === 4);
    expect(all).toEqual(['tradestream.decisions.BTC-USD', 'tradestream.decisions.BTC-USD', 'tradestream.decisions.BTC-USD', 'tradestream.decisions.ETH-USD']);
    await waitFor('3 BTC messages', () => btc.length === 3);
    expect(btc).toEqual([decision('position.opened', 'BTC/USD'), position('BTC/USD'), size]);
  });

  it('never throws once its connection is closed; it counts what it dropped', async () => {
    const publisher = await DecisionPublisher.connect({ servers: server.url }, { subjectPrefix: 'desk' });
    await publisher.close();
    expect(() => publisher.publish({ seq: 1, time, outputs: [size] })).not.toThrow();
    expect(publisher.dropped).toBe(1);
  });
});
