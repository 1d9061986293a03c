#!/usr/bin/env node
// LLMsRouter benchmarks, side by side with direct access, nginx and Portkey, in one run
// against one fake upstream. Every figure is reported against the direct baseline measured
// in the same run (these machines are shared and noisy): repeat R times, report the median
// and the spread (min..max). Usage: node bench/bench.mjs [--quick] [--repeats N]
//   [--streams 1000,5000] [--stream-seconds S] [--baseline-bin OTHER_BUILD/bin]
//   [--only-blackhole] [--only-soak SECONDS] [--only-limits]
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { freePort, runAdmin, startAllInOne, startFakeLangfuse, startFakeUpstream, startProcess,
         startRedis, startSplit } from '../tests/e2e/harness.mjs';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({ options: {
  quick: { type: 'boolean', default: false },
  repeats: { type: 'string', default: '3' },
  streams: { type: 'string', default: '1000' },
  'stream-seconds': { type: 'string', default: '10' },
  'only-blackhole': { type: 'boolean', default: false },
  // Memory over a long run: S seconds of load on each llmsrouter deployment, resident memory
  // sampled after each sixth (written to results/soak.md).
  'only-soak': { type: 'string' },
  // Added latency of a user with limits (one admission round trip) over a user without, in
  // both deployments, same run (written to results/limits.md).
  'only-limits': { type: 'boolean', default: false },
  // Another build's bin/ directory: its all-in-one joins the run as "baseline build", so a
  // change is measured before/after in the same run.
  'baseline-bin': { type: 'string' },
} });
const quick = args.quick;
const repeats = Number(args.repeats);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => `${Math.min(...xs).toFixed(0)}..${Math.max(...xs).toFixed(0)}`;
const log = (...m) => console.error('[bench]', ...m);

