// Every call is metered (docs/LIMITS.md): a user WITHOUT limits gets spend records (batched in
// the router, flushed into the same Redis hash as settlements) that `llmsrouter-admin usage`
// shows with the fake upstream's exact token counts, in both deployments; with accounts off
// the Prometheus token counters still count every call.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metricSum, runAdmin, startAllInOne, startFakeUpstream, startRedis, startSplit,
         waitFor } from './harness.mjs';

const TOKEN = 'admin-secret-for-spend';
const SLOW = process.env.LLMSROUTER_E2E_SANITIZERS ? 3 : 1;
const keyOf = (stdout) => stdout.split('\n').find((l) => /^llmr-[A-Za-z0-9]{43}$/.test(l));

function yaml(fake) {
  return `servers:
  fake: {url: "${fake.url}"}
pricing:
  models:
    "[fake]gpt-fake": {input: 10, cached_input: 5, output: 100}
    "[fake]gpt-fake+prompt=100+cached=40": {input: 10, cached_input: 5, output: 100}
`;
}

function chat(baseURL, key, user, extra = {}) {
  const body = { model: '[fake]gpt-fake', messages: [{ role: 'user', content: 'hi' }], user, ...extra };
  const headers = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  return fetch(`${baseURL}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body) });
}

// Redis, the fake upstream and a stack with accounts on, for the describe block around it.
function withStack(start, options) {
  const s = { admin: (...args) => runAdmin(s.stack.authPort, TOKEN, args) };
  before(async () => {
    s.redis = await startRedis();
    s.fake = await startFakeUpstream();
    s.stack = await start(yaml(s.fake), [], { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: s.redis.url,
                                              LLMSROUTER_ADMIN_TOKEN: TOKEN }, options);
  });
  after(async () => {
    await s.stack?.stop();
    await s.fake?.stop();
    await s.redis?.stop();
  });
  return s;
}

for (const [deployment, start] of [['all-in-one', startAllInOne], ['split', startSplit]]) {
  describe(`spend of users without limits (${deployment})`, () => {
    const s = withStack(start);

    it('records every charged call with the exact token counts of the provider', async () => {
      const added = await s.admin('add', 'free', '--permissions', '*');
      assert.equal(added.code, 0, added.stderr);
      const key = keyOf(added.stdout);
      const answers = await Promise.all([
        chat(s.stack.baseURL, key, 'free'),
        chat(s.stack.baseURL, key, 'free', { stream: true }),
        chat(s.stack.baseURL, key, 'free', { stream: true, stream_options: { include_usage: true } }),
        chat(s.stack.baseURL, key, 'free', { model: '[fake]gpt-fake+prompt=100+cached=40' }),
        chat(s.stack.baseURL, key, 'free', { model: '[fake]gpt-fake+status=400' }),  // not charged
      ]);
      // A token count is answered by the router (no Anthropic provider here): never charged.
      const count = await fetch(`${s.stack.baseURL}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: '[fake]gpt-fake', messages: [{ role: 'user', content: 'x'.repeat(4000) }] }),
      });
      assert.equal(count.status, 200, await count.clone().text());
      assert.ok((await count.json()).input_tokens > 1000);
      assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200, 400]);
      // No admission, so no x-ratelimit-* headers for a user without limits.
      assert.ok(answers.every((r) => r.headers.get('x-ratelimit-limit-requests') === null));
      await Promise.all(answers.map((r) => r.text()));
      const counted = (await s.fake.stats()).usage_by_user.free;
      assert.equal(counted.calls, 4);
      let usage;
      await waitFor(async () => {
        const r = await s.admin('usage', '--user', 'free', '--by', 'user', '--format', 'json');
        usage = JSON.parse(r.stdout)[0];
        return usage?.calls === counted.calls;
      }, { timeoutMs: 10000 * SLOW, what: 'the batched spend records' });
      assert.equal(usage.prompt_tokens, counted.prompt);
      assert.equal(usage.cached_tokens, counted.cached);
      assert.equal(usage.completion_tokens, counted.completion);
      assert.equal(usage.estimated_calls, 0);
      const cost = (counted.prompt - counted.cached) * 10 + counted.cached * 5 + counted.completion * 100;
      assert.equal(Math.round(usage.cost_usd * 1e6), cost);
      // The same calls in the token counters.
      const prompt = (await Promise.all(s.stack.metricsURLs.map((url) => metricSum(url,
        'llmsrouter_tokens_total', ['provider="fake"', 'kind="prompt"'])))).reduce((a, b) => a + b, 0);
      assert.equal(prompt, counted.prompt, 'a token count adds no tokens');
    });
  });
}

describe('split router without REDIS_URL: limits through the auth service', () => {
  const s = withStack(startSplit, { routerEnv: { REDIS_URL: '' } });

  it('admits exactly rpm and settles the spend through LimitsService', async () => {
    const added = await s.admin('add', 'via-auth', '--permissions', '*');
    assert.equal((await s.admin('limits', 'set', 'via-auth', '--rpm', '2')).code, 0);
    const key = keyOf(added.stdout);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await chat(s.stack.baseURL, key, 'via-auth'));
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 429]);
    assert.equal(answers[2].headers.get('x-ratelimit-limit-requests'), '2');
    await Promise.all(answers.map((r) => r.text()));
    const counted = (await s.fake.stats()).usage_by_user['via-auth'];
    await waitFor(async () => {
      const r = await s.admin('usage', '--user', 'via-auth', '--by', 'user', '--format', 'json');
      return JSON.parse(r.stdout)[0]?.prompt_tokens === counted.prompt;
    }, { timeoutMs: 10000 * SLOW, what: 'the settlements' });
  });
});

describe('token counters with accounts off', () => {
  let fake;
  let stack;
  before(async () => {
    fake = await startFakeUpstream();
    stack = await startAllInOne(yaml(fake));
  });
  after(async () => {
    await stack?.stop();
    await fake?.stop();
  });

  it('counts the tokens and cost of every call', async () => {
    const answers = await Promise.all([chat(stack.baseURL, null, 'anon'),
                                       chat(stack.baseURL, null, 'anon', { stream: true })]);
    assert.deepEqual(answers.map((r) => r.status), [200, 200]);
    await Promise.all(answers.map((r) => r.text()));
    const counted = (await fake.stats()).usage_by_user.anon;
    const url = stack.metricsURLs[0];
    let completion;
    await waitFor(async () => {
      completion = await metricSum(url, 'llmsrouter_tokens_total', ['provider="fake"', 'kind="completion"']);
      return completion === counted.completion;
    }, { timeoutMs: 5000 * SLOW, what: 'the token counters' });
    assert.equal(await metricSum(url, 'llmsrouter_tokens_total', ['provider="fake"', 'kind="prompt"']),
                 counted.prompt);
    assert.ok(await metricSum(url, 'llmsrouter_cost_usd_total', ['provider="fake"']) > 0);
  });
});
