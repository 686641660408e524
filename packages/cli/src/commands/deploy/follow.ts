import type { ApiClient } from '../../api-client.js';
import type { BuildLogChunk, Deployment, Operation, OperationEvent, OperationState, Page } from '../../api-types.js';
import { CliError } from '../../cli-error.js';
import type { CommandContext } from '../../command.js';
import { ExitCode } from '../../exit-codes.js';
import { followEventStream } from '../../sse.js';
import { plainProgress, silentProgress, ttyProgress, type DeployProgress } from './progress.js';

/**
 * Follows a deploy through its stream until it ends (preview_ready or failed) or rests in
 * `blocked`, then reads the deployment once more: the stream says when to stop, the deployment
 * is the truth to report. A blocked deploy never ends its stream (a person may retry it), so the
 * `state` event that says blocked is where following stops.
 */
export interface FollowOptions {
  /**
   * Start after this SSE id (`<event seq>.<log seq>`) instead of from the beginning: after a retry
   * only what happens next is news, not the deploy's whole history again.
   */
  after?: string;
  /** What happened before `after`, shown first in the order it happened (`deploy watch`). */
  history?: DeployHistory;
}

export interface DeployHistory {
  events: OperationEvent[];
  logs: BuildLogChunk[];
  /** The SSE id just after the last of them. */
  position: string;
}

export function deploymentPath(id: string): string {
  return `/api/deployments/${encodeURIComponent(id)}`;
}

/** Said on Ctrl-C: the CLI stops watching, the server goes on deploying. */
export function stoppedFollowing(id: string): CliError {
  return new CliError('interrupted', `Stopped following ${id}; the deploy goes on on the server.`, { exitCode: ExitCode.interrupted, suggestion: `Follow it again with \`berth deploy watch ${id}\`.` });
}

/** The deploy's timeline and build output so far, and the stream position just after them. */
export async function readHistory(client: ApiClient, d: Deployment): Promise<DeployHistory> {
  // The timeline first: when it says the deploy ended, the build output read after it is complete.
  const op = await client.get<Operation>(`/api/operations/${encodeURIComponent(d.operationId)}`);
  const logs = await client.get<Page<BuildLogChunk>>(`${deploymentPath(d.id)}/logs`);
  const events = op.timeline ?? [];
  const position = `${Math.max(0, ...events.map((e) => e.seq))}.${Math.max(0, ...logs.items.map((c) => c.seq))}`;
  return { events, logs: logs.items, position };
}

/**
 * History in the order it happened. The stream sends each batch's build output before its events,
 * which reads well live but not when a finished build is replayed all at once; on a tie the event
 * goes first, because a state is entered before its step prints anything.
 */
function inOrder(history: DeployHistory): Array<{ event: OperationEvent } | { log: BuildLogChunk }> {
  const items = [...history.events.map((event) => ({ at: Date.parse(event.at), rank: 0, item: { event } })), ...history.logs.map((log) => ({ at: Date.parse(log.at), rank: 1, item: { log } }))];
  return items.sort((a, b) => a.at - b.at || a.rank - b.rank).map((x) => x.item);
}

/** The state the timeline ends in: a deploy resting in blocked, or ended, has no news to wait for. */
function lastState(events: readonly OperationEvent[]): string | undefined {
  return events.filter((e) => e.to && e.to !== e.from).at(-1)?.to ?? undefined;
}

function progressFor(ctx: CommandContext, initialState: string): DeployProgress {
  if (ctx.json) return silentProgress();
  if (ctx.screen.isTTY) return ttyProgress(ctx.screen, ctx.out.style, { now: () => ctx.clock.now(), initialState });
  return plainProgress(ctx.screen);
}

export async function followDeployment(ctx: CommandContext, client: ApiClient, d: Deployment, options: FollowOptions = {}): Promise<Deployment> {
  const progress = progressFor(ctx, d.state);
  let firstEventAt: number | undefined;
  const onEvent = (event: OperationEvent) => {
    const at = Date.parse(event.at);
    if (firstEventAt === undefined) {
      firstEventAt = at;
      // The live clock runs from the first event; a server clock ahead of ours is ignored.
      progress.startClock(Math.min(at, ctx.clock.now()));
    }
    if (event.to && event.to !== event.from) progress.state(event.to, at - firstEventAt);
  };
  const history = options.history;
  for (const item of history ? inOrder(history) : []) {
    if ('event' in item) onEvent(item.event);
    else progress.log(item.log.text);
  }
  const settled = history && ['blocked', 'preview_ready', 'failed'].includes(lastState(history.events) ?? '');
  const after = history?.position ?? options.after;
  try {
    if (!settled) {
      await followEventStream({
        signal: ctx.signal,
        open: (lastEventId) => {
          const from = lastEventId ?? after;
          return client.stream(`${deploymentPath(d.id)}/stream`, from ? { 'last-event-id': from } : {}, ctx.signal);
        },
        onReconnect: (lastEventId, attempt) => {
          progress.clear();
          ctx.out.note(`the stream dropped; reconnecting after event ${lastEventId ?? 'none'} (attempt ${attempt})…`);
        },
        onMessage(message) {
          if (message.event === 'log') progress.log((JSON.parse(message.data) as BuildLogChunk).text);
          if (message.event === 'operation-event') onEvent(JSON.parse(message.data) as OperationEvent);
          if (message.event === 'state' && (JSON.parse(message.data) as OperationState).state === 'blocked') return 'stop';
          if (message.event === 'end') return 'stop';
          return undefined;
        },
      });
    }
  } catch (error) {
    if (ctx.signal.aborted) throw stoppedFollowing(d.id);
    throw error;
  } finally {
    progress.stop();
  }
  try {
    return await client.get<Deployment>(deploymentPath(d.id));
  } catch (error) {
    if (ctx.signal.aborted) throw stoppedFollowing(d.id);
    throw error;
  }
}
