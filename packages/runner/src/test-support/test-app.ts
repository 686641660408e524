import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A tiny app for the driver tests, written into a folder as a builder would unpack it: a Node
 * server that reports what it sees (its environment, its working folder) and tries what it is told
 * (writing or reading a path), so a test can ask the app itself what the sandbox allows. It also
 * ships an executable script and a symlink, to check that the working copy keeps both.
 */
const serverSource = `
import http from 'node:http';
import fs from 'node:fs';
const hoard = [];
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://app');
  const path = url.searchParams.get('path');
  const answer = (body) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  try {
    if (url.pathname === '/env') return answer({ env: process.env, cwd: process.cwd() });
    if (url.pathname === '/write') { fs.writeFileSync(path, 'written by the app'); return answer({ ok: true }); }
    if (url.pathname === '/read') return answer({ ok: true, text: fs.readFileSync(path, 'utf8') });
    return answer({ ok: true, hello: 'test app' });
  } catch (error) {
    return answer({ ok: false, code: error.code });
  }
});
if (process.env.IGNORE_SIGTERM) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
if (process.env.HOG_MIB) {
  const timer = setInterval(() => {
    hoard.push(Buffer.alloc(10 * 1024 * 1024, 1));
    if (hoard.length * 10 >= Number(process.env.HOG_MIB)) clearInterval(timer);
  }, 10);
}
server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.log('\\x1b[32mlistening\\x1b[0m on ' + process.env.PORT + '\\0');
  console.error('a line on stderr');
});
`;

/** Writes the test app into `dir` and returns its run command. */
export async function writeTestApp(dir: string): Promise<{ artifactDir: string; command: string }> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'server.mjs'), serverSource);
  await writeFile(join(dir, 'data.txt'), 'artifact data\n');
  await writeFile(join(dir, 'bin', 'tool.sh'), '#!/bin/sh\necho tool\n');
  await chmod(join(dir, 'bin', 'tool.sh'), 0o755);
  await symlink('data.txt', join(dir, 'link.txt'));
  return { artifactDir: dir, command: `exec '${process.execPath}' server.mjs` };
}

/** GET on the app, parsed as JSON. */
export async function getJson<T = Record<string, unknown>>(port: number, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return (await response.json()) as T;
}
