import type { Promotion } from '../../api-types.js';
import { defineCommand } from '../../command.js';
import { followPromotion } from './follow-promotion.js';

/** `berth promotions approve ID`: an admin's approval for a promotion to an environment that requires one; then follows it. */
export default defineCommand({
  path: ['promotions', 'approve'],
  summary: 'Approve a promotion waiting for approval (admin) and follow it',
  args: { id: 'the promotion (op_...)' },
  flags: {},
  examples: ['berth promotions approve op_01J...'],
  handlesSignals: true,
  async run(ctx, { args }) {
    const client = ctx.client();
    const approved = await client.post<Promotion>(`/api/promotions/${encodeURIComponent(args.id)}/approve`, {});
    return followPromotion(ctx, client, approved, 'Approved; promoting');
  },
});
