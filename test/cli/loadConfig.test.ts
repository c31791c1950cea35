import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig } from '../../src/cli/loadConfig.js';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('returns the documented defaults when nothing overrides them', () => {
    const c = defaultConfig();
    expect(c.capital).toBe(100_000);
    expect(c.confidence).toMatchObject({ performanceWeight: 0.6, frequencyWeight: 0.25, recencyWeight: 0.15, liveTradesPrior: 20 });
    expect(c.timeFilter).toMatchObject({ maxAgeDays: 90, minWindowDays: 30, maxWindowDays: 365, decayHalfLifeDays: 30 });
    expect(c.rotation).toEqual({ threshold: 0.1, minHold: 3_600_000, schedule: 86_400_000 });
    expect(c.sizing).toMatchObject({ method: 'blend', maxRiskPerPosition: 0.02, maxPerStrategy: 0.05, drawdownReduce: 0.05, drawdownHalt: 0.1 });
    expect(c.positions).toMatchObject({ stopLoss: 0.05, takeProfit: 0.15, feeBps: 10, slippageBps: 5 });
    expect(loadConfig()).toEqual(c);
  });

  // Found by a documentation audit: TypeBox stops after 8 errors, and a bad union key spends seven.
  it('names every bad key at once, however many', () => {
    const problems = problemsOf(() =>
      loadConfig({ overrides: { logLevel: 'loud', source: 'kafka', 'sizing.method': 'max', 'server.port': '70000', capital: '0', 'evaluation.feeBps': '-1' } }),
    );
    expect(problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual(['capital', 'source', 'logLevel', 'evaluation.feeBps', 'sizing.method', 'server.port']);
  });

  it('applies file < environment < overrides in that order of precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ server: { port: 9000, host: '127.0.0.2' }, sizing: { method: 'kelly' } }));
    const c = loadConfig({
      file,
      env: { TRADESTREAM_PORT: '9001', TRADESTREAM_SIZING__MAX_RISK_PER_POSITION: '0.03', HOME: '/root' },
      overrides: { 'server.port': '0' },
    });
    expect(c.server).toMatchObject({ port: 0, host: '127.0.0.2' });
    expect(c.sizing.method).toBe('kelly');
    expect(c.sizing.maxRiskPerPosition).toBe(0.03);
  });

  it('lists every bad key at once with its value and allowed range', () => {
    const problems = problemsOf(() => loadConfig({ overrides: { 'sizing.maxRiskPerPosition': '1.5', 'server.port': 'eighty', 'demo.speed': 'warp' } }));
    expect(problems).toHaveLength(3);
    expect(problems).toContain('sizing.maxRiskPerPosition: 1.5 is not allowed (expected a number in 0–1)');
    expect(problems).toContain('server.port: "eighty" is not allowed (expected an integer in 0–65535)');
    expect(problems).toContain('demo.speed: "warp" is not allowed (expected one of "realtime", "max")');
  });

  it('reads numbers from the environment and --set in decimal only: 0x10 is named, not taken as 16', () => {
    expect(problemsOf(() => loadConfig({ overrides: { capital: '0x10' } }))).toEqual(['capital: "0x10" is not allowed (expected a number in 1–1000000000000)']);
    expect(loadConfig({ overrides: { capital: '2.5e5' }, env: { TRADESTREAM_PORT: ' 9000 ' } })).toMatchObject({ capital: 250_000, server: { port: 9000 } });
  });

  it('takes the symbols an engine owns as a comma-separated list, and names a bad or repeated symbol with the value', () => {
    expect(loadConfig({ env: { TRADESTREAM_SYMBOLS: 'BTC/USD, ETH/USD' } }).evaluation.symbols).toBe('BTC/USD, ETH/USD');
    expect(problemsOf(() => loadConfig({ overrides: { 'evaluation.symbols': 'BTC/USD,btc-usd' } }))).toEqual([
      'evaluation.symbols: "BTC/USD,btc-usd" is not allowed (expected symbols like BTC/USD, comma-separated, or empty for every symbol)',
    ]);
    expect(problemsOf(() => loadConfig({ overrides: { 'evaluation.symbols': 'BTC/USD,ETH/USD,BTC/USD' } }))).toEqual([
      'evaluation.symbols: "BTC/USD,ETH/USD,BTC/USD" names BTC/USD more than once',
    ]);
  });

  it('refuses unknown keys from every source', () => {
    const problems = problemsOf(() => loadConfig({ env: { TRADESTREAM_NOPE: '1' }, overrides: { 'sizing.nope': 1 } }));
    expect(problems).toEqual(['environment TRADESTREAM_NOPE: no such configuration key', 'sizing.nope: no such configuration key']);
  });

  it('refuses confidence weights that do not sum to 1 and an inverted drawdown ladder', () => {
    const problems = problemsOf(() => loadConfig({ overrides: { 'confidence.recencyWeight': 0.2, 'sizing.drawdownReduce': 0.2 } }));
    expect(problems).toEqual([
      'confidence: weights must sum to 1 (was 1.050000: performanceWeight=0.6, frequencyWeight=0.25, recencyWeight=0.2)',
      'sizing.drawdownReduce 0.2 must be < sizing.drawdownHalt 0.1',
    ]);
  });

  // Found by a bug hunt: 5-minute candles with the 1-minute default of periodsPerYear were accepted,
  // and every annualized volatility came out √5 too high (vol-target sizes 0.447× their value).
  it('refuses more candles per year than the candle interval allows, and accepts fewer (trading hours)', () => {
    expect(problemsOf(() => loadConfig({ overrides: { 'evaluation.interval': 300_000 } }))).toEqual([
      'evaluation.periodsPerYear 525600 is more candles than a year holds at evaluation.interval 300000 ms (at most 105192); set it to 105120 for a market open around the clock',
    ]);
    expect(loadConfig({ overrides: { 'evaluation.interval': 300_000, 'evaluation.periodsPerYear': 105_120 } }).evaluation.periodsPerYear).toBe(105_120);
    // US equities: 252 sessions of 390 one-minute candles.
    expect(loadConfig({ overrides: { 'evaluation.periodsPerYear': 98_280 } }).evaluation.periodsPerYear).toBe(98_280);
  });

  // Found by a bug hunt: a returns window shorter than the samples sizing or correlation need was
  // accepted; every symbol then stayed 'warming up: 10 of 20 returns' and no position ever opened.
  it('refuses sample minimums above the returns window, which could never fill them', () => {
    expect(problemsOf(() => loadConfig({ overrides: { 'evaluation.returnsWindow': 10 } }))).toEqual([
      'sizing.minVolSamples 20 must be <= evaluation.returnsWindow 10',
      'ensembles.minCorrelationSamples 20 must be <= evaluation.returnsWindow 10',
    ]);
    const edge = loadConfig({ overrides: { 'evaluation.returnsWindow': 20 } });
    expect(edge.evaluation.returnsWindow).toBe(20);
  });

  // Found by a bug hunt: with 5-minute candles and a 1-minute jump limit (both in range) the
  // engine refused 19 of a symbol's 20 candles as too far ahead of its market clock.
  it('refuses a time-jump limit shorter than the candle interval, by which a candle feed moves the clock', () => {
    expect(
      problemsOf(() => loadConfig({ overrides: { 'evaluation.interval': 300_000, 'evaluation.periodsPerYear': 105_120, 'evaluation.maxTimeJump': 60_000 } })),
    ).toEqual(['evaluation.interval 300000 must be <= evaluation.maxTimeJump 60000']);
    expect(loadConfig({ overrides: { 'evaluation.maxTimeJump': 60_000 } }).evaluation.maxTimeJump).toBe(60_000);
  });

  it('refuses a demo start without a zone, as the demo feed reads it (it failed later with a stack trace)', () => {
    expect(problemsOf(() => loadConfig({ overrides: { 'demo.start': '2026-11-01T00:00:00' } }))).toEqual([
      'demo.start: "2026-11-01T00:00:00" is not an ISO 8601 time with a zone (e.g. 2026-11-01T00:00:00Z)',
    ]);
  });

  // Found by a bug hunt: `--stream a.b`, `--stream ''` and a prefix `a b` or `x.*` passed the
  // checks and failed later, at the server, with a stack trace.
  it('refuses stream and consumer names and subject prefixes that NATS cannot take, naming key and value', () => {
    const name = "a NATS name: no '.', '*', '>', '/', backslash, whitespace or control characters";
    const tokens = "NATS subject tokens joined by '.': no empty token, '*', '>', whitespace or control characters";
    for (const bad of ['a.b', '', 'a b', 'x*', 'x>', 'a/b', 'a\\b', 'a\tb']) {
      expect(problemsOf(() => loadConfig({ overrides: { 'nats.stream': bad, 'nats.consumer': bad } }))).toEqual([
        `nats.stream: ${JSON.stringify(bad)} is not allowed (expected ${name})`,
        `nats.consumer: ${JSON.stringify(bad)} is not allowed (expected ${name})`,
      ]);
    }
    for (const bad of ['a b', 'x.*', 'x.>', '', 'a..b', '.a', 'a.']) {
      expect(problemsOf(() => loadConfig({ overrides: { 'nats.subjectPrefix': bad } }))).toEqual([
        `nats.subjectPrefix: ${JSON.stringify(bad)} is not allowed (expected ${tokens})`,
      ]);
    }
    const good = loadConfig({ overrides: { 'nats.stream': 'TS_2-b', 'nats.consumer': 'replay-1', 'nats.subjectPrefix': 'acme.trading' } });
    expect(good.nats).toMatchObject({ stream: 'TS_2-b', consumer: 'replay-1', subjectPrefix: 'acme.trading' });
  });

  // Found by a bug hunt: each was accepted, and no ensemble could ever form, or Kelly sized a
  // strategy with no trades at all as a sure thing (p clamped to 1).
  it('refuses ensemble minimums above maxCandidates and a Kelly prior of wins not below its trades', () => {
    expect(
      problemsOf(() =>
        loadConfig({
          overrides: {
            'ensembles.maxCandidates': 3,
            'ensembles.minMembers': 4,
            'ensembles.maxMembers': 5,
            'ensembles.minDistinctTypes': 5,
            'sizing.kellyPriorWins': 20,
            'sizing.kellyPriorTrades': 20,
          },
        }),
      ),
    ).toEqual([
      'ensembles.minMembers 4 must be <= ensembles.maxCandidates 3',
      'ensembles.minDistinctTypes 5 must be <= ensembles.maxCandidates 3',
      'sizing.kellyPriorWins 20 must be < sizing.kellyPriorTrades 20',
    ]);
    expect(problemsOf(() => loadConfig({ overrides: { 'sizing.kellyPriorWins': 30 } }))).toEqual([
      'sizing.kellyPriorWins 30 must be < sizing.kellyPriorTrades 20',
    ]);
    const edge = loadConfig({ overrides: { 'ensembles.maxCandidates': 2, 'ensembles.minMembers': 2, 'ensembles.minDistinctTypes': 2 } });
    expect(edge.ensembles.maxCandidates).toBe(2);
    expect(loadConfig({ overrides: { 'sizing.kellyPriorWins': 0, 'sizing.kellyPriorTrades': 0 } }).sizing.kellyPriorTrades).toBe(0);
  });

  // Found by a bug hunt: `--nats-url ''` connected to 127.0.0.1:4222, the client's own default.
  it('refuses a NATS url with no server in it, naming the key and the value', () => {
    for (const bad of ['', ' ', ' , ']) {
      expect(problemsOf(() => loadConfig({ overrides: { 'nats.url': bad } }))).toEqual([
        `nats.url: ${JSON.stringify(bad)} is not allowed (expected one or more NATS server URLs, comma-separated (not empty))`,
      ]);
    }
    expect(loadConfig({ overrides: { 'nats.url': 'nats://a:4222, nats://b:4222' } }).nats.url).toBe('nats://a:4222, nats://b:4222');
  });

  // Found by a bug hunt: {"__proto__":{"capital":5}} in a config file set the capital to 5, and
  // --set __proto__=1 was accepted without a word.
  it('refuses keys that would reach an object prototype, from a file and from --set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-config-'));
    const file = join(dir, 'proto.json');
    writeFileSync(file, '{"__proto__":{"capital":5}}');
    expect(problemsOf(() => loadConfig({ file }))).toEqual([`config file ${file}: key "__proto__" is not allowed`]);
    writeFileSync(file, '{"sizing":{"constructor":{"x":1}}}');
    expect(problemsOf(() => loadConfig({ file }))).toEqual([`config file ${file}: key "sizing.constructor" is not allowed`]);
    expect(problemsOf(() => loadConfig({ overrides: Object.fromEntries([['__proto__', 1]]) }))).toEqual(['__proto__: no such configuration key']);
    expect(problemsOf(() => loadConfig({ overrides: { 'sizing.constructor': 1 } }))).toEqual(['sizing.constructor: no such configuration key']);
  });

  it('names a config file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ nope');
    const [problem] = problemsOf(() => loadConfig({ file }));
    expect(problem).toMatch(/^config file .*bad\.json: /);
  });
});
