/**
 * The shapes the CLI reads from the API, as GET /api/openapi.json describes them. Only what the
 * CLI prints is declared; --json prints whatever the API sent, unchanged.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Organization {
  id: string;
  name: string;
  createdAt: string;
}

export interface Token {
  id: string;
  name: string;
  role: 'admin' | 'member';
  /** The first characters of the secret, to recognise it; never the secret. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface Whoami {
  organization: Organization;
  token: Token;
}

export interface Environment {
  id: string;
  name: string;
  kind: 'production' | 'preview';
  createdAt: string;
}

export interface App {
  id: string;
  name: string;
  createdAt: string;
  environments?: Environment[];
}

export type StateRole = 'active' | 'resting' | 'terminal';

export interface GateRecord {
  status: 'pass' | 'fail' | 'pending';
  evidence: Record<string, unknown>;
  at: string;
}

export interface OperationEvent {
  seq: number;
  at: string;
  type: string;
  from: string | null;
  to: string | null;
  sentence: string;
  evidence: Record<string, unknown>;
  actor: string;
}

export interface Operation {
  id: string;
  kind: string;
  subject: { type: string; id: string };
  state: string;
  role: StateRole;
  version: number;
  gates: Record<string, GateRecord>;
  failureMode: string | null;
  reason: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  stateDescription?: string;
  timeline?: OperationEvent[];
}

/** The `state` event of an operation's stream, sent after each batch of events. */
export interface OperationState {
  state: string;
  role: StateRole;
  failureMode: string | null;
  reason: string | null;
}