// ---- contenders -------------------------------------------------------------------------
async function startNginx(upstreamPort) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes auto; pid ${dir}/nginx.pid; error_log ${dir}/error.log; daemon off;
events { worker_connections 16384; }
http {
  access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir};
  upstream fake { server 127.0.0.1:${upstreamPort}; keepalive 256; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://fake; proxy_http_version 1.1; proxy_set_header Connection "";
                 proxy_buffering off; tcp_nodelay on; }
  }
}`);
  const p = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  await waitPort(port);
  return { port, proc: p, stop: () => p.kill('SIGQUIT') };
}

async function startPortkey() {
  const dir = join(here, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  const port = await freePort();
  const p = spawn('node', [dir, `--port=${port}`, '--headless'], { stdio: 'ignore' });
  await waitPort(port);
  return { port, proc: p, stop: () => p.kill() };
}

function waitPort(port, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const req = http.get({ host: '127.0.0.1', port, path: '/' }, (res) => { res.resume(); resolve(); });
      req.on('error', () => (Date.now() > deadline ? reject(new Error(`port ${port}`)) : setTimeout(attempt, 100)));
    };
    attempt();
  });
}

// ---- measurements -----------------------------------------------------------------------
function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch { /* gone */ }
  }
  return ticks / 100;
}
function rssMb(pids) {
  let kb = 0;
  for (const pid of pids) {
    try { kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch { /* gone */ }
  }
  return kb / 1024;
}
function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch { return []; }
}

async function hey(c, url, extra) {
  const { stdout } = await run('hey', [...extra, '-m', 'POST', '-T', 'application/json',
    '-d', JSON.stringify(c.body), ...c.headers.flatMap((h) => ['-H', h]), url],
  { maxBuffer: 1 << 26, timeout: 600000 });
  const pct = (p) => Number(new RegExp(`${p}% in ([0-9.]+) secs`).exec(stdout)?.[1] ?? NaN) * 1e6;
  const codes = /\[200\]\s+(\d+) responses/.exec(stdout);
  return { p50: pct(50), p99: pct(99), rps: Number(/Requests\/sec:\s+([0-9.]+)/.exec(stdout)?.[1]),
           ok: Number(codes?.[1] ?? 0), out: stdout };
}

// One request at a time over a kept-alive connection; latency percentiles in microseconds
// (hey reports 100 µs steps, too coarse for the added latency of a proxy).
async function sequential(c, n) {
  const body = JSON.stringify(c.body);
  const u = new URL(c.url);
  const headers = { 'content-type': 'application/json', ...Object.fromEntries(c.headers.map((h) => h.split(': '))) };
  const times = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
                                 agent: c.agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${c.name}: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
    times.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n * 0.5)], p99: times[Math.floor(n * 0.99)] };
}

// Sequential streams; time to first data event and total time, microseconds.
function stream(c, model) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const u = new URL(c.url);
    const start = process.hrtime.bigint();
    let first = 0n;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      agent: c.agent, headers: { 'content-type': 'application/json', ...Object.fromEntries(c.headers.map((h) => h.split(': '))) } },
    (res) => {
      res.on('data', () => { if (!first) first = process.hrtime.bigint(); });
      res.on('end', () => resolve({ ttft: Number(first - start) / 1e3, total: Number(process.hrtime.bigint() - start) / 1e3 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// N concurrent slow streams; counts those that completed with no gap over 1 s.
function manyStreams(c, n, seconds) {
  const chunks = seconds * 10;
  const model = `${c.prefix}gpt-fake+chunks=${chunks}+interval=100`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: n + 10 });
  let completed = 0;
  let stalled = 0;
  let failed = 0;
  let slowestFirst = 0;
  // A stall is a gap of over a second between two chunks of a stream; the wait for the first
  // chunk (all streams connect at once) is reported apart, as the slowest first chunk.
  const one = () => new Promise((resolve) => {
    const u = new URL(c.url);
    const started = Date.now();
    let last = 0;
    let worst = 0;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', ...Object.fromEntries(c.headers.map((h) => h.split(': '))) } },
    (res) => {
      res.on('data', () => {
        const now = Date.now();
        if (last) worst = Math.max(worst, now - last);
        else slowestFirst = Math.max(slowestFirst, now - started);
        last = now;
      });
      res.on('end', () => { if (res.statusCode !== 200) failed++; else if (worst > 1000) stalled++; else completed++; resolve(); });
      res.on('error', () => { failed++; resolve(); });
    });
    req.on('error', () => { failed++; resolve(); });
    req.end(JSON.stringify({ model, stream: true, messages: [] }));
  });
  return { run: Promise.all(Array.from({ length: n }, one)).then(() => ({ completed, stalled, failed, slowestFirst })),
           agent };
}

// Latency of one contender with Langfuse healthy, then black-holed (never answers), then
// healthy again — alternating, so that noise hits both sides alike.
async function blackhole(c, langfuse, n) {
  const healthy = { p50: [], p99: [] };
  const holed = { p50: [], p99: [] };
  for (let r = 0; r < repeats; r++) {
    await langfuse.behave({});
    const h = await sequential(c, n);
    healthy.p50.push(h.p50);
    healthy.p99.push(h.p99);
    await langfuse.behave({ hang: true });
    const b = await sequential(c, n);
    holed.p50.push(b.p50);
    holed.p99.push(b.p99);
  }
  await langfuse.behave({});
  const ratio = (xs, ys) => median(ys.map((y, i) => y / xs[i]));
  return `| ${c.name}, Langfuse | p50 µs | p99 µs |\n|---|---|---|\n` +
    `| healthy | ${median(healthy.p50).toFixed(0)} (${spread(healthy.p50)}) | ${median(healthy.p99).toFixed(0)} (${spread(healthy.p99)}) |\n` +
    `| black-holed | ${median(holed.p50).toFixed(0)} (${spread(holed.p50)}) | ${median(holed.p99).toFixed(0)} (${spread(holed.p99)}) |\n` +
    `| ratio | ${ratio(healthy.p50, holed.p50).toFixed(2)}× | ${ratio(healthy.p99, holed.p99).toFixed(2)}× |\n`;
}

// Waits until the fake Langfuse has taken every trace the runs so far produced (its counters
// stop moving for over a batch interval), so that one contender's export backlog does not
// tax the next contender's figures on a 2-core machine.
let settleWith = null;
async function settle() {
  if (!settleWith) return;
  let last = '';
  for (let i = 0; i < 60; i++) {
    const now = JSON.stringify(await settleWith.stats());
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 1200));
  }
}

// Resident memory of one deployment over a long run of mixed streamed and non-streamed calls
// (64 connections each), sampled after each sixth of `seconds`: a leak shows as a climb after
// the first slice (allocator pools and caches fill during the first).
async function soak(c, seconds) {
  const slice = Math.max(1, Math.round(seconds / 6));
  const samples = [rssMb(c.gatewayPids)];
  let requests = 0;
  for (let i = 0; i < 6; i++) {
    const plain = { ...c, body: { model: `${c.prefix}gpt-fake+chunks=5`, messages: [{ role: 'user', content: 'hi' }] } };
    const streamed = { ...c, body: { ...plain.body, stream: true, model: `${c.prefix}gpt-fake+chunks=50` } };
    const [a, b] = await Promise.all([hey(plain, c.url, ['-z', `${slice}s`, '-c', '48']),
                                      hey(streamed, c.url, ['-z', `${slice}s`, '-c', '16'])]);
    requests += a.ok + b.ok;
    await settle();
    samples.push(rssMb(c.gatewayPids));
  }
  return `| ${c.name} | ${requests} | ${samples.map((s) => s.toFixed(1)).join(' → ')} | ` +
    `${(samples[6] - samples[1]).toFixed(1)} |\n`;
}

// A user with limits (never reached) against one without, alternating, one request at a time.
async function limitsBench() {
  const fake = await startFakeUpstream(['--record', '0']);
  const redis = await startRedis();
  const token = 'bench-admin';
  const env = { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url, LLMSROUTER_ADMIN_TOKEN: token };
  const config = `servers:\n  fake: {url: "${fake.url}"}\n`;
  const stacks = { 'all-in-one': await startAllInOne(config, [], env), split: await startSplit(config, [], env) };
  const n = quick ? 300 : 2000;
  let md = `# Limits: added latency of a limited user\n\n${new Date().toISOString()}, ${n} sequential ` +
    `requests per sample, ${repeats} repeats (median, spread). Limited: rpm, tpm and parallel set ` +
    `(never reached), so each call makes one admission (Lua script) and one settlement.\n\n` +
    '| deployment | unlimited p50 µs | limited p50 µs | added p50 µs | added p99 µs | limited ÷ unlimited p50 |\n|---|---|---|---|---|---|\n';
  for (const [name, stack] of Object.entries(stacks)) {
    const keys = {};
    for (const user of ['unlimited', 'limited']) {  // one Redis: a name per deployment
      const added = await runAdmin(stack.authPort, token, ['add', `${name}-${user}`, '--permissions', 'fake']);
      keys[user] = added.stdout.split('\n').find((l) => l.startsWith('llmr-'));
    }
    await runAdmin(stack.authPort, token, ['limits', 'set', `${name}-limited`, '--rpm', '100000000',
                                           '--tpm', '1000000000000', '--parallel', '100000']);
    const contender = (user) => ({ name: `${name} ${user}`, url: `${stack.baseURL}/v1/chat/completions`,
      headers: [`Authorization: Bearer ${keys[user]}`], agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
      body: { model: '[fake]gpt-fake', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 } });
    const [free, limited] = [contender('unlimited'), contender('limited')];
    await sequential(free, 200);
    await sequential(limited, 200);
    const s = { free50: [], lim50: [], add50: [], add99: [] };
    for (let r = 0; r < repeats; r++) {
      const a = await sequential(free, n);
      const b = await sequential(limited, n);
      s.free50.push(a.p50);
      s.lim50.push(b.p50);
      s.add50.push(b.p50 - a.p50);
      s.add99.push(b.p99 - a.p99);
    }
    md += `| ${name} | ${median(s.free50).toFixed(0)} | ${median(s.lim50).toFixed(0)} | ` +
      `${median(s.add50).toFixed(0)} (${spread(s.add50)}) | ${median(s.add99).toFixed(0)} (${spread(s.add99)}) | ` +
      `${(median(s.lim50) / median(s.free50)).toFixed(2)} |\n`;
  }
  console.log(md);
  writeFileSync(join(here, 'results', 'limits.md'), md);
  for (const stack of Object.values(stacks)) await stack.stop();
  await fake.stop();
  await redis.stop();
}

