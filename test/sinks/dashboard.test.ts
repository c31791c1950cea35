import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardRoute } from '../../src/sinks/dashboard.js';
import { LiveServer } from '../../src/sinks/liveServer.js';

const servers: LiveServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function serve(route = dashboardRoute()): Promise<string> {
  const server = await LiveServer.start(
    { host: '127.0.0.1', port: 0, token: '' },
    { snapshot: () => ({ positions: [], sizes: [], ensembles: [], portfolio: null }) },
  );
  server.addRoute(route);
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

describe('dashboardRoute', () => {
  it('serves the page at / and /index.html as HTML with a content security policy', async () => {
    const base = await serve();
    for (const path of ['/', '/index.html']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain('<script type="module" src="/dashboard/app.js"></script>');
    }
  });

  it('serves every script and stylesheet the page references, with JS and CSS content types', async () => {
    const base = await serve();
    const html = await (await fetch(`${base}/`)).text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs).toEqual(['/dashboard/favicon.svg', '/dashboard/app.css', '/dashboard/lightweight-charts.js', '/dashboard/app.js']);
    const types: Record<string, string> = {
      '/dashboard/favicon.svg': 'image/svg+xml',
      '/dashboard/app.css': 'text/css; charset=utf-8',
      '/dashboard/lightweight-charts.js': 'text/javascript; charset=utf-8',
      '/dashboard/app.js': 'text/javascript; charset=utf-8',
    };
    for (const ref of refs) {
      const res = await fetch(`${base}${ref}`);
      expect(res.status, ref).toBe(200);
      expect(res.headers.get('content-type'), ref).toBe(types[ref]);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Number(res.headers.get('content-length'))).toBeGreaterThan(100);
    }
  });

  it('serves the chart library from node_modules: the standalone TradingView Lightweight Charts build', async () => {
    const base = await serve();
    const lib = await (await fetch(`${base}/dashboard/lightweight-charts.js`)).text();
    expect(lib).toContain('TradingView Lightweight Charts');
    expect(lib).toContain('window.LightweightCharts');
    expect(lib.length).toBeGreaterThan(100_000);
  });

  it('answers 304 to a matching If-None-Match, HEAD without a body, 405 to POST, and 404 past its files', async () => {
    const base = await serve();
    const first = await fetch(`${base}/dashboard/app.js`);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await fetch(`${base}/dashboard/app.js`, { headers: { 'if-none-match': etag as string } });
    expect(again.status).toBe(304);
    const head = await fetch(`${base}/dashboard/app.css`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${base}/`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${base}/dashboard/secret.js`)).status).toBe(404);
    expect((await fetch(`${base}/dashboard/../package.json`)).status).toBe(404);
  });

  it('reads another assets folder when given one, and fails at creation when a file is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dashboard-'));
    dirs.push(dir);
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>custom</title>');
    await writeFile(join(dir, 'app.js'), '');
    expect(() => dashboardRoute({ assetsDir: dir })).toThrow(/app\.css/);
    await writeFile(join(dir, 'app.css'), '');
    await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const base = await serve(dashboardRoute({ assetsDir: dir }));
    expect(await (await fetch(`${base}/`)).text()).toBe('<!doctype html><title>custom</title>');
  });
});
