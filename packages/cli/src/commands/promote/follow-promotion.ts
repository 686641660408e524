import type { ApiClient } from '../../api-client.js';
import type { Operation, OperationEvent, OperationState, Promotion } from '../../api-types.js';
import type { CommandContext } from '../../command.js';
import { ExitCode, type ExitCodeValue } from '../../exit-codes.js';
import { renderFields } from '../../output/table.js';
import { followEventStream } from '../../sse.js';
import { eventLine, gatesTable } from '../ops/format.js';

export const promotionPath = (id: string) => `/api/promotions/${encodeURIComponent(id)}`;

/**
 * Follows a promotion (or a rollback, which is a promotion of an earlier digest) through its
 * operation's stream until it is terminal, then reads the promotion once more and reports it:
 * exit 0 when production is healthy on the new owner, 1 when it was rolled back or failed.
 * `--json` prints the promotion (`id`, `state`, `epoch`, `digest`, `host`, ...) and nothing else.
 */
export async function followPromotion(ctx: CommandContext, client: ApiClient, started: Promotion, verb: string): Promise<ExitCodeValue> {
  const style = ctx.out.style;
  ctx.out.line(`${verb} ${started.shortId || started.deploymentId} (${short(started.digest)}) to ${started.host}: ${started.id}. ${style.dim('(Ctrl-C stops following; the promotion goes on.)')}`);
  let waitingNoted = false;
  await followEventStream({
    signal: ctx.signal,
    open: (lastEventId) => client.stream(`/api/operations/${encodeURIComponent(started.id)}/stream`, lastEventId ? { 'last-event-id': lastEventId } : {}, ctx.signal),
    onReconnect: (lastEventId, attempt) => ctx.out.note(`the stream dropped; reconnecting after event ${lastEventId ?? 'none'} (attempt ${attempt})…`),
    onMessage(message) {
      if (message.event === 'operation-event') {
        const event = JSON.parse(message.data) as OperationEvent;
        ctx.out.line(eventLine(event, style));
        if (!waitingNoted && /approval/i.test(event.sentence) && /wait/i.test(event.sentence)) {
          waitingNoted = true;
          ctx.out.note(`waiting for an approval: an admin runs \`berth promotions approve ${started.id}\`.`);
        }
      }
      if (message.event === 'end') return 'stop';
      if (message.event === 'state' && (JSON.parse(message.data) as OperationState).role === 'terminal') return 'stop';
      return undefined;
    },
  });
  const final = await client.get<Promotion>(promotionPath(started.id));
  ctx.out.result(final, () => describePromotion(final, ctx));
  return final.state === 'healthy' ? ExitCode.ok : ExitCode.operationFailed;
}

export function describePromotion(p: Promotion, ctx: CommandContext): string {
  const style = ctx.out.style;
  const headline = p.state === 'healthy'
    ? style.bold(`${p.host} now serves ${p.shortId || p.deploymentId} (${short(p.digest)}) at epoch ${p.epoch}.`)
    : p.state === 'rolled_back'
      ? style.bold(`Rolled back: ${p.host} is served by ${p.previousDeploymentId ?? 'the previous deployment'} again.`)
      : p.state === 'failed'
        ? style.bold(`The ${p.rollback ? 'rollback' : 'promotion'} failed${p.failureMode ? ` (${p.failureMode})` : ''}.`)
        : style.bold(`The ${p.rollback ? 'rollback' : 'promotion'} is ${p.state}.`);
  const fields = renderFields([
    ['promotion', p.id],
    ['state', p.state],
    ['host', p.host],
    ['deployment', `${p.deploymentId}${p.shortId ? ` (${p.shortId})` : ''}`],
    ['digest', p.digest],
    ['epoch', p.epoch === null ? `- (was ${p.previousEpoch ?? 0})` : String(p.epoch)],
    ['previous', p.previousDeploymentId ?? '-'],
    ...(p.reason ? ([['reason', p.reason]] as Array<[string, string]>) : []),
  ], style);
  const gates = Object.keys(p.gates).length > 0 ? `\n\n${gatesTable({ kind: 'promotion', gates: p.gates } as Operation, style)}` : '';
  return `${headline}\n\n${fields}${gates}`;
}

function short(digest: string): string {
  return digest.startsWith('sha256:') ? digest.slice(0, 19) : digest;
}
