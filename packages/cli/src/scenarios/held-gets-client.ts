import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';

/**
 * Concurrent GETs timed from a process of their own. The scenario's process also runs the control
 * plane (and its PGlite), which can hold its event loop for a while on a loaded machine; timing
 * held requests there would count that too. Run as `node held-gets-client.js <json order>`, it
 * sends `count` GETs at once and prints one JSON array: per answer its status, Retry-After, error
 * code and the milliseconds from the request's last byte to the answer's head.
 */
export interface HeldAnswer {
  status: number;
  retryAfter: string | null;
  code: string | null;
  ms: number;
}

interface Order {
  port: number;
  host: string;
  path: string;
  count: number;
}

/** Sends the GETs from a child process and returns its answers. */
export function heldGets(order: Order): Promise<HeldAnswer[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(order)], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`the GET client failed: ${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as HeldAnswer[]);
    });
  });
}

function one(order: Order): Promise<HeldAnswer> {
  return new Promise((resolve, reject) => {
    let sentAt = 0;
    const req = request({ host: '127.0.0.1', port: order.port, path: order.path, agent: false, headers: { host: order.host, accept: 'application/json' } }, (res) => {
      const ms = performance.now() - sentAt;
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => {
        let code: string | null = null;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
        } catch {
          // Not an edge refusal: the app's own answer.
        }
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, code, ms });
      });
    });
    req.on('finish', () => (sentAt = performance.now()));
    req.on('error', reject).end();
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const order = JSON.parse(process.argv[2]!) as Order;
  const answers = await Promise.all(Array.from({ length: order.count }, () => one(order)));
  process.stdout.write(JSON.stringify(answers));
}
