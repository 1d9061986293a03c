// Hostile clients at the edge (issue 18): metrics cardinality under junk paths and ad-hoc
// URLs, /metrics on its own port, the failed-auth limiter behind a shared address, trusted
// proxies, and a Redis that requires a password. All traffic stays on 127.0.0.0/8.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { binDir, freePort, listeningPorts, runAdmin, startAllInOne, startFakeUpstream,
         startProcess, startRedis, waitFor, writeConfig } from './harness.mjs';

const SANITIZERS = Boolean(process.env.LLMSROUTER_E2E_SANITIZERS);
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const badKey = () => 'llmr-' + Array.from({ length: 43 }, () =>
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 62)]).join('');
const keyOf = (stdout) => stdout.split('\n').find((l) => /^llmr-[A-Za-z0-9]{43}$/.test(l));

// `total` POSTs over `concurrency` keep-alive connections; `path(i)` names each target.
// (node:http rather than fetch: several times the request rate on a busy machine.)
async function hammer(baseURL, total, path, { concurrency = 32, body = '{}' } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (target) => new Promise((resolve, reject) => {
    const req = http.request(`${baseURL}${target}`, { method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
    (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    req.end(body);
  });
  let next = 0;
  const statuses = new Map();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const status = await post(path(next++));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }));
  agent.destroy();
  return statuses;
}

describe('metrics labels come from closed sets', () => {
  let fake;
  let gw;
  before(async () => {
    fake = await startFakeUpstream();
    gw = await startAllInOne(`proxy:\n  allow_urls: ["http://127.0.0.1:${fake.port}/v1"]\n` +
                             `servers:\n  fake: {url: "${fake.url}"}\n`);
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
  });

  it('20,000 distinct bad paths leave /metrics under 1 MB and RSS flat', async () => {
    await hammer(gw.baseURL, 2000, (i) => `/v1/warmup${i}`);  // allocator and thread caches
    const before = rssMb(gw.proc.pid);
    const started = Date.now();
    const statuses = await hammer(gw.baseURL, 20000, (i) => `/v1/x${i}`);
    const seconds = (Date.now() - started) / 1000;
    const after = rssMb(gw.proc.pid);
    const text = await (await fetch(`${gw.baseURL}/metrics`)).text();
    console.log(`20,000 bad paths in ${seconds.toFixed(1)} s (${[...statuses].join(' ')}); ` +
                `/metrics ${(text.length / 1024).toFixed(1)} KiB; RSS ${before.toFixed(1)} -> ${after.toFixed(1)} MB`);
    assert.equal([...statuses.values()].reduce((a, b) => a + b), 20000);
    assert.ok(text.length < 1024 * 1024, `/metrics is ${text.length} bytes`);
    assert.ok(!/route="x\d+"/.test(text), 'a junk path became a route label');
    assert.match(text, /llmsrouter_http_requests_total\{route="other",status="\d+",provider="[^"]*"\} \d+/);
    if (!SANITIZERS) assert.ok(after - before < 10, `RSS grew ${(after - before).toFixed(1)} MB`);
  });

  it('names ad-hoc ?proxy= URLs "adhoc" and never shows their userinfo', async () => {
    const url = `http://127.0.0.1:${fake.port}/v1`;
    const call = (proxy) => fetch(`${gw.baseURL}/v1/chat/completions?proxy=${encodeURIComponent(proxy)}`,
      { method: 'POST', body: '{"model":"m","messages":[]}' });
    assert.equal((await call(url)).status, 200);
    // Whether this one is served or refused, its password must not surface anywhere.
    await (await call(`http://someone:s3cret-userinfo@127.0.0.1:${fake.port}/v1`)).arrayBuffer();
    await (await call(`${url}?token=s3cret-query`)).arrayBuffer();
    const text = await (await fetch(`${gw.baseURL}/metrics`)).text();
    assert.match(text, /llmsrouter_upstream_requests_total\{provider="adhoc",status="200"\} \d+/);
    assert.match(text, /llmsrouter_http_requests_total\{route="chat\/completions",status="200",provider="adhoc"\}/);
    assert.ok(!text.includes('127.0.0.1'), 'an ad-hoc URL became a label');
    await new Promise((r) => setTimeout(r, 300));  // traces are written in batches
    const leaked = gw.output.filter((l) => /s3cret/.test(l));
    assert.deepEqual(leaked, [], 'userinfo or query of an ad-hoc URL in logs or traces');
  });
});

describe('--metrics-listen on the gateway', () => {
  it('serves /metrics on its own port; the API port answers 404 for it', async () => {
    const fake = await startFakeUpstream();
    const metricsPort = await freePort();
    const yaml = `servers:\n  fake: {url: "${fake.url}"}\n`;
    const { dir, file } = writeConfig(yaml);
    const router = startProcess(join(binDir, 'llmsrouter-router'), ['--config', file, '--listen', '127.0.0.1:0'],
                                { cwd: dir, ready: listeningPorts('router') });
    let gateway;
    let allInOne;
    try {
      const routerPort = (await router.value).port;
      gateway = startProcess(join(binDir, 'llmsrouter-gateway'),
        ['--listen', '127.0.0.1:0', '--router', `127.0.0.1:${routerPort}`,
         '--metrics-listen', `127.0.0.1:${metricsPort}`], { cwd: dir, ready: listeningPorts('gateway') });
      const info = await gateway.value;
      assert.equal(Number(info.metrics_port), metricsPort);
      const api = `http://127.0.0.1:${info.port}`;
      const chat = await fetch(`${api}/v1/chat/completions`, { method: 'POST', body: '{"model":"[fake]m"}' });
      assert.equal(chat.status, 200);
      assert.equal((await fetch(`${api}/metrics`)).status, 404);
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /llmsrouter_http_requests_total\{route="chat\/completions",status="200",provider="fake"\} 1/);
      // The all-in-one takes the same flag.
      allInOne = await startAllInOne(yaml, ['--metrics-listen', '127.0.0.1:0']);
      assert.equal((await fetch(`${allInOne.baseURL}/metrics`)).status, 404);
      const line = allInOne.output.map((l) => { try { return JSON.parse(l); } catch { return {}; } })
        .find((j) => j.msg === 'listening');
      assert.ok(Number(line.metrics_port) > 0);
      assert.equal((await fetch(`http://127.0.0.1:${line.metrics_port}/metrics`)).status, 200);
    } finally {
      await allInOne?.stop();
      await gateway?.stop();
      await router.stop();
      await fake.stop();
    }
  });
});

