// Model groups end to end (issue 15): one plain model name over three fake upstreams, balanced
// 1:2:1, health-aware (a killed deployment is ejected with no client error and readmitted when
// it returns; a 429 Retry-After keeps calls away for exactly that long), session affinity,
// every deployment down, /v1/models, the OpenAI SDK and direct gRPC (Call and Health), and
// llmsrouter-admin health — in both deployments.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import { binDir, deployments, freePort, metricSum, repoRoot, runAdmin, startFakeUpstream, startRedis,
         waitFor } from './harness.mjs';

const MiB = 1 << 20;
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const script = join(repoRoot, 'tests', 'e2e', 'grpc_client.py');

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 60000, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code ?? 1 : 0, stdout, stderr }));
  });
}

async function grpc(gw, op, extra = []) {
  const r = await run('/usr/bin/python3', [script, '--router', `127.0.0.1:${gw.grpcPort}`,
                                           ...gw.grpcClientArgs, op, ...extra]);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function health(gw, group) {
  const r = await grpc(gw, 'health');
  assert.ok(r.ok, JSON.stringify(r));
  return Object.fromEntries(r.deployments.filter((d) => d.group === group)
    .map((d) => [d.deployment, d]));
}

function config(a, b, c, dead1, dead2, e) {
  const server = (u) => `{url: "${u}", retries: {max: 0}, timeouts: {connect: 2}}`;
  const three = `[{model: "[a]m-a"}, {model: "[b]m-b", weight: 2}, {model: "[c]m-c"}]`;
  return `
servers:
  a: ${server(a.url)}
  b: ${server(b.url)}
  c: ${server(c.url)}
  e: ${server(e.url)}
  dead1: ${server(`http://127.0.0.1:${dead1}/v1`)}
  dead2: ${server(`http://127.0.0.1:${dead2}/v1`)}
groups:
  gpt-4o:
    deployments: ${three}
    ejection: {consecutive_failures: 2, cooldown: 1, max_cooldown: 2}
  sticky:
    affinity: {header: X-Session-Id}
    deployments: ${three}
  by-user:
    affinity: {field: user}
    deployments: ${three}
  down:
    deployments: [{model: "[dead1]m"}, {model: "[dead2]m"}]
  failing:
    deployments: [{model: "[e]m-1"}, {model: "[e]m-2"}]
  fastest:
    strategy: latency
    deployments: [{model: "[a]lat-slow+latency=150"}, {model: "[b]lat-fast"}]
  speech:
    deployments: [{model: "[dead1]w-dead"}, {model: "[b]w-b"}]
  idlest:
    strategy: least_busy
    deployments: [{model: "[a]lb-slow+latency=300"}, {model: "[b]lb-1"}, {model: "[c]lb-2"}]
`;
}

// Calls `count` times with `parallel` in flight; returns {models: {m-a: n, ...}, errors: [...]}.
async function load(client, count, parallel, body = {}, options = {}, model = 'gpt-4o') {
  const models = {};
  const errors = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        const r = await client.chat.completions.create(
          { model, messages: [{ role: 'user', content: 'hi' }], ...body }, options);
        models[r.model] = (models[r.model] ?? 0) + 1;
      } catch (e) {
        errors.push(`${e.status}: ${e.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { models, errors };
}

for (const deployment of deployments) {
  describe(`model groups through ${deployment.name}`, () => {
    let a;
    let b;
    let c;
    let e;
    let gw;
    let client;
    before(async () => {
      [a, b, c, e] = await Promise.all([1, 2, 3, 4].map(() => startFakeUpstream(['--chunks', '1'])));
      const [dead1, dead2] = [await freePort(), await freePort()];
      gw = await deployment.start(config(a, b, c, dead1, dead2, e));
      client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.baseURL}/v1`, maxRetries: 0 });
    });
    after(async () => {
      await gw?.stop();
      await Promise.all([a, b, c, e].map((u) => u?.stop()));
    });

    it('lists groups by their plain name next to the [alias]model ids', async () => {
      const ids = (await client.models.list()).data.map((m) => m.id);
      for (const group of ['gpt-4o', 'sticky', 'by-user', 'down', 'failing']) {
        assert.ok(ids.includes(group), `${group} in ${ids}`);
      }
      assert.ok(ids.includes('[a]gpt-fake'));
    });

    // An upload to a group whose first deployment refuses connections: no byte of it went
    // there, so it moves to the next deployment and arrives there whole, model rewritten.
    it('moves an upload to the next deployment when the first refuses the connection', async () => {
      const audio = randomBytes(MiB);
      for (let i = 0; i < 3; i++) {
        // `model` first: routed at once and streamed from a pipe, never held whole.
        const r = await client.audio.transcriptions.create({ model: 'speech',
                                                             file: await toFile(audio, 'a.wav') });
        assert.equal(r.text, `model=w-b bytes=${audio.length} sha256=${sha256(audio)}`);
      }
      const dead = (await health(gw, 'speech'))['[dead1]w-dead'];
      assert.ok(dead.calls >= 1 || dead.ejections >= 1 || dead.ejected, JSON.stringify(dead));
      const uploads = (await b.requests()).filter((r) => r.path.endsWith('/audio/transcriptions'));
      assert.equal(uploads.length, 3);
      assert.ok(uploads.every((r) => r.body_complete && r.fields?.model === 'w-b'));
    });

    it('shares 4,000 calls 1:2:1 within 3 points', async () => {
      const { models, errors } = await load(client, 4000, 16);
      assert.deepEqual(errors, []);
      const share = (m) => ((models[m] ?? 0) / 4000) * 100;
      assert.ok(Math.abs(share('m-a') - 25) <= 3, JSON.stringify(models));
      assert.ok(Math.abs(share('m-b') - 50) <= 3, JSON.stringify(models));
      assert.ok(Math.abs(share('m-c') - 25) <= 3, JSON.stringify(models));
    });

    it('latency: the faster deployment gets most calls, the slower one is still sampled', async () => {
      const { models, errors } = await load(client, 200, 1, {}, {}, 'fastest');
      assert.deepEqual(errors, []);
      assert.ok(models['lat-fast'] >= 170, JSON.stringify(models));
      assert.ok(models['lat-slow'] >= 2, JSON.stringify(models));
    });

    it('least_busy: a slow deployment gets less than its fair share of calls', async () => {
      const { models, errors } = await load(client, 90, 9, {}, {}, 'idlest');
      assert.deepEqual(errors, []);
      assert.ok((models['lb-slow'] ?? 0) < 30, JSON.stringify(models));
      assert.ok(models['lb-slow'] >= 1, JSON.stringify(models));  // tried, not starved
    });

    it('routes a direct gRPC call by the group name', async () => {
      const r = await grpc(gw, 'call', ['--model', 'gpt-4o']);
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.status, 200);
      assert.ok(['a', 'b', 'c'].includes(r.provider), r.provider);
      assert.match(r.upstream_model, /^m-[abc]$/);
    });

    it('keeps answering while a deployment dies, ejects it and readmits it when it returns',
      async () => {
        const port = b.port;
        let stop = false;
        const errors = [];
        const loop = (async () => {
          while (!stop) {
            const r = await load(client, 20, 4);
            errors.push(...r.errors);
          }
        })();
        await b.stop();
        const ejected = await waitFor(async () => {
          const h = (await health(gw, 'gpt-4o'))['[b]m-b'];
          return h.ejections > 0 ? h : undefined;
        }, { timeoutMs: 20000, what: '[b]m-b to be ejected' });
        assert.ok(ejected.cause.length > 0, JSON.stringify(ejected));
        const labels = ['group="gpt-4o"', 'deployment="[b]m-b"'];
        const ejections = (await Promise.all(gw.metricsURLs.map(
          (url) => metricSum(url, 'llmsrouter_group_ejections_total', labels)))).reduce((x, y) => x + y, 0);
        assert.ok(ejections >= 1, `llmsrouter_group_ejections_total ${ejections}`);
        await waitFor(() => gw.output.some((l) => l.includes('"deployment ejected"') &&
                                               l.includes('"deployment":"[b]m-b"') && l.includes('"cause"')),
          { what: 'the ejection log line' });
        b = await startFakeUpstream(['--chunks', '1', '--port', String(port)]);
        await waitFor(async () => (await b.requests()).some((r) => r.path.endsWith('/chat/completions')),
          { timeoutMs: 20000, what: 'the restarted deployment to take calls' });
        await waitFor(async () => (await health(gw, 'gpt-4o'))['[b]m-b'].state === 'healthy',
          { timeoutMs: 20000, what: '[b]m-b to be healthy' });
        await waitFor(() => gw.output.some((l) => l.includes('"deployment readmitted"') &&
                                               l.includes('"deployment":"[b]m-b"')),
          { what: 'the readmission log line' });
        stop = true;
        await loop;
        assert.deepEqual(errors, []);
      });

    it('sends no call to a deployment for the 3 s of its 429 Retry-After', async () => {
      await c.behave({ status: 429, retry_after: 3 });
      await c.reset();
      await c.behave({ status: 429, retry_after: 3 });
      let first = await load(client, 8, 1);  // C's turn comes within four calls
      assert.deepEqual(first.errors, []);
      await waitFor(async () => (await c.requests()).length > 0, { what: 'a 429 from c' });
      const since = Date.now();
      await c.behave({});
      await c.reset();
      while (Date.now() - since < 2500) {
        first = await load(client, 8, 4);
        assert.deepEqual(first.errors, []);
        assert.equal(first.models['m-c'], undefined, 'a call reached c during its Retry-After');
      }
      assert.equal((await c.requests()).length, 0);
      const h = (await health(gw, 'gpt-4o'))['[c]m-c'];
      assert.match(h.cause, /429 Retry-After 3s/);
      await waitFor(async () => {
        await load(client, 4, 1);
        return (await c.requests()).length > 0;
      }, { timeoutMs: 10000, what: 'c to take calls after its Retry-After' });
      assert.ok(Date.now() - since >= 2500);
    });

    it('fails with the upstream\'s own error when every deployment is down', async () => {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(
          client.chat.completions.create({ model: 'down', messages: [{ role: 'user', content: 'x' }] }),
          (err) => err.status === 502 && /dead[12]/.test(err.message) && !/eject|breaker/i.test(err.message));
      }
      await e.behave({ status: 503 });
      for (let i = 0; i < 3; i++) {
        await assert.rejects(
          client.chat.completions.create({ model: 'failing', messages: [{ role: 'user', content: 'x' }] }),
          (err) => err.status === 503);
      }
      const tried = (await e.requests()).filter((r) => r.path.endsWith('/chat/completions'))
        .map((r) => JSON.parse(r.body).model);
      assert.ok(tried.includes('m-1') && tried.includes('m-2'), JSON.stringify(tried));
      await e.behave({});
    });

    it('keeps 100 sessions on their deployment, moves them while it is out, and back', async () => {
      const session = async (id, group = 'sticky') => {
        const r = await client.chat.completions.create(
          { model: group, messages: [{ role: 'user', content: 'hi' }] },
          { headers: { 'X-Session-Id': `s-${id}` } });
        return r.model;
      };
      const home = [];
      for (let i = 0; i < 100; i++) home.push(await session(i));
      for (let i = 0; i < 100; i++) assert.equal(await session(i), home[i], `session ${i}`);
      const counts = {};
      for (const m of home) counts[m] = (counts[m] ?? 0) + 1;
      assert.equal(Object.keys(counts).length, 3, JSON.stringify(counts));
      await a.behave({ status: 429, retry_after: 2 });
      for (let i = 0; i < 100; i++) {
        const now = await session(i);
        if (home[i] === 'm-a') assert.notEqual(now, 'm-a');
        else assert.equal(now, home[i], `session ${i} moved though its deployment was up`);
      }
      await a.behave({});
      await waitFor(async () => (await session(home.indexOf('m-a'))) === 'm-a',
        { timeoutMs: 10000, what: 'the sessions of a to come back' });
      for (let i = 0; i < 100; i++) assert.equal(await session(i), home[i], `session ${i}`);
      // The user field works the same way.
      const user = async (name) => (await client.chat.completions.create(
        { model: 'by-user', user: name, messages: [{ role: 'user', content: 'hi' }] })).model;
      for (const name of ['ann', 'ben', 'cyd']) assert.equal(await user(name), await user(name));
    });

    it('shows each deployment through llmsrouter-admin health', async () => {
      // With TLS, the same client certificate as the direct gRPC client's.
      const env = {};
      const names = { '--ca': 'LLMSROUTER_TLS_CA', '--cert': 'LLMSROUTER_TLS_CERT', '--key': 'LLMSROUTER_TLS_KEY' };
      for (let i = 0; i + 1 < gw.grpcClientArgs.length; i += 2) env[names[gw.grpcClientArgs[i]]] = gw.grpcClientArgs[i + 1];
      const r = await run(join(binDir, 'llmsrouter-admin'), ['--router', `127.0.0.1:${gw.grpcPort}`, 'health'], env);
      assert.equal(r.code, 0, r.stderr);
      for (const d of ['[a]m-a', '[b]m-b', '[c]m-c', '[dead1]m']) assert.ok(r.stdout.includes(d), r.stdout);
      assert.match(r.stdout, /GROUP\s+DEPLOYMENT\s+STRATEGY/);
      // The same numbers as RouterService.Health (the 429 test ejected [c]m-c once).
      const c = (await health(gw, 'gpt-4o'))['[c]m-c'];
      const line = r.stdout.split('\n').find((l) => /^gpt-4o\s+\[c\]m-c\s/.test(l));
      const cols = line.split(/\s+/);
      assert.deepEqual([cols[2], cols[3], cols[4]], ['weighted', '1', c.state], line);
      assert.equal(Number(cols[8]), c.ejections, line);
    });
  });
}

// Permissions apply per deployment: with accounts on, a user reaches and sees only the
// deployments of the providers they may use.
const TOKEN = 'admin-secret-for-groups';
for (const deployment of deployments) {
  describe(`model group permissions through ${deployment.name}`, () => {
    let redis;
    let a;
    let b;
    let gw;
    const keys = {};
    before(async () => {
      redis = await startRedis();
      [a, b] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
      gw = await deployment.start(`
servers:
  a: {url: "${a.url}", override: ["m-a"]}
  b: {url: "${b.url}", override: ["m-b"]}
groups:
  both: {deployments: [{model: "[a]m-a"}, {model: "[b]m-b"}]}
  only-b: {deployments: [{model: "[b]m-b"}]}
`, [], { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url, LLMSROUTER_ADMIN_TOKEN: TOKEN });
      for (const [user, permissions] of [['ann', 'a'], ['bob', '*']]) {
        const added = await runAdmin(gw.authPort, TOKEN, ['add', user, '--permissions', permissions]);
        assert.equal(added.code, 0, added.stderr);
        keys[user] = added.stdout.split('\n').find((l) => /^llmr-[A-Za-z0-9]{43}$/.test(l));
      }
    });
    after(async () => {
      await gw?.stop();
      await Promise.all([a?.stop(), b?.stop(), redis?.stop()]);
    });
    const client = (user) => new OpenAI({ apiKey: keys[user], baseURL: `${gw.baseURL}/v1`, maxRetries: 0 });

    it('reaches only the permitted deployments of a group', async () => {
      for (let i = 0; i < 10; i++) {
        const r = await client('ann').chat.completions.create(
          { model: 'both', messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(r.model, 'm-a');
      }
      const seen = new Set();
      for (let i = 0; i < 10; i++) {
        seen.add((await client('bob').chat.completions.create(
          { model: 'both', messages: [{ role: 'user', content: 'hi' }] })).model);
      }
      assert.deepEqual([...seen].sort(), ['m-a', 'm-b']);
      await assert.rejects(
        client('ann').chat.completions.create({ model: 'only-b', messages: [{ role: 'user', content: 'x' }] }),
        (e) => e.status === 403 && e.code === 'provider_not_permitted');
    });

    // A multipart upload naming a group goes to a deployment picked as for a JSON call, its
    // `model` rewritten to the deployment's, and only to deployments the user may use.
    it('routes an upload by the group name to a permitted deployment, model rewritten', async () => {
      const audio = randomBytes(300 << 10);
      const expected = (model) => `model=${model} bytes=${audio.length} sha256=${sha256(audio)}`;
      for (let i = 0; i < 4; i++) {  // both field orders: {file, model} holds the file first
        const form = i % 2 ? { file: await toFile(audio, 'a.wav'), model: 'both' }
          : { model: 'both', file: await toFile(audio, 'a.wav') };
        assert.equal((await client('ann').audio.transcriptions.create(form)).text, expected('m-a'));
      }
      const seen = new Set();
      for (let i = 0; i < 12; i++) {
        const r = await client('bob').audio.transcriptions.create(
          { model: 'both', file: await toFile(audio, 'a.wav') });
        seen.add(r.text.split(' ')[0]);
      }
      assert.deepEqual([...seen].sort(), ['model=m-a', 'model=m-b']);
      await assert.rejects(
        client('ann').audio.transcriptions.create({ model: 'only-b', file: await toFile(audio, 'a.wav') }),
        (e) => e.status === 403 && e.code === 'provider_not_permitted');
      const uploads = (await a.requests()).filter((r) => r.path.endsWith('/audio/transcriptions'));
      assert.ok(uploads.length >= 4, `${uploads.length} uploads at a`);
      assert.ok(uploads.every((r) => r.body_complete && r.fields?.model === 'm-a'),
                JSON.stringify(uploads.map((r) => r.fields)));
    });

    it('lists a group only to users who may use one of its deployments', async () => {
      const ann = (await client('ann').models.list()).data.map((m) => m.id);
      assert.ok(ann.includes('both'), ann);
      assert.ok(!ann.includes('only-b'), ann);
      const bob = (await client('bob').models.list()).data.map((m) => m.id);
      assert.ok(bob.includes('both') && bob.includes('only-b'), bob);
    });
  });
}
