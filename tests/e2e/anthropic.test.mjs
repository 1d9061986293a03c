// Anthropic Messages in and out (docs/ANTHROPIC.md): the official Anthropic SDK and the
// OpenAI SDK against the real binaries, each routed to a provider of its own protocol
// (passthrough) and of the other (translation), in both deployments.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { deployments, runAdmin, startFakeAnthropic, startFakeLangfuse, startFakeUpstream, startRedis,
         waitFor } from './harness.mjs';

const expectedText = (n) => Array.from({ length: n }, (_, i) => `tok${i} `).join('');
const weatherTool = { name: 'weather', description: 'Current weather',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const user = (content) => [{ role: 'user', content }];

// Claude Code's request shape: system blocks with cache_control, tools, a tool round trip.
const claudeCodeBody = (model) => ({
  model, max_tokens: 32000, stream: true,
  system: [{ type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude." },
           { type: 'text', text: 'cwd: /repo', cache_control: { type: 'ephemeral' } }],
  tools: [{ ...weatherTool, cache_control: { type: 'ephemeral' } }],
  metadata: { user_id: 'user_cc_session' },
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Weather?', cache_control: { type: 'ephemeral' } }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'weather', input: { city: 'Paris' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a', content: '18C' }] },
  ],
});

// SSE event names of a raw Anthropic stream, in order.
const eventNames = (text) => [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);

