// Redis Sentinel: the auth service finds the master through three sentinels, and when the
// master is killed under traffic it follows the promotion of the replica — cached and fresh keys
// work again within 10 s of it, writes go to the new master, nothing is restarted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binDir, deployments, freePort, listeningPorts, runAdmin, startFakeUpstream, startProcess,
         waitFor } from './harness.mjs';

const TOKEN = 'admin-secret-for-tests';
const PASSWORD = 'sentinel-test-pw';
const MASTER = 'llmsrouter';
const SLOW = process.env.LLMSROUTER_E2E_SANITIZERS ? 3 : 1;
const keyOf = (stdout) => stdout.split('\n').find((l) => /^llmr-[A-Za-z0-9]{43}$/.test(l));

// One command through redis-cli (the password in the environment, not on the command line).
function cli(port, ...args) {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args],
                      { env: { ...process.env, REDISCLI_AUTH: PASSWORD }, encoding: 'utf8',
                        timeout: 3000 }).trim();
}

function startRedisServer(port, extra = []) {
  // Its own directory: a replica's full sync writes an RDB file there, not in the cwd.
  const dir = mkdtempSync(join(tmpdir(), 'llmsrouter-redis-'));
  const p = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1',
    '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--requirepass', PASSWORD,
    '--masterauth', PASSWORD, ...extra],
  { ready: (line) => (/Ready to accept connections/.test(line) ? true : undefined) });
  return p.value.then(() => p);
}

async function startSentinel(port, masterPort) {
  const dir = mkdtempSync(join(tmpdir(), 'llmsrouter-sentinel-'));
  const file = join(dir, 'sentinel.conf');
  // The sentinels want the password too (the auth service offers REDIS_URL's to them).
  writeFileSync(file, [`port ${port}`, 'bind 127.0.0.1', 'protected-mode no', `dir ${dir}`,
    `requirepass ${PASSWORD}`,
    `sentinel monitor ${MASTER} 127.0.0.1 ${masterPort} 2`,
    `sentinel down-after-milliseconds ${MASTER} 1000`,
    `sentinel failover-timeout ${MASTER} 5000`,
    `sentinel auth-pass ${MASTER} ${PASSWORD}`, ''].join('\n'));
  const p = startProcess('redis-server', [file, '--sentinel'],
    { ready: (line) => (/\+monitor master/.test(line) ? true : undefined) });
  await p.value;
  return p;
}

// Master + replica + three sentinels that know each other and the replica.
async function startSentinelSet() {
  const [masterPort, replicaPort, ...sentinelPorts] = await Promise.all(
    [0, 1, 2, 3, 4].map(() => freePort()));
  const master = await startRedisServer(masterPort);
  const replica = await startRedisServer(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
  const sentinels = [];
  for (const port of sentinelPorts) sentinels.push(await startSentinel(port, masterPort));
  await waitFor(() => /master_link_status:up/.test(cli(replicaPort, 'INFO', 'replication')),
                { timeoutMs: 10000, what: 'the replica to sync' });
  await waitFor(() => sentinelPorts.every((p) =>
    cli(p, 'SENTINEL', 'replicas', MASTER).includes(String(replicaPort)) &&
    Number(cli(p, 'SENTINEL', 'master', MASTER).split('\n')
      .find((_, i, a) => a[i - 1] === 'num-other-sentinels')) === 2),
  { timeoutMs: 20000, what: 'the sentinels to know the replica and each other' });
  return {
    masterPort, replicaPort, sentinelPorts, master, replica,
    url: `redis-sentinel://:${PASSWORD}@${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${MASTER}/0`,
    masterNow: () => Number(cli(sentinelPorts[0], 'SENTINEL', 'get-master-addr-by-name', MASTER).split('\n')[1]),
    stop: async () => {
      for (const s of sentinels) await s.stop();
      await replica.stop();
      await master.stop();
    },
  };
}

const chat = (baseURL, key) => fetch(`${baseURL}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${key}` },
  body: JSON.stringify({ model: '[fake]gpt-fake', messages: [] }), signal: AbortSignal.timeout(5000) });

