// The OpenAI SDK against a running gateway (the container smoke test sets the URL and key).
// Skipped when LLMSROUTER_E2E_BASE_URL is not set.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.LLMSROUTER_E2E_BASE_URL;
const key = process.env.LLMSROUTER_E2E_KEY;

describe('gateway container', { skip: !baseURL && 'LLMSROUTER_E2E_BASE_URL not set' }, () => {
  const client = () => new OpenAI({ apiKey: key, baseURL: `${baseURL}/v1`, maxRetries: 0 });

  it('refuses a request without a key', async () => {
    const anonymous = new OpenAI({ apiKey: 'llmr-nope', baseURL: `${baseURL}/v1`, maxRetries: 0 });
    await assert.rejects(anonymous.models.list(), (e) => e instanceof OpenAI.AuthenticationError);
  });

  it('lists models', async () => {
    const ids = (await client().models.list()).data.map((m) => m.id);
    assert.ok(ids.includes('[fake]gpt-fake'), ids.join());
  });

  it('answers a chat', async () => {
    const r = await client().chat.completions.create({ model: '[fake]gpt-fake+chunks=3', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.choices[0].message.content, 'tok0 tok1 tok2 ');
  });

  it('streams a chat with usage', async () => {
    const s = await client().chat.completions.create({ model: '[fake]gpt-fake+chunks=10', stream: true,
      stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let usage = null;
    for await (const chunk of s) {
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, Array.from({ length: 10 }, (_, i) => `tok${i} `).join(''));
    assert.equal(usage.total_tokens, 21);
  });
});
