import { ArtifactDigestMismatchError } from '../../artifacts/digest.js';
import { AllocationFailed, type PrerunHook } from '../hook.js';

const gate = 'artifact digest verified';

/**
 * pulling, and the "artifact digest verified" gate. Reports `pulling`, fetches the artifact by
 * digest through the cache (which hashes every byte it writes and re-hashes a cached copy before
 * use), and unpacks it into the allocation's artifact folder. The gate's pass is kept for the
 * `starting` transition it guards; a mismatch fails the allocation with the expected and actual
 * digests as evidence, so nothing but the bytes that were built is ever started.
 */
export const artifactHook = {
  name: 'artifact',
  async prerun(ctx) {
    const { digest } = ctx.assignment;
    await ctx.transition({ to: 'pulling', sentence: `pulling artifact ${digest}` });
    let fetched;
    try {
      fetched = await ctx.deps.artifacts.fetch(digest, ctx.deps.download);
      await ctx.deps.artifacts.unpack(digest, ctx.dirs.artifact);
    } catch (error) {
      if (error instanceof ArtifactDigestMismatchError) {
        const evidence = { expected: error.expected, actual: error.actual };
        throw new AllocationFailed(`"${gate}" failed: the artifact hashes to ${error.actual}, not to ${error.expected}`, {
          evidence,
          gates: [{ gate, status: 'fail', evidence }],
        });
      }
      const evidence = { digest, error: (error as Error).message };
      throw new AllocationFailed(`the artifact could not be pulled: ${(error as Error).message}`, { evidence, gates: [{ gate, status: 'fail', evidence }] });
    }
    ctx.pendingGates.push({
      gate,
      status: 'pass',
      evidence: {
        digest,
        bytes: fetched.bytes,
        source: fetched.source,
        // A cached copy that had changed on disk is worth a line in the timeline even though the fresh download matched.
        ...(fetched.discardedTampered ? { discardedCachedCopy: fetched.discardedTampered.actual } : {}),
      },
    });
  },
} satisfies PrerunHook;
