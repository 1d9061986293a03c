// Replicas on one real Redis for the limits tests (docs/LIMITS.md): split stacks (gateway +
// router + auth each) sharing a Redis and a fake upstream, so that every admission races
// against the others exactly as replicas in a cluster do.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { runAdmin, startFakeUpstream, startRedis, startSplit } from './harness.mjs';

export const keyOf = (stdout) => stdout.split('\n').find((l) => /^llmr-[A-Za-z0-9]{43}$/.test(l));

export const limitsEnv = (redis, token) => ({ ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url,
                                              LLMSROUTER_ADMIN_TOKEN: token });

// Registers before/after hooks in the calling describe(); the returned object is filled in by
// before(): {redis, fake, stacks, admin(...args), user(name, ...limitSets)}.
export function replicasOnOneRedis(yamlOf, token, count = 3) {
  const ctx = { redis: null, fake: null, stacks: [] };
  ctx.admin = (...args) => runAdmin(ctx.stacks[0].authPort, token, args);
  // A user with each set of `limits set` flags applied before its first call (so no replica
  // has cached it without them); returns its key.
  ctx.user = async (name, ...sets) => {
    const added = await ctx.admin('add', name, '--permissions', '*');
    assert.equal(added.code, 0, added.stderr);
    for (const flags of sets) {
      const set = await ctx.admin('limits', 'set', name, ...flags);
      assert.equal(set.code, 0, set.stderr);
    }
    return keyOf(added.stdout);
  };
  before(async () => {
    ctx.redis = await startRedis();
    ctx.fake = await startFakeUpstream();
    for (let i = 0; i < count; i++) {
      ctx.stacks.push(await startSplit(yamlOf(ctx.fake), [], limitsEnv(ctx.redis, token)));
    }
  });
  after(async () => {
    for (const s of ctx.stacks) await s.stop();
    await ctx.fake?.stop();
    await ctx.redis?.stop();
  });
  return ctx;
}
