/**
 * A load client in its own process, so that the edge under test does not share its event loop
 * with the code reading the answers: `node held-load-client.js <json>` with `{port, host, count,
 * pathPrefix}` sends `count` GETs at once (half asking for HTML) and prints one JSON line per
 * answer: its index, status, Retry-After, content type, error code and how long it waited (from
 * the request's last byte to the answer's head).
 */
import { request } from 'node:http';

interface LoadOrder {
  port: number;
  host: string;
  count: number;
  pathPrefix: string;
}

const order = JSON.parse(process.argv[2] ?? '{}') as LoadOrder;

function one(i: number): Promise<void> {
  return new Promise((resolve) => {
    let sentAt = 0;
    const req = request({
      host: '127.0.0.1', port: order.port, agent: false, path: `${order.pathPrefix}${i}`,
      headers: { host: order.host, accept: i % 2 === 0 ? 'text/html,application/xhtml+xml' : 'application/json' },
    }, (res) => {
      const waitedMs = performance.now() - sentAt;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let code: string | null = null;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
        } catch {
          code = text.includes('waking up') ? 'html:app_waking' : null;
        }
        process.stdout.write(`${JSON.stringify({ i, status: res.statusCode, retryAfter: res.headers['retry-after'] ?? null, contentType: res.headers['content-type'] ?? null, code, waitedMs })}\n`);
        resolve();
      });
    });
    req.on('finish', () => (sentAt = performance.now()));
    req.on('error', (error) => {
      process.stdout.write(`${JSON.stringify({ i, error: error.message })}\n`);
      resolve();
    });
    req.end();
  });
}

await Promise.all(Array.from({ length: order.count }, (_, i) => one(i)));
