// Frameworks on the official SDKs work unchanged through the gateway (README "Frameworks"):
// the Vercel AI SDK (@ai-sdk/openai on Chat Completions and on its default, the Responses API;
// @ai-sdk/anthropic on Messages) and LangChain JS (ChatOpenAI, OpenAIEmbeddings,
// ChatAnthropic), each given only a base URL and a key, in both deployments with accounts on.
// Not covered because not supported (README "Frameworks"): the Responses API is not translated for
// `type: anthropic` providers (a clear 400), and there is no CORS (browser use: OPTIONS 405).
// Each test checks what the framework returns AND what reached the fake provider: the body
// the framework sent, unchanged but for the model's [provider] prefix.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { APICallError, embed, embedMany, generateObject, generateText, Output, stepCountIs, streamText,
         tool } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { ChatAnthropic } from '@langchain/anthropic';
import { tool as lcTool } from '@langchain/core/tools';
import { z } from 'zod';
import { deployments, metricSum, runAdmin, startFakeAnthropic, startFakeUpstream, startRedis,
         waitFor } from './harness.mjs';

const TOKEN = 'admin-secret-for-frameworks';
const SLOW = process.env.LLMSROUTER_E2E_SANITIZERS ? 3 : 1;
const keyOf = (stdout) => stdout.split('\n').find((l) => /^llmr-[A-Za-z0-9]{43}$/.test(l));
const expectedText = (n) => Array.from({ length: n }, (_, i) => `tok${i} `).join('');
const weather = { city: z.string().describe('The city') };

// A fetch that remembers the JSON bodies the framework sent, by path.
function recordingFetch() {
  const sent = [];
  const fetchFn = (url, init) => {
    if (typeof init?.body === 'string') sent.push({ path: new URL(url).pathname, body: JSON.parse(init.body) });
    return fetch(url, init);
  };
  return { fetch: fetchFn, sent, last: (path) => sent.filter((s) => s.path === path).at(-1)?.body };
}