for (const deployment of deployments) {
  describe(`Redis Sentinel failover through ${deployment.name}`, () => {
    let set;
    let fake;
    let gw;
    const admin = (...args) => runAdmin(gw.authPort, TOKEN, args);

    before(async () => {
      set = await startSentinelSet();
      fake = await startFakeUpstream();
      gw = await deployment.start(`servers:\n  fake: {url: "${fake.url}", append: ["gpt-fake"]}\n`, [],
        { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: set.url, LLMSROUTER_ADMIN_TOKEN: TOKEN });
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
      await set?.stop();
    });

    it('follows the promotion of the replica within 10 s, without a restart', async () => {
      const added = await admin('add', 'alice', '--permissions', 'fake');
      assert.equal(added.code, 0, added.stderr);
      const alice = keyOf(added.stdout);
      assert.equal((await chat(gw.baseURL, alice)).status, 200);
      // The user is on the replica before the master goes.
      assert.equal(cli(set.masterPort, 'WAIT', '1', '2000'), '1');
      const pids = Object.values(gw.procs).map((p) => p.pid);

      // Traffic with the cached key all along; errors are allowed only until the promotion.
      let stopTraffic = false;
      const outcomes = [];
      const traffic = (async () => {
        while (!stopTraffic) {
          const r = await chat(gw.baseURL, alice).catch((e) => ({ status: String(e) }));
          outcomes.push({ at: Date.now(), status: r.status });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      await waitFor(() => outcomes.length >= 5, { what: 'traffic' });
      await set.master.stop('SIGKILL');
      await waitFor(() => set.masterNow() === set.replicaPort,
                    { timeoutMs: 30000 * SLOW, intervalMs: 100, what: 'the sentinels to promote the replica' });
      const promoted = Date.now();

      // A fresh key: written to the new master (a replica would refuse it), then used.
      const bob = await waitFor(async () => {
        const r = await admin('add', 'bob', '--permissions', 'fake');
        return r.code === 0 ? keyOf(r.stdout) : undefined;
      }, { timeoutMs: 10000 * SLOW, intervalMs: 200, what: 'a user to be added on the new master' });
      await waitFor(async () => (await chat(gw.baseURL, bob)).status === 200,
                    { timeoutMs: 10000 * SLOW, what: 'the fresh key to work' });
      await waitFor(() => outcomes.some((o) => o.at > promoted && o.status === 200),
                    { timeoutMs: 10000 * SLOW, what: 'the cached key to work again' });
      const recoveredMs = Date.now() - promoted;
      assert.ok(recoveredMs < 10000 * SLOW, `took ${recoveredMs} ms after the promotion`);
      console.log(`[sentinel] ${deployment.key}: master killed, replica promoted, cached and fresh ` +
                  `keys served ${recoveredMs} ms after the promotion`);
      stopTraffic = true;
      await traffic;
      assert.equal(cli(set.replicaPort, 'ROLE').split('\n')[0], 'master');
      assert.ok(cli(set.replicaPort, 'HGET', 'llmsrouter:user:bob', 'name') === 'bob',
                'bob was written to the new master');
      // The calls after the promotion answered once recovered stay answered.
      const firstOk = outcomes.findIndex((o) => o.at > promoted && o.status === 200);
      const failedAfter = outcomes.slice(firstOk).filter((o) => o.status !== 200);
      assert.deepEqual(failedAfter, [], 'a call failed after the stack had recovered');
      // Nothing was restarted.
      assert.deepEqual(Object.values(gw.procs).map((p) => p.pid), pids);
      assert.ok(Object.values(gw.procs).every((p) => p.exitCode === null && p.signalCode === null));
    });
  });
}

describe('Redis Sentinel bad paths', () => {
  it('refuses a redis-sentinel:// URL without a master name at start, naming the problem', async () => {
    const p = startProcess(join(binDir, 'llmsrouter-auth'), ['--listen', '127.0.0.1:0'],
      { env: { REDIS_URL: `redis-sentinel://:${PASSWORD}@127.0.0.1:1`, LLMSROUTER_ADMIN_TOKEN: TOKEN },
        ready: listeningPorts('auth') });
    await assert.rejects(p.value, (e) => /master set's name/.test(e.message) && !e.message.includes(PASSWORD));
    assert.equal((await p.exited).code, 1);
  });

  it('answers 503 naming the sentinels when none of them knows the master', async () => {
    const [set, fake] = [await startSentinelSet(), await startFakeUpstream()];
    let gw;
    try {
      const url = set.url.replace(`/${MASTER}/`, '/no-such-master/');
      gw = await deployments[deployments.length - 1].start(
        `servers:\n  fake: {url: "${fake.url}", append: ["gpt-fake"]}\n`, [],
        { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: url, LLMSROUTER_ADMIN_TOKEN: TOKEN });
      const r = await chat(gw.baseURL, 'llmr-' + 'x'.repeat(43));
      assert.equal(r.status, 503);
      const body = await r.json();
      assert.equal(body.error.type, 'service_unavailable_error', JSON.stringify(body));
      assert.match(body.error.message, /master 'no-such-master' via sentinels 127\.0\.0\.1:/);
      const logged = gw.output.join('\n');
      assert.ok(!logged.includes(PASSWORD), 'the password reached a log');
      const added = await runAdmin(gw.authPort, TOKEN, ['add', 'carol', '--permissions', 'fake']);
      assert.notEqual(added.code, 0);
      assert.match(added.stderr, /no-such-master/);
    } finally {
      await gw?.stop();
      await fake.stop();
      await set.stop();
    }
  });
});
