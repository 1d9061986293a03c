// Rate limits, budgets and spend across replicas (docs/LIMITS.md): three split stacks
// (gateway + router + auth each) on one real Redis, so that every admission races against the
// others exactly as replicas in a cluster do.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, runAdmin, startAllInOne, startFakeUpstream, startRedis, waitFor } from './harness.mjs';
import { keyOf, limitsEnv, replicasOnOneRedis } from './limits_stacks.mjs';

const TOKEN = 'admin-secret-for-limits';
const SLOW = process.env.LLMSROUTER_E2E_SANITIZERS ? 3 : 1;

function yaml(fake) {
  return `servers:
  fake:
    url: "${fake.url}"
    append: ["gpt-fake"]
    retries: {max: 1, base_delay: 0.01, max_delay: 0.02}
    fallbacks: ["[other]gpt-fake"]
  other: {url: "${fake.url}"}
pricing:
  models:
    "[fake]gpt-fake": {input: 10, cached_input: 5, output: 100}
`;
}

const env = (redis) => limitsEnv(redis, TOKEN);

// A chat call through `baseURL`; the body's `user` lets the fake count per user.
function chat(baseURL, key, user, extra = {}) {
  const body = { model: '[fake]gpt-fake', messages: [{ role: 'user', content: 'hi' }], user, ...extra };
  return fetch(`${baseURL}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body) });
}

// Two RouterService.Call RPCs from a direct gRPC client (Python, with the user's key): the
// ResponseHead status and headers and the body of each, as JSON lines.
const GRPC_CALLS = `
import argparse, json, sys
sys.path.insert(0, sys.argv[1])
from router_client import load_stubs, open_channel
pb, pb_grpc = load_stubs()
stub = pb_grpc.RouterServiceStub(open_channel(argparse.Namespace(router=sys.argv[2], ca=None, cert=None, key=None)))
body = json.dumps({"model": "[fake]gpt-fake", "messages": [{"role": "user", "content": "hi"}]}).encode()
for _ in range(2):
    head, data = None, b""
    for m in stub.Call(pb.CallRequest(endpoint="chat/completions", body=body), timeout=30,
                       metadata=[("authorization", "Bearer " + sys.argv[3])]):
        if m.WhichOneof("kind") == "head":
            head = m.head
        elif m.WhichOneof("kind") == "data":
            data += m.data
    print(json.dumps({"status": head.status, "headers": dict(head.headers), "body": data.decode()}))
`;

// A forged Admit and Settle to auth.v1.LimitsService at argv[2] (anyone but the router);
// prints the two gRPC status codes. Then --ca/--cert/--key as router_client.py takes them.
const FORGED_LIMITS_CALLS = `
import argparse, json, sys
sys.path.insert(0, sys.argv[1])
from router_client import load_stubs, open_channel
load_stubs()
import grpc
from llmsrouter.auth.v1 import auth_pb2 as pb, auth_pb2_grpc as pb_grpc
p = argparse.ArgumentParser()
p.add_argument("--ca"); p.add_argument("--cert"); p.add_argument("--key")
a = p.parse_args(sys.argv[3:])
a.router = sys.argv[2]
stub = pb_grpc.LimitsServiceStub(open_channel(a))
codes = []
for call, req in ((stub.Admit, pb.AdmitRequest(user="victim", call_id="forged")),
                  (stub.Settle, pb.SettleRequest(user="victim", call_id="forged",
                                                 estimated_cost_micros=10**15))):
    try:
        call(req, timeout=10)
        codes.append("OK")
    except grpc.RpcError as e:
        codes.append(e.code().name)
print(json.dumps(codes))
`;

async function forgedLimitsCalls(address, clientArgs) {
  const { stdout } = await promisify(execFile)('/usr/bin/python3',
    ['-c', FORGED_LIMITS_CALLS, join(repoRoot, 'examples', 'python'), address, ...clientArgs],
    { timeout: 60000 });
  return JSON.parse(stdout.trim());
}

// The router's prompt estimate: a token per four bytes of the body.
const promptEstimate = (body) => Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 4);

describe('limits across three replicas on one Redis', () => {
  const ctx = replicasOnOneRedis(yaml, TOKEN);
  const { stacks, admin } = ctx;
  const user = (name, ...limits) => ctx.user(name, ...(limits.length > 0 ? [limits] : []));

  async function usageOf(name) {
    const r = await admin('usage', '--user', name, '--by', 'user', '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout)[0];
  }

  it('admits exactly rpm of 300 concurrent calls spread over the replicas', async () => {
    const key = await user('u-rpm', '--rpm', '50');
    const answers = await Promise.all(Array.from({ length: 300 },
      (_, i) => chat(stacks[i % 3].baseURL, key, 'u-rpm')));
    const ok = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status === 429);
    assert.equal(ok.length, 50);
    assert.equal(refused.length, 250);
    const body = await refused[0].json();
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.type, 'requests');
    assert.match(body.error.message, /Limit 50, Used 50/);
    assert.equal(refused[0].headers.get('x-ratelimit-limit-requests'), '50');
    assert.equal(refused[0].headers.get('x-ratelimit-remaining-requests'), '0');
    assert.ok(Number(refused[0].headers.get('retry-after')) >= 1);
    assert.match(refused[0].headers.get('x-ratelimit-reset-requests'), /^\d+(ms|s|m\d+s)$/);
    for (const r of ok) assert.equal(r.headers.get('x-ratelimit-limit-requests'), '50');
    const remaining = ok.map((r) => Number(r.headers.get('x-ratelimit-remaining-requests')));
    assert.deepEqual([...remaining].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  });

  it('never lets more than `parallel` calls of a user run upstream at once', async () => {
    const key = await user('u-par', '--parallel', '3');
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      chat(stacks[i % 3].baseURL, key, 'u-par', { model: '[fake]gpt-fake+latency=300' })));
    const statuses = answers.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 200 || s === 429), statuses.join());
    assert.ok(statuses.filter((s) => s === 200).length >= 3, statuses.join());
    assert.ok(statuses.filter((s) => s === 429).length > 0, statuses.join());
    const stats = await ctx.fake.stats();
    assert.ok(stats.peak_by_user['u-par'] <= 3, `peak ${stats.peak_by_user['u-par']}`);
    assert.ok(stats.peak_by_user['u-par'] >= 1);
    // Settlement frees the slots: once the calls ended a new one is admitted.
    await waitFor(async () => (await chat(stacks[1].baseURL, key, 'u-par')).status === 200,
                  { timeoutMs: 5000 * SLOW, what: 'a parallel slot to be freed' });
  });

  it('settles tpm to the real usage and refuses the call that would cross it', async () => {
    const key = await user('u-tpm', '--tpm', '1000');
    const bodyA = { model: '[fake]gpt-fake', messages: [{ role: 'user', content: 'hi' }], user: 'u-tpm',
                    max_tokens: 500 };
    const a = await chat(stacks[0].baseURL, key, 'u-tpm', { max_tokens: 500 });
    assert.equal(a.status, 200);
    const estA = promptEstimate(bodyA) + 500;
    assert.equal(a.headers.get('x-ratelimit-limit-tokens'), '1000');
    assert.equal(Number(a.headers.get('x-ratelimit-remaining-tokens')), 1000 - estA);
    // B fits only once A's reservation was settled to its real 16 tokens (11 + 5).
    const maxB = 1000 - 16 - promptEstimate({ ...bodyA, max_tokens: 900 }) - 5;
    assert.ok(maxB + promptEstimate({ ...bodyA, max_tokens: maxB }) > 1000 - estA);
    let b;
    await waitFor(async () => {
      b = await chat(stacks[1].baseURL, key, 'u-tpm', { max_tokens: maxB });
      return b.status === 200;
    }, { timeoutMs: 5000 * SLOW, what: 'the tpm reservation to be settled' });
    const estB = promptEstimate({ ...bodyA, max_tokens: maxB }) + maxB;
    assert.equal(Number(b.headers.get('x-ratelimit-remaining-tokens')), 1000 - 16 - estB);
    // In use: 16 + estB, or 32 once B settled; a call estimated at 1000 - 32 + 1 crosses both.
    const maxC = 1000 - 32 + 1 - promptEstimate({ ...bodyA, max_tokens: 900 });
    const c = await chat(stacks[2].baseURL, key, 'u-tpm', { max_tokens: maxC });
    assert.equal(c.status, 429);
    const body = await c.json();
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.type, 'tokens');
    assert.ok(c.headers.get('x-ratelimit-reset-tokens'));
  });

  it('reserves a budget at worst case, settles to the real cost, refuses the crossing call', async () => {
    // $0.001 = 1000 micro-USD; input $10/M = 10 micro-USD a token, output 100.
    const key = await user('u-budget', '--budget', '0.001', '--period', 'day');
    const first = await chat(stacks[0].baseURL, key, 'u-budget', { max_tokens: 5 });
    assert.equal(first.status, 200);
    // Real cost 11 * 10 + 5 * 100 = 610; the next worst case (> 390) crosses the budget, before
    // and after the settlement of the first.
    let refused;
    let body;
    await waitFor(async () => {
      refused = await chat(stacks[1].baseURL, key, 'u-budget', { max_tokens: 5 });
      assert.equal(refused.status, 429);
      body = await refused.json();
      return body.error.message.includes('spent $0.00061');
    }, { timeoutMs: 5000 * SLOW, what: 'the first call to be settled' });
    assert.equal(body.error.code, 'insufficient_quota');
    assert.equal(body.error.type, 'insufficient_quota');
    assert.match(body.error.message, /\$0\.001 per day \(spent \$0\.00061\); it resets at \d{4}-\d\d-\d\dT00:00:00Z/);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    await waitFor(async () => (await usageOf('u-budget'))?.cost_usd === 0.00061,
                  { timeoutMs: 5000 * SLOW, what: 'the spend record' });
  });

  it('meters streamed, cached, failed, retried and fallback calls exactly as the provider counted', async () => {
    const key = await user('u-meter', '--rpm', '100000');  // metered: users with limits
    const base = stacks[0].baseURL;
    const calls = [
      chat(base, key, 'u-meter'),
      chat(base, key, 'u-meter', { stream: true }),
      chat(stacks[1].baseURL, key, 'u-meter', { stream: true, stream_options: { include_usage: true } }),
      chat(stacks[2].baseURL, key, 'u-meter', { model: '[fake]gpt-fake+prompt=100+cached=40' }),
      chat(base, key, 'u-meter', { model: '[fake]gpt-fake+status=400' }),
      chat(base, key, 'u-meter', { model: '[fake]gpt-fake+flaky=1' }),
      chat(base, key, 'u-meter', { model: '[fake]gpt-fake+status=503' }),
    ];
    const answers = await Promise.all(calls);
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200, 400, 200, 200]);
    await Promise.all(answers.map((r) => r.text()));
    const counted = (await ctx.fake.stats()).usage_by_user['u-meter'];
    assert.equal(counted.calls, 6);  // the fallback's usage comes from [other]; the 400 has none
    await waitFor(async () => (await usageOf('u-meter'))?.calls === counted.calls,
                  { timeoutMs: 5000 * SLOW, what: 'every settlement' });
    const usage = await usageOf('u-meter');
    assert.equal(usage.prompt_tokens, counted.prompt);
    assert.equal(usage.cached_tokens, counted.cached);
    assert.equal(usage.completion_tokens, counted.completion);
    assert.equal(usage.estimated_calls, 0);
    const byModel = JSON.parse((await admin('usage', '--user', 'u-meter', '--by', 'model', '--format', 'json')).stdout);
    assert.ok(byModel.some((r) => r.model === '[other]gpt-fake' && r.calls === 1), JSON.stringify(byModel));
    assert.ok(!byModel.some((r) => r.model.includes('status=')), JSON.stringify(byModel));
  });

  it('charges a client that hangs up mid-stream for what was streamed, marked estimated', async () => {
    const key = await user('u-hangup', '--rpm', '100000');
    const r = await chat(stacks[0].baseURL, key, 'u-hangup',
      { model: '[fake]gpt-fake+chunks=200+interval=20', stream: true });
    // Read a few chunks, then hang up.
    const reader = r.body.getReader();
    let seen = '';
    while (!seen.includes('tok3 ')) seen += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    await waitFor(async () => (await usageOf('u-hangup'))?.estimated_calls === 1,
                  { timeoutMs: 5000 * SLOW, what: 'the hang-up to be charged' });
    const usage = await usageOf('u-hangup');
    assert.equal(usage.calls, 1);
    assert.ok(usage.prompt_tokens > 0);
    assert.ok(usage.completion_tokens >= 1 && usage.completion_tokens < 200, JSON.stringify(usage));
  });

  it('gives the OpenAI SDK a RateLimitError with the headers', async () => {
    const key = await user('u-sdk', '--rpm', '1', '--tpm', '100000');
    const client = new OpenAI({ apiKey: key, baseURL: `${stacks[2].baseURL}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: '[fake]gpt-fake', messages: [] }).withResponse();
    assert.equal(response.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.equal(response.headers.get('x-ratelimit-limit-tokens'), '100000');
    await assert.rejects(client.chat.completions.create({ model: '[fake]gpt-fake', messages: [] }), (e) => {
      assert.ok(e instanceof OpenAI.RateLimitError, String(e));
      assert.equal(e.code, 'rate_limit_exceeded');
      const header = (name) => (typeof e.headers?.get === 'function' ? e.headers.get(name) : e.headers?.[name]);
      assert.equal(header('x-ratelimit-limit-requests'), '1');
      assert.ok(header('x-ratelimit-remaining-tokens'));
      assert.ok(Number(header('retry-after')) > 0);
      return true;
    });
  });

  it('lets only the router admit or settle calls', async () => {
    const codes = await forgedLimitsCalls(`127.0.0.1:${stacks[0].authPort}`, stacks[0].grpcClientArgs);
    assert.deepEqual(codes, ['PERMISSION_DENIED', 'PERMISSION_DENIED']);
  });

  it('shows, changes and clears limits with the admin CLI', async () => {
    await user('u-cli', '--rpm', '7', '--budget', '2.5', '--period', 'week');
    const shown = await admin('limits', 'show', 'u-cli', '--format', 'json');
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout),
      { user: 'u-cli', rpm: 7, tpm: 0, parallel: 0, budget_usd: 2.5, budget_period: 'week', scopes: {} });
    const bad = await admin('limits', 'set', 'u-cli', '--budget', '1', '--period', 'fortnight');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /day, week, month or total/);
    assert.equal((await admin('limits', 'set', 'nobody', '--rpm', '1')).code, 1);
    // set merges: a flag not given keeps its value; no flag, or --period alone, is refused.
    assert.equal((await admin('limits', 'set', 'u-cli', '--tpm', '900')).code, 0);
    assert.deepEqual(JSON.parse((await admin('limits', 'show', 'u-cli', '--format', 'json')).stdout),
      { user: 'u-cli', rpm: 7, tpm: 900, parallel: 0, budget_usd: 2.5, budget_period: 'week', scopes: {} });
    assert.equal((await admin('limits', 'set', 'u-cli')).code, 2);
    assert.equal((await admin('limits', 'set', 'u-cli', '--period', 'day')).code, 2);
    const huge = await admin('limits', 'set', 'u-cli', '--budget', '1e300');
    assert.equal(huge.code, 2, huge.stderr);
    assert.match(huge.stderr, /at most/);
    assert.equal((await admin('limits', 'clear', 'u-cli')).code, 0);
    const cleared = JSON.parse((await admin('limits', 'show', 'u-cli', '--format', 'json')).stdout);
    assert.equal(cleared.rpm, 0);
    assert.equal(cleared.budget_usd, 0);
  });

  it('holds each policy while Redis is down, hangs nothing, and recovers without a restart', async () => {
    const rated = await user('u-down-rate', '--rpm', '1000');
    const budgeted = await user('u-down-budget', '--budget', '10', '--period', 'month');
    // Known to every replica's caches before the outage.
    for (const s of stacks) {
      assert.equal((await chat(s.baseURL, rated, 'u-down-rate')).status, 200);
      assert.equal((await chat(s.baseURL, budgeted, 'u-down-budget')).status, 200);
    }
    await ctx.redis.stop();
    try {
      for (const s of stacks) {
        const t0 = Date.now();
        const open = await chat(s.baseURL, rated, 'u-down-rate');
        assert.equal(open.status, 200, 'rate limits fail open');
        assert.equal(open.headers.get('x-ratelimit-limit-requests'), null);  // unchecked
        const closed = await chat(s.baseURL, budgeted, 'u-down-budget');
        assert.equal(closed.status, 503, 'budgets fail closed');
        assert.match((await closed.json()).error.message, /budget cannot be checked/);
        assert.ok(Date.now() - t0 < 5000 * SLOW, 'bounded in time');
      }
    } finally {
      await ctx.redis.restart();
    }
    for (const s of stacks) {
      await waitFor(async () => (await chat(s.baseURL, budgeted, 'u-down-budget')).status === 200,
                    { timeoutMs: 5000 * SLOW, what: 'budgets to be checked again' });
      const r = await chat(s.baseURL, rated, 'u-down-rate');
      assert.equal(r.status, 200, await r.text());
      assert.equal(r.headers.get('x-ratelimit-limit-requests'), '1000');
    }
  });
});

