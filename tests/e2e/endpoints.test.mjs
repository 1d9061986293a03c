// Every OpenAI endpoint through the gateway, not only JSON POST: multipart uploads (files,
// transcriptions), binary answers (speech, file content), GET/DELETE on stored resources, and
// routing without a model — by ?proxy=, the X-LLMSRouter-Provider header, or an id the gateway
// handed out (it carries its provider). Two providers, so that routing is proven.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import { deployments, runAdmin, startFakeUpstream, startRedis } from './harness.mjs';
import { speechBytes } from '../fake_upstream/resources.mjs';

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

for (const deployment of deployments) {
  describe(`endpoints through ${deployment.name}`, () => {
    let a;
    let b;
    let gw;
    let client;
    const viaB = () => new OpenAI({ apiKey: 'unused', baseURL: `${gw.baseURL}/v1`, maxRetries: 0,
                                    defaultHeaders: { 'X-LLMSRouter-Provider': 'b' } });
    before(async () => {
      [a, b] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
      gw = await deployment.start(`servers:\n  a: {url: "${a.url}"}\n  b: {url: "${b.url}"}\n`);
      client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.baseURL}/v1`, maxRetries: 0 });
    });
    after(async () => {
      await gw?.stop();
      await Promise.all([a?.stop(), b?.stop()]);
    });

    it('files: create, retrieve, content, delete all reach the provider that created the file', async () => {
      await Promise.all([a.reset(), b.reset()]);
      const data = randomBytes(100000);
      const created = await viaB().files.create({ file: await toFile(data, 'data.jsonl'), purpose: 'batch' });
      assert.match(created.id, /^file-llmsr\.[A-Za-z0-9_-]+\.\d+$/);
      assert.equal(created.bytes, data.length);
      // No header from here on: the id alone routes.
      const got = await client.files.retrieve(created.id);
      assert.equal(got.id, created.id);
      assert.equal(got.filename, 'data.jsonl');
      const content = await client.files.content(created.id);
      assert.equal(content.headers.get('content-type'), 'application/octet-stream');
      assert.ok(Buffer.from(await content.arrayBuffer()).equals(data));
      const deleted = await client.files.delete(created.id);
      assert.deepEqual([deleted.id, deleted.deleted], [created.id, true]);
      const seen = (await b.requests()).map((r) => `${r.method} ${r.path}`);
      const own = created.id.replace(/llmsr\.[^.]+\./, '');
      assert.deepEqual(seen, ['POST /v1/files', `GET /v1/files/${own}`, `GET /v1/files/${own}/content`,
                              `DELETE /v1/files/${own}`]);
      assert.deepEqual(await a.requests(), []);
    });

    it('lists files by ?proxy= (the parameter stays at the gateway) and rewrites the ids in the list', async () => {
      await Promise.all([a.reset(), b.reset()]);
      const created = await viaB().files.create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'batch' });
      const proxied = new OpenAI({ apiKey: 'unused', baseURL: `${gw.baseURL}/v1`, maxRetries: 0,
                                   defaultQuery: { proxy: 'b' } });
      const list = await proxied.files.list({ limit: 5 });
      assert.ok(list.data.some((f) => f.id === created.id), JSON.stringify(list.data));
      const last = (await b.requests()).at(-1);
      assert.equal(last.method, 'GET');
      assert.equal(last.path, '/v1/files?limit=5');
    });

    it('batches: input_file_id in the body is decoded and routes; retrieve and cancel by id', async () => {
      const file = await viaB().files.create({ file: await toFile(Buffer.from('{}\n'), 'in.jsonl'), purpose: 'batch' });
      await b.reset();
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions',
                                                  completion_window: '24h' });
      assert.match(batch.id, /^batch_llmsr\./);
      assert.equal(batch.input_file_id, file.id);
      assert.equal((await client.batches.retrieve(batch.id)).id, batch.id);
      assert.equal((await client.batches.cancel(batch.id)).status, 'cancelling');
      const [first] = await b.requests();
      assert.equal(JSON.parse(first.body).input_file_id, file.id.replace(/llmsr\.[^.]+\./, ''));
    });

    it('responses: retrieve and previous_response_id reach the same provider with its own id', async () => {
      await Promise.all([a.reset(), b.reset()]);
      const first = await client.responses.create({ model: '[b]gpt-fake', input: 'hello' });
      assert.match(first.id, /^resp_llmsr\./);
      const own = first.id.replace(/llmsr\.[^.]+\./, '');
      const got = await client.responses.retrieve(first.id);
      assert.equal(got.id, first.id);
      const items = await client.responses.inputItems.list(first.id);
      assert.equal(items.data[0].content[0].text, 'hello');
      // A plain model: the previous response's id picks the provider.
      const second = await client.responses.create({ model: 'gpt-fake', input: 'again',
                                                     previous_response_id: first.id });
      assert.equal(second.previous_response_id, first.id);
      const requests = await b.requests();
      assert.deepEqual(requests.map((r) => `${r.method} ${r.path}`),
                       ['POST /v1/responses', `GET /v1/responses/${own}`,
                        `GET /v1/responses/${own}/input_items`, 'POST /v1/responses']);
      assert.deepEqual(JSON.parse(requests[3].body),
                       { model: 'gpt-fake', input: 'again', previous_response_id: own });
      assert.deepEqual(await a.requests(), []);
      await client.responses.delete(first.id);
      assert.equal((await b.requests()).at(-1).path, `/v1/responses/${own}`);
      assert.equal((await b.requests()).at(-1).method, 'DELETE');
    });

    it('responses: ids in streamed events carry the provider too', async () => {
      const stream = await client.responses.create({ model: '[a]gpt-fake', input: 'hi', stream: true });
      const ids = [];
      for await (const event of stream) if (event.response) ids.push(event.response.id);
      assert.equal(ids.length, 2);
      assert.match(ids[0], /^resp_llmsr\./);
      assert.equal((await client.responses.retrieve(ids[0])).id, ids[0]);
    });

    it('audio.speech returns the provider bytes unchanged, with their content type', async () => {
      const speech = await client.audio.speech.create({ model: '[a]tts-1', voice: 'alloy', input: 'hello there' });
      assert.equal(speech.headers.get('content-type'), 'audio/mpeg');
      const bytes = Buffer.from(await speech.arrayBuffer());
      assert.equal(sha256(bytes), sha256(speechBytes('hello there')));
    });

    it('a 5 MB transcription arrives intact, routed and rewritten by its model field', async () => {
      await Promise.all([a.reset(), b.reset()]);
      const audio = randomBytes(5 << 20);
      // `model` after the file, as the SDK sends {file, model}: the router holds the form until
      // its model arrives (--upload-prefix-bytes, 32 MiB), then streams it.
      const result = await client.audio.transcriptions.create({ file: await toFile(audio, 'speech.wav'),
                                                                model: '[b]whisper-1' });
      assert.equal(result.text, `model=whisper-1 bytes=${audio.length} sha256=${sha256(audio)}`);
      assert.equal((await b.requests()).length, 1);
      assert.deepEqual(await a.requests(), []);
    });

    it('a call without a model and without routing information is a clear 400', async () => {
      await assert.rejects(client.files.retrieve('file-made-elsewhere'), (e) => {
        assert.equal(e.status, 400);
        assert.match(e.error.message, /names no provider.*X-LLMSRouter-Provider/);
        assert.equal(e.error.code, 'provider_required');
        return true;
      });
      await assert.rejects(client.files.create({ file: await toFile(Buffer.from('x'), 'x'), purpose: 'batch' }),
                           (e) => e.status === 400);
    });

    it('a malformed multipart body is a clear 400', async () => {
      for (const [type, body] of [['multipart/form-data; boundary=XyZ', 'garbage without a boundary'],
                                  ['multipart/form-data', '--x\r\n\r\nv\r\n--x--'],
                                  ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="model"\r\n\r\n[a]w']]) {
        const res = await fetch(`${gw.baseURL}/v1/audio/transcriptions`, {
          method: 'POST', headers: { 'content-type': type }, body });
        assert.equal(res.status, 400);
        const error = (await res.json()).error;
        assert.match(error.message, /malformed multipart/);
        assert.equal(error.type, 'invalid_request_error');
      }
    });

    it('ids of two providers in one call are refused', async () => {
      const fa = await client.files.create({ file: await toFile(Buffer.from('x'), 'x'), purpose: 'batch' },
                                           { query: { proxy: 'a' } });
      const fb = await viaB().files.create({ file: await toFile(Buffer.from('x'), 'x'), purpose: 'batch' });
      await assert.rejects(client.batches.create({ input_file_id: fa.id, endpoint: '/v1/chat/completions',
                                                   completion_window: '24h', metadata: { other_file_id: fb.id } }),
                           (e) => e.status === 400 && /two providers/.test(e.error.message));
    });

    it("an id of provider a never reaches provider b ([b]model, ?proxy=b)", async () => {
      const fa = await client.files.create({ file: await toFile(Buffer.from('x'), 'x'), purpose: 'batch' },
                                           { query: { proxy: 'a' } });
      const before = (await b.requests()).length;
      await assert.rejects(client.batches.create({ input_file_id: fa.id, endpoint: '/v1/chat/completions',
                                                   completion_window: '24h' }, { query: { proxy: 'b' } }),
                           (e) => e.status === 400 && e.error.code === 'mixed_providers');
      await assert.rejects(client.responses.create({ model: '[b]m', input: [{ role: 'user', content: [
                             { type: 'input_file', file_id: fa.id }] }] }),
                           (e) => e.status === 400 && e.error.code === 'mixed_providers');
      assert.equal((await b.requests()).length, before);
    });
  });
}

// Permissions apply to every route: by header, by ?proxy= and by an id's provider.
for (const deployment of deployments) {
  describe(`endpoint permissions through ${deployment.name}`, () => {
    let a;
    let b;
    let redis;
    let gw;
    let alice;
    before(async () => {
      [a, b, redis] = await Promise.all([startFakeUpstream(), startFakeUpstream(), startRedis()]);
      gw = await deployment.start(`servers:\n  a: {url: "${a.url}"}\n  b: {url: "${b.url}"}\n`, [],
                                  { ENABLE_ACCOUNT_MANAGEMENT: 'true', REDIS_URL: redis.url,
                                    LLMSROUTER_ADMIN_TOKEN: 'admin-secret-for-tests' });
      const added = await runAdmin(gw.authPort, 'admin-secret-for-tests', ['add', 'alice', '--permissions', 'a']);
      assert.equal(added.code, 0, added.stderr);
      alice = added.stdout.split('\n').find((l) => /^llmr-[A-Za-z0-9]{43}$/.test(l));
      assert.ok(alice);
    });
    after(async () => {
      await gw?.stop();
      await Promise.all([a?.stop(), b?.stop(), redis?.stop()]);
    });

    it('a user allowed only provider a reaches a, and never b by header, ?proxy= or id', async () => {
      const client = new OpenAI({ apiKey: alice, baseURL: `${gw.baseURL}/v1`, maxRetries: 0 });
      const mine = await client.files.create({ file: await toFile(Buffer.from('x'), 'x'), purpose: 'batch' },
                                             { headers: { 'X-LLMSRouter-Provider': 'a' } });
      assert.equal((await client.files.retrieve(mine.id)).id, mine.id);
      const forbidden = (e) => e.status === 403 && e.error.code === 'provider_not_permitted';
      await assert.rejects(client.files.create({ file: await toFile(Buffer.from('x'), 'x'), purpose: 'batch' },
                                               { headers: { 'X-LLMSRouter-Provider': 'b' } }), forbidden);
      await assert.rejects(client.files.list({}, { headers: { 'X-LLMSRouter-Provider': 'b' } }), forbidden);
      await assert.rejects(client.files.retrieve('file-llmsr.Yg.1'), forbidden);  // an id of b's
      await assert.rejects(client.responses.create({ model: 'gpt-fake', input: 'x',
                                                     previous_response_id: 'resp_llmsr.Yg.1' }), forbidden);
      assert.deepEqual(await b.requests(), []);
    });
  });
}
