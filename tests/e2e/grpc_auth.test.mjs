// Direct gRPC clients (Python, python3-grpcio) with accounts on: the router checks their key
// through the auth service exactly as the gateway checks HTTP clients, derives the trusted
// fields from it, and only a proven gateway may set those fields itself.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { deployments, repoRoot, runAdmin, startFakeUpstream, startRedis,
         startSplit, testCerts, waitFor } from './harness.mjs';

const run = promisify(execFile);
const TOKEN = 'admin-secret-for-grpc-auth';
// Sanitizer builds run several times slower.
const SLOW = process.env.LLMSROUTER_E2E_SANITIZERS ? 3 : 1;
const script = join(repoRoot, 'tests', 'e2e', 'grpc_client.py');
const keyOf = (stdout) => stdout.split('\n').find((l) => /^llmr-[A-Za-z0-9]{43}$/.test(l));

// One call of tests/e2e/grpc_client.py; resolves its JSON line.
async function grpcClient(gw, op, { key, model, spoof, extra = [] } = {}) {
  const args = [script, '--router', `127.0.0.1:${gw.grpcPort}`, ...gw.grpcClientArgs, ...extra];
  if (key) args.push('--api-key', key);
  if (model) args.push('--model', model);
  if (spoof) args.push('--spoof');
  const { stdout } = await run('/usr/bin/python3', [...args, op], { timeout: 60000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

function yaml(fake) {
  return `servers:\n  fake: {url: "${fake.url}", append: ["gpt-fake"]}\n  other: {url: "${fake.url}"}\n`;
}

for (const deployment of deployments) {
  describe(`direct gRPC clients of ${deployment.name} with accounts on`, () => {
    let redis;
    let fake;
    let gw;
    let alice;
    let traceFile;
    const admin = (...args) => runAdmin(gw.authPort, TOKEN, args);
    const addUser = async (name, permissions) => {
      const added = await admin('add', name, '--permissions', permissions);
      assert.equal(added.code, 0, added.stderr);
      return keyOf(added.stdout);
    };

    before(async () => {
      redis = await startRedis();
      fake = await startFakeUpstream();
      traceFile = join(mkdtempSync(join(tmpdir(), 'llmsrouter-traces-')), 'traces.jsonl');
      gw = await deployment.start(yaml(fake), [], {
        ENABLE_ACCOUNT_MANAGEMENT: 'true', ENABLE_BYPASS: 'true', REDIS_URL: redis.url,
        LLMSROUTER_ADMIN_TOKEN: TOKEN, LLMSROUTER_TRACE_FILE: traceFile });
      alice = await addUser('alice', 'fake');
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
      await redis?.stop();
    });

    it('answers UNAUTHENTICATED without a key or with an unknown one, on every RPC', async () => {
      for (const op of ['list', 'chat', 'call']) {
        for (const key of [undefined, 'llmr-' + 'x'.repeat(43)]) {
          const r = await grpcClient(gw, op, { key });
          assert.equal(r.ok, false, `${op} with key ${key} was served`);
          assert.equal(r.code, 'UNAUTHENTICATED', JSON.stringify(r));
        }
      }
    });

    it('answers PERMISSION_DENIED for a provider the key lacks, with the gateway\'s message', async () => {
      const r = await grpcClient(gw, 'call', { key: alice, model: '[other]gpt-fake' });
      assert.equal(r.code, 'PERMISSION_DENIED', JSON.stringify(r));
      const http = await fetch(`${gw.baseURL}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${alice}` },
        body: JSON.stringify({ model: '[other]gpt-fake', messages: [] }) });
      assert.equal(http.status, 403);
      assert.equal(r.details, (await http.json()).error.message);
      const chat = await grpcClient(gw, 'chat', { key: alice, model: '[other]gpt-fake' });
      assert.equal(chat.code, 'PERMISSION_DENIED');
    });

    it('lists only the key\'s providers', async () => {
      const r = await grpcClient(gw, 'list', { key: alice, spoof: true });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.ok(r.models.length > 0);
      assert.ok(r.models.every((m) => m.startsWith('[fake]')), r.models.join(','));
    });

    it('ignores a spoofed user, provider list and model override', async () => {
      const r = await grpcClient(gw, 'call', { key: alice, model: '[fake]gpt-fake', spoof: true });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.provider, 'fake');
      assert.equal(r.upstream_model, 'gpt-fake');
      const denied = await grpcClient(gw, 'call', { key: alice, model: '[other]gpt-fake', spoof: true });
      assert.equal(denied.code, 'PERMISSION_DENIED');
    });

    it('streams for a valid key, and the trace carries the key\'s user, not the spoofed one', async () => {
      const r = await grpcClient(gw, 'call', { key: alice, model: '[fake]gpt-fake+chunks=4', spoof: true });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.status, 200);
      assert.ok(r.events >= 4, JSON.stringify(r));
      const chat = await grpcClient(gw, 'chat', { key: alice, model: '[fake]gpt-fake+chunks=3', spoof: true });
      assert.equal(chat.text, 'tok0 tok1 tok2 ');
      const traces = await waitFor(() => {
        const lines = readFileSync(traceFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
        const mine = lines.filter((e) => String(e.requestedModel ?? e.requested_model ?? '').includes('chunks='));
        return mine.length >= 2 ? mine : null;
      }, { what: 'two traces of the direct calls', timeoutMs: 10000 });
      for (const event of traces) assert.equal(event.user, 'alice', JSON.stringify(event));
    });

    it('applies the key\'s User-Bypass, and the replica that set it obeys at once', async () => {
      const set = await fetch(`${gw.baseURL}/api/user/bypass`, {
        method: 'POST', headers: { authorization: `Bearer ${alice}` },
        body: JSON.stringify({ model: '[fake]gpt-fake-mini' }) });
      assert.equal(set.status, 200, await set.clone().text());
      // Read your own writes: the very next HTTP call through this gateway uses the new model.
      const http = await fetch(`${gw.baseURL}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${alice}` },
        body: JSON.stringify({ model: '[fake]gpt-fake', messages: [] }) });
      assert.equal((await http.json()).model, 'gpt-fake-mini');
      const grpc = await waitFor(async () => {
        const r = await grpcClient(gw, 'call', { key: alice, model: '[fake]gpt-fake' });
        return r.upstream_model === 'gpt-fake-mini' ? r : null;
      }, { what: 'the bypass on the gRPC path', timeoutMs: 5000 });
      assert.equal(grpc.provider, 'fake');
      await fetch(`${gw.baseURL}/api/user/bypass`, {
        method: 'POST', headers: { authorization: `Bearer ${alice}` }, body: JSON.stringify({ model: 'auto' }) });
    });

    it('lets no one change another user\'s User-Bypass through the auth port', async () => {
      const eve = await addUser('eve', 'fake');
      const authGw = { ...gw, grpcPort: gw.authPort };
      const set = (key) => grpcClient(authGw, 'set-bypass',
        { key, model: '[fake]gpt-fake-mini', extra: ['--user', 'alice'] });
      assert.equal((await set(undefined)).code, 'UNAUTHENTICATED');
      assert.equal((await set(eve)).code, 'PERMISSION_DENIED');
      const own = await set(alice);
      assert.equal(own.ok, true, JSON.stringify(own));
      await fetch(`${gw.baseURL}/api/user/bypass`, {
        method: 'POST', headers: { authorization: `Bearer ${alice}` }, body: JSON.stringify({ model: 'auto' }) });
    });

    it('refuses a revoked key within a second', async () => {
      const bob = await addUser('bob', '*');
      const args = [script, '--router', `127.0.0.1:${gw.grpcPort}`, ...gw.grpcClientArgs,
                    '--api-key', bob, 'wait-refused'];
      const proc = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'inherit'] });
      const lines = readline.createInterface({ input: proc.stdout });
      const results = [];
      const ready = new Promise((resolve) => lines.on('line', (l) => { results.push(JSON.parse(l)); resolve(); }));
      await ready;
      assert.equal(results[0].ready, true);
      const deleted = await admin('delete', 'bob');
      const revokedAt = Date.now();
      assert.equal(deleted.code, 0, deleted.stderr);
      await new Promise((resolve) => proc.on('exit', resolve));
      const refusal = results.at(-1);
      assert.equal(refusal.code, 'UNAUTHENTICATED', JSON.stringify(refusal));
      assert.ok(refusal.refused_at_ms - revokedAt < 1000 * SLOW,
                `refused ${refusal.refused_at_ms - revokedAt} ms after the delete`);
    });

    if (deployment.name === 'all-in-one') return;

    it('lets only the proven gateway set the trusted fields', async () => {
      // The gateway's own calls work (it proves itself; it sends no key to the router) ...
      const http = await fetch(`${gw.baseURL}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${alice}` },
        body: JSON.stringify({ model: '[fake]gpt-fake', messages: [] }) });
      assert.equal(http.status, 200);
      // ... a direct client with a wrong token gets nothing without a key ...
      const wrong = await grpcClient(gw, 'call', { spoof: true, extra: ['--service-token', 'f'.repeat(48)] });
      assert.equal(wrong.code, 'UNAUTHENTICATED');
      if (gw.serviceToken) {
        // ... while the right token is honoured as the gateway (so the test can tell).
        const right = await grpcClient(gw, 'list', { extra: ['--service-token', gw.serviceToken] });
        assert.equal(right.ok, true, JSON.stringify(right));
      }
    });
  });
}