describe('limits in the all-in-one binary', () => {
  let redis;
  let fake;
  let gw;
  const admin = (...args) => runAdmin(gw.authPort, TOKEN, args);

  before(async () => {
    redis = await startRedis();
    fake = await startFakeUpstream();
    gw = await startAllInOne(yaml(fake), [], env(redis));
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
    await redis?.stop();
  });

  it('admits exactly rpm, passes the headers, and meters what the provider counted', async () => {
    const added = await admin('add', 'solo', '--permissions', '*');
    assert.equal(added.code, 0, added.stderr);
    assert.equal((await admin('limits', 'set', 'solo', '--rpm', '20', '--parallel', '50')).code, 0);
    const key = keyOf(added.stdout);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      chat(gw.baseURL, key, 'solo', i % 2 ? { stream: true } : {})));
    assert.equal(answers.filter((r) => r.status === 200).length, 20);
    assert.equal(answers.filter((r) => r.status === 429).length, 80);
    assert.ok(answers.every((r) => r.headers.get('x-ratelimit-limit-requests') === '20'));
    await Promise.all(answers.map((r) => r.text()));
    const counted = (await fake.stats()).usage_by_user.solo;
    assert.equal(counted.calls, 20);
    let usage;
    await waitFor(async () => {
      const r = await admin('usage', '--user', 'solo', '--by', 'user', '--format', 'json');
      usage = JSON.parse(r.stdout)[0];
      return usage?.calls === 20;
    }, { timeoutMs: 5000 * SLOW, what: 'every settlement' });
    assert.equal(usage.prompt_tokens, counted.prompt);
    assert.equal(usage.completion_tokens, counted.completion);
  });

  it('does not serve the limits service on its public gRPC port', async () => {
    const codes = await forgedLimitsCalls(`127.0.0.1:${gw.grpcPort}`, gw.grpcClientArgs ?? []);
    assert.deepEqual(codes, ['UNIMPLEMENTED', 'UNIMPLEMENTED']);
  });

  it('limits a direct gRPC client by its key, with the headers in the ResponseHead', async () => {
    const added = await admin('add', 'grpc-user', '--permissions', '*');
    assert.equal((await admin('limits', 'set', 'grpc-user', '--rpm', '1')).code, 0);
    const { stdout } = await promisify(execFile)('/usr/bin/python3',
      ['-c', GRPC_CALLS, join(repoRoot, 'examples', 'python'), `127.0.0.1:${gw.grpcPort}`, keyOf(added.stdout)],
      { timeout: 60000 });
    const [first, second] = stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-ratelimit-limit-requests'], '1');
    assert.equal(first.headers['x-ratelimit-remaining-requests'], '0');
    assert.equal(second.status, 429);
    assert.ok(Number(second.headers['retry-after']) > 0);
    assert.equal(JSON.parse(second.body).error.code, 'rate_limit_exceeded');
  });
});
