// The smallest app Berth runs: it listens on $PORT and says which deployment it is.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const version = process.env.HELLO_VERSION ?? 'v1';

createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`hello from ${version} (${process.env.BERTH_DEPLOYMENT_ID ?? 'local'})\n`);
}).listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