// ---- main -------------------------------------------------------------------------------
async function main() {
  if (args['only-limits']) return limitsBench();
  const fake = await startFakeUpstream(['--record', '0']);
  const [redis, langfuse, nginx, portkey] = await Promise.all([startRedis(), startFakeLangfuse(),
    startNginx(fake.port), startPortkey()]);
  const token = 'bench-admin';
  const env = { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url, LLMSROUTER_ADMIN_TOKEN: token,
                ...langfuse.env };
  const config = `servers:\n  fake: {url: "${fake.url}"}\n`;
  const allInOne = await startAllInOne(config, [], env);
  const split = await startSplit(config, [], env);
  const added = await runAdmin(allInOne.authPort, token, ['add', 'bench', '--permissions', 'fake']);
  const key = added.stdout.split('\n').find((l) => l.startsWith('llmr-'));
  const auth = [`Authorization: Bearer ${key}`];
  const contenders = [
    { name: 'direct', url: `${fake.url}/chat/completions`, headers: [], prefix: '', pids: [] },
    { name: 'nginx', url: `http://127.0.0.1:${nginx.port}/v1/chat/completions`, headers: [], prefix: '',
      pids: [nginx.proc.pid, ...childPids(nginx.proc.pid)] },
    { name: 'llmsrouter (all-in-one)', url: `${allInOne.baseURL}/v1/chat/completions`, headers: auth, prefix: '[fake]',
      pids: [allInOne.proc.pid] },
    { name: 'llmsrouter (split)', url: `${split.baseURL}/v1/chat/completions`, headers: auth, prefix: '[fake]',
      pids: Object.values(split.procs).map((p) => p.pid), gatewayPids: [split.procs.gateway.pid, split.procs.router.pid] },
    { name: 'portkey', url: `http://127.0.0.1:${portkey.port}/v1/chat/completions`, prefix: '',
      headers: ['x-portkey-provider: openai', `x-portkey-custom-host: ${fake.url}`, 'Authorization: Bearer x'],
      pids: [portkey.proc.pid] },
  ];
  allInOne.gatewayPids = [allInOne.proc.pid];
  contenders[2].gatewayPids = [allInOne.proc.pid];
  let baseline = null;
  if (args['baseline-bin']) {
    baseline = await startAllInOne(config, [], env, { bin: args['baseline-bin'] });
    contenders.splice(3, 0, { name: 'all-in-one, baseline build', url: `${baseline.baseURL}/v1/chat/completions`,
      headers: auth, prefix: '[fake]', pids: [baseline.proc.pid], gatewayPids: [baseline.proc.pid] });
  }
  for (const c of contenders) {
    c.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    c.idleRss = rssMb(c.pids);
  }
  const stopAll = async () => {
    await Promise.all([allInOne.stop(), split.stop(), baseline?.stop()]);
    nginx.stop();
    portkey.stop();
    await Promise.all([fake.stop(), langfuse.stop(), redis.stop()]);
  };
  settleWith = langfuse;
  const results = { machine: { cpus: (await run('nproc')).stdout.trim() }, repeats, contenders: {} };
  if (args['only-soak']) {
    let md = `| ${args['only-soak']} s soak | calls | RSS MB: idle → after each sixth | growth after the first sixth MB |\n|---|---|---|---|\n`;
    for (const c of contenders.filter((x) => x.name.startsWith('llmsrouter'))) md += await soak(c, Number(args['only-soak']));
    console.log(md);
    writeFileSync(join(here, 'results', 'soak.md'), md);
    await stopAll();
    return;
  }
  if (args['only-blackhole']) {
    const c = contenders[2];
    c.body = { model: `${c.prefix}gpt-fake+chunks=5`, messages: [{ role: 'user', content: 'hi' }] };
    await sequential(c, 200);
    const md = await blackhole(c, langfuse, quick ? 500 : 3000);
    console.log(md);
    writeFileSync(join(here, 'results', 'blackhole.md'), md);
    await stopAll();
    return;
  }
  const n = quick ? 300 : 3000;
  for (const c of contenders) {
    c.body = { model: `${c.prefix}gpt-fake+chunks=5`, messages: [{ role: 'user', content: 'hi' }] };
    await hey(c, c.url, ['-n', '200', '-c', '4']);  // warm up connections and caches
  }

  log('added latency, one request at a time');
  const lat = Object.fromEntries(contenders.map((c) => [c.name, { p50: [], p99: [] }]));
  for (let r = 0; r < repeats; r++) {
    for (const c of contenders) {
      await settle();
      const m = await sequential(c, n);
      lat[c.name].p50.push(m.p50);
      lat[c.name].p99.push(m.p99);
    }
  }

  log('throughput: upstream answers after 20 ms, 256 connections');
  const thr = Object.fromEntries(contenders.map((c) => [c.name, { rps: [], p99: [], cpuPer10k: [] }]));
  for (let r = 0; r < repeats; r++) {
    for (const c of contenders) {
      const body = c.body;
      c.body = { ...body, model: `${c.prefix}gpt-fake+chunks=5+latency=20` };
      const cpu0 = cpuSeconds(c.pids);
      await settle();
      const m = await hey(c, c.url, ['-z', quick ? '3s' : '10s', '-c', '256']);
      const cpu = cpuSeconds(c.pids) - cpu0;
      c.body = body;
      thr[c.name].rps.push(m.rps);
      thr[c.name].p99.push(m.p99);
      thr[c.name].cpuPer10k.push(m.ok ? (cpu / m.ok) * 10000 : NaN);
    }
  }

  log('streaming: 200 chunks, sequential');
  const str = Object.fromEntries(contenders.map((c) => [c.name, { ttft: [], total: [] }]));
  const streamsPerRepeat = quick ? 10 : 40;
  for (let r = 0; r < repeats; r++) {
    for (const c of contenders) {
      await settle();
      const ttfts = [];
      const totals = [];
      for (let i = 0; i < streamsPerRepeat; i++) {
        const s = await stream(c, `${c.prefix}gpt-fake+chunks=200`);
        ttfts.push(s.ttft);
        totals.push(s.total);
      }
      str[c.name].ttft.push(median(ttfts));
      str[c.name].total.push(median(totals));
    }
  }

  log('many concurrent slow streams');
  const many = {};
  for (const count of args.streams.split(',').map(Number)) {
    for (const c of contenders.filter((x) => x.name.startsWith('llmsrouter'))) {
      await settle();
      let peak = 0;
      const timer = setInterval(() => { peak = Math.max(peak, rssMb(c.gatewayPids)); }, 250);
      const m = manyStreams(c, count, Number(args['stream-seconds']));
      const outcome = await m.run;
      clearInterval(timer);
      m.agent.destroy();
      many[`${c.name} × ${count}`] = { ...outcome, peakRssMb: peak };
    }
  }

  // ---- report ---------------------------------------------------------------------------
  const direct = 'direct';
  const rows = [];
  for (const c of contenders) {
    const l = lat[c.name];
    const addedP50 = l.p50.map((v, i) => v - lat[direct].p50[i]);
    const addedP99 = l.p99.map((v, i) => v - lat[direct].p99[i]);
    const t = thr[c.name];
    const ratio = t.rps.map((v, i) => v / thr[direct].rps[i]);
    const s = str[c.name];
    const ttft = s.ttft.map((v, i) => v - str[direct].ttft[i]);
    const perChunk = s.total.map((v, i) => (v - str[direct].total[i]) / 200);
    results.contenders[c.name] = { latency: l, throughput: t, streaming: s, idleRssMb: c.idleRss };
    rows.push({ name: c.name, addedP50: median(addedP50), addedP50s: spread(addedP50),
                addedP99: median(addedP99), addedP99s: spread(addedP99), ratio: median(ratio),
                p99: median(t.p99) / 1000, cpu: median(t.cpuPer10k), ttft: median(ttft), ttfts: spread(ttft),
                perChunk: median(perChunk), rss: c.idleRss });
  }
  results.manyStreams = many;
  const nginxCpu = rows.find((r) => r.name === 'nginx').cpu;
  const portkeyP50 = rows.find((r) => r.name === 'portkey').addedP50;
  let md = `# Benchmark results\n\n${new Date().toISOString()}, ${results.machine.cpus} cores, ${repeats} repeats (median, spread min..max).\n` +
    `Auth (Redis) and tracing (to a fake Langfuse) are on for both llmsrouter deployments.\n\n` +
    '| contender | added p50 µs | added p99 µs | throughput vs direct | p99 at 256 conns ms | CPU s / 10k req | CPU vs nginx | added TTFT µs | added µs/chunk | idle RSS MB | Portkey p50 ÷ this |\n|---|---|---|---|---|---|---|---|---|---|---|\n';
  for (const r of rows) {
    md += `| ${r.name} | ${r.name === direct ? '—' : `${r.addedP50.toFixed(0)} (${r.addedP50s})`} | ` +
      `${r.name === direct ? '—' : `${r.addedP99.toFixed(0)} (${r.addedP99s})`} | ${(r.ratio * 100).toFixed(1)} % | ` +
      `${r.p99.toFixed(1)} | ${r.name === direct ? '—' : r.cpu.toFixed(2)} | ` +
      `${['direct', 'nginx'].includes(r.name) ? '—' : `${(r.cpu / nginxCpu).toFixed(2)}×`} | ` +
      `${r.name === direct ? '—' : `${r.ttft.toFixed(0)} (${r.ttfts})`} | ${r.name === direct ? '—' : r.perChunk.toFixed(1)} | ` +
      `${r.name === direct ? '—' : r.rss.toFixed(1)} | ${['direct', 'portkey', 'nginx'].includes(r.name) ? '—' : (portkeyP50 / Math.max(r.addedP50, 1)).toFixed(1) + '×'} |\n`;
  }
  md += `\n${await blackhole(contenders[2], langfuse, quick ? 300 : 2000)}`;
  md += '\n| many streams | completed | stalled | failed | slowest first chunk ms | peak RSS gateway+router MB |\n|---|---|---|---|---|---|\n';
  for (const [k, v] of Object.entries(many)) {
    md += `| ${k} | ${v.completed} | ${v.stalled} | ${v.failed} | ${v.slowestFirst} | ${v.peakRssMb.toFixed(1)} |\n`;
  }
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.md'), md);
  writeFileSync(join(out, 'latest.json'), JSON.stringify(results, null, 1));
  const dat = rows.filter((r) => r.name !== direct).map((r) => `"${r.name}" ${r.addedP50.toFixed(0)} ${r.addedP99.toFixed(0)}`).join('\n');
  writeFileSync(join(out, 'latency.dat'), dat + '\n');
  try {
    await run('gnuplot', ['-e', `set terminal png size 900,500; set output '${join(out, 'latency.png')}'; ` +
      `set title 'Added latency over direct (µs, one request at a time; lower is better)'; set style data histograms; ` +
      `set style fill solid; set logscale y; set ylabel 'µs (log)'; set xtics rotate by -15; ` +
      `plot '${join(out, 'latency.dat')}' using 2:xtic(1) title 'p50', '' using 3 title 'p99'`]);
  } catch (e) { log('gnuplot failed', e.message); }
  console.log(md);
  await stopAll();
}

main().catch((e) => { console.error(e); process.exit(1); });
