import type { Operation, OperationEvent, OperationState } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { ExitCode } from '../../exit-codes.js';
import { followEventStream } from '../../sse.js';
import { eventLine, isSuccess, outcomeSentence } from './format.js';

/**
 * `berth ops watch ID`: prints the operation's timeline as it grows, from the first event, until
 * the operation is terminal (exit 0 on a success, 1 otherwise) or rests in `blocked` (exit 1: it
 * needs a person). Other resting states (hot, ready, cordoned) are waits, so watching goes on.
 */
export default defineCommand({
  path: ['ops', 'watch'],
  summary: 'Stream an operation\'s events until it ends; exit 0 on success, 1 otherwise',
  args: { id: 'the operation\'s id (op_...)' },
  flags: {},
  examples: ['berth ops watch op_01J...', 'berth ops watch op_01J... --json > final.json || echo "it did not succeed"'],
  async run(ctx, { args }) {
    const client = ctx.client();
    const path = `/api/operations/${encodeURIComponent(args.id)}`;
    const style = ctx.out.style;
    const first = await client.get<Operation>(path);
    ctx.out.line(style.dim(`Watching ${first.id}: ${first.kind} of ${first.subject.type} ${first.subject.id}, now ${first.state}. Ctrl-C stops watching (the operation goes on).`));

    let noted: string | undefined;
    await followEventStream({
      signal: ctx.signal,
      open: (lastEventId) => client.stream(`${path}/stream`, lastEventId ? { 'last-event-id': lastEventId } : {}, ctx.signal),
      onReconnect: (lastEventId, attempt) => ctx.out.note(`the stream dropped; reconnecting after event ${lastEventId ?? 'none'} (attempt ${attempt})…`),
      onMessage(message) {
        if (message.event === 'operation-event') ctx.out.line(eventLine(JSON.parse(message.data) as OperationEvent, style));
        if (message.event === 'end') return 'stop';
        if (message.event === 'state') {
          const state = JSON.parse(message.data) as OperationState;
          if (state.role === 'resting' && state.state === 'blocked') return 'stop';
          if (state.role === 'resting' && noted !== state.state) {
            noted = state.state;
            ctx.out.line(style.dim(`It rests in ${state.state}, waiting for something outside the engine; still watching.`));
          }
        }
        return undefined;
      },
    });

    // The stream says where it stopped; the operation itself is the truth to report.
    const final = await client.get<Operation>(path);
    ctx.out.result(final, () => outcomeSentence(final, style));
    return isSuccess(final) ? ExitCode.ok : ExitCode.operationFailed;
  },
});
