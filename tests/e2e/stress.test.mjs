// A randomized stress run on both deployments: mixed calls — streams, whole answers, retries
// (503/429 with Retry-After), 429s passed through, a max_connections-capped provider, fallbacks
// — where a random third of the clients give up at a random moment. Every call that was not
// given up must get its expected answer; at the end no call is stuck, memory is back near where
// it was after a warm-up, the stack serves, and SIGTERM ends it in time.
//   LLMSROUTER_STRESS_SECONDS  length of the run on each deployment (default 20)
//   LLMSROUTER_STRESS_SEED     replays a run's choices (the seed is printed at the start)
//   LLMSROUTER_STRESS_KINDS    only these kinds of calls (comma-separated; default all)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import {
  assertStackWhole, assertTerminates, countingClient, deployments, rssMb, startFakeUpstream,
  terminate, waitFor,
} from './harness.mjs';

const SLOW = process.env.LLMSROUTER_E2E_SANITIZERS ? 3 : 1;
const SECONDS = Number(process.env.LLMSROUTER_STRESS_SECONDS ?? 20);
const SEED = Number(process.env.LLMSROUTER_STRESS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const WARMUP_SECONDS = Math.min(4, Math.max(1, SECONDS / 5));
const WORKERS = 12;
// The mix (a kind listed twice is drawn twice as often); LLMSROUTER_STRESS_KINDS narrows it
// (e.g. "retry,capped") to chase a failure.
const KINDS = ['stream', 'stream', 'whole', 'retry', 'retry', 'rate_limited', 'capped', 'capped',
               'fallback'].filter((k) => !process.env.LLMSROUTER_STRESS_KINDS ||
                                         process.env.LLMSROUTER_STRESS_KINDS.split(',').includes(k));
const DRAIN_S = 2;

const config = (fake) => `
servers:
  up: {url: "${fake.url}", retries: {max: 2, base_delay: 0.05, max_delay: 1}}
  plain: {url: "${fake.url}", retries: {max: 0}}
  capped: {url: "${fake.url}", max_connections: 1, retries: {max: 1, base_delay: 0.05}}
  first: {url: "${fake.url}", retries: {max: 0}, fallbacks: ["[plain]rescue+chunks=3"]}
`;

// mulberry32: a small seeded generator, so a seed replays the same choices.
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, pick: (items) => items[int(0, items.length - 1)] };
}

const words = (n) => Array.from({ length: n }, (_, i) => `tok${i} `).join('');

// Content of a whole answer or of a stream's deltas; throws on a malformed one.
function contentOf(body, stream) {
  if (!stream) return JSON.parse(body).choices[0].message.content;
  assert.ok(body.endsWith('data: [DONE]\n\n'), `stream did not end with [DONE]: ${body.slice(-200)}`);
  return body.split('\n\n').filter((e) => e.startsWith('data: {'))
    .map((e) => JSON.parse(e.slice(6)).choices[0]?.delta?.content ?? '').join('');
}

// One random call: its request and what a client that waits for it must get.
function randomCall(rng, n) {
  const stream = rng.next() < 0.5;
  const chunks = rng.int(1, 30);
  const kind = rng.pick(KINDS);
  const ok = (expected) => ({ status: 200, content: expected });
  switch (kind) {
    case 'stream':
      return { kind, stream: true, model: `[up]s${n}+chunks=${chunks}+interval=${rng.int(0, 40)}`,
               ...ok(words(chunks)) };
    case 'whole':
      return { kind, stream: false, model: `[up]w${n}+chunks=${chunks}+latency=${rng.int(0, 300)}`,
               ...ok(words(chunks)) };
    case 'retry':  // the first attempt fails; the retry waits out Retry-After: 1
      return { kind, stream, model: `[up]r${n}+chunks=${chunks}+flaky=1+status=${rng.pick([503, 429])}+retry_after=1`,
               ...ok(words(chunks)) };
    case 'rate_limited':  // no retries on this provider: the client gets the 429
      return { kind, stream, model: `[plain]l${n}+status=429+retry_after=5`, status: 429 };
    case 'capped':  // one slot: calls queue behind each other
      return { kind, stream, model: `[capped]c${n}+chunks=${chunks}+latency=${rng.int(0, 150)}+interval=${rng.int(0, 10)}`,
               ...ok(words(chunks)) };
    default:  // the first provider fails, the fallback answers
      return { kind: 'fallback', stream, model: `[first]f${n}+status=503`, ...ok(words(3)) };
  }
}

