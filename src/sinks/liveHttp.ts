/**
 * The plain-HTTP side of the live server: routing of ordinary requests, the bearer-token check on
 * WebSocket upgrades, and bare status answers to refused upgrades.
 */
import { timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Extra HTTP route: returns true when it handled (answered) the request. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The request's path without the query, or '' when the target cannot be parsed. */
export function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}

/**
 * Answers 405 (`Allow: GET, HEAD`, a JSON body) to a request that is not a GET or HEAD, and says
 * whether it did: every HTTP endpoint only reads.
 */
export function refusedUnlessRead(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end(JSON.stringify({ error: 'method not allowed' }));
  return true;
}

/**
 * Answers an ordinary request: GET/HEAD `/healthz` → 200 `{"status":"ok"}` (other methods → 405
 * with `Allow: GET, HEAD`, as the routes answer), then each route in order, then `/ws` without an
 * upgrade → 426 and anything else → 404 (JSON bodies). A route that throws gets a 500 and is
 * reported to `onRouteError`.
 */
export function answerRequest(req: IncomingMessage, res: ServerResponse, routes: readonly HttpRoute[], onRouteError: (err: unknown) => void): void {
  const path = pathOf(req);
  const reply = (status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (path === '/healthz') {
    if (refusedUnlessRead(req, res)) return;
    reply(200, { status: 'ok' });
    return;
  }
  for (const route of routes) {
    try {
      if (route(req, res)) return;
    } catch (err) {
      onRouteError(err);
      if (res.headersSent) res.destroy();
      else reply(500, { error: 'internal error' });
      return;
    }
  }
  if (path === '/ws') reply(426, { error: 'WebSocket upgrade required' });
  else reply(404, { error: 'not found' });
}

/**
 * True when auth is off (`token` is '') or the upgrade carries the token, as
 * `Authorization: Bearer TOKEN` or `?token=TOKEN`. Compared in constant time.
 */
export function hasToken(req: IncomingMessage, token: string): boolean {
  if (token === '') return true;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  let query: string | null = null;
  try {
    query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  } catch {
    // An unparsable target carries no usable query token.
  }
  return sameToken(bearer, token) || sameToken(query, token);
}

function sameToken(given: string | null | undefined, expected: string): boolean {
  if (given === null || given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Answers a refused upgrade with a bare HTTP status (401 adds `WWW-Authenticate: Bearer`) and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number): void {
  const text = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({ error: text.toLowerCase() });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${status === 401 ? 'WWW-Authenticate: Bearer\r\n' : ''}\r\n${body}`,
  );
}
