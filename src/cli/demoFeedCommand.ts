import { createWriteStream } from 'node:fs';
import type { DemoConfig } from '../../config/engine.js';
import { stableId } from '../domain/stableId.js';
import type { MarketEvent, Millis } from '../domain/types.js';
import type { PublishMessage } from '../sources/inputFiles.js';
import { symbolToSubjectToken } from '../sources/decode.js';
import { demoEvents } from '../sources/demo/demoFeed.js';
import { configFromFlags, parseCommand, UsageError } from './cliOptions.js';
import { publishToStream } from './publishCommand.js';

export const DEMO_FEED_HELP = `Usage: tradestream demo-feed (--to-nats | --out FILE) --candles N [--seed N] [--strategies N]
                             [--nats-url URL] [--stream NAME] [--config FILE] [--set KEY=VALUE]

Writes the seeded demo feed as wire messages: into the input stream (--to-nats) or as JSON lines of
{"subject","data"} (--out FILE). --candles must be > 0 here (a finite feed). Message ids name the
feed (seed, strategies, candles, start, ticks per candle, interval) and the event's place in it:
publishing the same feed again adds nothing, another feed is published in full.`;

/**
 * The id of a demo feed: equal for the same feed (seed, strategies, candles, start, ticks per
 * candle and candle interval: what demoEvents reads), different otherwise. Message ids carry it,
 * so a repeat of the same feed is dropped by the stream as duplicates, and another feed published
 * within the duplicate window is not (with ids `demo:<seq>` it was dropped, or spliced into the
 * first where it was longer).
 */
export function demoFeedId(demo: DemoConfig, interval: Millis): string {
  const { seed, strategies, candles, start, ticksPerCandle } = demo;
  return `demo-${stableId(JSON.stringify({ seed, strategies, candles, start, ticksPerCandle, interval }))}`;
}

/**
 * The wire form of a demo event, as a publisher would send it (ISO times, '-' in the subject),
 * with the message id `<feedId>:<seq>` (demoFeedId).
 */
export function toWireMessage(event: MarketEvent, prefix: string, feedId: string): PublishMessage {
  const subjectSymbol = symbolToSubjectToken(event.symbol);
  const iso = (t: number) => new Date(t).toISOString();
  if (event.kind === 'strategy') {
    const body = {
      symbol: event.symbol,
      type: event.type,
      parameters: event.parameters,
      score: event.score,
      discoveredAt: iso(event.ts),
      window: event.window === null ? null : { start: iso(event.window.start), end: iso(event.window.end) },
      ...(event.retired ? { retired: true } : {}),
    };
    return { subject: `${prefix}.strategies.${subjectSymbol}`, data: JSON.stringify(body), msgId: `${feedId}:${event.seq}` };
  }
  const body =
    event.kind === 'tick'
      ? { symbol: event.symbol, ts: event.ts, price: event.price, size: event.size }
      : {
          symbol: event.symbol,
          ts: event.ts,
          open: event.open,
          high: event.high,
          low: event.low,
          close: event.close,
          volume: event.volume,
          interval: event.interval,
        };
  return { subject: `${prefix}.prices.${subjectSymbol}`, data: JSON.stringify(body), msgId: `${feedId}:${event.seq}` };
}

/** `tradestream demo-feed`: the demo data for JetStream runs and replays. */
export async function demoFeedCommand(args: string[]): Promise<number> {
  const { values } = parseCommand(args, { 'to-nats': { type: 'boolean' }, out: { type: 'string' } });
  if (values.help === true) {
    console.log(DEMO_FEED_HELP);
    return 0;
  }
  const config = configFromFlags(values);
  if (config.demo.candles === 0) throw new UsageError('demo-feed needs --candles N > 0 (a finite feed)');
  const toNats = values['to-nats'] === true;
  const out = values.out as string | undefined;
  if (toNats === (out !== undefined)) throw new UsageError('demo-feed needs exactly one of --to-nats or --out FILE');
  const prefix = config.nats.subjectPrefix;
  const feedId = demoFeedId(config.demo, config.evaluation.interval);
  const messages = (function* () {
    for (const event of demoEvents(config.demo, config.evaluation.interval)) yield toWireMessage(event, prefix, feedId);
  })();
  if (toNats) return publishToStream(values, messages, 'demo-feed');
  const file = createWriteStream(out as string);
  // A path that cannot be written is a usage error, not an unhandled 'error' event and a stack trace.
  await new Promise<void>((resolve, reject) => {
    file.once('ready', () => resolve());
    file.once('error', (error) => reject(new UsageError(`--out ${String(out)}: cannot write it (${error.message})`)));
  });
  for (const m of messages) {
    if (!file.write(`${JSON.stringify({ subject: m.subject, data: m.data })}\n`)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return 0;
}
