// Clients that give up (a socket closed, as `curl -m 1` or Ctrl-C does) at every phase of a
// call, on both deployments, each phase on a fresh stack: (a) during a retry backoff, and (a+)
// hundreds of times over under load, (b) while queued for a provider slot (`max_connections`),
// (c) before the response head, (d) mid-stream, (e) while a fallback is being tried. After each
// phase the stack must be whole (harness assertStackWhole: /healthz within 1 s, a normal call,
// the slot free, every upstream transfer ended, no connection or call left behind) and SIGTERM
// must end every process in time with nothing left to drain. Last, SIGTERM while a call
// outlives the drain timeout.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertStackWhole, assertTerminates, clientCall, countingClient, deployments, startFakeUpstream,
  terminate, waitFor,
} from './harness.mjs';

const SLOW = process.env.LLMSROUTER_E2E_SANITIZERS ? 3 : 1;
const DRAIN_S = 2;
// SIGTERM must end each process within the drain timeout plus this much.
const TERM_MS = (DRAIN_S + 2) * 1000 * SLOW;
const CLIENTS = 4;
const LOAD_SECONDS = 5;

const config = (fake) => `
servers:
  up: {url: "${fake.url}", retries: {max: 2, base_delay: 0.25, max_delay: 8}}
  plain: {url: "${fake.url}", retries: {max: 0}}
  capped: {url: "${fake.url}", max_connections: 1, retries: {max: 0}}
  first: {url: "${fake.url}", retries: {max: 0}, fallbacks: ["[slow]rescue+latency=10000"]}
  slow: {url: "${fake.url}", retries: {max: 0}}
`;

const range = (n) => Array.from({ length: n }, (_, i) => i);
// The test's stimulus: a bounded, random moment before the clients give up.
const randomMoment = (minMs, maxMs) =>
  new Promise((r) => setTimeout(r, minMs + Math.random() * (maxMs - minMs)));

// Chat requests the upstream received whose model starts with `prefix`.
async function upstreamCalls(fake, prefix) {
  return (await fake.requests()).filter((r) => r.path.endsWith('/chat/completions') &&
                                               JSON.parse(r.body).model.startsWith(prefix));
}

async function allUpstreamCallsAre(fake, prefix, count, state) {
  const calls = await upstreamCalls(fake, prefix);
  return calls.length === count && calls.every((c) => c.state === state) ? calls : false;
}

