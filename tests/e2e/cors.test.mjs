// Calls from web pages on other origins (--cors-origins), in both deployments, with accounts
// on: a browser's preflight is answered without a key and reaches no provider; every answer
// to an allowed origin (streamed, refused) carries the CORS headers, so the page can read it
// through the official SDK; another origin's preflight is refused and its answers carry none.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { deployments, runAdmin, startFakeUpstream, startRedis } from './harness.mjs';

const TOKEN = 'cors-admin-token';
const PAGE = 'http://127.0.0.1:5173';

for (const deployment of deployments) {
  describe(`CORS through ${deployment.name}`, () => {
    let redis;
    let fake;
    let gw;
    let key;
    before(async () => {
      redis = await startRedis();
      fake = await startFakeUpstream();
      gw = await deployment.start(`servers:\n  fake: {url: "${fake.url}"}\n`,
        ['--cors-origins', `${PAGE}, http://localhost:5173`],
        { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url, LLMSROUTER_ADMIN_TOKEN: TOKEN });
      const added = await runAdmin(gw.authPort, TOKEN, ['add', 'page', '--permissions', 'fake']);
      assert.equal(added.code, 0, added.stderr);
      key = added.stdout.split('\n').find((l) => l.startsWith('llmr-'));
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
      await redis?.stop();
    });

    const preflight = (origin) => fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST',
                 'access-control-request-headers': 'authorization,content-type,x-stainless-os' } });

    it('answers an allowed origin\'s preflight without a key, and reaches no provider', async () => {
      const before = (await fake.requests()).length;
      const r = await preflight(PAGE);
      assert.equal(r.status, 204);
      assert.equal(r.headers.get('access-control-allow-origin'), PAGE);
      assert.match(r.headers.get('access-control-allow-methods'), /POST/);
      assert.equal(r.headers.get('access-control-allow-headers'), 'authorization,content-type,x-stainless-os');
      assert.ok(Number(r.headers.get('access-control-max-age')) > 0);
      assert.equal((await fake.requests()).length, before);
    });

    it('refuses another origin\'s preflight with 403 and no CORS headers', async () => {
      const r = await preflight('http://127.0.0.2:5173');
      assert.equal(r.status, 403);
      assert.equal(r.headers.get('access-control-allow-origin'), null);
      assert.equal((await r.json()).error.code, 'cors_origin_not_allowed');
    });

    it('marks streamed and refused answers to an allowed origin, none to others', async () => {
      const seen = [];
      const fetchSpy = async (url, init) => {
        const r = await fetch(url, init);
        seen.push(r);
        return r;
      };
      const client = new OpenAI({ apiKey: key, baseURL: `${gw.baseURL}/v1`, maxRetries: 0,
                                  defaultHeaders: { origin: PAGE }, fetch: fetchSpy });
      const stream = await client.chat.completions.create(
        { model: '[fake]gpt-fake', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      assert.ok(text.length > 0);
      assert.equal(seen.at(-1).headers.get('access-control-allow-origin'), PAGE);
      assert.equal(seen.at(-1).headers.get('access-control-expose-headers'), '*');

      const wrongKey = new OpenAI({ apiKey: 'llmr-' + 'x'.repeat(43), baseURL: `${gw.baseURL}/v1`,
                                    maxRetries: 0, defaultHeaders: { origin: PAGE }, fetch: fetchSpy });
      await assert.rejects(wrongKey.models.list(), (e) => e.status === 401);
      assert.equal(seen.at(-1).headers.get('access-control-allow-origin'), PAGE);

      const other = await fetch(`${gw.baseURL}/v1/models`,
                                { headers: { origin: 'http://127.0.0.2:5173', authorization: `Bearer ${key}` } });
      assert.equal(other.status, 200);
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      const plain = await fetch(`${gw.baseURL}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(plain.headers.get('access-control-allow-origin'), null);
    });
  });
}
