// The webhook benchmark's direct reference: a bare Node `http` server that reads a request's body
// whole and answers 401 with a small JSON error, as the edge does for a bad signature. The time
// the edge takes beyond this round trip is the time it spends routing, classifying and verifying.
//
//   node bench/servers/body-sink.mjs PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
if (!port) {
  console.error('usage: body-sink.mjs PORT');
  process.exit(2);
}
const body = Buffer.from('{"error":{"code":"webhook_signature_invalid","message":"The webhook signature does not verify."}}');

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
// Parent gone (IPC closed): stop, so an orchestrator killed hard leaves nothing behind.
process.on('disconnect', () => process.exit(0));
