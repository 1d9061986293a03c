// The official OpenAI SDK against the real binaries: all-in-one and split processes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { deployments, startFakeUpstream, waitFor } from './harness.mjs';

const expectedText = (n) => Array.from({ length: n }, (_, i) => `tok${i} `).join('');

for (const deployment of deployments) {
  describe(`chat completions through ${deployment.name}`, () => {
    let fake;
    let gw;
    let client;

    before(async () => {
      fake = await startFakeUpstream();
      gw = await deployment.start(
        `servers:\n  fake: {url: "${fake.url}/", api_key: "sk-upstream", append: ["gpt-fake"]}\n` +
        `  dead: {url: "http://127.0.0.1:1/v1", api_key: "x"}\n`);
      client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.baseURL}/v1`, maxRetries: 0 });
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    it('answers a non-streamed chat', async () => {
      const r = await client.chat.completions.create({
        model: '[fake]gpt-fake+chunks=4', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(r.choices[0].message.content, expectedText(4));
      assert.equal(r.choices[0].finish_reason, 'stop');
      assert.equal(r.usage.total_tokens, 15);
    });

    it('streams chunk by chunk with the usage chunk', async () => {
      const stream = await client.chat.completions.create({
        model: '[fake]gpt-fake+chunks=20', stream: true, stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }] });
      let text = '';
      let usage = null;
      let chunks = 0;
      let finish = null;
      for await (const chunk of stream) {
        chunks++;
        if (chunk.choices.length > 0) {
          text += chunk.choices[0].delta.content ?? '';
          finish = chunk.choices[0].finish_reason ?? finish;
        }
        if (chunk.usage) {
          assert.deepEqual(chunk.choices, []);
          usage = chunk.usage;
        }
      }
      assert.equal(text, expectedText(20));
      assert.equal(finish, 'stop');
      assert.equal(chunks, 23);  // role chunk + 20 content + finish + usage
      assert.deepEqual(usage, { prompt_tokens: 11, completion_tokens: 20, total_tokens: 31,
                                prompt_tokens_details: { cached_tokens: 0 } });
    });

    it('delivers unknown body fields to the upstream unchanged (only the model rewritten)', async () => {
      await fake.reset();
      const body = {
        model: '[fake]gpt-fake', messages: [{ role: 'user', content: 'héllo "quoted" \u2028' }],
        top_k: 5, thinking: { type: 'enabled', budget_tokens: 1024 },
        vendor_ext: { nested: [1, 2.5, null, true, 'x'] }, temperature: 0.7, seed: 9007199254740991,
      };
      await client.chat.completions.create(body);
      const [received] = await fake.requests();
      assert.equal(received.path, '/v1/chat/completions');
      assert.equal(received.headers.authorization, 'Bearer sk-upstream');
      assert.deepEqual(JSON.parse(received.body), { ...body, model: 'gpt-fake' });
    });

    it('surfaces an upstream 429 as RateLimitError with Retry-After', async () => {
      await assert.rejects(
        client.chat.completions.create({ model: '[fake]gpt-fake+status=429+retry_after=7',
                                         messages: [{ role: 'user', content: 'hi' }] }),
        (err) => {
          assert.ok(err instanceof OpenAI.RateLimitError, `got ${err?.constructor?.name}`);
          assert.equal(err.status, 429);
          assert.equal(err.headers.get('retry-after'), '7');
          assert.equal(err.error.type, 'rate_limit_error');
          return true;
        });
    });

    it('keeps an upstream error status and body on a streamed request', async () => {
      await assert.rejects(
        client.chat.completions.create({ model: '[fake]gpt-fake+status=503', stream: true,
                                         messages: [{ role: 'user', content: 'hi' }] }),
        (err) => {
          assert.equal(err.status, 503);
          assert.equal(err.error.message, 'fake upstream error 503');
          return true;
        });
    });

    it('answers an unknown provider alias with 404 naming the configured aliases', async () => {
      await assert.rejects(
        client.chat.completions.create({ model: '[nope]gpt', messages: [] }),
        (err) => {
          assert.ok(err instanceof OpenAI.NotFoundError);
          assert.equal(err.code, 'model_not_found');
          assert.match(err.message, /dead, fake/);
          return true;
        });
    });

    it('answers a model without a provider prefix with 404, not 500', async () => {
      await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages: [] }),
                           (err) => err instanceof OpenAI.NotFoundError && /\[alias\]/.test(err.message));
    });

    it('reports an unreachable provider as 502', async () => {
      await assert.rejects(client.chat.completions.create({ model: '[dead]m', messages: [] }),
                           (err) => err.status === 502 && err.error.code === 'upstream_error');
    });

    it('closes the upstream connection when the client drops mid-stream', async () => {
      await fake.reset();
      const controller = new AbortController();
      const stream = await client.chat.completions.create(
        { model: '[fake]gpt-fake+chunks=200+interval=20', stream: true,
          messages: [{ role: 'user', content: 'hi' }] },
        { signal: controller.signal });
      let seen = 0;
      for await (const chunk of stream) {
        assert.ok(chunk.choices);
        if (++seen === 3) {
          controller.abort();
          break;
        }
      }
      assert.equal(seen, 3);
      const stats = await waitFor(async () => {
        const s = await fake.stats();
        return s.streams_aborted >= 1 ? s : null;
      }, { timeoutMs: 5000, what: 'the upstream stream to be aborted' });
      assert.equal(stats.streams_completed, 0);
    });

    it('ends a stream cut by the upstream with an error event, not a hang', async () => {
      const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: '[fake]gpt-fake+chunks=10+cut=3', stream: true, messages: [] }),
      });
      assert.equal(res.status, 200);
      const text = await res.text();
      const events = text.trim().split('\n\n');
      const last = JSON.parse(events.at(-1).replace(/^data: /, ''));
      assert.ok(last.error, `last event: ${events.at(-1)}`);
      assert.match(last.error.message, /^provider 'fake': /);  // the alias, never the address
      assert.equal(events.filter((e) => e.includes('tok')).length, 3);
    });
  });
}
