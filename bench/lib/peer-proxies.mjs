// nginx, HAProxy and Caddy as the edge's peers: each run from its own config file in the run's
// temp dir, in the foreground, with one worker/thread, on a free port of 127.0.0.1. Their system
// services are never used. Every config forwards the same things the edge does (Host,
// X-Forwarded-For/-Proto/-Host, a request id) and keeps upstream connections alive, so the
// comparison is between proxies doing the same job.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, runToEnd, startProcess, waitForPort } from './children.mjs';
import { PROXY_CPU } from './layout.mjs';

const install = 'apt-get install -y nginx caddy haproxy wrk';

export async function startNginx({ dir, upstreamPort }) {
  const port = await freePort();
  const home = join(dir, 'nginx');
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
  keepalive_requests 1000000;
  client_body_temp_path ${home}/client-body;
  proxy_temp_path ${home}/proxy;
  fastcgi_temp_path ${home}/fastcgi;
  uwsgi_temp_path ${home}/uwsgi;
  scgi_temp_path ${home}/scgi;
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Request-Id $request_id;
    }
  }
}
`);
  const entry = startProcess('nginx', await binary('nginx'), ['-p', home, '-c', conf, '-e', join(home, 'error.log')], { cpu: PROXY_CPU });
  await waitForPort(port, entry);
  return { port, entry };
}

export async function startHaproxy({ dir, upstreamPort }) {
  const port = await freePort();
  const conf = join(dir, 'haproxy.cfg');
  writeFileSync(conf, `
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  option forwardfor
frontend bench
  bind 127.0.0.1:${port}
  unique-id-format %{+X}o%ci%cp%fp%Ts%rt%pid
  unique-id-header X-Request-Id
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  default_backend app
backend app
  server app 127.0.0.1:${upstreamPort}
`);
  const entry = startProcess('haproxy', await binary('haproxy'), ['-db', '-f', conf], { cpu: PROXY_CPU });
  await waitForPort(port, entry);
  return { port, entry };
}

export async function startCaddy({ dir, upstreamPort }) {
  const port = await freePort();
  const home = join(dir, 'caddy');
  mkdirSync(home, { recursive: true });
  const conf = join(home, 'Caddyfile');
  // Caddy adds X-Forwarded-For/-Proto/-Host itself; access logs are off unless asked for.
  writeFileSync(conf, `
{
  admin off
  auto_https off
  storage file_system ${home}/data
}
http://:${port} {
  bind 127.0.0.1
  reverse_proxy 127.0.0.1:${upstreamPort} {
    header_up X-Request-Id {http.request.uuid}
  }
}
`);
  const env = { GOMAXPROCS: '1', HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config') };
  const entry = startProcess('caddy', await binary('caddy'), ['run', '--config', conf, '--adapter', 'caddyfile'], { cpu: PROXY_CPU, env });
  await waitForPort(port, entry);
  return { port, entry };
}

/** The version line of each peer binary, for the results file. */
export async function peerVersions() {
  const probe = async (command, args) => {
    try {
      const { stdout, stderr } = await runToEnd(`${command}-version`, command, args);
      return (stdout + stderr).split('\n').find((line) => line.trim() !== '')?.trim();
    } catch {
      return undefined;
    }
  };
  return {
    nginx: await probe('nginx', ['-v']),
    haproxy: await probe('haproxy', ['-v']),
    caddy: await probe('caddy', ['version']),
    wrk: await probe('wrk', ['--version']),
  };
}

async function binary(name) {
  const { code, stdout } = await runToEnd(`which-${name}`, 'sh', ['-c', `command -v ${name}`]);
  if (code !== 0) throw new Error(`bench: ${name} is not installed. Install the peers with: ${install}`);
  return stdout.trim();
}

/** Fails early, with the install command, when wrk is missing. */
export async function requireWrk() {
  await binary('wrk');
}
