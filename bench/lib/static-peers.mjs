// nginx and Caddy as file servers, the assets benchmark's peers: each serves one folder from disk
// in the foreground from a config in the run's temp dir, one worker (nginx `worker_processes 1`,
// Caddy `GOMAXPROCS=1`), on the proxy's core, with keep-alive and the same immutable caching
// header the edge sends for an asset. Their system services are never used.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, runToEnd, startProcess, waitForPort } from './children.mjs';
import { PROXY_CPU } from './layout.mjs';

const immutable = 'public, max-age=31536000, immutable';

/** nginx serving `root` (sendfile, ETag and ranges are its defaults). */
export async function startNginxFiles({ dir, root }) {
  const port = await freePort();
  const home = join(dir, 'nginx-files');
  mkdirSync(home, { recursive: true });
  const conf = join(home, 'nginx.conf');
  writeFileSync(conf, `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${home}/nginx.pid;
error_log ${home}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  include /etc/nginx/mime.types;
  client_body_temp_path ${home}/client-body;
  proxy_temp_path ${home}/proxy;
  fastcgi_temp_path ${home}/fastcgi;
  uwsgi_temp_path ${home}/uwsgi;
  scgi_temp_path ${home}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / {
      add_header Cache-Control "${immutable}";
    }
  }
}
`);
  const entry = startProcess('nginx-files', await binary('nginx'), ['-p', home, '-c', conf, '-e', join(home, 'error.log')], { cpu: PROXY_CPU });
  await waitForPort(port, entry);
  return { port, entry };
}

/** Caddy's `file_server` on `root`. */
export async function startCaddyFiles({ dir, root }) {
  const port = await freePort();
  const home = join(dir, 'caddy-files');
  mkdirSync(home, { recursive: true });
  const conf = join(home, 'Caddyfile');
  writeFileSync(conf, `
{
  admin off
  auto_https off
  storage file_system ${home}/data
}
http://:${port} {
  bind 127.0.0.1
  root * ${root}
  header Cache-Control "${immutable}"
  file_server
}
`);
  const env = { GOMAXPROCS: '1', HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config') };
  const entry = startProcess('caddy-files', await binary('caddy'), ['run', '--config', conf, '--adapter', 'caddyfile'], { cpu: PROXY_CPU, env });
  await waitForPort(port, entry);
  return { port, entry };
}

async function binary(name) {
  const { code, stdout } = await runToEnd(`which-${name}`, 'sh', ['-c', `command -v ${name}`]);
  if (code !== 0) throw new Error(`bench: ${name} is not installed. Install the peers with: apt-get install -y nginx caddy haproxy wrk`);
  return stdout.trim();
}
