// The admin audit trail: every admin action recorded (who = the token's name, what, when,
// from where, outcome) in Redis and in the log, listed by `llmsrouter-admin audit`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runAdmin, startAllInOne, startFakeUpstream, startRedis, waitFor } from './harness.mjs';

describe('admin audit trail', () => {
  let redis;
  let fake;
  let gw;
  before(async () => {
    redis = await startRedis();
    fake = await startFakeUpstream();
    gw = await startAllInOne(`servers:\n  fake: {url: "${fake.url}"}\n`, [], {
      ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url,
      LLMSROUTER_ADMIN_TOKEN: 'root-token-for-audit', LLMSROUTER_ADMIN_TOKENS: 'ops=ops-token-for-audit' });
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
    await redis?.stop();
  });

  it('records who did what, from where and with what outcome, in Redis and in the log', async () => {
    assert.equal((await runAdmin(gw.authPort, 'ops-token-for-audit', ['add', 'dora'])).code, 0);
    assert.equal((await runAdmin(gw.authPort, 'root-token-for-audit', ['delete', 'nobody'])).code, 1);
    assert.equal((await runAdmin(gw.authPort, 'wrong-token', ['delete', 'dora'])).code, 5);
    const listed = await runAdmin(gw.authPort, 'root-token-for-audit', ['audit', '--limit', '10']);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = listed.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'));
    const [when, who, action, target, from, outcome] = rows.find((r) => r[2] === 'AddUser');
    assert.match(when, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    assert.deepEqual([who, action, target, outcome], ['ops', 'AddUser', 'dora', 'OK']);
    assert.match(from, /127\.0\.0\.1/);
    const refused = rows.find((r) => r[2] === 'DeleteUser');
    assert.deepEqual([refused[1], refused[3], refused[5]], ['admin', 'nobody', 'NOT_FOUND']);
    // The wrong token did nothing that is recorded as done.
    assert.ok(!rows.some((r) => r[2] === 'DeleteUser' && r[3] === 'dora'));
    await waitFor(() => gw.output.some((l) => /"admin action"/.test(l) && /"who":"ops"/.test(l)),
                  { what: 'the audit line in the log' });
    assert.ok(gw.output.some((l) => /admin call with a wrong or missing token/.test(l)));
  });
});
