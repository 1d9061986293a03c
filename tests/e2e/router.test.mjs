// Router behaviour end to end: every endpoint, model aggregation, proxy mode, retries,
// fallbacks, timeouts, usage accounting and live reload — against several fake providers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import OpenAI from 'openai';
import { deployments, startFakeUpstream, waitFor } from './harness.mjs';

const unique = () => Math.random().toString(36).slice(2);

function config(a, b) {
  return `
models: {cache_ttl: 60, timeout: 1, retry_after_failure: 1}
servers:
  a: {url: "${a.url}", api_key: "ka", filter: "gpt", append: ["extra-a"], retries: {max: 2, base_delay: 0.01}}
  b: {url: "${b.url}/", api_key: "kb"}
  c: {url: "${b.url}", override: ["only-c"]}
  dead: {url: "http://127.0.0.1:1/v1", retries: {max: 1, base_delay: 0.01}, fallbacks: ["[nope]x", "[b]gpt-rescue"]}
  slow: {url: "${a.url}", retries: {max: 0}, timeouts: {first_byte: 0.5, idle: 0.5}}
`;
}

for (const deployment of deployments) {
  describe(`router through ${deployment.name}`, () => {
    let a;
    let b;
    let gw;
    let client;
    before(async () => {
      [a, b] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
      gw = await deployment.start(config(a, b));
      client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.baseURL}/v1`, maxRetries: 0 });
    });
    after(async () => {
      await gw?.stop();
      await Promise.all([a?.stop(), b?.stop()]);
    });

    it('serves legacy completions, streamed and not', async () => {
      const r = await client.completions.create({ model: '[a]gpt-fake+chunks=3', prompt: 'x' });
      assert.equal(r.choices[0].text, 'tok0 tok1 tok2 ');
      const stream = await client.completions.create({ model: '[a]gpt-fake+chunks=4', prompt: 'x', stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0].text;
      assert.equal(text, 'tok0 tok1 tok2 tok3 ');
    });

    it('serves embeddings', async () => {
      const r = await client.embeddings.create({ model: '[b]embed-fake', input: ['a', 'b'] });
      assert.equal(r.data.length, 2);
      assert.deepEqual(r.data[1].embedding.map((x) => Math.round(x * 10) / 10), [0.1, 0.2, 0.3]);
    });

    it('passes any other JSON POST /v1/* through to the provider', async () => {
      await b.reset();
      // (The fake serves /responses itself, see endpoints.test.mjs; any other path echoes.)
      const r = await client.post('/moderations', { body: { model: '[b]gpt-fake', input: 'hi', store: false } });
      assert.equal(r.object, 'echo');
      assert.equal(r.path, '/v1/moderations');
      const [received] = await b.requests();
      assert.deepEqual(JSON.parse(received.body), { model: 'gpt-fake', input: 'hi', store: false });
    });

    it('aggregates models from every provider with filter, append and override', async () => {
      const page = await client.models.list();
      const ids = page.data.map((m) => m.id);
      assert.deepEqual(ids, ['[a]gpt-fake', '[a]gpt-fake-mini', '[a]extra-a',
                             '[b]gpt-fake', '[b]gpt-fake-mini', '[b]embed-fake', '[c]only-c',
                             '[slow]gpt-fake', '[slow]gpt-fake-mini', '[slow]embed-fake']);
      for (const m of page.data) {
        assert.equal(m.object, 'model');
        assert.equal(m.owned_by, m.id.slice(1, m.id.indexOf(']')));
        assert.equal(typeof m.created, 'number');
      }
      const one = await client.models.retrieve('[c]only-c');
      assert.equal(one.id, '[c]only-c');
      await assert.rejects(client.models.retrieve('[c]nothing'), (e) => e.status === 404);
    });

    it('routes proxy mode by ?proxy=alias with the model as given', async () => {
      await b.reset();
      const r = await client.chat.completions.create(
        { model: 'gpt-plain+chunks=2', messages: [] }, { query: { proxy: 'b' } });
      assert.equal(r.choices[0].message.content, 'tok0 tok1 ');
      const [received] = await b.requests();
      assert.equal(JSON.parse(received.body).model, 'gpt-plain+chunks=2');
      assert.equal(received.headers.authorization, 'Bearer kb');
    });

    it('refuses a raw URL in ?proxy= that the config does not allow', async () => {
      await assert.rejects(
        client.chat.completions.create({ model: 'm', messages: [] },
                                       { query: { proxy: `${a.url}` } }),
        (e) => e.status === 403 && e.error.code === 'proxy_url_not_allowed');
    });

    it('retries a flaky provider before the first byte', async () => {
      await a.reset();
      const model = `[a]gpt-fake+flaky=2+status=503+key=${unique()}`;
      const r = await client.chat.completions.create({ model, messages: [] });
      assert.equal(r.choices[0].finish_reason, 'stop');
      assert.equal((await a.requests()).length, 3);
    });

    it('falls back to the next [alias]model when a provider is down', async () => {
      await b.reset();
      const r = await client.chat.completions.create({ model: '[dead]whatever', messages: [], stream: true });
      let text = '';
      for await (const chunk of r) text += chunk.choices[0]?.delta?.content ?? '';
      assert.equal(text, 'tok0 tok1 tok2 tok3 tok4 ');
      const [received] = await b.requests();
      assert.equal(JSON.parse(received.body).model, 'gpt-rescue');
    });

    it('times out a provider that never answers with 504', async () => {
      const started = Date.now();
      await assert.rejects(client.chat.completions.create({ model: '[slow]m+hang=1', messages: [] }),
                           (e) => e.status === 504);
      assert.ok(Date.now() - started < 5000);
    });

    it('ends a stream that stalls with an error event', async () => {
      const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
        method: 'POST', body: JSON.stringify({ model: '[slow]m+chunks=10+stall_after=2', stream: true, messages: [] }) });
      const text = await res.text();
      assert.match(text, /tok1 /);
      assert.match(text.trim().split('\n\n').at(-1), /stalled/);
    });

    it('accounts usage on streams without showing the client a chunk it did not ask for', async () => {
      await a.reset();
      const stream = await client.chat.completions.create({ model: '[a]gpt-fake+chunks=3', stream: true, messages: [] });
      let usageChunks = 0;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        if (chunk.usage || chunk.choices.length === 0) usageChunks++;
      }
      assert.equal(usageChunks, 0);
      assert.equal(chunks, 5);
      const [received] = await a.requests();
      assert.deepEqual(JSON.parse(received.body).stream_options, { include_usage: true });
    });

    it('reloads the config when the file changes and rejects a bad one', async () => {
      writeFileSync(gw.configFile, config(a, b) + `  d: {url: "${a.url}", api_key: "kd"}\n`);
      await waitFor(async () => {
        const r = await fetch(`${gw.baseURL}/v1/chat/completions`, {
          method: 'POST', body: JSON.stringify({ model: '[d]gpt-fake', messages: [] }) });
        return r.status === 200;
      }, { timeoutMs: 10000, what: 'provider d after a config change' });
      writeFileSync(gw.configFile, 'servers: [broken');
      await waitFor(() => gw.output.some((l) => l.includes('config reload rejected')),
                    { timeoutMs: 10000, what: 'the reload to be rejected' });
      // A typo is refused as well, naming the key's path and the key meant.
      writeFileSync(gw.configFile, config(a, b) + `  d: {url: "${a.url}", api_kye: "kd"}\n`);
      await waitFor(() => gw.output.some((l) => l.includes('config reload rejected') &&
                                                l.includes("servers.d.api_kye; did you mean 'api_key'?")),
                    { timeoutMs: 10000, what: 'the reload with a misspelt key to be rejected' });
      const r = await client.chat.completions.create({ model: '[d]gpt-fake', messages: [] });
      assert.equal(r.choices[0].finish_reason, 'stop');
      writeFileSync(gw.configFile, config(a, b));
    });
  });
}
