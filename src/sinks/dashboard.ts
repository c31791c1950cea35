/**
 * The live dashboard: a static page (HTML, JS, CSS, and TradingView Lightweight Charts from
 * node_modules) that connects to `/ws` and draws positions, sizes, ensembles, the equity curve with
 * drawdown and breaker state, and the latest decisions. Served by the live server; no CDN.
 *
 * Where the files live: `src/sinks/dashboard/` in the package, found by walking up from this
 * module to the first directory that holds `src/sinks/dashboard/index.html`. tsc does not copy
 * .html/.js/.css into `dist/`, so both `dist/src/sinks/dashboard.js` (node) and
 * `src/sinks/dashboard.ts` (tsx, vitest) resolve to the same source folder at the package root;
 * a published package therefore has to ship `src/sinks/dashboard/` (it does: no `files` filter).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpRoute } from './liveHttp.js';
import { pathOf, refusedUnlessRead } from './liveHttp.js';

/** The page's folder relative to the package root. */
const ASSETS_FROM_ROOT = join('src', 'sinks', 'dashboard');
/** The chart library's self-contained build (defines `window.LightweightCharts`), relative to its package. */
const CHART_LIBRARY_FILE = join('dist', 'lightweight-charts.standalone.production.js');

/** Where to read the dashboard from; defaults suit the installed package. */
export interface DashboardOptions {
  /** Folder holding index.html, app.js, app.css and favicon.svg (default: `src/sinks/dashboard` under the package root). */
  readonly assetsDir?: string;
}

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/** The package folder that holds the dashboard, found upward from `start`; throws naming where it looked. */
function findAssetsDir(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, ASSETS_FROM_ROOT);
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`dashboard assets not found: no ${join(ASSETS_FROM_ROOT, 'index.html')} in ${start} or any parent`);
  }
}

function asset(body: Buffer, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/** The standalone chart build, located through the package's exported package.json (its `dist/` files are not exported). */
function chartLibrary(): Buffer {
  const packageJson = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
  return readFileSync(join(dirname(packageJson), CHART_LIBRARY_FILE));
}

const PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // The chart library sets element styles from script.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * HTTP route for the dashboard: GET/HEAD `/` (and `/index.html`), `/dashboard/app.js`,
 * `/dashboard/app.css`, `/dashboard/favicon.svg` and `/dashboard/lightweight-charts.js`. Reads every file once, now (throws
 * when one is missing, so a broken install fails at startup, not on the first visit); answers with
 * an ETag and `cache-control: no-cache` (304 when unchanged). Other paths are left to later routes.
 */
export function dashboardRoute(options: DashboardOptions = {}): HttpRoute {
  const dir = options.assetsDir ?? findAssetsDir(dirname(fileURLToPath(import.meta.url)));
  const page = asset(readFileSync(join(dir, 'index.html')), 'text/html; charset=utf-8');
  const assets = new Map<string, Asset>([
    ['/', page],
    ['/index.html', page],
    ['/dashboard/app.js', asset(readFileSync(join(dir, 'app.js')), 'text/javascript; charset=utf-8')],
    ['/dashboard/app.css', asset(readFileSync(join(dir, 'app.css')), 'text/css; charset=utf-8')],
    ['/dashboard/favicon.svg', asset(readFileSync(join(dir, 'favicon.svg')), 'image/svg+xml')],
    ['/dashboard/lightweight-charts.js', asset(chartLibrary(), 'text/javascript; charset=utf-8')],
  ]);
  return (req, res) => {
    const found = assets.get(pathOf(req));
    if (found === undefined) return false;
    if (refusedUnlessRead(req, res)) return true;
    const headers: Record<string, string | number> = {
      'content-type': found.contentType,
      etag: found.etag,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      // The page URL may carry ?token=; never send it to anyone in a Referer.
      'referrer-policy': 'no-referrer',
    };
    if (found === page) headers['content-security-policy'] = PAGE_POLICY;
    if (req.headers['if-none-match'] === found.etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    headers['content-length'] = found.body.length;
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : found.body);
    return true;
  };
}
