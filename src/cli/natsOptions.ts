import type { EngineConfig } from '../../config/engine.js';
import type { NatsConnectOptions } from '../sources/jetstreamConnection.js';
import type { JetStreamSourceOptions } from '../sources/jetstreamSource.js';

/** Connection options from the `nats.*` config keys (empty strings mean "not set"). */
export function natsConnectOptions(config: EngineConfig): NatsConnectOptions {
  const n = config.nats;
  const tls =
    n.tlsCaFile || n.tlsCertFile || n.tlsKeyFile
      ? { caFile: n.tlsCaFile || undefined, certFile: n.tlsCertFile || undefined, keyFile: n.tlsKeyFile || undefined }
      : undefined;
  return {
    servers: n.url,
    ...(n.user ? { user: n.user, pass: n.pass } : {}),
    ...(n.token ? { token: n.token } : {}),
    ...(n.credsFile ? { credsFile: n.credsFile } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** Stream and consumer options from the config; candles of another interval than the engine's are rejected, others' symbols passed over. */
export function jetStreamOptions(config: EngineConfig): JetStreamSourceOptions {
  const n = config.nats;
  return {
    stream: n.stream,
    subjectPrefix: n.subjectPrefix,
    consumer: n.consumer,
    maxMessageBytes: n.maxMessageBytes,
    candleInterval: config.evaluation.interval,
    symbols: config.evaluation.symbols,
    retention: n.retention,
    replicas: n.replicas,
    maxAgeMs: n.maxAge,
    duplicateWindowMs: n.duplicateWindow,
    ackWaitMs: n.ackWait,
    maxAckPending: n.maxAckPending,
  };
}