// Fails as soon as `check` turns false before `untilMs` (epoch ms): the absence of an event
// can only be seen over a bounded time.
async function staysTrue(check, untilMs, what) {
  while (Date.now() < untilMs) {
    assert.ok(await check(), what);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(await check(), what);
}

// Waits until the upstream has `count` calls whose model starts with `prefix`, all in `state`.
const untilUpstream = (ctx, prefix, count, state, what) =>
  waitFor(() => allUpstreamCallsAre(ctx.fake, prefix, count, state), { timeoutMs: 5000 * SLOW, what });

// Starts CLIENTS calls (`body(i)`), waits until the upstream shows them as `until` says, then
// has every client give up at a random moment. Resolves the clients' outcomes.
async function giveUpOnce(ctx, body, until, [minMs, maxMs] = [100, 600]) {
  const ac = new AbortController();
  const calls = range(CLIENTS).map((i) => ctx.call(body(i), { signal: ac.signal }));
  await untilUpstream(ctx, until.prefix, CLIENTS, until.state, until.what);
  ctx.seenAt = Date.now();
  await randomMoment(minMs, maxMs);
  ac.abort();
  return Promise.all(calls);
}

const phases = [
  {
    name: '(a) during a retry backoff (503 + Retry-After: 3)',
    // Once each first attempt is answered 503, every call waits out its 3 s backoff.
    giveUp: (ctx) => giveUpOnce(ctx, (i) => ({ model: '[up]busy+status=503+retry_after=3', messages: [],
                                                stream: i % 2 === 1 }),
                                { prefix: 'busy', state: 'finished', what: 'the first attempts to be answered 503' },
                                [100, 800]),
    async after(ctx) {
      // A call given up during its backoff is never retried (the retry was due after 3 s).
      await staysTrue(async () => (await upstreamCalls(ctx.fake, 'busy')).length === CLIENTS,
                      ctx.seenAt + 3500, 'a call given up in its backoff was retried anyway');
    },
  },
  {
    // The same, many times over under load: the failing first attempt can come back while the
    // router is still starting it, the window a cancel must not fall into.
    name: '(a+) many clients, each giving up in its backoff, under load',
    async giveUp(ctx) {
      const until = Date.now() + LOAD_SECONDS * 1000;
      const outcomes = [];
      let n = 0;
      await Promise.all(range(16).map(async () => {
        while (Date.now() < until) {
          outcomes.push(await ctx.call(
            { model: `[up]many${n++}+flaky=1+status=${n % 2 ? 429 : 503}+retry_after=1`, messages: [],
              stream: n % 3 === 0 },
            { giveUpAfterMs: 50 + Math.floor(Math.random() * 400) }));
        }
      }));
      return outcomes;
    },
    // Given up within 450 ms, some before the gateway read them.
    uncountable: (outcomes) => outcomes.length,
    async after(ctx) {
      const models = (await upstreamCalls(ctx.fake, 'many')).map((c) => JSON.parse(c.body).model);
      assert.ok(models.length > 50, `only ${models.length} calls reached the upstream`);
      assert.equal(new Set(models).size, models.length, 'a call given up in its backoff was retried anyway');
    },
  },
  {
    name: '(b) while queued for a provider slot (max_connections: 1)',
    async giveUp(ctx) {
      const holderAc = new AbortController();
      const ac = new AbortController();
      const holder = ctx.call({ model: '[capped]hold+hang=1', messages: [] }, { signal: holderAc.signal });
      await untilUpstream(ctx, 'hold', 1, 'open', 'the slot holder to reach the upstream');
      const queued = range(CLIENTS).map((i) => ctx.call(
        { model: `[capped]queued${i}`, messages: [], stream: i % 2 === 1 }, { signal: ac.signal }));
      await randomMoment(300, 800);
      assert.equal((await upstreamCalls(ctx.fake, 'queued')).length, 0,
                   'calls beyond max_connections must wait for the slot');
      ac.abort();
      await randomMoment(50, 300);
      holderAc.abort();
      return Promise.all([holder, ...queued]);
    },
    async after(ctx) {
      await untilUpstream(ctx, 'hold', 1, 'aborted', 'the slot holder\'s transfer to be cancelled');
      // The slot went to the next live call, not to one whose client had left.
      assert.equal((await upstreamCalls(ctx.fake, 'queued')).length, 0,
                   'a call given up while queued reached the upstream');
    },
  },
  {
    name: '(c) before the response head (slow first byte)',
    giveUp: (ctx) => giveUpOnce(
      ctx, (i) => ({ model: `[slow]head${i}+latency=10000`, messages: [], stream: i % 2 === 1 }),
      { prefix: 'head', state: 'open', what: 'every call to reach the upstream' }),
    after: (ctx) => untilUpstream(ctx, 'head', CLIENTS, 'aborted', 'the upstream transfers to be cancelled'),
  },
  {
    name: '(d) mid-stream',
    async giveUp(ctx) {
      const outcomes = await Promise.all(range(CLIENTS).map((i) => ctx.call(
        { model: `[plain]mid${i}+chunks=500+interval=20`, messages: [], stream: true },
        { giveUpAfterEvents: 3 + i })));
      for (const o of outcomes) {
        assert.equal(o.status, 200);
        assert.match(o.body, /tok1 /, 'the client gave up after some chunks');
      }
      return outcomes;
    },
    after: (ctx) => untilUpstream(ctx, 'mid', CLIENTS, 'aborted', 'the upstream streams to be cancelled'),
  },
  {
    name: '(e) while a fallback is being tried',
    // The first provider failed and the (slow) fallback has every call.
    giveUp: (ctx) => giveUpOnce(
      ctx, (i) => ({ model: `[first]fb${i}+status=503`, messages: [], stream: i % 2 === 1 }),
      { prefix: 'rescue', state: 'open', what: 'every call to reach its fallback' }),
    async after(ctx) {
      assert.ok(await allUpstreamCallsAre(ctx.fake, 'fb', CLIENTS, 'finished'));
      await untilUpstream(ctx, 'rescue', CLIENTS, 'aborted', 'the fallback transfers to be cancelled');
    },
  },
];

async function runPhase(deployment, phase) {
  const fake = await startFakeUpstream();
  let stack;
  try {
    stack = await deployment.start(config(fake), ['--drain-timeout', String(DRAIN_S)]);
    const client = countingClient(stack.baseURL, { timeoutMs: 15000 * SLOW });
    const ctx = { stack, fake, call: client.call };
    const outcomes = await phase.giveUp(ctx);
    for (const o of outcomes) assert.ok(o.gaveUp, `a client got an answer before giving up: ${o.status} ${o.body}`);
    try {
      await assertStackWhole(stack, fake, client, { normalModel: '[plain]after', cappedModel: '[capped]after',
                                                    uncountable: phase.uncountable?.(outcomes) ?? 0, slow: SLOW });
      await phase.after(ctx);
    } catch (e) {
      // Whether SIGTERM still ends a stack found broken is the next thing to know.
      const report = await terminate(stack, TERM_MS);
      throw new Error(`${e.message}\nSIGTERM afterwards (${TERM_MS} ms each): ${JSON.stringify(report)}`,
                      { cause: e });
    }
    await assertTerminates(stack, TERM_MS);
  } finally {
    if (stack) await terminate(stack, 1000);
    await fake.stop();
  }
}

// A call that outlives the drain timeout must not keep a process from ending, nor crash it.
async function sigtermPastDrain(deployment) {
  const fake = await startFakeUpstream();
  let stack;
  try {
    stack = await deployment.start(config(fake), ['--drain-timeout', String(DRAIN_S)]);
    const held = clientCall(stack.baseURL, { model: '[slow]held+hang=1', messages: [] },
                            { timeoutMs: TERM_MS + 5000 }).catch((e) => e);
    await untilUpstream({ fake }, 'held', 1, 'open', 'the call to reach the upstream');
    const report = await terminate(stack, TERM_MS);
    assert.ok(report.every((r) => !r.killed && r.code === 0),
              `every process must exit 0 within ${TERM_MS} ms of SIGTERM: ${JSON.stringify(report)}` +
              `\nlast output:\n${stack.output.slice(-10).join('\n')}`);
    // The client is not left hanging: its connection ends with the process.
    const outcome = await held;
    assert.ok(outcome instanceof Error || outcome.status >= 500, `the held call got ${outcome.status}`);
    await waitFor(async () => (await fake.stats()).open_requests === 0,
                  { timeoutMs: 2000 * SLOW, what: 'the upstream to see the transfer end' });
  } finally {
    if (stack) await terminate(stack, 1000);
    await fake.stop();
  }
}

for (const deployment of deployments) {
  describe(`clients giving up, ${deployment.name}`, () => {
    for (const phase of phases) {
      it(phase.name, { timeout: 40000 * SLOW }, () => runPhase(deployment, phase));
    }
    // The all-in-one used to answer the held call `HTTP 499` ("HTTP client shutting down"),
    // and before that crashed (SIGSEGV shipping the call's trace over the in-process channel
    // of a gRPC server already shut down); it now answers 503.
    it('SIGTERM while a call outlives the drain timeout: exit 0 in time',
       { timeout: 40000 * SLOW }, () => sigtermPastDrain(deployment));
  });
}
