/**
 * The one small query interface every part of the control plane talks to the store through. Two
 * adapters implement it: PGlite (embedded, one connection, the default) and PostgreSQL (a pool,
 * for several control planes). Queries are written once, in SQL both understand.
 */

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly dialect: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction. It commits when `fn` resolves and rolls back when it throws, so
   * an aborted transaction never poisons the statements that follow.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
