// Starts the real LLMsRouter binaries and the fake upstream for end-to-end tests, and tears
// them down even when a test fails. Every server binds port 0 and reports the port it got.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import net from 'node:net';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const binDir = process.env.LLMSROUTER_BIN_DIR ?? join(repoRoot, 'build', 'bin');

// Waits until `check` returns a truthy value, polling; throws after `timeoutMs`.
export async function waitFor(check, { timeoutMs = 10000, intervalMs = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

// Spawns a process and resolves once a line of its output satisfies `ready(line)` (which
// returns the value to resolve with). Output is kept for diagnostics.
export function startProcess(command, args, { env = {}, cwd, ready, timeoutMs = 15000 }) {
  // No drain delay unless a test asks for one: SIGTERM ends a test's processes at once.
  const proc = spawn(command, args, { env: { LLMSROUTER_DRAIN_DELAY: '0', ...process.env, ...env }, cwd,
                                      stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  let stopping = false;
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  // A process that dies on its own mid-test is the first thing to know about when a test
  // fails, so its last output goes to the test log.
  exited.then(({ code, signal }) => {
    if (stopping) return;
    console.error(`[harness] ${command} exited unexpectedly (${code ?? signal}); last output:\n` +
                  output.slice(-40).join('\n'));
  });
  const value = new Promise((resolveReady, rejectReady) => {
    const timer = setTimeout(() => rejectReady(new Error(
      `${command} did not become ready:\n${output.join('\n')}`)), timeoutMs);
    for (const stream of [proc.stdout, proc.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const v = ready(line);
        if (v !== undefined && v !== null) { clearTimeout(timer); resolveReady(v); }
      });
    }
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rejectReady(new Error(`${command} exited (${code ?? signal}):\n${output.join('\n')}`));
    });
  });
  const stop = async (signal = 'SIGTERM') => {
    stopping = true;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    return exited;
  };
  return { proc, value, output, exited, stop };
}

export function listeningPorts(service) {
  return (line) => {
    try {
      const j = JSON.parse(line);
      if (j.msg === 'listening' && j.service === service) return j;
    } catch { /* not a log line */ }
    return undefined;
  };
}

// The value of the first series of metric `name` (with or without labels) in the Prometheus
// text served at `metricsUrl`; 0 when it is absent.
export async function metricValue(metricsUrl, name) {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : 0;
}

// The sum of every series of metric `name` whose labels contain all of `labels` (strings such
// as 'route="chat/completions"').
export async function metricSum(metricsUrl, name, labels = []) {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
  return text.split('\n')
    .filter((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) &&
                   labels.every((label) => l.includes(label)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

// Resident memory of a process, in MB.
export function rssMb(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

// Sends SIGTERM to every process of a stack (`stack.parts`, in shutdown order) and waits for
// each to exit, at most `timeoutMs` each. A process still running then is killed (SIGKILL), as
// is every one after it, and the returned list names them with how long each was given;
// processes that exited say how long they took. Never hangs, so it also serves as cleanup.
export async function terminate(stack, timeoutMs) {
  const report = [];
  let failed = false;
  for (const part of stack.parts) {
    const started = Date.now();
    let timer;
    const outcome = failed ? 'skipped' : await Promise.race([
      part.stop('SIGTERM').then(({ code, signal }) => ({ code, signal })),
      new Promise((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout' || outcome === 'skipped') {
      failed = true;
      part.proc.kill('SIGKILL');
      await part.exited;
      report.push({ name: part.name, killed: true, ms: Date.now() - started });
    } else {
      // The gateway (or the all-in-one) says whether every request in flight had ended.
      const drained = part.output.map((l) => { try { return JSON.parse(l); } catch { return undefined; } })
        .find((j) => j?.msg === 'drained')?.clean;
      report.push({ name: part.name, killed: false, ms: Date.now() - started, ...outcome,
                    ...(drained === undefined ? {} : { drained }) });
    }
  }
  return report;
}

// Asserts that SIGTERM ends every process of a stack within `timeoutMs` each, with exit code 0,
// and that the gateway had no request left in flight to drain (none stuck).
export async function assertTerminates(stack, timeoutMs) {
  const report = await terminate(stack, timeoutMs);
  const bad = report.filter((r) => r.killed || r.code !== 0 || r.drained === 'false');
  if (bad.length) {
    throw new Error(`SIGTERM did not end every process within ${timeoutMs} ms with exit 0 and ` +
      `nothing left to drain: ${JSON.stringify(report)}\nlast output:\n${stack.output.slice(-30).join('\n')}`);
  }
  return report;
}

// One POST over a connection of its own, from a client that may give up as `curl -m` does
// (its socket destroyed): when `signal` aborts, after `giveUpAfterMs`, or once
// `giveUpAfterEvents` SSE events have arrived. Resolves {status, body, gaveUp, ms}; rejects on
// a transport error, or when the call has not ended after `timeoutMs`. `port` is the client's.
export function clientCall(baseURL, body, { path = '/v1/chat/completions', signal, giveUpAfterMs,
                                           giveUpAfterEvents, timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const started = Date.now();
    const req = http.request(baseURL + path, { method: 'POST', agent: false, headers: {
      'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } });
    let status = 0;
    let text = '';
    let ended = false;
    let port;  // the client's own port, to find its connection on the server's side
    req.on('socket', (socket) => socket.on('connect', () => { port = socket.localPort; }));
    const timers = [];
    const end = (settle) => {
      if (ended) return;
      ended = true;
      timers.forEach(clearTimeout);
      signal?.removeEventListener('abort', giveUp);
      settle();
    };
    function giveUp() {
      req.destroy();
      end(() => resolve({ status, body: text, gaveUp: true, ms: Date.now() - started, port }));
    }
    if (signal?.aborted) return giveUp();
    signal?.addEventListener('abort', giveUp);
    if (giveUpAfterMs !== undefined) timers.push(setTimeout(giveUp, giveUpAfterMs));
    timers.push(setTimeout(() => {
      req.destroy();
      end(() => reject(new Error(`call still running after ${timeoutMs} ms: ${payload}`)));
    }, timeoutMs));
    req.on('response', (res) => {
      status = res.statusCode;
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
        if (giveUpAfterEvents !== undefined && text.split('\n\n').length - 1 >= giveUpAfterEvents) giveUp();
      });
      res.on('end', () => end(() => resolve({ status, body: text, gaveUp: false, ms: Date.now() - started, port })));
      res.on('error', (e) => end(() => reject(new Error(`${e.message} after ${text.length} bytes: ${payload}`))));
    });
    req.on('error', (e) => end(() => reject(new Error(`${e.message}: ${payload}`))));
    req.end(payload);
  });
}

// A clientCall that counts the calls it made (`count`), with default options, and remembers
// each call by its client port (`byPort`: model, stream, when it gave up, the outcome).
export function countingClient(baseURL, defaults = {}) {
  const client = {
    count: 0,
    byPort: new Map(),
    call: async (body, options = {}) => {
      client.count++;
      const o = await clientCall(baseURL, body, { ...defaults, ...options });
      client.byPort.set(o.port, { model: body.model, stream: body.stream ?? false,
        giveUpAfterMs: options.giveUpAfterMs, giveUpAfterEvents: options.giveUpAfterEvents,
        status: o.status, gaveUp: o.gaveUp, ms: o.ms });
      return o;
    },
  };
  return client;
}

// Client ports of the connections that a server on `port` still holds although their client
// closed them (CLOSE_WAIT in /proc/net/tcp): calls the server left behind.
export function heldConnections(port) {
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 3 && parseInt(f[1].split(':')[1], 16) === port && f[3] === '08')
    .map((f) => parseInt(f[2].split(':')[1], 16));
}

// A stack whose clients gave up on their calls is whole again: /healthz answers within 1 s,
// /readyz answers 200 (no event loop stalled, the router reachable), a call to `normalModel`
// succeeds, a call to `cappedModel` (a provider with max_connections: 1) succeeds within 1 s
// (its slot is free), the fake upstream saw every transfer end, the gateway holds no connection
// its client closed, every call `client` made was finished and counted by the gateway, no
// stream is left open, no call waits for a provider slot and no event loop is reported
// stalled. `uncountable` calls may never have reached the gateway (their client gave up at
// once); `slow` stretches the deadlines (sanitizer builds).
export async function assertStackWhole(stack, fake, client,
                                       { normalModel, cappedModel, uncountable = 0, slow = 1 }) {
  const health = await fetch(`${stack.baseURL}/healthz`, { signal: AbortSignal.timeout(1000) })
    .catch((e) => e);
  assert.equal(health.status, 200, `/healthz must answer within 1 s (got ${health})`);
  const ready = await fetch(`${stack.baseURL}/readyz`, { signal: AbortSignal.timeout(2000 * slow) })
    .catch((e) => e);
  assert.equal(ready.status, 200, `/readyz must answer 200 (got ${ready.status ?? ready})`);
  const normal = await client.call({ model: normalModel, messages: [] }, { timeoutMs: 5000 * slow });
  assert.equal(normal.status, 200, normal.body);
  const started = Date.now();
  const slot = await client.call({ model: cappedModel, messages: [] }, { timeoutMs: 2000 * slow })
    .catch((e) => assert.fail(`the provider slot is not free again: ${e.message}`));
  assert.equal(slot.status, 200, slot.body);
  assert.ok(Date.now() - started < 1000 * slow, `the capped provider took ${Date.now() - started} ms`);
  await waitFor(async () => (await fake.stats()).open_requests === 0,
                { timeoutMs: 5000 * slow, what: 'the upstream to see every transfer end' });
  const gatewayPort = Number(new URL(stack.baseURL).port);
  await waitFor(() => heldConnections(gatewayPort).length === 0,
                { timeoutMs: 3000 * slow, what: 'the gateway to close the connections of clients that left' })
    .catch((e) => {
      const held = heldConnections(gatewayPort).map((p) => ({ port: p, ...client.byPort.get(p) }));
      throw new Error(`${e.message}: calls left behind: ${JSON.stringify(held)}`);
    });
  const sum = async (name, labels) => (await Promise.all(
    stack.metricsURLs.map((url) => metricSum(url, name, labels)))).reduce((a, b) => a + b, 0);
  let state;
  let counted;
  await waitFor(async () => {
    counted = await sum('llmsrouter_http_requests_total', ['route="chat/completions"']);
    const streams = await sum('llmsrouter_gateway_active_streams');
    const waiting = await sum('llmsrouter_provider_slot_waiting');
    const stalled = await sum('llmsrouter_event_loops_stalled');
    state = `${counted} of ${client.count} calls counted (${uncountable} may not have reached ` +
            `the gateway), ${streams} streams active, ${waiting} calls waiting for a slot, ` +
            `${stalled} event loops stalled`;
    return counted >= client.count - uncountable && streams === 0 && waiting === 0 && stalled === 0;
  }, { timeoutMs: 5000 * slow, what: 'every call to be finished' })
    .catch((e) => { throw new Error(`${e.message}: ${state}`); });
  assert.ok(counted <= client.count, state);
}

export async function startFakeUpstream(extraArgs = [], script = 'fake_upstream.mjs') {
  const p = startProcess('node', [join(repoRoot, 'tests', 'fake_upstream', script),
                                  '--port', '0', ...extraArgs], {
    ready: (line) => { try { return JSON.parse(line).listening; } catch { return undefined; } },
  });
  const port = await p.value;
  const hostArg = extraArgs.indexOf('--host');
  const base = `http://${hostArg >= 0 ? extraArgs[hostArg + 1] : '127.0.0.1'}:${port}`;
  const get = async (path) => (await fetch(base + path)).json();
  return {
    port, base, url: `${base}/v1`, stop: p.stop,
    requests: () => get('/_fake/requests'),
    stats: () => get('/_fake/stats'),
    reset: () => fetch(base + '/_fake/reset', { method: 'POST' }),
    behave: (b) => fetch(base + '/_fake/behave', { method: 'POST', body: JSON.stringify(b) }),
  };
}

// The fake Anthropic provider (tests/fake_upstream/fake_anthropic.mjs), same handle.
export const startFakeAnthropic = (extraArgs = []) => startFakeUpstream(extraArgs, 'fake_anthropic.mjs');

// The fake Langfuse (tests/fake_langfuse). Returns {host, spans(), events(), stats(), behave()}.
export async function startFakeLangfuse() {
  const p = startProcess('/usr/bin/python3', [join(repoRoot, 'tests', 'fake_langfuse', 'fake_langfuse.py'),
                                             '--port', '0'], {
    ready: (line) => { try { return JSON.parse(line); } catch { return undefined; } },
  });
  const info = await p.value;
  const host = `http://127.0.0.1:${info.listening}`;
  const get = async (path) => (await fetch(host + path)).json();
  return {
    host, info, stop: p.stop,
    env: { LANGFUSE_HOST: host, LANGFUSE_PUBLIC_KEY: 'pk-lf-test', LANGFUSE_SECRET_KEY: 'sk-lf-test' },
    spans: () => get('/_fake/spans'),
    events: () => get('/_fake/events'),
    stats: () => get('/_fake/stats'),
    behave: (b) => fetch(host + '/_fake/behaviour', { method: 'POST', body: JSON.stringify(b) }),
    reset: () => fetch(host + '/_fake/reset', { method: 'POST' }),
  };
}

export function writeConfig(yaml) {
  const dir = mkdtempSync(join(tmpdir(), 'llmsrouter-e2e-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, yaml);
  return { dir, file };
}

// A free loopback port (for servers that cannot bind port 0 and report it, like Redis).
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

// A real redis-server on a free loopback port, persisting to a temporary directory (so a
// restart keeps the data); with `password`, it requires it (requirepass) and `url` carries it.
// Returns {url, port, stop, restart}.
export async function startRedis({ password } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'llmsrouter-redis-'));
  const port = await freePort();
  const launch = async () => {
    const p = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1',
      '--dir', dir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'no',
      ...(password ? ['--requirepass', password] : [])],
    { ready: (line) => (/Ready to accept connections/.test(line) ? true : undefined) });
    await p.value;
    return p;
  };
  let proc = await launch();
  return {
    port,
    url: `redis://${password ? `:${encodeURIComponent(password)}@` : ''}127.0.0.1:${port}/0`,
    stop: () => proc.stop(),
    restart: async () => { proc = await launch(); },
  };
}

// llmsrouter (all-in-one). Returns {baseURL, grpcPort, stop, output}.
// `bin` picks another build's binaries (the benchmarks compare a baseline build).
export async function startAllInOne(configYaml, extraArgs = [], env = {}, { bin = binDir } = {}) {
  const { dir, file } = writeConfig(configYaml);
  const p = startProcess(join(bin, 'llmsrouter'),
    ['--config', file, '--listen', '127.0.0.1:0', '--grpc-listen', '127.0.0.1:0', ...extraArgs],
    { cwd: dir, env, ready: listeningPorts('llmsrouter') });
  const info = await p.value;
  return { baseURL: `http://127.0.0.1:${info.port}`, grpcPort: Number(info.grpc_port),
           authPort: Number(info.grpc_port), grpcClientArgs: [],
           stop: p.stop, output: p.output, proc: p.proc, procs: { llmsrouter: p.proc }, exited: p.exited,
           parts: [{ name: 'llmsrouter', ...p }], configFile: file,
           metricsURLs: [`http://127.0.0.1:${info.port}/metrics`] };
}

// LLMSROUTER_E2E_TLS=1: the split services talk mutual TLS to each other (the router trusts
// the gateway by its certificate), and the tests' own gRPC clients use TLS as well.
export const e2eTls = process.env.LLMSROUTER_E2E_TLS === '1';

// Test certificates (tests/tls/make_certs.sh), made once per test process.
let certsDir;
export function testCerts() {
  if (!certsDir) {
    certsDir = mkdtempSync(join(tmpdir(), 'llmsrouter-certs-'));
    execFileSync(join(repoRoot, 'tests', 'tls', 'make_certs.sh'), [certsDir]);
  }
  const file = (name) => join(certsDir, name);
  return {
    dir: certsDir, file,
    // --tls-* flags presenting `name`.pem, trusting `ca`.pem.
    flags: (name, ca = 'ca') => ['--tls-cert', file(`${name}.pem`), '--tls-key', file(`${name}.key`),
                                 '--tls-ca', file(`${ca}.pem`)],
  };
}

// --tls-* flags runAdmin adds for an auth service started with TLS, by port.
const adminTlsArgs = new Map();

// Split deployment: llmsrouter-router + llmsrouter-gateway (+ llmsrouter-auth when accounts
// are on) as separate processes. The gateway proves itself to the router with a service token
// or, with `tls`, with its client certificate.
export async function startSplit(configYaml, extraGatewayArgs = [], env = {}, { tls = e2eTls, routerEnv = {} } = {}) {
  const { dir, file } = writeConfig(configYaml);
  const certs = tls ? testCerts() : null;
  const serverTls = tls ? certs.flags('server') : [];
  const serviceToken = randomBytes(24).toString('hex');
  extraGatewayArgs = [...extraGatewayArgs, ...(tls ? certs.flags('gateway') : ['--service-token', serviceToken])];
  // The tracer runs whenever the test configures Langfuse or asks for traces.
  let tracer = null;
  let routerArgs = [];
  if (env.LANGFUSE_HOST || env.LLMSROUTER_TRACE_FILE) {
    tracer = startProcess(join(binDir, 'llmsrouter-tracer'), ['--listen', '127.0.0.1:0', ...serverTls],
                          { cwd: dir, env, ready: listeningPorts('tracer') });
    const tracerInfo = await tracer.value;
    routerArgs = ['--tracer', `127.0.0.1:${tracerInfo.port}`];
    extraGatewayArgs = [...extraGatewayArgs, '--tracer', `127.0.0.1:${tracerInfo.port}`];
  }
  let auth = null;
  if (env.ENABLE_ACCOUNT_MANAGEMENT === 'true') {
    // Only the router may call auth's LimitsService: its token, or its certificate's name.
    const routerProof = tls ? ['--trusted-peers', 'llmsrouter-router'] : ['--service-token', serviceToken];
    auth = startProcess(join(binDir, 'llmsrouter-auth'), ['--listen', '127.0.0.1:0', ...serverTls, ...routerProof],
                        { cwd: dir, env, ready: listeningPorts('auth') });
    const authInfo = await auth.value;
    extraGatewayArgs = [...extraGatewayArgs, '--auth', `127.0.0.1:${authInfo.port}`];
    routerArgs = [...routerArgs, '--auth', `127.0.0.1:${authInfo.port}`];
    if (tls) adminTlsArgs.set(Number(authInfo.port), certs.flags('client'));
  }
  routerArgs = [...routerArgs, ...serverTls,
                ...(tls ? ['--trusted-peers', 'llmsrouter-gateway'] : ['--service-token', serviceToken])];
  const router = startProcess(join(binDir, 'llmsrouter-router'),
    ['--config', file, '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', ...routerArgs],
    { cwd: dir, env: { ...env, ...routerEnv }, ready: listeningPorts('router') });
  let routerInfo;
  try {
    routerInfo = await router.value;
  } catch (e) {
    await router.stop();
    throw e;
  }
  const gateway = startProcess(join(binDir, 'llmsrouter-gateway'),
    ['--listen', '127.0.0.1:0', '--router', `127.0.0.1:${routerInfo.port}`, ...extraGatewayArgs],
    { cwd: dir, env, ready: listeningPorts('gateway') });
  let gatewayInfo;
  try {
    gatewayInfo = await gateway.value;
  } catch (e) {
    await router.stop();
    await gateway.stop();
    await auth?.stop();
    await tracer?.stop();
    throw e;
  }
  // Logged before "listening".
  const routerMetricsPort = router.output
    .map((l) => { try { return JSON.parse(l); } catch { return undefined; } })
    .find((j) => j?.msg === 'metrics listening')?.metrics_port;
  return {
    baseURL: `http://127.0.0.1:${gatewayInfo.port}`, grpcPort: Number(routerInfo.port),
    // Arguments of examples/python/router_client.py for a direct (untrusted) client.
    grpcClientArgs: tls ? ['--ca', certs.file('ca.pem'), '--cert', certs.file('client.pem'),
                           '--key', certs.file('client.key')] : [],
    serviceToken: tls ? undefined : serviceToken, tls,
    metricsURLs: [`http://127.0.0.1:${gatewayInfo.port}/metrics`,
                  `http://127.0.0.1:${routerMetricsPort}/metrics`],
    get output() {
      return [...gateway.output, ...router.output, ...(auth?.output ?? []), ...(tracer?.output ?? [])];
    },
    configFile: file, routerProc: router.proc,
    procs: Object.fromEntries([['gateway', gateway.proc], ['router', router.proc],
                               ['auth', auth?.proc], ['tracer', tracer?.proc]].filter(([, p]) => p)),
    authPort: auth ? Number((await auth.value).port) : undefined,
    parts: [['gateway', gateway], ['router', router], ['auth', auth], ['tracer', tracer]]
      .filter(([, p]) => p).map(([name, p]) => ({ name, ...p })),
    // In shutdown order: the edge first, the tracer last so it can flush what it got.
    stop: async () => {
      await gateway.stop();
      await router.stop();
      await auth?.stop();
      await tracer?.stop();
      // The port is free again: a later plaintext auth service may get it.
      if (auth) adminTlsArgs.delete(Number((await auth.value).port));
    },
  };
}

// Runs llmsrouter-admin; resolves {code, stdout, stderr}.
export function runAdmin(authPort, token, args) {
  return new Promise((resolve) => {
    const proc = spawn(join(binDir, 'llmsrouter-admin'),
                       ['--auth', `127.0.0.1:${authPort}`, ...(adminTlsArgs.get(authPort) ?? []), ...args],
                       { env: { ...process.env, LLMSROUTER_ADMIN_TOKEN: token } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// Runs `body({gw, fake})` against a fresh fake upstream and llmsrouter (all-in-one) with a
// one-provider config ("fake"), and stops both whatever happens.
export async function withAllInOne(args, body, env = {}) {
  const fake = await startFakeUpstream();
  let gw;
  try {
    gw = await startAllInOne(`servers:\n  fake: {url: "${fake.url}"}\n`, args, env);
    return await body({ gw, fake });
  } finally {
    await gw?.stop();
    await fake.stop();
  }
}

// LLMSROUTER_E2E_DEPLOYMENTS=split (or all-in-one) runs the deployment tests against one only.
export const deployments = [
  { name: 'all-in-one', key: 'all-in-one', start: startAllInOne },
  { name: 'split gateway + router', key: 'split', start: startSplit },
].filter((d) => !process.env.LLMSROUTER_E2E_DEPLOYMENTS ||
                process.env.LLMSROUTER_E2E_DEPLOYMENTS === d.key);