// Runs workers that make random calls until `seconds` have passed; a third of the clients
// give up at a random moment. Meanwhile /healthz must keep answering within 1 s (a stuck stack
// fails the run at once instead of at the calls' timeouts). Returns the tally; throws on the
// first wrong answer.
async function load(baseURL, client, rng, seconds, tally) {
  const started = Date.now();
  const until = started + seconds * 1000;
  let failure = null;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);  // one listener per call in flight
  const fail = (e) => {
    failure ??= e;
    stop.abort();
  };
  const watchdog = async () => {
    while (Date.now() < until && !failure) {
      const health = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(1000 * SLOW) })
        .then((r) => r.status, (e) => e.name);
      if (health !== 200) {
        fail(new Error(`/healthz did not answer 200 within 1 s (${health}) after ` +
                       `${((Date.now() - started) / 1000).toFixed(1)} s of load`));
      }
      await new Promise((r) => setTimeout(r, 200));  // polling interval
    }
  };
  const worker = async () => {
    while (Date.now() < until && !failure) {
      const call = randomCall(rng, tally.calls++);
      const options = { signal: stop.signal };
      if (rng.next() < 1 / 3) {
        tally.givingUp++;  // some of them get their answer before their moment comes
        if (call.stream && rng.next() < 0.5) options.giveUpAfterEvents = rng.int(1, 10);
        else options.giveUpAfterMs = rng.int(0, 1500);
      }
      tally.kinds[call.kind] = (tally.kinds[call.kind] ?? 0) + 1;
      try {
        const o = await client.call({ model: call.model, messages: [], stream: call.stream }, options);
        if (o.gaveUp) {
          tally.gaveUp++;
          if (o.status === 0) tally.beforeHead++;  // possibly before the gateway read the call
          continue;
        }
        assert.equal(o.status, call.status, o.body);
        if (call.content !== undefined) assert.equal(contentOf(o.body, call.stream), call.content);
        else assert.equal(JSON.parse(o.body).error.type, 'rate_limit_error');
        tally.answered++;
      } catch (e) {
        fail(new Error(`${call.kind} call ${call.model} (stream ${call.stream}, give-up ` +
                       `${JSON.stringify({ ...options, signal: undefined })}): ${e.message}`));
      }
    }
  };
  await Promise.all([watchdog(), ...Array.from({ length: WORKERS }, worker)]);
  if (failure) throw failure;
  return tally;
}

for (const deployment of deployments) {
  describe(`stress with clients giving up, ${deployment.name}`, () => {
    it(`${SECONDS} s of mixed calls leave nothing stuck`, { timeout: (SECONDS + 60) * 1000 * SLOW }, async (t) => {
      t.diagnostic(`seed ${SEED} (replay: LLMSROUTER_STRESS_SEED=${SEED})`);
      console.error(`[stress] ${deployment.name}: seed ${SEED}, ${SECONDS} s`);
      const rng = generator(SEED);
      const fake = await startFakeUpstream(['--record', '0']);
      let stack;
      const tally = { calls: 0, answered: 0, givingUp: 0, gaveUp: 0, beforeHead: 0, kinds: {} };
      try {
        stack = await deployment.start(config(fake), ['--drain-timeout', String(DRAIN_S)]);
        const client = countingClient(stack.baseURL, { timeoutMs: 15000 * SLOW });
        const pids = stack.parts.map((p) => p.proc.pid);
        await load(stack.baseURL, client, rng, WARMUP_SECONDS, tally);
        const whole = { normalModel: '[plain]after', cappedModel: '[capped]after', slow: SLOW };
        await assertStackWhole(stack, fake, client, { ...whole, uncountable: tally.beforeHead });
        const warm = pids.map(rssMb);
        await load(stack.baseURL, client, rng, SECONDS, tally);
        t.diagnostic(JSON.stringify(tally));
        assert.ok(tally.gaveUp > 0 && tally.answered > tally.gaveUp, JSON.stringify(tally));
        await assertStackWhole(stack, fake, client, { ...whole, uncountable: tally.beforeHead });
        // Memory is back where it was after the warm-up (the allocator returns freed pages
        // over a few seconds). Not under ASan, whose quarantine keeps freed memory on purpose.
        if (!process.env.LLMSROUTER_E2E_SANITIZERS) {
          let now;
          await waitFor(() => {
            now = pids.map(rssMb);
            return now.every((mb, i) => mb <= Math.max(warm[i] * 1.1, warm[i] + 4));
          }, { timeoutMs: 20000, intervalMs: 250, what: 'memory to come back' }).catch((e) => {
            throw new Error(`${e.message}: RSS after warm-up ${warm.map((x) => x.toFixed(1))} MB, ` +
                            `now ${now.map((x) => x.toFixed(1))} MB (seed ${SEED})`);
          });
          t.diagnostic(`RSS MB after warm-up ${warm.map((x) => x.toFixed(1))}, at the end ${now.map((x) => x.toFixed(1))}`);
        }
        await assertTerminates(stack, (DRAIN_S + 2) * 1000 * SLOW);
      } catch (e) {
        throw new Error(`${e.message} [seed ${SEED}]`, { cause: e });
      } finally {
        if (stack) await terminate(stack, 1000);
        await fake.stop();
      }
    });
  });
}
