import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createEdgeServer, type EdgeServer, type EdgeServerOptions } from '../proxy.js';
import type { EdgeLogEntry } from '../edge-context.js';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface Send {
  host: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One request to the edge on a fresh connection, with the Host header the test chooses. */
export function send(port: number, options: Send): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, agent: false, method: options.method ?? 'GET', path: options.path ?? '/',
      headers: { host: options.host, ...options.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes raw bytes to the edge and collects everything it answers until it closes the connection. */
export function sendRaw(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString()) : reject(error)));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.setTimeout(10_000, () => socket.destroy(new Error('sendRaw: no answer within 10 s')));
    socket.write(data);
  });
}

export interface RunningEdge extends EdgeServer {
  port: number;
  logs: EdgeLogEntry[];
}

/** An edge listening on 127.0.0.1 on a free port, recording its log lines. */
export async function startEdge(options: Omit<EdgeServerOptions, 'log'>): Promise<RunningEdge> {
  const logs: EdgeLogEntry[] = [];
  const edge = createEdgeServer({ ...options, log: (entry) => logs.push(entry) });
  await listen(edge.server);
  return { ...edge, port: (edge.server.address() as AddressInfo).port, logs };
}

async function listen(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}
