// Limits inside a user per provider or group (scopes), per provider for everyone, and default
// limits from config.yaml (docs/LIMITS.md): three split stacks on one real Redis, so that every
// admission races against the others as replicas in a cluster do.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runAdmin, startAllInOne, startFakeUpstream, startRedis, waitFor } from './harness.mjs';
import { keyOf, limitsEnv, replicasOnOneRedis } from './limits_stacks.mjs';

const TOKEN = 'admin-secret-for-limit-scopes';
const SLOW = process.env.LLMSROUTER_E2E_SANITIZERS ? 3 : 1;

// "capped" is limited for everyone; "fake" and "other" are not; "fast" is a group over both.
function yaml(fake) {
  return `servers:
  fake: {url: "${fake.url}", append: ["gpt-fake"]}
  other: {url: "${fake.url}", append: ["gpt-fake"]}
  capped: {url: "${fake.url}", append: ["gpt-fake"]}
groups:
  fast:
    deployments:
      - {model: "[other]gpt-fake"}
limits:
  default: {rpm: 4}
  default_completion_tokens: 10
  providers:
    capped: {rpm: 40, parallel: 1000}
`;
}


function chat(baseURL, key, user, model, extra = {}) {
  const body = { model, messages: [{ role: 'user', content: 'hi' }], user, ...extra };
  return fetch(`${baseURL}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body) });
}

describe('scopes, provider limits and default limits across three replicas', () => {
  const ctx = replicasOnOneRedis(yaml, TOKEN);
  const { stacks, admin, user } = ctx;

  it('admits exactly a provider\'s rpm of 300 concurrent calls by many users over the replicas', async () => {
    // Users with roomy limits of their own (which replace the default): only the provider's
    // limit for everyone can refuse them.
    const keys = [];
    for (let u = 0; u < 3; u++) keys.push(await user(`u-prov${u}`, ['--rpm', '100000']));
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) =>
      chat(stacks[i % 3].baseURL, keys[i % 3], `u-prov${i % 3}`, '[capped]gpt-fake')));
    const ok = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status === 429);
    assert.equal(ok.length, 40);
    assert.equal(refused.length, 260);
    const body = await refused[0].json();
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.match(body.error.message, /provider 'capped' \(all users\): Limit 40, Used 40/);
    // The headers report the tightest bucket: the provider's 40, not the user's 100000.
    assert.equal(refused[0].headers.get('x-ratelimit-limit-requests'), '40');
    assert.equal(refused[0].headers.get('x-ratelimit-remaining-requests'), '0');
    await Promise.all(ok.map((r) => r.text()));
    // Another provider is not limited by it.
    assert.equal((await chat(stacks[0].baseURL, keys[0], 'u-prov0', '[fake]gpt-fake')).status, 200);
  });

  it('checks a user\'s scope for the provider that serves the call, and its group scope', async () => {
    const key = await user('u-scope', ['--scope', 'fake', '--rpm', '3'], ['--scope', 'fast', '--rpm', '2']);
    const shown = JSON.parse((await admin('limits', 'show', 'u-scope', '--format', 'json')).stdout);
    assert.equal(shown.rpm, 0);
    assert.equal(shown.scopes.fake.rpm, 3);
    assert.equal(shown.scopes.fast.rpm, 2);
    const table = (await admin('limits', 'show', 'u-scope')).stdout;
    assert.match(table, /scope\tfake\n  rpm\t3\n/);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      chat(stacks[i % 3].baseURL, key, 'u-scope', '[fake]gpt-fake')));
    assert.equal(answers.filter((r) => r.status === 200).length, 3);
    const refused = answers.find((r) => r.status === 429);
    assert.match((await refused.json()).error.message, /user 'u-scope' for 'fake': Limit 3/);
    await Promise.all(answers.filter((r) => !r.bodyUsed).map((r) => r.text()));
    // A user with only scopes has no default limits: other providers are unlimited for it.
    const others = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      chat(stacks[i % 3].baseURL, key, 'u-scope', '[other]gpt-fake')));
    assert.deepEqual(others.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
    // The group's scope: 2 calls to "fast" a minute.
    const group = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      chat(stacks[i % 3].baseURL, key, 'u-scope', 'fast')));
    assert.equal(group.filter((r) => r.status === 200).length, 2);
    // clear --scope removes that scope only.
    assert.equal((await admin('limits', 'clear', 'u-scope', '--scope', 'fake')).code, 0);
    const after = JSON.parse((await admin('limits', 'show', 'u-scope', '--format', 'json')).stdout);
    assert.deepEqual(Object.keys(after.scopes), ['fast']);
    assert.equal((await admin('limits', 'clear', 'u-scope', '--scope', 'nope')).code, 1);
    const badScope = await admin('limits', 'set', 'u-scope', '--scope', 'a b', '--rpm', '1');
    assert.equal(badScope.code, 2, badScope.stderr);
    assert.match(badScope.stderr, /invalid scope/);
    // An empty --scope is refused, never taken as "no scope" (which would clear or change the
    // user's own limits).
    for (const command of [['clear', 'u-scope', '--scope', ''], ['set', 'u-scope', '--scope', '', '--rpm', '1']]) {
      const empty = await admin('limits', ...command);
      assert.equal(empty.code, 2, empty.stderr);
      assert.match(empty.stderr, /invalid scope ''/);
    }
    const kept = JSON.parse((await admin('limits', 'show', 'u-scope', '--format', 'json')).stdout);
    assert.deepEqual(Object.keys(kept.scopes), ['fast']);
  });

  it('applies the default limits to a user without its own, and its own limits replace them', async () => {
    const plain = await user('u-default');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      chat(stacks[i % 3].baseURL, plain, 'u-default', '[fake]gpt-fake')));
    assert.equal(answers.filter((r) => r.status === 200).length, 4);
    const refused = answers.find((r) => r.status === 429);
    assert.equal(refused.headers.get('x-ratelimit-limit-requests'), '4');
    await Promise.all(answers.filter((r) => !r.bodyUsed).map((r) => r.text()));
    const own = await user('u-own', ['--tpm', '100000']);
    const mine = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      chat(stacks[i % 3].baseURL, own, 'u-own', '[fake]gpt-fake')));
    assert.deepEqual(mine.map((r) => r.status), Array(10).fill(200));
    assert.equal(mine[0].headers.get('x-ratelimit-limit-requests'), null);  // no rpm of its own
    // The configured default estimate (10 completion tokens) is what a call without max_tokens reserves.
    const body = { model: '[fake]gpt-fake', messages: [{ role: 'user', content: 'hi' }], user: 'u-own' };
    const estimate = Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 4) + 10;
    const tokens = mine.map((r) => 100000 - Number(r.headers.get('x-ratelimit-remaining-tokens')));
    assert.ok(tokens.includes(estimate), `reserved ${tokens.join()} (estimate ${estimate})`);
    await Promise.all(mine.map((r) => r.text()));
  });
});

describe('provider limits in the all-in-one binary', () => {
  it('admits exactly the provider rpm of 100 concurrent streamed calls and frees every slot', async () => {
    const redis = await startRedis();
    const fake = await startFakeUpstream();
    let gw;
    try {
      gw = await startAllInOne(yaml(fake), [], limitsEnv(redis, TOKEN));
      const added = await runAdmin(gw.authPort, TOKEN, ['add', 'solo', '--permissions', '*']);
      assert.equal(added.code, 0, added.stderr);
      await runAdmin(gw.authPort, TOKEN, ['limits', 'set', 'solo', '--rpm', '100000']);
      const key = keyOf(added.stdout);
      const answers = await Promise.all(Array.from({ length: 100 }, () =>
        chat(gw.baseURL, key, 'solo', '[capped]gpt-fake', { stream: true })));
      assert.equal(answers.filter((r) => r.status === 200).length, 40);
      assert.equal(answers.filter((r) => r.status === 429).length, 60);
      await Promise.all(answers.map((r) => r.text()));
      // Every call's slot in the provider's parallel set was released by its settlement.
      const inFlight = async () => Number((await promisify(execFile)('redis-cli',
        ['-p', String(redis.port), 'ZCARD', 'llmsrouter:plimit:capped:par'])).stdout.trim());
      await waitFor(async () => (await inFlight()) === 0,
                    { timeoutMs: 5000 * SLOW, what: 'every provider slot to be released' });
      // The 40 admissions are in the provider's rpm window, shared with every user.
      const window = await promisify(execFile)('redis-cli',
        ['-p', String(redis.port), 'ZCARD', 'llmsrouter:plimit:capped:rpm']);
      assert.equal(Number(window.stdout.trim()), 40);
    } finally {
      await gw?.stop();
      await fake.stop();
      await redis.stop();
    }
  });
});

describe('config limits without accounts', () => {
  it('are not applied, and the router says so at start', async () => {
    const fake = await startFakeUpstream();
    let gw;
    try {
      gw = await startAllInOne(yaml(fake));  // no ENABLE_ACCOUNT_MANAGEMENT: no users, no Redis
      await waitFor(() => gw.output.some((l) => l.includes('limits.providers and limits.default are not applied')),
                    { timeoutMs: 5000 * SLOW, what: 'the warning' });
      const answers = await Promise.all(Array.from({ length: 50 }, () =>
        fetch(`${gw.baseURL}/v1/chat/completions`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: '[capped]gpt-fake', messages: [{ role: 'user', content: 'hi' }] }) })));
      assert.deepEqual(answers.map((r) => r.status), Array(50).fill(200));
      await Promise.all(answers.map((r) => r.text()));
    } finally {
      await gw?.stop();
      await fake.stop();
    }
  });
});
