import type { MachineSpec } from '../machine.js';

/** The states of a wake, in the seed's order. */
export type WakeState = 'cold' | 'wake_requested' | 'starting' | 'readiness_wait' | 'hot' | 'failed' | 'sleeping';

/**
 * The wake of seeds/001. Each wake is one operation row: it ends when the app sleeps again or the
 * wake fails, and the next request starts a new row (a partial unique index in the store makes a
 * second wake of the same app attach to the one in flight).
 *
 * `cold` is active, not resting, because the engine must move a new wake on at once. It may also
 * fail directly: the gates guarding `wake_requested` are checked there, and a wake they refuse (a
 * stampede, a webhook with no replay policy) must end with a named failure mode instead of waiting.
 */
export const wakeMachine = {
  kind: 'wake',
  title: 'Wake',
  description: 'Brings a sleeping app back to a ready allocation of its route owner when traffic that may wake it arrives, holding safe requests up to the wake budget.',
  states: {
    cold: { role: 'active', description: 'The app has no ready allocation and a request just created this wake; the engine checks the gates at once.' },
    wake_requested: { role: 'active', description: 'The gates passed and the scheduler is planning an allocation of the route owner\'s deployment.' },
    starting: { role: 'active', description: 'The runner is pulling the artifact by digest and starting the allocation.' },
    readiness_wait: { role: 'active', description: 'The allocation is running and the runner probes its readiness path while held requests wait, up to the wake budget.' },
    hot: { role: 'resting', description: 'A ready allocation of the route owner serves the app and held requests were released; the app stays hot until it sleeps.' },
    failed: { role: 'terminal', description: 'The wake stopped with a named failure mode and held requests were answered 503 with Retry-After; the next request starts a new wake.' },
    sleeping: { role: 'terminal', description: 'The app went idle and its allocations drained; this wake is over and the next request that may wake the app starts a new one.' },
  },
  initial: 'cold',
  transitions: {
    cold: ['wake_requested', 'failed'],
    wake_requested: ['starting', 'failed'],
    starting: ['readiness_wait', 'failed'],
    readiness_wait: ['hot', 'failed'],
    hot: ['sleeping'],
    failed: [],
    sleeping: [],
  },
  gates: [
    {
      name: 'request class safe to hold',
      guards: ['wake_requested'],
      description: 'The triggering request\'s class allows a wake: a safe request is held, an unsafe one only with an Idempotency-Key under the hold limit, and an asset request never wakes the app.',
    },
    {
      name: 'wake budget available',
      guards: ['wake_requested'],
      description: 'The app\'s wake budget (how long a request may be held, how many allocations a wake may start) has room, so a stampede cannot start allocations without bound.',
    },
    {
      name: 'allocation passes readiness',
      guards: ['hot'],
      description: 'The new allocation answered its readiness check, so the app is never marked hot before it can serve.',
    },
    {
      name: 'unsafe replay policy exists',
      guards: ['wake_requested'],
      description: 'An unsafe request or webhook that triggers the wake has a replay proof (an Idempotency-Key, or a signature policy recording the provider event id), so nothing is replayed silently.',
    },
  ],
  // Every failure mode leads to `failed`: the seed's refusals (a stampede, a webhook while cold) are
  // recorded on the wake row as evidence, and the requests they refused were answered 503.
  failureModes: [
    {
      name: 'payment webhook while cold',
      leadsTo: 'failed',
      description: 'A provider webhook arrived while the app was cold and its route has no signature policy to record the event id, so the wake was refused and the provider was answered 503 to retry.',
      remedy: 'Declare a signature policy for the webhook route in berth.toml so the edge can verify and record each event and wake the app, or keep one allocation of the app warm.',
    },
    {
      name: 'wake stampede',
      leadsTo: 'failed',
      description: 'More wakes were asked for than the wake budget allows, so this one was refused instead of starting another allocation, and its requests were answered 503 with Retry-After.',
      remedy: 'Usually nothing: requests attach to the wake in flight and clients retry; if it recurs, raise the app\'s wake budget or keep one allocation warm.',
    },
    {
      name: 'readiness timeout',
      leadsTo: 'failed',
      description: 'The allocation did not pass readiness within the wake budget, so held requests were answered 503 with Retry-After.',
      remedy: 'Read the allocation\'s logs for a slow or failing start, check the readiness path in berth.toml, and raise the readiness timeout if the app is only slow.',
    },
    {
      name: 'old route epoch',
      leadsTo: 'failed',
      description: 'The route owner\'s epoch changed during the wake, so the allocation being started belongs to a deployment that no longer owns the route and must not serve it.',
      remedy: 'Usually nothing: the next request wakes the current route owner; if it keeps happening, look for promotions or rollbacks running in a loop.',
    },
  ],
} as const satisfies MachineSpec<WakeState>;
