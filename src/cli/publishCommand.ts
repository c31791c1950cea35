import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  type BadLine,
  checkPriceFileOptions,
  InputFileError,
  type PublishMessage,
  publishMessages,
  readPrices,
  readStrategies,
} from '../sources/inputFiles.js';
import { connectNats } from '../sources/jetstreamConnection.js';
import { streamToPublishTo } from '../sources/jetstreamStream.js';
import { configFromFlags, parseCommand, UsageError } from './cliOptions.js';
import { jetStreamOptions, natsConnectOptions } from './natsOptions.js';

export const PUBLISH_HELP = `Usage: tradestream publish strategies|prices FILE [options]

Loads a file into the input stream (created if missing), each message with an id so that a repeat
is dropped by the stream and a timed-out publish is retried safely.

  strategies FILE     JSON lines of discovered strategies
  prices FILE         JSON lines of candles/ticks; CSV with header symbol,ts,open,high,low,close,volume;
                      or an exchange kline CSV (open time, o, h, l, c, v, close time, ...) with --symbol
  --symbol SYM        symbol of a kline CSV (e.g. BTC/USD)
  --interval I        candle interval of CSV rows (1m, 5m, 1h or ms): must be the engine's
                      evaluation.interval, the default (1m unless configured); a kline CSV without
                      it takes each row's interval from its close time, and with it a row whose
                      close time says another length is a bad line
  --nats-url URL      NATS server (default nats://127.0.0.1:4222); --stream NAME, --config FILE, --set K=V

A bad line is reported with its line number and skipped; the exit code is 1 if any publish failed,
or if nothing was published because every line was bad.`;

/**
 * Publishes messages to the input stream with progress on stderr; returns the exit code: 1 when a
 * publish failed, or when `badLines()` (lines skipped while reading) is above 0 and nothing was sent.
 * The stream must capture the subject `families` published to (default strategies and prices);
 * with `create` (the default) it is made with the configuration's settings when missing. An
 * existing stream's settings are the engine's and are left as they are (streamToPublishTo).
 */
export async function publishToStream(
  values: Record<string, string | boolean | string[] | undefined>,
  messages: AsyncIterable<PublishMessage> | Iterable<PublishMessage>,
  label: string,
  {
    badLines = () => 0,
    families = ['strategies', 'prices'],
    create = true,
  }: { badLines?: () => number; families?: readonly ('strategies' | 'prices' | 'control')[]; create?: boolean } = {},
): Promise<number> {
  const config = configFromFlags(values);
  const nc = await connectNats(natsConnectOptions(config));
  try {
    const needs = families.map((family) => `${config.nats.subjectPrefix}.${family}.>`);
    await streamToPublishTo(await jetstreamManager(nc), jetStreamOptions(config), needs, create);
    const summary = await publishMessages(jetstream(nc), messages, {
      onProgress: (p) => process.stderr.write(`${label}: ${p.published} published, ${p.duplicates} duplicates, ${p.failed} failed, ${Math.round(p.rate)}/s\n`),
      onFailed: (m, error) => process.stderr.write(`${label}: gave up on ${m.subject} (${m.msgId}): ${String(error)}\n`),
    });
    console.log(JSON.stringify({ ...summary, stream: config.nats.stream }));
    // Every line bad and nothing sent: a failure, not an empty success (a re-publish, all duplicates, is fine).
    const nothingGood = badLines() > 0 && summary.published + summary.duplicates === 0;
    return summary.failed > 0 || nothingGood ? 1 : 0;
  } finally {
    await nc.drain();
  }
}

/** `tradestream publish strategies|prices FILE`. */
export async function publishCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { symbol: { type: 'string' }, interval: { type: 'string' } }, true);
  if (values.help === true) {
    console.log(PUBLISH_HELP);
    return 0;
  }
  const [kind, file, ...extra] = positionals;
  if ((kind !== 'strategies' && kind !== 'prices') || file === undefined || extra.length > 0) {
    throw new UsageError(`publish expects "strategies FILE" or "prices FILE" (was "${positionals.join(' ')}")\n\n${PUBLISH_HELP}`);
  }
  const config = configFromFlags(values);
  let bad = 0;
  const onBadLine = (line: BadLine) => {
    bad++;
    process.stderr.write(`${line.path}:${line.line}: skipped: ${line.reason}\n`);
  };
  const common = { subjectPrefix: config.nats.subjectPrefix, maxBytes: config.nats.maxMessageBytes, onBadLine };
  const priceOptions = {
    ...common,
    candleInterval: config.evaluation.interval,
    ...(typeof values.symbol === 'string' ? { symbol: values.symbol } : {}),
    ...(typeof values.interval === 'string' ? { interval: values.interval } : {}),
  };
  // Before connecting or reading: a bad option is a usage error (exit 2), not a file of bad lines.
  if (kind === 'prices') {
    try {
      checkPriceFileOptions(priceOptions);
    } catch (error) {
      if (error instanceof InputFileError) throw new UsageError(error.message);
      throw error;
    }
  }
  const messages = kind === 'strategies' ? readStrategies(file, common) : readPrices(file, priceOptions);
  try {
    const code = await publishToStream(values, messages, `publish ${kind}`, { badLines: () => bad });
    if (bad > 0) process.stderr.write(`publish ${kind}: ${bad} bad lines skipped\n`);
    return code;
  } catch (error) {
    if (error instanceof InputFileError) throw new UsageError(error.message);
    throw error;
  }
}