for (const deployment of deployments) {
  describe(`anthropic messages through ${deployment.name}`, () => {
    let openaiFake;
    let claudeFake;
    let gw;
    let anthropic;
    let openai;

    before(async () => {
      openaiFake = await startFakeUpstream();
      claudeFake = await startFakeAnthropic();
      gw = await deployment.start(
        `servers:\n  fake: {url: "${openaiFake.url}", api_key: "sk-openai-upstream"}\n` +
        `  claude: {url: "${claudeFake.url}", type: anthropic, api_key: "sk-ant-upstream"}\n` +
        `  claudedown: {url: "${claudeFake.url}", type: anthropic, api_key: "k", retries: {max: 0},\n` +
        `               fallbacks: ["[fake]gpt-fake+chunks=2"]}\n` +
        `  fakedown: {url: "${openaiFake.url}", retries: {max: 0}, fallbacks: ["[claude]claude-fake+chunks=2"]}\n`);
      anthropic = new Anthropic({ apiKey: 'client-key', baseURL: gw.baseURL, maxRetries: 0 });
      openai = new OpenAI({ apiKey: 'client-key', baseURL: `${gw.baseURL}/v1`, maxRetries: 0 });
    });
    after(async () => {
      await gw?.stop();
      await openaiFake?.stop();
      await claudeFake?.stop();
    });

    const lastRequest = async (fake) => (await fake.requests()).at(-1);

    it('passes messages.create through to an Anthropic provider, only the model rewritten', async () => {
      const m = await anthropic.messages.create({ model: '[claude]claude-fake+chunks=3',
        max_tokens: 100, messages: user('hi'), temperature: 0.5 });
      assert.equal(m.type, 'message');
      assert.equal(m.content[0].text, expectedText(3));
      assert.equal(m.stop_reason, 'end_turn');
      assert.equal(m.usage.input_tokens, 11);
      const r = await lastRequest(claudeFake);
      assert.equal(r.path, '/v1/messages');
      assert.equal(r.body, JSON.stringify({ model: 'claude-fake+chunks=3', max_tokens: 100,
        messages: user('hi'), temperature: 0.5 }));
      assert.equal(r.headers['x-api-key'], 'sk-ant-upstream');
      // The SDK's own anthropic-version is forwarded (the default only fills a gap).
      assert.match(r.headers['anthropic-version'], /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(r.headers.authorization, undefined);
    });

    it('translates messages.create for an OpenAI-compatible provider', async () => {
      const m = await anthropic.messages.create({ model: '[fake]gpt-fake+chunks=4', max_tokens: 50,
        system: 'Be brief.', messages: user('hi'), stop_sequences: ['END'],
        metadata: { user_id: 'u1' } });
      assert.equal(m.type, 'message');
      assert.equal(m.role, 'assistant');
      assert.equal(m.content[0].type, 'text');
      assert.equal(m.content[0].text, expectedText(4));
      assert.equal(m.stop_reason, 'end_turn');
      assert.deepEqual(m.usage, { input_tokens: 11, output_tokens: 4, cache_creation_input_tokens: 0,
                                  cache_read_input_tokens: 0 });
      const r = await lastRequest(openaiFake);
      assert.equal(r.path, '/v1/chat/completions');
      assert.deepEqual(JSON.parse(r.body), { model: 'gpt-fake+chunks=4',
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
        max_tokens: 50, stop: ['END'], user: 'u1' });
      assert.equal(r.headers.authorization, 'Bearer sk-openai-upstream');
    });

    for (const [name, model] of [['an Anthropic provider', '[claude]claude-fake+chunks=5'],
                                 ['an OpenAI-compatible provider', '[fake]gpt-fake+chunks=5']]) {
      it(`streams text with messages.stream from ${name}`, async () => {
        const stream = anthropic.messages.stream({ model, max_tokens: 50, messages: user('hi') });
        let text = '';
        stream.on('text', (t) => { text += t; });
        const final = await stream.finalMessage();
        assert.equal(text, expectedText(5));
        assert.equal(final.content.length, 1);
        assert.equal(final.content[0].text, expectedText(5));
        assert.equal(final.stop_reason, 'end_turn');
        assert.equal(final.usage.output_tokens, 5);
        assert.equal(final.usage.input_tokens, 11);
      });
    }

    it('streams an input_tokens estimate at message_start and the exact usage at the end', async () => {
      const stream = anthropic.messages.stream({ model: '[fake]gpt-fake+chunks=2+prompt=7',
        max_tokens: 50, system: 'x'.repeat(400), messages: user('hi') });
      let started;
      // A copy: the SDK's snapshot is this very object, updated by message_delta.
      stream.on('streamEvent', (e) => {
        if (e.type === 'message_start') started = { ...e.message.usage };
      });
      const final = await stream.finalMessage();
      // One token per 4 bytes of the strings (docs/ANTHROPIC.md): 400 + "user" + "hi", / 4.
      assert.equal(started.input_tokens, 102);
      assert.equal(final.usage.input_tokens, 7);  // the provider's figure, from message_delta
      assert.equal(final.usage.output_tokens, 2);
    });

    for (const [server, directive, text] of [['names it (vLLM)', 'vllm', 'tok0 tok1 '],
                                             ['keeps it in the text', 'keep', 'tok0 tok1 tok2']]) {
      it(`says which stop sequence ended a translated answer when the server ${server}`, async () => {
        const model = `[fake]gpt-fake+chunks=5+stops=${directive}`;
        const request = { model, max_tokens: 50, messages: user('hi'),
                          stop_sequences: ['never', 'tok2', 'tok4'] };
        const whole = await anthropic.messages.create(request);
        assert.equal(whole.content[0].text, text);
        assert.equal(whole.stop_reason, 'stop_sequence');
        assert.equal(whole.stop_sequence, 'tok2');
        const final = await anthropic.messages.stream(request).finalMessage();
        assert.equal(final.content[0].text, text);
        assert.equal(final.stop_reason, 'stop_sequence');
        assert.equal(final.stop_sequence, 'tok2');
      });
    }

    it('answers end_turn without a stop sequence when the provider cannot tell', async () => {
      // As OpenAI itself: the stop string left out of the text and not named.
      const final = await anthropic.messages.stream({ model: '[fake]gpt-fake+chunks=5+stops=1',
        max_tokens: 50, messages: user('hi'), stop_sequences: ['tok3'] }).finalMessage();
      assert.equal(final.content[0].text, 'tok0 tok1 tok2 ');
      assert.equal(final.stop_reason, 'end_turn');
      assert.equal(final.stop_sequence, null);
    });

    for (const [name, model, ids] of [
      ['an Anthropic provider', '[claude]claude-fake+chunks=0+tools=2', ['toolu_fake0', 'toolu_fake1']],
      ['an OpenAI-compatible provider', '[fake]gpt-fake+tools=2', ['call_fake0', 'call_fake1']]]) {
      it(`streams parallel tool uses with arguments in pieces from ${name}`, async () => {
        const stream = anthropic.messages.stream({ model, max_tokens: 50, tools: [weatherTool],
          messages: user('weather in Paris?') });
        let pieces = 0;
        stream.on('inputJson', () => { pieces++; });
        const final = await stream.finalMessage();
        assert.ok(pieces >= 4, `input_json_delta pieces: ${pieces}`);
        assert.equal(final.stop_reason, 'tool_use');
        const uses = final.content.filter((b) => b.type === 'tool_use');
        assert.deepEqual(uses.map((b) => b.id), ids);
        for (const use of uses) {
          assert.equal(use.name, 'weather');
          assert.deepEqual(use.input, { city: 'Paris' });
        }
      });
    }

    it('counts tokens: passthrough to Anthropic, an estimate for others', async () => {
      const passthrough = await anthropic.messages.countTokens({ model: '[claude]claude-fake',
        messages: user('hello there') });
      assert.equal(passthrough.input_tokens, 42);
      assert.equal((await lastRequest(claudeFake)).path, '/v1/messages/count_tokens');
      const before = (await openaiFake.requests()).length;
      const estimate = await anthropic.messages.countTokens({ model: '[fake]gpt-fake',
        system: 'x'.repeat(400), messages: user('hello there') });
      assert.equal(estimate.input_tokens, Math.ceil((400 + 'user'.length + 11) / 4));
      assert.equal((await openaiFake.requests()).length, before, 'nothing sent upstream');
    });

    it('lets the OpenAI SDK call an Anthropic provider: text, stream with usage, tool calls', async () => {
      const r = await openai.chat.completions.create({ model: '[claude]claude-fake+chunks=2',
        messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'hi' }] });
      assert.equal(r.object, 'chat.completion');
      assert.equal(r.choices[0].message.content, expectedText(2));
      assert.equal(r.choices[0].finish_reason, 'stop');
      assert.deepEqual(r.usage, { prompt_tokens: 16, completion_tokens: 2, total_tokens: 18,
                                  prompt_tokens_details: { cached_tokens: 3 } });
      const upstream = await lastRequest(claudeFake);
      assert.equal(upstream.headers['anthropic-version'], '2023-06-01');  // the default
      assert.equal(upstream.headers['x-api-key'], 'sk-ant-upstream');
      const sent = JSON.parse(upstream.body);
      assert.deepEqual(sent.system, [{ type: 'text', text: 'sys' }]);
      assert.equal(sent.max_tokens, 4096);

      const stream = await openai.chat.completions.create({ model: '[claude]claude-fake+chunks=3',
        stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
      let text = '';
      let usage = null;
      let finish = null;
      for await (const chunk of stream) {
        if (chunk.choices.length > 0) {
          text += chunk.choices[0].delta.content ?? '';
          finish = chunk.choices[0].finish_reason ?? finish;
        }
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, expectedText(3));
      assert.equal(finish, 'stop');
      assert.equal(usage.prompt_tokens, 16);
      assert.equal(usage.completion_tokens, 3);

      const tools = await openai.chat.completions.create({ model: '[claude]claude-fake+chunks=0+tools=2',
        stream: true, messages: [{ role: 'user', content: 'weather?' }],
        tools: [{ type: 'function', function: { name: 'weather', parameters: weatherTool.input_schema } }] });
      const calls = [];
      let reason = null;
      for await (const chunk of tools) {
        for (const c of chunk.choices[0]?.delta?.tool_calls ?? []) {
          calls[c.index] ??= { id: '', name: '', arguments: '', pieces: 0 };
          if (c.id) calls[c.index].id = c.id;
          if (c.function?.name) calls[c.index].name = c.function.name;
          if (c.function?.arguments) { calls[c.index].arguments += c.function.arguments; calls[c.index].pieces++; }
        }
        reason = chunk.choices[0]?.finish_reason ?? reason;
        assert.equal(chunk.usage ?? null, null, 'no usage chunk unless asked for');
      }
      assert.equal(reason, 'tool_calls');
      assert.deepEqual(calls.map((c) => c.id), ['toolu_fake0', 'toolu_fake1']);
      for (const c of calls) {
        assert.equal(c.name, 'weather');
        assert.deepEqual(JSON.parse(c.arguments), { city: 'Paris' });
        assert.ok(c.pieces >= 2, 'arguments arrive in pieces');
      }
    });

    for (const [name, model, fake] of [['passthrough', '[claude]claude-fake+chunks=2', () => claudeFake],
                                       ['translation', '[fake]gpt-fake+chunks=2', () => openaiFake]]) {
      it(`serves a Claude Code-shaped request (${name})`, async () => {
        const res = await fetch(`${gw.baseURL}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer cc-token',
                     'anthropic-version': '2023-06-01',
                     'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14' },
          body: JSON.stringify(claudeCodeBody(model)) });
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type'), /text\/event-stream/);
        const text = await res.text();
        const names = eventNames(text);
        assert.equal(names[0], 'message_start');
        assert.deepEqual(names.slice(-2), ['message_delta', 'message_stop']);
        assert.ok(names.includes('content_block_start') && names.includes('content_block_stop'));
        assert.match(text, /tok0 /);
        const r = await lastRequest(fake());
        if (name === 'passthrough') {
          assert.equal(r.headers['anthropic-beta'], 'claude-code-20250219,interleaved-thinking-2025-05-14');
          assert.equal(r.headers['anthropic-version'], '2023-06-01');
          assert.equal(JSON.parse(r.body).system[1].cache_control.type, 'ephemeral');
        } else {
          const sent = JSON.parse(r.body);
          assert.equal(r.headers['anthropic-beta'], undefined);
          assert.equal(sent.messages[0].role, 'system');
          assert.equal(sent.messages[2].tool_calls[0].id, 'toolu_a');
          assert.deepEqual(sent.messages[3], { role: 'tool', tool_call_id: 'toolu_a', content: '18C' });
          assert.equal(sent.tools[0].function.name, 'weather');
          assert.equal(sent.user, 'user_cc_session');
        }
      });
    }

    it('refuses what cannot be translated with a 400 naming the field, nothing sent upstream', async () => {
      const before = (await openaiFake.requests()).length;
      const bad = [
        [{ role: 'user', content: [{ type: 'document', source: { type: 'text', data: 'x' } }] }, 'messages[0].content[0].type'],
        [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_none', content: 'x' }] }, 'messages[0].content[0].tool_use_id'],
        [{ role: 'user', content: [42] }, 'messages[0].content[0]'],
        [{ role: 'user', content: [{ type: 'mystery' }] }, 'messages[0].content[0].type'],
      ];
      for (const [message, field] of bad) {
        await assert.rejects(
          anthropic.messages.create({ model: '[fake]gpt-fake', max_tokens: 5, messages: [message] }),
          (e) => {
            assert.equal(e.status, 400);
            assert.equal(e.error.type, 'error');
            assert.equal(e.error.error.type, 'invalid_request_error');
            assert.ok(e.error.error.message.startsWith(field), e.error.error.message);
            return true;
          });
      }
      assert.equal((await openaiFake.requests()).length, before);
      const claudeBefore = (await claudeFake.requests()).length;
      await assert.rejects(
        openai.chat.completions.create({ model: '[claude]claude-fake', n: 2, messages: [{ role: 'user', content: 'x' }] }),
        (e) => e.status === 400 && e.error.param === 'n');
      assert.equal((await claudeFake.requests()).length, claudeBefore);
    });

    it('answers errors in the shape of the client protocol', async () => {
      await assert.rejects(
        anthropic.messages.create({ model: '[fake]gpt-fake+status=429', max_tokens: 5, messages: user('x') }),
        (e) => e instanceof Anthropic.RateLimitError && e.error.error.type === 'rate_limit_error' &&
               e.error.error.message === 'fake upstream error 429');
      await assert.rejects(
        anthropic.messages.create({ model: '[claude]claude-fake+status=529', max_tokens: 5, messages: user('x') }),
        (e) => e.status === 529 && e.error.error.type === 'overloaded_error');
      await assert.rejects(
        openai.chat.completions.create({ model: '[claude]claude-fake+status=429', messages: [{ role: 'user', content: 'x' }] }),
        (e) => e instanceof OpenAI.RateLimitError && e.error.message === 'fake anthropic error 429');
      await assert.rejects(
        anthropic.messages.create({ model: '[nowhere]m', max_tokens: 5, messages: user('x') }),
        (e) => e instanceof Anthropic.NotFoundError && e.error.type === 'error' &&
               e.error.error.type === 'not_found_error');
    });

    it('falls back across protocols, each attempt translated for its own provider', async () => {
      const m = await anthropic.messages.create({ model: '[claudedown]claude-fake+status=503',
        max_tokens: 5, messages: user('hi') });
      assert.equal(m.content[0].text, expectedText(2));
      assert.equal((await lastRequest(openaiFake)).path, '/v1/chat/completions');
      const stream = anthropic.messages.stream({ model: '[claudedown]claude-fake+status=503',
        max_tokens: 5, messages: user('hi') });
      assert.equal((await stream.finalMessage()).content[0].text, expectedText(2));
      const r = await openai.chat.completions.create({ model: '[fakedown]gpt-fake+status=503',
        messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(r.choices[0].message.content, expectedText(2));
      assert.equal((await lastRequest(claudeFake)).path, '/v1/messages');
    });

    it('stops the upstream transfer when the client leaves a translated stream', async () => {
      const stream = anthropic.messages.stream({ model: '[fake]gpt-fake+chunks=500+interval=20',
        max_tokens: 5, messages: user('hi') });
      stream.finalMessage().catch(() => {});  // rejected by the abort below
      let texts = 0;
      await new Promise((resolve) => stream.on('text', () => {
        if (++texts === 3) { stream.abort(); resolve(); }
      }));
      await waitFor(async () => (await openaiFake.requests()).at(-1).state !== 'open',
                    { timeoutMs: 10000, what: 'the upstream transfer to end' });
      assert.equal((await openaiFake.requests()).at(-1).state, 'aborted');
    });

    it('lists the Anthropic provider\'s models in /v1/models', async () => {
      const ids = [];
      for await (const m of openai.models.list()) ids.push(m.id);
      assert.ok(ids.includes('[claude]claude-fake'), ids.join(','));
      assert.ok(ids.includes('[claude]claude-fake-haiku'), ids.join(','));
    });
  });
}

for (const deployment of deployments) {
  describe(`anthropic messages with accounts through ${deployment.name}`, () => {
    const TOKEN = 'admin-secret-for-tests';
    let redis;
    let claudeFake;
    let gw;
    let key;

    before(async () => {
      redis = await startRedis();
      claudeFake = await startFakeAnthropic();
      gw = await deployment.start(
        `servers:\n  claude: {url: "${claudeFake.url}", type: anthropic, api_key: "sk-ant-upstream"}\n` +
        `  other: {url: "${claudeFake.url}", type: anthropic}\n`, [],
        { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url, LLMSROUTER_ADMIN_TOKEN: TOKEN });
      const added = await runAdmin(gw.authPort, TOKEN, ['add', 'carol', '--permissions', 'claude']);
      assert.equal(added.code, 0, added.stderr);
      key = added.stdout.split('\n').find((l) => /^llmr-[A-Za-z0-9]{43}$/.test(l));
      assert.ok(key, added.stdout);
    });
    after(async () => {
      await gw?.stop();
      await claudeFake?.stop();
      await redis?.stop();
    });

    it('takes the key as x-api-key or as a Bearer token, never forwarding it', async () => {
      for (const client of [new Anthropic({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0 }),
                            new Anthropic({ authToken: key, apiKey: null, baseURL: gw.baseURL, maxRetries: 0 })]) {
        const m = await client.messages.create({ model: '[claude]claude-fake+chunks=1', max_tokens: 5,
                                                 messages: user('hi') });
        assert.equal(m.content[0].text, expectedText(1));
        const r = (await claudeFake.requests()).at(-1);
        assert.equal(r.headers['x-api-key'], 'sk-ant-upstream');
        assert.equal(r.headers.authorization, undefined);
      }
    });

    it('refuses bad keys and other providers in Anthropic\'s error shape', async () => {
      const before = (await claudeFake.requests()).length;
      const stranger = new Anthropic({ apiKey: 'sk-not-ours', baseURL: gw.baseURL, maxRetries: 0 });
      await assert.rejects(stranger.messages.create({ model: '[claude]claude-fake', max_tokens: 5, messages: user('x') }),
        (e) => e instanceof Anthropic.AuthenticationError && e.error.type === 'error' &&
               e.error.error.type === 'authentication_error');
      const carol = new Anthropic({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0 });
      await assert.rejects(carol.messages.create({ model: '[other]claude-fake', max_tokens: 5, messages: user('x') }),
        (e) => e instanceof Anthropic.PermissionDeniedError && e.error.error.type === 'permission_error');
      assert.equal((await claudeFake.requests()).length, before);
    });
  });
}

for (const deployment of deployments) {
  describe(`anthropic messages traced through ${deployment.name}`, () => {
    let openaiFake;
    let claudeFake;
    let lf;
    let gw;
    let anthropic;

    before(async () => {
      [openaiFake, claudeFake, lf] = await Promise.all([startFakeUpstream(), startFakeAnthropic(),
                                                        startFakeLangfuse()]);
      gw = await deployment.start(
        `servers:\n  fake: {url: "${openaiFake.url}"}\n` +
        `  claude: {url: "${claudeFake.url}", type: anthropic, api_key: "k"}\n`, [],
        { ...lf.env, LANGFUSE_TIMEOUT: '1' });
      anthropic = new Anthropic({ apiKey: 'x', baseURL: gw.baseURL, maxRetries: 0 });
    });
    after(async () => {
      await gw?.stop();
      await Promise.all([openaiFake?.stop(), claudeFake?.stop(), lf?.stop()]);
    });

    for (const [name, model, input] of [['passthrough', '[claude]claude-fake+chunks=3+tools=1', 16],
                                        ['translation', '[fake]gpt-fake+chunks=3', 11]]) {
      it(`records usage and the streamed answer of a Messages call (${name})`, async () => {
        const id = `anthropic-${name}-${Date.now()}`;
        const stream = anthropic.messages.stream({ model, max_tokens: 20, tools: [weatherTool],
          system: 'secret system prompt', metadata: { user_id: 'dave' }, messages: user('hi') },
        { headers: { 'x-request-id': id } });
        await stream.finalMessage();
        const span = await waitFor(async () => (await lf.spans()).find(
          (s) => s.attributes['llmsrouter.request_id'] === id), { timeoutMs: 10000, what: 'the span' });
        const usage = JSON.parse(span.attributes['langfuse.observation.usage_details']);
        assert.equal(usage.input, input);
        assert.equal(usage.output, 3);
        assert.equal(span.attributes['langfuse.user.id'], 'dave');
        const parameters = JSON.parse(span.attributes['langfuse.observation.model.parameters']);
        assert.equal(parameters.max_tokens, 20);
        assert.equal(parameters.system, undefined, 'the system prompt is input, not a parameter');
        const output = JSON.parse(span.attributes['langfuse.observation.output']);
        assert.equal(output.content, expectedText(3));
        if (name === 'passthrough') {
          assert.equal(output.tool_calls[0].id, 'toolu_fake0');
          assert.deepEqual(JSON.parse(output.tool_calls[0].function.arguments), { city: 'Paris' });
        }
      });
    }
  });
}
