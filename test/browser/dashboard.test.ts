/**
 * End to end in a real browser: builds the engine, runs `tradestream run --source demo` on a free
 * loopback port, opens the dashboard in Debian's chromium (driven by playwright-core, which brings
 * no browser of its own), waits until live positions and the equity curve show up and move, saves
 * test-output/dashboard.png, and stops the engine with SIGTERM (expecting exit 0).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join(ROOT, 'test-output', 'dashboard.png');

interface RunningEngine {
  readonly process: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  readonly output: string[];
}

const CLI = join(ROOT, 'dist', 'src', 'cli', 'tradestream.js');

/** Spawns the built CLI and resolves with its port once it logs "TradeStream running". */
async function startEngine(db: string): Promise<RunningEngine> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'run',
      '--source',
      'demo',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--db',
      db,
      '--speed',
      'realtime',
      '--strategies',
      '600',
      '--set',
      'demo.candleSeconds=0.2',
      '--log-level',
      'info',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => output.push(line));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine did not report its port within 20 s:\n${output.join('\n')}`)), 20_000);
    lines.on('line', (line) => {
      output.push(line);
      if (!line.includes('TradeStream running')) return;
      const port = (JSON.parse(line) as { port?: unknown }).port;
      if (typeof port === 'number') {
        clearTimeout(timer);
        resolve(port);
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`engine exited with ${code} before running:\n${output.join('\n')}`));
    });
  });
  return { process: child, port, exited, output };
}

/** Polls a metrics URL until `ready(text)` holds; rejects with the last text after `timeoutMs`. */
async function waitForMetrics(url: string, ready: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await (await fetch(url)).text();
    if (ready(text)) return text;
    if (Date.now() > deadline) throw new Error(`metrics never matched within ${timeoutMs} ms:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Equity points the page's chart holds (its `data-points` attribute). */
const chartPoints = async (page: Page): Promise<number> => Number(await page.getAttribute('#equity-chart', 'data-points'));

describe('the dashboard in a real browser', () => {
  let dir = '';
  let engine: RunningEngine | undefined;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: install it with \`apt-get install chromium\` (as root, after \`apt-get update\`)`);
    // The engine runs from dist/, as installed (the page itself is found at the package root).
    // `npm test` builds dist/ once before vitest starts; rebuilding it here raced with the CLI tests
    // that spawn engines from dist/ at the same time (a module read half-written).
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test builds it before the tests)`);
    dir = await mkdtemp(join(tmpdir(), 'tradestream-dashboard-'));
    engine = await startEngine(join(dir, 't.db'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (engine !== undefined && engine.process.exitCode === null) {
      engine.process.kill('SIGKILL');
      await engine.exited;
    }
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('shows live positions, sizes, ensembles, decisions and a growing equity curve, then the engine stops cleanly', async () => {
    if (browser === undefined || engine === undefined) throw new Error('setup failed');
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') pageErrors.push(`console ${msg.type()}: ${msg.text()}`);
    });
    const base = `http://127.0.0.1:${engine.port}`;
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);

    await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });
    await expect.poll(() => chartPoints(page), { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(3);
    await page.waitForSelector('#positions tbody tr.open', { timeout: 30_000 });
    await page.waitForSelector('#ensembles .ensemble .member', { timeout: 30_000 });
    await page.waitForSelector('#decisions li.group-position', { timeout: 30_000 });

    // Live, not a one-off: the equity curve keeps growing and the header follows the sequence.
    const points = await chartPoints(page);
    const seq = Number(await page.textContent('#seq'));
    await expect.poll(() => chartPoints(page), { timeout: 15_000, interval: 100 }).toBeGreaterThan(points);
    await expect.poll(async () => Number(await page.textContent('#seq')), { timeout: 15_000, interval: 100 }).toBeGreaterThan(seq);

    // The chart drew on its canvases, and the table and KPIs show numbers.
    expect(await page.locator('#equity-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.textContent('#kpi-equity')).toMatch(/^\$[\d,]+$/);
    expect(await page.getAttribute('#breaker', 'data-state')).toMatch(/^(NORMAL|REDUCING|HALTED)$/);
    const firstOpen = page.locator('#positions tbody tr.open').first();
    expect(await firstOpen.getAttribute('data-symbol')).toMatch(/^[A-Z]+\/[A-Z]+$/);
    expect(await firstOpen.locator('td').nth(1).textContent()).toMatch(/^\d/);
    expect(await page.locator('#decisions li .reason').first().textContent()).not.toBe('');

    // Decisions are newest first: the event times never increase down the list.
    const times = await page.$$eval('#decisions li .when', (els) => els.map((el) => el.textContent ?? ''));
    expect(times.length).toBeGreaterThan(0);
    expect([...times].sort().reverse()).toEqual(times);

    await mkdir(join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(pageErrors).toEqual([]);

    // The engine counts what the page shows: the page is a connected client, positions were opened.
    const metrics = await waitForMetrics(`${base}/metrics`, (text) => /^tradestream_ws_clients 1$/m.test(text), 15_000);
    expect(Number(/^tradestream_decisions_total\{decision="position.opened"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);

    await page.close();
    engine.process.kill('SIGTERM');
    const code = await Promise.race([engine.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000))]);
    expect(code, engine.output.slice(-20).join('\n')).toBe(0);
  }, 120_000);
});