describe('failed-auth limiter behind a shared address', () => {
  const TOKEN = 'admin-secret-for-tests';
  let redis;
  let fake;
  const gws = [];
  const chat = (gw, key, headers = {}) => fetch(`${gw.baseURL}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers },
    body: '{"model":"[fake]m","messages":[]}' });
  const start = async (args = []) => {
    const gw = await startAllInOne(`servers:\n  fake: {url: "${fake.url}"}\n`, args, {
      ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url, LLMSROUTER_ADMIN_TOKEN: TOKEN });
    gws.push(gw);
    return gw;
  };
  const addUser = async (gw, name) => {
    const added = await runAdmin(gw.authPort, TOKEN, ['add', name, '--permissions', '*']);
    assert.equal(added.code, 0, added.stderr);
    return keyOf(added.stdout);
  };

  before(async () => {
    // Redis with a password: REDIS_URL carries it and the auth service sends AUTH.
    redis = await startRedis({ password: 'e2e-redis-pass' });
    fake = await startFakeUpstream();
  });
  after(async () => {
    for (const gw of gws) await gw.stop();
    await fake?.stop();
    await redis?.stop();
  });

  it('25 bad keys from one address, then a fresh valid key works; bad keys keep getting 429', async () => {
    const gw = await start();
    const cached = await addUser(gw, 'cached');
    const fresh = await addUser(gw, 'fresh');
    assert.equal((await chat(gw, cached)).status, 200);
    const statuses = [];
    for (let i = 0; i < 25; i++) statuses.push((await chat(gw, badKey())).status);
    assert.deepEqual(statuses, [...Array(20).fill(401), ...Array(5).fill(429)]);
    // A key known good passes at once, every time.
    for (let i = 0; i < 5; i++) assert.equal((await chat(gw, cached)).status, 200);
    // A fresh valid key gets one of the few lookups a blocked address still has (2/s).
    const started = Date.now();
    await waitFor(async () => (await chat(gw, fresh)).status === 200,
                  { timeoutMs: 3000, intervalMs: 100, what: 'the fresh valid key to be accepted' });
    console.log(`fresh valid key accepted ${Date.now() - started} ms after 25 bad keys`);
    for (let i = 0; i < 5; i++) assert.equal((await chat(gw, badKey())).status, 429);
    assert.equal((await chat(gw, 'sk-not-ours')).status, 429);
  });

  it('--trusted-proxies: the forwarded client is limited, spoofed headers are not believed', async () => {
    const trusting = await start(['--trusted-proxies', '127.0.0.0/8']);
    const key = await addUser(trusting, 'behind-proxy');
    const xff = (client) => ({ 'x-forwarded-for': `203.0.113.50, ${client}` });
    for (let i = 0; i < 21; i++) await (await chat(trusting, badKey(), xff('198.51.100.1'))).arrayBuffer();
    assert.equal((await chat(trusting, badKey(), xff('198.51.100.1'))).status, 429);
    // Another client behind the same proxy is not affected.
    assert.equal((await chat(trusting, badKey(), xff('198.51.100.2'))).status, 401);
    assert.equal((await chat(trusting, key, xff('198.51.100.2'))).status, 200);
    // Without --trusted-proxies the header is ignored: every request counts against the peer.
    const plain = await start();
    for (let i = 0; i < 21; i++) {
      await (await chat(plain, badKey(), { 'x-forwarded-for': `198.51.100.${i + 10}` })).arrayBuffer();
    }
    assert.equal((await chat(plain, badKey(), { 'x-forwarded-for': '198.51.100.99' })).status, 429);
  });

  it('refuses to use a password-protected Redis without the password', async () => {
    const noPassword = await startAllInOne(`servers:\n  fake: {url: "${fake.url}"}\n`, [], {
      ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: `redis://127.0.0.1:${redis.port}/0`,
      LLMSROUTER_ADMIN_TOKEN: TOKEN });
    gws.push(noPassword);
    const r = await chat(noPassword, badKey());
    assert.equal(r.status, 503);
    assert.ok(!noPassword.output.some((l) => l.includes('e2e-redis-pass')));
  });
});
