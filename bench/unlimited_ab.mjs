#!/usr/bin/env node
// A user WITHOUT limits, accounts on, all-in-one: this build against another build's binaries
// (--before-bin), alternating, same run, one request at a time (what metering every call
// costs an unlimited user). Usage: node bench/unlimited_ab.mjs --before-bin DIR [--n N] [--repeats R]
import http from 'node:http';
import { parseArgs } from 'node:util';
import { binDir, runAdmin, startAllInOne, startFakeUpstream, startRedis } from '../tests/e2e/harness.mjs';

const { values: args } = parseArgs({ options: {
  'before-bin': { type: 'string' }, n: { type: 'string', default: '1000' }, repeats: { type: 'string', default: '5' } } });
const n = Number(args.n);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function sequential(url, key, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const body = JSON.stringify({ model: '[fake]gpt-fake', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 });
  const u = new URL(url);
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
    times.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  return times[Math.floor(count / 2)];
}

const fake = await startFakeUpstream(['--record', '0']);
const redis = await startRedis();
const token = 'ab-admin';
const env = { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url, LLMSROUTER_ADMIN_TOKEN: token };
const config = `servers:\n  fake: {url: "${fake.url}"}\n`;
const builds = { before: args['before-bin'], after: binDir };
const runs = {};
for (const [name, bin] of Object.entries(builds)) {
  const stack = await startAllInOne(config, [], env, { bin });
  const added = await runAdmin(stack.authPort, token, ['add', `ab-${name}`, '--permissions', 'fake']);
  runs[name] = { stack, url: `${stack.baseURL}/v1/chat/completions`,
                 key: added.stdout.split('\n').find((l) => l.startsWith('llmr-')), p50: [] };
  await sequential(runs[name].url, runs[name].key, 200);
}
for (let r = 0; r < Number(args.repeats); r++) {
  for (const name of Object.keys(builds)) runs[name].p50.push(await sequential(runs[name].url, runs[name].key, n));
}
const [b, a] = [median(runs.before.p50), median(runs.after.p50)];
console.log(`unlimited user, all-in-one, ${n} sequential x ${args.repeats}: before p50 ${b.toFixed(0)} µs ` +
            `[${runs.before.p50.map((x) => x.toFixed(0))}], after p50 ${a.toFixed(0)} µs ` +
            `[${runs.after.p50.map((x) => x.toFixed(0))}], after/before ${(a / b).toFixed(3)}`);
for (const run of Object.values(runs)) await run.stack.stop();
await fake.stop();
await redis.stop();
