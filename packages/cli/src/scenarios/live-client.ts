import WebSocket from 'ws';

/** What the counting app says first on a live session: who accepted it, and what the edge told it. */
export interface LiveHello {
  allocation: string;
  deployment: string;
  /** `Berth-Session-Resume` as received: "hydrate", "fresh", or null when the session went back to its allocation. */
  resume: string | null;
  session: string | null;
}

/** An open live session through the edge: the app's first frame and the `berth_session` cookie the edge set. */
export interface LiveSession {
  hello: LiveHello;
  /** `berth_session=...`, ready to send back as a Cookie header. */
  cookie: string;
  close(): void;
}

/**
 * Opens a WebSocket through the edge to `path` on `host`, as a browser does after a reload: with
 * the session cookie it was given last time, if any.
 */
export function openLive(port: number, host: string, path: string, cookie?: string): Promise<LiveSession> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host, ...(cookie ? { cookie } : {}) } });
    let setCookie = '';
    const timer = setTimeout(() => fail(new Error(`no first frame from ${host}${path} within 15 s`)), 15_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(error);
    };
    ws.once('upgrade', (res) => {
      const header = res.headers['set-cookie'];
      setCookie = ([] as string[]).concat(header ?? []).find((c) => c.startsWith('berth_session=')) ?? '';
    });
    ws.once('unexpected-response', (_req, res) => fail(new Error(`the upgrade was answered ${res.statusCode}`)));
    ws.once('error', fail);
    ws.once('message', (data) => {
      clearTimeout(timer);
      ws.off('error', fail);
      ws.on('error', () => {});
      resolve({ hello: JSON.parse(String(data)) as LiveHello, cookie: setCookie.split(';')[0]!, close: () => ws.terminate() });
    });
  });
}
