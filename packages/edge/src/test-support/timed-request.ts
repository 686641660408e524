import { request, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

export interface TimedReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** From the moment the whole request was written to the moment the answer's head arrived. */
  waitedMs: number;
  json<T = { error: { code: string; message: string; details?: Record<string, unknown> } }>(): T;
}

export interface TimedRequest {
  host: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Called with the client socket once the request is written (a test may cut it). */
  onSent?: (socket: Socket) => void;
}

/**
 * One request to the edge on a fresh connection that also says how long the edge kept the client
 * waiting: measured from the request's last byte, so connection set-up under load does not count.
 */
export function timedRequest(port: number, options: TimedRequest): Promise<TimedReply> {
  return new Promise((resolve, reject) => {
    let sentAt = 0;
    const req = request({
      host: '127.0.0.1', port, agent: false, method: options.method ?? 'GET', path: options.path ?? '/',
      headers: { host: options.host, ...options.headers },
    }, (res) => {
      const waitedMs = performance.now() - sentAt;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, waitedMs, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.on('finish', () => {
      sentAt = performance.now();
      if (req.socket) options.onSent?.(req.socket);
    });
    req.end(options.body);
  });
}