for (const deployment of deployments) {
  describe(`frameworks through ${deployment.name}`, () => {
    let redis;
    let fake;
    let claude;
    let gw;
    let key;
    let rec;
    let openai;
    const admin = (...args) => runAdmin(gw.authPort, TOKEN, args);
    const lastRequest = async (f, path) => (await f.requests()).filter((r) => r.path === path).at(-1);
    // The upstream got exactly what the framework sent, but the model without "[alias]".
    const assertForwarded = async (f, path, model) => {
      const sent = rec.last(path);
      assert.ok(sent, `the framework sent no ${path}`);
      const got = await lastRequest(f, path);
      assert.ok(got, `no ${path} reached the provider`);
      assert.equal(sent.model, `[${f === claude ? 'claude' : 'fake'}]${model}`);
      assert.deepEqual(JSON.parse(got.body), { ...sent, model });
      return got;
    };
    const tokens = async (kind) => (await Promise.all(gw.metricsURLs.map((url) => metricSum(url,
      'llmsrouter_tokens_total', ['provider="fake"', `kind="${kind}"`])))).reduce((a, b) => a + b, 0);

    before(async () => {
      redis = await startRedis();
      [fake, claude] = await Promise.all([startFakeUpstream(), startFakeAnthropic()]);
      gw = await deployment.start(
        `servers:\n  fake: {url: "${fake.url}"}\n` +
        `  claude: {url: "${claude.url}", type: anthropic, api_key: "sk-ant-upstream"}\n` +
        `  strict: {url: "${fake.url}", retries: {max: 0}}\n`,
        [], { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url, LLMSROUTER_ADMIN_TOKEN: TOKEN });
      const added = await admin('add', 'framework-user', '--permissions', '*');
      assert.equal(added.code, 0, added.stderr);
      key = keyOf(added.stdout);
      assert.ok(key, added.stdout);
      rec = recordingFetch();
      openai = createOpenAI({ baseURL: `${gw.baseURL}/v1`, apiKey: key, fetch: rec.fetch });
    });
    after(async () => {
      await gw?.stop();
      await Promise.all([fake?.stop(), claude?.stop()]);
      await redis?.stop();
    });

    describe('Vercel AI SDK, @ai-sdk/openai', () => {
      it('generateText and streamText on Chat Completions, with usage', async () => {
        const model = openai.chat('[fake]gpt-fake+chunks=4');
        const r = await generateText({ model, prompt: 'hi', maxRetries: 0 });
        assert.equal(r.text, expectedText(4));
        assert.equal(r.finishReason, 'stop');
        assert.equal(r.usage.inputTokens, 11);
        assert.equal(r.usage.outputTokens, 4);
        const got = await assertForwarded(fake, '/v1/chat/completions', 'gpt-fake+chunks=4');
        assert.equal(got.headers.authorization, undefined, 'the client key stays at the gateway');

        const s = streamText({ model, prompt: 'hi', maxRetries: 0 });
        let deltas = 0;
        for await (const piece of s.textStream) if (piece) deltas++;
        assert.equal(await s.text, expectedText(4));
        assert.equal(deltas, 4);
        assert.equal((await s.usage).outputTokens, 4);
        const streamed = await assertForwarded(fake, '/v1/chat/completions', 'gpt-fake+chunks=4');
        assert.equal(JSON.parse(streamed.body).stream_options.include_usage, true);
      });

      it('generateText and streamText on the Responses API (the default), with usage', async () => {
        const model = openai('[fake]gpt-fake+chunks=3+prompt=9');
        const r = await generateText({ model, prompt: 'hi', maxRetries: 0 });
        assert.equal(r.text, expectedText(3));
        assert.deepEqual([r.usage.inputTokens, r.usage.outputTokens], [9, 3]);
        assert.match(r.response.id, /^resp_llmsr\./, 'a Responses id carries its provider');
        await assertForwarded(fake, '/v1/responses', 'gpt-fake+chunks=3+prompt=9');

        const before = [await tokens('prompt'), await tokens('completion')];
        const s = streamText({ model, prompt: 'hi', maxRetries: 0 });
        const seen = [];
        for await (const part of s.fullStream) seen.push(part.type);
        assert.equal(await s.text, expectedText(3));
        assert.equal(seen.filter((t) => t === 'text-delta').length, 3);
        assert.deepEqual([(await s.usage).inputTokens, (await s.usage).outputTokens], [9, 3]);
        assert.equal(await s.finishReason, 'stop');
        const body = JSON.parse((await assertForwarded(fake, '/v1/responses', 'gpt-fake+chunks=3+prompt=9')).body);
        assert.equal(body.stream, true);
        // The router read the usage of the streamed response.completed event: it is metered
        // with the provider's exact counts, not an estimate.
        await waitFor(async () => (await tokens('prompt')) === before[0] + 9 &&
                                  (await tokens('completion')) === before[1] + 3,
                      { timeoutMs: 10000 * SLOW, what: 'the streamed Responses usage in llmsrouter_tokens_total' });
      });

      for (const [api, pick, path] of [['Chat Completions', (m) => openai.chat(m), '/v1/chat/completions'],
                                       ['Responses', (m) => openai(m), '/v1/responses']]) {
        it(`tool calling with a zod schema, a second step with the result (${api})`, async () => {
          let called;
          const r = await generateText({
            model: pick('[fake]gpt-fake+tools=1+chunks=2'), prompt: 'Weather in Paris?', maxRetries: 0,
            tools: { weather: tool({ description: 'Current weather', inputSchema: z.object(weather),
                                     execute: async (input) => { called = input; return { celsius: 18 }; } }) },
            stopWhen: stepCountIs(3),
          });
          assert.deepEqual(called, { city: 'Paris' });
          assert.equal(r.steps.length, 2);
          assert.equal(r.steps[0].toolCalls[0].toolName, 'weather');
          assert.equal(r.steps[0].finishReason, 'tool-calls');
          assert.equal(r.text, expectedText(2));
          const bodies = (await fake.requests()).filter((q) => q.path === path).slice(-2)
            .map((q) => JSON.parse(q.body));
          assert.equal(bodies[0].tools.length, 1);
          assert.equal(bodies[1].model, 'gpt-fake+tools=1+chunks=2');
          // The tool's result went back to the provider in the API's own shape.
          const result = api === 'Responses'
            ? bodies[1].input.find((i) => i.type === 'function_call_output')
            : bodies[1].messages.find((m) => m.role === 'tool');
          assert.ok(result, JSON.stringify(bodies[1]));
          assert.equal(result.call_id ?? result.tool_call_id, 'call_fake0');
          assert.deepEqual(JSON.parse(result.output ?? result.content), { celsius: 18 });
          await assertForwarded(fake, path, 'gpt-fake+tools=1+chunks=2');
        });

        it(`structured output: generateObject, and streamText with Output.object (${api})`, async () => {
          const schema = z.object({ city: z.string(), celsius: z.number(), sunny: z.boolean() });
          const expected = { city: 'Paris', celsius: 18.5, sunny: true };
          const { object } = await generateObject({ model: pick('[fake]gpt-fake'), prompt: 'A forecast',
                                                    maxRetries: 0, schema });
          assert.deepEqual(object, expected);
          const sent = rec.last(path);
          const format = api === 'Responses' ? sent.text.format : sent.response_format;
          assert.equal(format.type, 'json_schema');
          const sentSchema = api === 'Responses' ? format.schema : format.json_schema.schema;
          assert.deepEqual(Object.keys(sentSchema.properties), ['city', 'celsius', 'sunny']);
          await assertForwarded(fake, path, 'gpt-fake');
          // AI SDK 5+'s own way (generateObject is deprecated in 7): an output setting.
          const s = streamText({ model: pick('[fake]gpt-fake+stream=1'), prompt: 'A forecast', maxRetries: 0,
                                 output: Output.object({ schema }) });
          let partials = 0;
          for await (const partial of s.partialOutputStream) if (partial) partials++;
          assert.ok(partials >= 1);
          assert.deepEqual(await s.output, expected);
          const streamed = await assertForwarded(fake, path, 'gpt-fake+stream=1');
          assert.equal(JSON.parse(streamed.body).stream, true);
        });
      }

      it('embed and embedMany', async () => {
        const model = openai.embedding('[fake]embed-fake');
        const one = await embed({ model, value: 'hello', maxRetries: 0 });
        assert.deepEqual(one.embedding.map((x) => Math.round(x * 10) / 10), [0.1, 0.2, 0.3]);
        await assertForwarded(fake, '/v1/embeddings', 'embed-fake');
        const many = await embedMany({ model, values: ['a', 'b', 'c'], maxRetries: 0 });
        assert.equal(many.embeddings.length, 3);
        assert.equal(many.usage.tokens, 3);
        const got = await assertForwarded(fake, '/v1/embeddings', 'embed-fake');
        assert.deepEqual(JSON.parse(got.body).input, ['a', 'b', 'c']);
      });

      for (const [api, pick, path] of [['Chat Completions', (m) => openai.chat(m), '/v1/chat/completions'],
                                       ['Responses', (m) => openai(m), '/v1/responses']]) {
        it(`abortSignal mid-stream leaves no request open upstream (${api})`, async () => {
          await fake.reset();
          const controller = new AbortController();
          const s = streamText({ model: pick('[fake]gpt-fake+chunks=400+interval=25'), prompt: 'hi',
                                 abortSignal: controller.signal, maxRetries: 0 });
          let deltas = 0;
          for await (const part of s.fullStream) {
            if (part.type === 'text-delta' && ++deltas === 2) controller.abort();
            if (part.type === 'abort' || part.type === 'error') break;
          }
          assert.ok(deltas >= 2 && deltas < 400, `deltas: ${deltas}`);
          await waitFor(async () => (await fake.stats()).open_requests === 0 &&
                                    (await fake.requests()).every((q) => q.state !== 'open'),
                        { timeoutMs: 10000 * SLOW, what: 'the upstream request to be closed' });
          const [q] = (await fake.requests()).filter((r) => r.path === path);
          assert.equal(q.state, 'aborted');
        });
      }
    });

    describe('Vercel AI SDK, @ai-sdk/anthropic', () => {
      it('generateText and streamText through the Messages endpoint, the key as x-api-key', async () => {
        const anthropic = createAnthropic({ baseURL: `${gw.baseURL}/v1`, apiKey: key, fetch: rec.fetch });
        const model = anthropic('[claude]claude-fake+chunks=3');
        const r = await generateText({ model, prompt: 'hi', maxRetries: 0 });
        assert.equal(r.text, expectedText(3));
        assert.equal(r.finishReason, 'stop');
        assert.equal(r.usage.outputTokens, 3);
        const got = await assertForwarded(claude, '/v1/messages', 'claude-fake+chunks=3');
        assert.equal(got.headers['x-api-key'], 'sk-ant-upstream');
        const s = streamText({ model, prompt: 'hi', maxRetries: 0 });
        assert.equal(await s.text, expectedText(3));
        assert.equal((await s.usage).outputTokens, 3);
        assert.equal(JSON.parse((await assertForwarded(claude, '/v1/messages', 'claude-fake+chunks=3')).body).stream, true);
        // An OpenAI-compatible provider behind the same endpoint: translated both ways.
        const translated = await generateText({ model: anthropic('[fake]gpt-fake+chunks=2'), prompt: 'hi', maxRetries: 0 });
        assert.equal(translated.text, expectedText(2));
        assert.equal(JSON.parse((await lastRequest(fake, '/v1/chat/completions')).body).model, 'gpt-fake+chunks=2');
      });
    });

    describe('LangChain JS', () => {
      const chatOpenAI = (model, extra = {}) => new ChatOpenAI({ model, apiKey: key, maxRetries: 0,
        configuration: { baseURL: `${gw.baseURL}/v1`, fetch: rec.fetch }, ...extra });

      it('ChatOpenAI invoke and stream', async () => {
        const llm = chatOpenAI('[fake]gpt-fake+chunks=3');
        const m = await llm.invoke('hi');
        assert.equal(m.content, expectedText(3));
        assert.equal(m.usage_metadata.input_tokens, 11);
        await assertForwarded(fake, '/v1/chat/completions', 'gpt-fake+chunks=3');
        let text = '';
        let chunks = 0;
        for await (const chunk of await llm.stream('hi')) {
          text += chunk.content;
          chunks++;
        }
        assert.equal(text, expectedText(3));
        assert.ok(chunks >= 3, `chunks: ${chunks}`);
        await assertForwarded(fake, '/v1/chat/completions', 'gpt-fake+chunks=3');
      });

      it('ChatOpenAI on the Responses API: invoke and stream', async () => {
        const llm = chatOpenAI('[fake]gpt-fake+chunks=2', { useResponsesApi: true });
        const m = await llm.invoke('hi');
        assert.equal(m.text, expectedText(2));
        await assertForwarded(fake, '/v1/responses', 'gpt-fake+chunks=2');
        let text = '';
        for await (const chunk of await llm.stream('hi')) text += chunk.text;
        assert.equal(text, expectedText(2));
      });

      it('ChatOpenAI bindTools: the tool call parsed', async () => {
        const weatherTool = lcTool(async ({ city }) => `18C in ${city}`,
          { name: 'weather', description: 'Current weather', schema: z.object(weather) });
        const m = await chatOpenAI('[fake]gpt-fake+tools=1').bindTools([weatherTool]).invoke('Weather in Paris?');
        assert.equal(m.tool_calls.length, 1);
        assert.equal(m.tool_calls[0].name, 'weather');
        assert.deepEqual(m.tool_calls[0].args, { city: 'Paris' });
        assert.equal(m.tool_calls[0].id, 'call_fake0');
        const got = await assertForwarded(fake, '/v1/chat/completions', 'gpt-fake+tools=1');
        assert.equal(JSON.parse(got.body).tools[0].function.name, 'weather');
      });

      it('ChatOpenAI withStructuredOutput (json_schema)', async () => {
        const out = await chatOpenAI('[fake]gpt-fake')
          .withStructuredOutput(z.object({ city: z.string(), celsius: z.number() }), { method: 'jsonSchema' })
          .invoke('A forecast');
        assert.deepEqual(out, { city: 'Paris', celsius: 18.5 });
        const got = await assertForwarded(fake, '/v1/chat/completions', 'gpt-fake');
        assert.equal(JSON.parse(got.body).response_format.type, 'json_schema');
      });

      it('OpenAIEmbeddings embedQuery', async () => {
        const embeddings = new OpenAIEmbeddings({ model: '[fake]embed-fake', apiKey: key, maxRetries: 0,
          configuration: { baseURL: `${gw.baseURL}/v1`, fetch: rec.fetch } });
        const v = await embeddings.embedQuery('hello');
        assert.deepEqual(v.map((x) => Math.round(x * 10) / 10), [0.1, 0.2, 0.3]);
        await assertForwarded(fake, '/v1/embeddings', 'embed-fake');
      });

      it('ChatAnthropic invoke and stream', async () => {
        const llm = new ChatAnthropic({ model: '[claude]claude-fake+chunks=3', apiKey: key, maxRetries: 0,
          anthropicApiUrl: gw.baseURL, clientOptions: { fetch: rec.fetch } });
        const m = await llm.invoke('hi');
        assert.equal(m.content, expectedText(3));
        assert.equal(m.usage_metadata.output_tokens, 3);
        await assertForwarded(claude, '/v1/messages', 'claude-fake+chunks=3');
        let text = '';
        for await (const chunk of await llm.stream('hi')) text += chunk.content;
        assert.equal(text, expectedText(3));
        await assertForwarded(claude, '/v1/messages', 'claude-fake+chunks=3');
      });
    });

    describe('bad paths through the frameworks', () => {
      it('an unknown provider: the gateway 404 and its message', async () => {
        await assert.rejects(generateText({ model: openai.chat('[nope]gpt'), prompt: 'hi', maxRetries: 0 }),
          (e) => APICallError.isInstance(e) && e.statusCode === 404 && /\[nope\]|nope/.test(e.message) &&
                 /fake/.test(e.message));
        await assert.rejects(generateText({ model: openai('[nope]gpt'), prompt: 'hi', maxRetries: 0 }),
          (e) => APICallError.isInstance(e) && e.statusCode === 404 && /fake/.test(e.message));
        await assert.rejects(chatOpenAIOf('[nope]gpt').invoke('hi'),
          (e) => e.status === 404 && /fake/.test(e.message));
        const anthropic = createAnthropic({ baseURL: `${gw.baseURL}/v1`, apiKey: key });
        await assert.rejects(generateText({ model: anthropic('[nope]m'), prompt: 'hi', maxRetries: 0 }),
          (e) => APICallError.isInstance(e) && e.statusCode === 404 && /fake/.test(e.message));
      });

      it('a wrong key: 401 through both key headers', async () => {
        await Promise.all([fake.reset(), claude.reset()]);
        const wrong = 'llmr-' + 'x'.repeat(43);
        const bad = createOpenAI({ baseURL: `${gw.baseURL}/v1`, apiKey: wrong });
        await assert.rejects(generateText({ model: bad('[fake]gpt-fake'), prompt: 'hi', maxRetries: 0 }),
          (e) => APICallError.isInstance(e) && e.statusCode === 401);
        const badAnthropic = createAnthropic({ baseURL: `${gw.baseURL}/v1`, apiKey: wrong });
        await assert.rejects(generateText({ model: badAnthropic('[claude]claude-fake'), prompt: 'hi', maxRetries: 0 }),
          (e) => APICallError.isInstance(e) && e.statusCode === 401);
        await assert.rejects(new ChatAnthropic({ model: '[claude]claude-fake', apiKey: wrong, maxRetries: 0,
                                                 anthropicApiUrl: gw.baseURL }).invoke('hi'),
          (e) => e.status === 401 && e.error?.error?.type === 'authentication_error');
        assert.deepEqual([...await fake.requests(), ...await claude.requests()], [], 'nothing reached a provider');
      });

      it('an upstream 429: the framework retries, then a clear error', async () => {
        await fake.reset();
        const model = '[strict]gpt-fake+status=429+retry_after=1';
        await assert.rejects(generateText({ model: openai.chat(model), prompt: 'hi', maxRetries: 1 }), (e) => {
          const last = e.lastError ?? e;
          assert.ok(APICallError.isInstance(last), String(e));
          assert.equal(last.statusCode, 429);
          assert.match(last.message, /fake upstream error 429/);
          return true;
        });
        assert.equal((await fake.requests()).length, 2, 'one call and one retry, the router adds none');
        await fake.reset();
        await assert.rejects(chatOpenAIOf(model, { maxRetries: 1 }).invoke('hi'),
          (e) => e.status === 429 && /fake upstream error 429/.test(e.message));
        assert.equal((await fake.requests()).length, 2);
      });

      for (const [api, pick] of [['Chat Completions', (m) => openai.chat(m)], ['Responses', (m) => openai(m)]]) {
        it(`a stream cut mid-way upstream: the framework reports the gateway's error (${api})`, async () => {
          // Three times on the same pooled connections: each failed stream leaves its
          // connection reusable, so the next call never meets a socket being closed.
          for (let i = 0; i < 3; i++) {
            const s = streamText({ model: pick('[strict]gpt-fake+chunks=10+interval=10+cut=3'), prompt: 'hi', maxRetries: 0,
                                   onError: () => {} });
            let deltas = 0;
            let error;
            for await (const part of s.fullStream) {
              if (part.type === 'text-delta') deltas++;
              if (part.type === 'error') error = part.error;
            }
            assert.equal(deltas, 3);
            assert.ok(error, 'no error part');
            // The gateway's own message, not a framework's parse failure of an unknown event.
            assert.match(error.message, /^provider 'strict'/, String(error));
            const r = await generateText({ model: pick('[fake]gpt-fake+chunks=2'), prompt: 'hi', maxRetries: 0 });
            assert.equal(r.text, expectedText(2));
          }
        });
      }

      const chatOpenAIOf = (model, extra = {}) => new ChatOpenAI({ model, apiKey: key, maxRetries: 0,
        configuration: { baseURL: `${gw.baseURL}/v1` }, ...extra });
    });
  });
}
