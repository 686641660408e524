import { once } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { Backend } from './backends.js';

/** A WebSocket endpoint on a backend: records each upgrade (as method `UPGRADE`) and answers every message with `<backend name>:<message>`. */
export function echoWebSockets(backend: Backend): void {
  new WebSocketServer({ server: backend.server }).on('connection', (socket, req) => {
    backend.seen.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers, aborted: false });
    socket.on('message', (data) => socket.send(`${backend.name}:${String(data)}`));
  });
}

export interface OpenedSocket {
  socket: WebSocket;
  /** The 101's headers, as the client got them (Set-Cookie included). */
  headers: IncomingHttpHeaders;
}

/** Opens a WebSocket through the edge to `path`, with the Host and Cookie the test chooses. */
export async function openSocket(port: number, host: string, options: { path?: string; cookie?: string; headers?: Record<string, string> } = {}): Promise<OpenedSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? '/live'}`, { headers: { host, ...(options.cookie ? { cookie: options.cookie } : {}), ...options.headers } });
  let headers: IncomingHttpHeaders = {};
  socket.once('upgrade', (res: IncomingMessage) => (headers = res.headers));
  await once(socket, 'open');
  return { socket, headers };
}

/** Sends `text` and waits for the echo: says which allocation the socket is pinned to. */
export async function ask(socket: WebSocket, text: string): Promise<string> {
  socket.send(text);
  const [data] = await once(socket, 'message');
  return String(data);
}

/** The `name=value` part of the session cookie a 101 set. */
export function sessionCookieOf(headers: IncomingHttpHeaders): string {
  const cookie = (headers['set-cookie'] ?? []).find((value) => value.startsWith('berth_session='));
  if (cookie === undefined) throw new Error(`no berth_session cookie in ${JSON.stringify(headers)}`);
  return cookie.split(';')[0]!;
}
