import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';

type Connector = buildConnector.connector;
type ConnectOptions = buildConnector.Options;
type ConnectCallback = buildConnector.Callback;

interface Spare {
  socket: Socket | undefined;
  connected: boolean;
  /** Set when a request's pool took the spare while it was still connecting: called on connect or error. */
  taker: ConnectCallback | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The listener that forgets an idle spare the app closed; removed when the spare is taken. */
  forget: () => void;
}

export interface SpareConnectionsOptions {
  /** Opens a connection (undici's connector, so a spare is set up exactly as the pool's own). */
  connect: Connector;
  /**
   * How long an unused spare stays open. The same as the pools' idle keep-alive: a connection the
   * edge never used is closed by the edge, before an app's server would time it out under a request.
   */
  lifetimeMs: number;
  /** Spares open at once, across every allocation (a snapshot naming thousands of new targets opens no more than this). */
  max: number;
}

/**
 * One connection opened ahead of need to an allocation that has just become ready, so the first
 * request it serves after a route change (a promotion's swap, a wake's release) does not wait for
 * a TCP handshake and the app's accept. The first connection a request's pool asks for takes the
 * spare, connected or still connecting; an unused spare closes after `lifetimeMs`, and one the
 * app closed is forgotten at once.
 */
export class SpareConnections {
  readonly #options: SpareConnectionsOptions;
  readonly #spares = new Map<string, Spare>();

  constructor(options: SpareConnectionsOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#spares.size;
  }

  /** Opens a spare for `key` unless one is open or opening, or the edge holds as many as it may. */
  open(key: string, options: ConnectOptions): void {
    if (this.#spares.has(key) || this.#spares.size >= this.#options.max) return;
    const forget = (): void => {
      if (this.#spares.get(key) === spare) this.#spares.delete(key);
      clearTimeout(spare.timer);
    };
    const spare: Spare = { socket: undefined, connected: false, taker: undefined, timer: undefined, forget };
    this.#spares.set(key, spare);
    this.#options.connect(options, (error, socket) => {
      const taker = spare.taker;
      spare.taker = undefined;
      if (error !== null || socket === null) {
        forget();
        taker?.(error ?? new Error('connection failed'), null);
        return;
      }
      if (taker !== undefined) {
        taker(null, socket);
        return;
      }
      spare.socket = socket as Socket;
      spare.connected = true;
      // A spare nobody took is closed by the edge before the app's idle timeout could race a request on it.
      spare.timer = setTimeout(() => {
        forget();
        socket.destroy();
      }, this.#options.lifetimeMs);
      spare.timer.unref();
      socket.once('close', forget);
      // Errors on an idle spare (the app went away) only end it.
      socket.on('error', forget);
    });
  }

  /**
   * Hands the spare for `key` to `callback` (now when connected, on connect when still connecting)
   * and returns true; false when there is none to take, and the caller connects itself.
   */
  take(key: string, callback: ConnectCallback): boolean {
    const spare = this.#spares.get(key);
    if (spare === undefined || spare.taker !== undefined) return false;
    this.#spares.delete(key);
    clearTimeout(spare.timer);
    if (!spare.connected) {
      spare.taker = callback;
      return true;
    }
    const socket = spare.socket!;
    socket.off('close', spare.forget);
    socket.off('error', spare.forget);
    if (socket.destroyed || !socket.writable) {
      socket.destroy();
      return false;
    }
    callback(null, socket);
    return true;
  }

  /** Closes the spare for `key`, if any. */
  close(key: string): void {
    const spare = this.#spares.get(key);
    if (spare === undefined) return;
    this.#spares.delete(key);
    clearTimeout(spare.timer);
    spare.socket?.destroy();
    // A spare still connecting is closed when it connects: nobody will take it now.
    if (!spare.connected) spare.taker = (_error, socket) => socket?.destroy();
  }

  /** Closes the spares of every key `keep` refuses. */
  retainOnly(keep: (key: string) => boolean): void {
    for (const key of [...this.#spares.keys()]) if (!keep(key)) this.close(key);
  }

  closeAll(): void {
    for (const key of [...this.#spares.keys()]) this.close(key);
  }
}