describe('the gateway proves itself with its mTLS certificate', () => {
  let redis;
  let fake;
  let gw;
  before(async () => {
    redis = await startRedis();
    fake = await startFakeUpstream();
    gw = await startSplit(yaml(fake), [], {
      ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url, LLMSROUTER_ADMIN_TOKEN: TOKEN },
    { tls: true });
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
    await redis?.stop();
  });

  it('honours the gateway certificate, not another client\'s, nor another CA\'s', async () => {
    const added = await runAdmin(gw.authPort, TOKEN, ['add', 'carol', '--permissions', 'fake']);
    assert.equal(added.code, 0, added.stderr);
    const carol = keyOf(added.stdout);
    const http = await fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${carol}` },
      body: JSON.stringify({ model: '[fake]gpt-fake', messages: [] }) });
    assert.equal(http.status, 200);
    // A valid client certificate that is not the gateway's: a direct client (needs a key;
    // its spoofed fields are ignored).
    const direct = await grpcClient(gw, 'call', { spoof: true });
    assert.equal(direct.code, 'UNAUTHENTICATED');
    const spoofed = await grpcClient(gw, 'call', { key: carol, model: '[other]gpt-fake', spoof: true });
    assert.equal(spoofed.code, 'PERMISSION_DENIED');
    // The gateway's name on a certificate from another CA: no handshake at all.
    const certs = testCerts();
    const impostor = await grpcClient({ ...gw, grpcClientArgs: [] }, 'list', {
      extra: ['--ca', certs.file('ca.pem'), '--cert', certs.file('impostor.pem'), '--key', certs.file('impostor.key')] });
    assert.equal(impostor.code, 'UNAVAILABLE', JSON.stringify(impostor));
  });
});
