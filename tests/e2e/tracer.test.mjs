// Every call traced to (a fake) Langfuse: OTLP with the langfuse.* attributes, streams and
// non-streams, refused calls, retries when Langfuse fails, legacy ingestion, JSON lines, and
// the flush on SIGTERM.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { deployments, startAllInOne, startFakeLangfuse, startFakeUpstream, waitFor } from './harness.mjs';

const spanFor = async (lf, requestId) => (await lf.spans()).find(
  (s) => s.attributes['llmsrouter.request_id'] === requestId);

async function callWithId(client, body, id) {
  const r = await client.chat.completions.create(body, { headers: { 'x-request-id': id } });
  if (body.stream) for await (const chunk of r) assert.ok(chunk);
  return r;
}

for (const deployment of deployments) {
  describe(`tracing through ${deployment.name}`, () => {
    let fake;
    let lf;
    let gw;
    let client;
    before(async () => {
      [fake, lf] = await Promise.all([startFakeUpstream(), startFakeLangfuse()]);
      gw = await deployment.start(`servers:\n  fake: {url: "${fake.url}"}\n`, [],
                                  { ...lf.env, LANGFUSE_TIMEOUT: '1' });
      client = new OpenAI({ apiKey: 'x', baseURL: `${gw.baseURL}/v1`, maxRetries: 0 });
    });
    after(async () => {
      await gw?.stop();
      await Promise.all([fake?.stop(), lf?.stop()]);
    });

    it('parses strictly against the OTLP protos when the shared contracts are present', (t) => {
      if (!lf.info.strict_otlp) {
        t.skip('../shared/contracts/otlp not found: the fake checks the OTLP JSON structure only');
        return;
      }
      assert.equal(lf.info.strict_otlp, true);
    });

    for (const stream of [false, true]) {
      it(`records a ${stream ? 'streamed' : 'non-streamed'} chat with user, model, usage, input, output and first-token time`, async () => {
        const id = `trace-${stream}-${Date.now()}`;
        await callWithId(client, {
          model: '[fake]gpt-fake+chunks=3+interval=5', stream, user: 'carol', temperature: 0.2,
          messages: [{ role: 'user', content: 'say three tokens' }],
          metadata: { session_id: 'sess-1', tags: ['e2e'] } }, id);
        const span = await waitFor(() => spanFor(lf, id), { timeoutMs: 10000, what: 'the span' });
        const a = span.attributes;
        assert.equal(a['langfuse.observation.type'], 'generation');
        assert.equal(a['langfuse.user.id'], 'carol');
        assert.equal(a['langfuse.session.id'], 'sess-1');
        assert.deepEqual(a['langfuse.trace.tags'], ['e2e']);
        assert.equal(a['langfuse.observation.model.name'], 'gpt-fake+chunks=3+interval=5');
        assert.equal(a['gen_ai.system'], 'fake');
        assert.deepEqual(JSON.parse(a['langfuse.observation.usage_details']), { input: 11, output: 3, total: 14 });
        assert.deepEqual(JSON.parse(a['langfuse.observation.input']), [{ role: 'user', content: 'say three tokens' }]);
        assert.equal(JSON.parse(a['langfuse.observation.output']).content, 'tok0 tok1 tok2 ');
        assert.deepEqual(JSON.parse(a['langfuse.observation.model.parameters']), { temperature: 0.2 });
        const firstToken = Date.parse(a['langfuse.observation.completion_start_time']) * 1e6;
        assert.ok(firstToken >= span.start_ns - 1e6 && firstToken <= span.end_ns + 1e6,
                  `first token ${firstToken} outside ${span.start_ns}..${span.end_ns}`);
        assert.equal(span.status.code, 1);
      });
    }

    it('records a call refused before the upstream as an error', async () => {
      const id = `refused-${Date.now()}`;
      await assert.rejects(callWithId(client, { model: '[nope]x', messages: [] }, id));
      const span = await waitFor(() => spanFor(lf, id), { timeoutMs: 10000, what: 'the span' });
      assert.equal(span.attributes['langfuse.observation.level'], 'ERROR');
      assert.equal(span.attributes['http.response.status_code'], 404);
      assert.equal(span.status.code, 2);
      const bad = `malformed-${Date.now()}`;
      await fetch(`${gw.baseURL}/v1/chat/completions`, { method: 'POST', headers: { 'x-request-id': bad }, body: '{' });
      const edge = await waitFor(() => spanFor(lf, bad), { timeoutMs: 10000, what: 'the gateway span' });
      assert.equal(edge.attributes['llmsrouter.source'], 'gateway');
      assert.equal(edge.attributes['http.response.status_code'], 400);
    });

    it('retries when Langfuse answers 500 or 429, and loses nothing', async () => {
      await lf.behave({ status: 500, times: 2 });
      const ids = [];
      for (let i = 0; i < 5; i++) {
        ids.push(`retry-${i}-${Date.now()}`);
        await callWithId(client, { model: '[fake]gpt-fake', messages: [] }, ids.at(-1));
      }
      await waitFor(async () => (await Promise.all(ids.map((id) => spanFor(lf, id)))).every(Boolean),
                    { timeoutMs: 15000, what: 'every span after the 500s' });
      await lf.behave({ status: 429, times: 1, retry_after: 1 });
      const id = `after-429-${Date.now()}`;
      await callWithId(client, { model: '[fake]gpt-fake', messages: [] }, id);
      await waitFor(() => spanFor(lf, id), { timeoutMs: 15000, what: 'the span after a 429' });
      const stats = await lf.stats();
      assert.ok(stats['/api/public/otel/v1/traces 500'] >= 2);
      assert.ok(stats['/api/public/otel/v1/traces 429'] >= 1);
    });

    it('keeps serving while Langfuse never answers, then delivers', async () => {
      await lf.behave({ hang: true });
      const started = Date.now();
      const id = `hang-${Date.now()}`;
      await callWithId(client, { model: '[fake]gpt-fake', messages: [] }, id);
      assert.ok(Date.now() - started < 2000, 'a call must not wait for the tracer');
      await lf.behave({});
      await waitFor(() => spanFor(lf, id), { timeoutMs: 20000, what: 'the span once Langfuse answers' });
    });
  });
}

describe('legacy ingestion mode', () => {
  let fake;
  let lf;
  let gw;
  before(async () => {
    [fake, lf] = await Promise.all([startFakeUpstream(), startFakeLangfuse()]);
    gw = await startAllInOne(`servers:\n  fake: {url: "${fake.url}"}\n`, [],
                             { ...lf.env, LANGFUSE_MODE: 'ingestion' });
  });
  after(async () => {
    await gw?.stop();
    await Promise.all([fake?.stop(), lf?.stop()]);
  });

  it('sends events that validate against the IngestionEvent schema', async (t) => {
    if (!lf.info.ingestion_schema) t.diagnostic('langfuse/openapi.yml not found: events are not schema-checked');
    const client = new OpenAI({ apiKey: 'x', baseURL: `${gw.baseURL}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: '[fake]gpt-fake', user: 'dan', messages: [{ role: 'user', content: 'hi' }] });
    const s = await client.chat.completions.create({ model: '[fake]gpt-fake', stream: true, messages: [] });
    for await (const chunk of s) assert.ok(chunk);
    const events = await waitFor(async () => {
      const e = await lf.events();
      return e.length >= 4 ? e : null;
    }, { timeoutMs: 10000, what: 'legacy events' });
    assert.deepEqual([...new Set(events.map((e) => e.type))].sort(), ['generation-create', 'trace-create']);
    const stats = await lf.stats();
    assert.equal(stats.ingestion_errors, undefined, JSON.stringify(stats.ingestion_errors));
    const generation = events.find((e) => e.type === 'generation-create' && e.body.usageDetails);
    assert.equal(generation.body.usageDetails.total, 16);
  });
});

describe('without Langfuse', () => {
  it('writes JSON-line traces to stdout', async () => {
    const fake = await startFakeUpstream();
    const gw = await startAllInOne(`servers:\n  fake: {url: "${fake.url}"}\n`);
    try {
      const r = await fetch(`${gw.baseURL}/v1/chat/completions`, {
        method: 'POST', headers: { 'x-request-id': 'jsonl-1' }, body: JSON.stringify({ model: '[fake]m', messages: [] }) });
      assert.equal(r.status, 200);
      const line = await waitFor(() => gw.output.find((l) => l.includes('"request_id":"jsonl-1"')),
                                 { timeoutMs: 5000, what: 'a JSON-line trace' });
      const event = JSON.parse(line);
      assert.equal(event.provider, 'fake');
      assert.equal(event.usage.total_tokens, '16');
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });

  it('flushes queued traces on SIGTERM', async () => {
    const [fake, lf] = await Promise.all([startFakeUpstream(), startFakeLangfuse()]);
    const gw = await startAllInOne(`servers:\n  fake: {url: "${fake.url}"}\n`, [], lf.env);
    try {
      const ids = [];
      for (let i = 0; i < 20; i++) {
        ids.push(`sigterm-${i}`);
        await fetch(`${gw.baseURL}/v1/chat/completions`, {
          method: 'POST', headers: { 'x-request-id': ids.at(-1) }, body: JSON.stringify({ model: '[fake]m', messages: [] }) });
      }
      const { code } = await gw.stop('SIGTERM');
      assert.equal(code, 0);
      const got = new Set((await lf.spans()).map((s) => s.attributes['llmsrouter.request_id']));
      assert.deepEqual(ids.filter((id) => !got.has(id)), []);
    } finally {
      await fake.stop();
      await lf.stop();
    }
  });
});

describe('tracer process down', () => {
  it('keeps serving at full speed, holds the events, and delivers all of them once it is back', async () => {
    const { binDir, freePort, listeningPorts: listening, metricValue, startProcess, writeConfig } =
      await import('./harness.mjs');
    const { join } = await import('node:path');
    const [fake, lf] = await Promise.all([startFakeUpstream(), startFakeLangfuse()]);
    const { dir, file } = writeConfig(`servers:\n  fake: {url: "${fake.url}"}\n`);
    const [tracerPort, metricsPort] = [await freePort(), await freePort()];
    const startTracer = () => startProcess(join(binDir, 'llmsrouter-tracer'),
      ['--listen', `127.0.0.1:${tracerPort}`], { cwd: dir, env: lf.env, ready: listening('tracer') });
    let tracer = startTracer();
    await tracer.value;
    const router = startProcess(join(binDir, 'llmsrouter-router'),
      ['--config', file, '--listen', '127.0.0.1:0', '--tracer', `127.0.0.1:${tracerPort}`,
       '--metrics-listen', `127.0.0.1:${metricsPort}`], { cwd: dir, ready: listening('router') });
    const gateway = startProcess(join(binDir, 'llmsrouter-gateway'),
      ['--listen', '127.0.0.1:0', '--router', `127.0.0.1:${(await router.value).port}`],
      { cwd: dir, ready: listening('gateway') });
    const baseURL = `http://127.0.0.1:${(await gateway.value).port}`;
    const buffered = () => metricValue(`http://127.0.0.1:${metricsPort}/metrics`, 'llmsrouter_trace_buffer_depth');
    try {
      const client = new OpenAI({ apiKey: 'x', baseURL: `${baseURL}/v1`, maxRetries: 0 });
      const ids = [];
      const call = async (id, stream) => {
        ids.push(id);
        const started = Date.now();
        await callWithId(client, { model: '[fake]m', stream, messages: [{ role: 'user', content: 'hi' }] }, id);
        return Date.now() - started;
      };
      await call('before-down', false);
      await waitFor(() => spanFor(lf, 'before-down'), { what: 'the first span' });
      await tracer.stop('SIGKILL');
      // Calls keep flowing, none waits for the tracer; the router holds their events.
      for (let i = 0; i < 20; i++) {
        const ms = await call(`while-down-${i}`, i % 2 === 0);
        assert.ok(ms < 1000, `call ${i} took ${ms} ms with the tracer down`);
      }
      await waitFor(async () => (await buffered()) === 20, { what: 'the router to hold 20 events' });
      assert.equal((await gateway.proc.exitCode), null);
      tracer = startTracer();  // same address: the router reconnects on its own
      await tracer.value;
      await waitFor(async () => {
        const seen = new Set((await lf.spans()).map((s) => s.attributes['llmsrouter.request_id']));
        return ids.every((id) => seen.has(id));
      }, { timeoutMs: 20000, what: 'every held event to reach Langfuse' });
      assert.equal(await buffered(), 0);
      const spans = await lf.spans();
      for (const id of ids) {
        assert.equal(spans.filter((s) => s.attributes['llmsrouter.request_id'] === id).length, 1, id);
      }
    } finally {
      await gateway.stop();
      await router.stop();
      await tracer.stop();
      await Promise.all([fake.stop(), lf.stop()]);
    }
  });
});
