// Streamed uploads (issue 19) with the official OpenAI SDK, in both deployments: a multipart
// body goes to the provider as it arrives and is never held whole. The fake provider hashes
// each part as it arrives (tests/fake_upstream/multipart_stream.mjs) and records how far a
// body got, so these tests see the exact bytes a provider received, a body cut short, and
// a provider that answers before reading. After each test a JSON chat call on the same
// gateway must still work.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile, toStreamingFile } from 'openai';
import { deployments, heldConnections, metricSum, rssMb, waitFor } from './harness.mjs';
import { startTwoProviders } from './two_providers.mjs';

const MiB = 1 << 20;
const SANITIZERS = Boolean(process.env.LLMSROUTER_E2E_SANITIZERS);
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const expectedText = (model, data) => `model=${model} bytes=${data.length} sha256=${sha256(data)}`;
// The part of a recorded upload by its form name.
const part = (request, name) => request.parts?.find((p) => p.name === name);

// `total` pseudo-random bytes as an async iterable of 1 MiB chunks, made as they are pulled
// (the test never holds the body): `produced` counts them, `digest()` is their sha256 once
// all were pulled. With `holdAt`, stops producing there until `release()` (never ending
// the body by itself).
function generatedBody(total, { holdAt } = {}) {
  const hash = createHash('sha256');
  let release;
  const held = new Promise((r) => { release = r; });
  const body = {
    produced: 0,
    release,
    digest: () => hash.digest('hex'),
    async *[Symbol.asyncIterator]() {
      while (body.produced < total) {
        if (holdAt !== undefined && body.produced >= holdAt) await held;
        const chunk = randomBytes(Math.min(MiB, total - body.produced));
        hash.update(chunk);
        body.produced += chunk.length;
        yield chunk;
      }
    },
  };
  return body;
}

// Runs curl; resolves {code, stdout, stderr} (curl's -v trace is on stderr).
function curl(args) {
  return new Promise((resolve) => {
    execFile('curl', args, { maxBuffer: 16 * MiB }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }));
  });
}

for (const deployment of deployments) {
  describe(`streamed uploads through ${deployment.name}`, () => {
    let stack;
    let a;
    let b;
    let gw;
    let client;
    let viaB;
    let dir;
    before(async () => {
      stack = await startTwoProviders(deployment);
      ({ a, b, gw, client, viaB } = stack);
      dir = mkdtempSync(join(tmpdir(), 'llmsrouter-uploads-'));
    });
    after(async () => {
      await stack?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    // Whatever an upload did, the gateway still answers a JSON call, and no call is left in
    // flight anywhere (streams, the provider's open requests, connections whose client left).
    afterEach(async () => {
      await Promise.all([a.behave({}), b.behave({})]);
      const chat = await client.chat.completions.create({ model: '[a]gpt-fake',
                                                           messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(chat.choices[0].message.content, 'tok0 tok1 tok2 tok3 tok4 ');
      await waitFor(async () => (await Promise.all(gw.metricsURLs.map(
        (url) => metricSum(url, 'llmsrouter_gateway_active_streams')))).every((v) => v === 0),
      { what: 'no stream left active' });
      for (const fake of [a, b]) {
        await waitFor(async () => (await fake.stats()).open_requests === 0,
                      { what: 'the provider to see every request end' });
      }
      await waitFor(() => heldConnections(Number(new URL(gw.baseURL).port)).length === 0,
                    { what: 'the gateway to close the connections of clients that left' });
      await Promise.all([a.reset(), b.reset()]);
    });

    it('a 5 MB transcription arrives intact, routed and rewritten by its model field', async () => {
      const audio = randomBytes(5 * MiB);
      // `model` first: routed from the body's first bytes.
      const result = await client.audio.transcriptions.create({ model: '[b]whisper-1',
                                                                file: await toFile(audio, 'speech.wav') });
      assert.equal(result.text, expectedText('whisper-1', audio));
      const [sent] = await b.requests();
      assert.equal(sent.path, '/v1/audio/transcriptions');
      assert.deepEqual([sent.state, sent.body_complete], ['finished', true]);
      assert.equal(sent.fields.model, 'whisper-1');
      assert.deepEqual([part(sent, 'file').bytes, part(sent, 'file').sha256], [audio.length, sha256(audio)]);
      // A declared length stays declared, moved by the rewrite ("[b]" is gone).
      assert.equal(Number(sent.headers['content-length']), sent.bytes);
      assert.deepEqual(await a.requests(), []);
    });

    it('routes by a model field after the file part (the SDK keeps the object order)', async () => {
      const audio = randomBytes(300000);
      const result = await client.audio.transcriptions.create({ file: await toFile(audio, 'speech.wav'),
                                                                model: '[b]whisper-1' });
      assert.equal(result.text, expectedText('whisper-1', audio));
      const [sent] = await b.requests();
      assert.deepEqual(sent.parts.map((p) => p.name), ['file', 'model']);
      assert.equal(sent.fields.model, 'whisper-1');
      assert.deepEqual(await a.requests(), []);
    });

    it('a 200 MB upload arrives intact while no gateway-side process grows by 64 MB', { timeout: 300000 }, async () => {
      // The provider reads at 50 MB/s at most, so a chain that did not pass flow control
      // back to the client would fill with the body.
      await b.behave({ read_bytes_per_s: 50e6 });
      const total = 200e6;
      const body = generatedBody(total);
      const pids = Object.fromEntries(Object.entries(gw.procs)
        .filter(([name]) => ['llmsrouter', 'gateway', 'router'].includes(name))
        .map(([name, proc]) => [name, proc.pid]));
      const baseline = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, rssMb(pid)]));
      const peak = { ...baseline };
      const sampler = setInterval(() => {
        for (const [name, pid] of Object.entries(pids)) peak[name] = Math.max(peak[name], rssMb(pid));
      }, 50);
      const started = Date.now();
      let created;
      try {
        created = await viaB.files.create({ file: toStreamingFile(body, 'big.jsonl'), purpose: 'assistants' });
      } finally {
        clearInterval(sampler);
      }
      const seconds = (Date.now() - started) / 1000;
      assert.equal(created.bytes, total);
      const [sent] = await b.requests();
      assert.deepEqual([sent.state, sent.body_complete, sent.fields.purpose], ['finished', true, 'assistants']);
      assert.deepEqual([part(sent, 'file').bytes, part(sent, 'file').sha256], [total, body.digest()]);
      const growth = Object.fromEntries(Object.keys(pids).map((name) => [name, Math.round(peak[name] - baseline[name])]));
      console.log(`[uploads] ${deployment.key}: 200 MB in ${seconds.toFixed(1)} s, ` +
                  `resident memory growth (MB) ${JSON.stringify(growth)}`);
      // ASan's quarantine keeps freed chunks: resident memory says nothing there.
      for (const [name, mb] of SANITIZERS ? [] : Object.entries(growth)) {
        assert.ok(mb < 64, `${name} grew by ${mb} MB during a 200 MB upload: ${JSON.stringify(growth)}`);
      }
    });

    it("an upload's parts stream to the provider that created the upload, routed by its id", async () => {
      const upload = await viaB.uploads.create({ purpose: 'batch', filename: 'big.jsonl',
                                                 bytes: 12 * MiB, mime_type: 'application/jsonl' });
      const bodies = [generatedBody(8 * MiB), generatedBody(4 * MiB)];
      // No header: the id in the path routes each part; the data is no file in memory.
      const parts = [];
      for (const body of bodies) {
        parts.push(await client.uploads.parts.create(upload.id, { data: toStreamingFile(body, 'part') }));
      }
      const done = await client.uploads.complete(upload.id, { part_ids: parts.map((p) => p.id) });
      assert.deepEqual([done.status, done.file.bytes], ['completed', 12 * MiB]);
      const sent = (await b.requests()).filter((r) => r.path.endsWith('/parts'));
      assert.deepEqual(sent.map((r) => [r.state, r.body_complete, part(r, 'data').bytes, part(r, 'data').sha256]),
                       bodies.map((body) => ['finished', true, body.produced, body.digest()]));
      assert.deepEqual(await a.requests(), []);
    });

    it('a transcription over 25 MiB is refused with 413; a declared length before any byte goes upstream', async () => {
      const tooBig = (e) => {
        assert.equal(e.status, 413, `${e.status} ${JSON.stringify(e.error)}`);
        assert.equal(e.error.code, 'request_too_large');
        assert.equal(e.error.type, 'invalid_request_error');
        assert.ok(e.error.message);
        return true;
      };
      // Content-Length over the limit: refused from the head, the provider sees nothing.
      await assert.rejects(client.audio.transcriptions.create({ model: '[b]whisper-1',
        file: await toFile(Buffer.alloc(26 * MiB, 7), 'long.wav') }), tooBig);
      assert.deepEqual(await b.requests(), []);
      // Chunked: refused once 25 MiB arrived; the provider never gets the whole body.
      const body = generatedBody(30 * MiB);
      await assert.rejects(client.audio.transcriptions.create({ model: '[b]whisper-1',
        file: toStreamingFile(body, 'long.wav') }), tooBig);
      await waitFor(async () => (await b.requests()).every((r) => r.state !== 'open'),
                    { what: 'the provider to see the cut request end' });
      for (const r of await b.requests()) {
        assert.deepEqual([r.state, r.body_complete], ['aborted', false], JSON.stringify(r));
        assert.ok(r.bytes <= 25 * MiB + 4096, `${r.bytes} bytes went upstream`);
      }
      assert.deepEqual(await a.requests(), []);
    });

    it('a client that gives up mid-upload: the provider sees the request cut short', async () => {
      const body = generatedBody(20 * MiB, { holdAt: 4 * MiB });
      const controller = new AbortController();
      const call = client.audio.transcriptions.create({ model: '[b]whisper-1',
        file: toStreamingFile(body, 'speech.wav') }, { signal: controller.signal });
      // The first bytes went through to the provider before the client gave up.
      await waitFor(async () => (await b.requests())[0]?.bytes >= MiB,
                    { what: 'the first MiB to reach the provider' });
      controller.abort();
      await assert.rejects(call, (e) => e instanceof OpenAI.APIUserAbortError);
      body.release();
      const [sent] = await waitFor(async () => {
        const requests = await b.requests();
        return requests.length > 0 && requests[0].state !== 'open' && requests;
      }, { what: 'the provider to see the request end' });
      assert.deepEqual([sent.state, sent.body_complete], ['aborted', false]);
      assert.ok(sent.bytes <= 4 * MiB + 4096, `${sent.bytes} bytes arrived`);
      assert.equal((await b.requests()).length, 1);
    });

    it('model after a 3 MiB file (the SDK order {file, model}) is found; no provider named at all is a clear 404', async () => {
      const audio = randomBytes(3 * MiB);
      const result = await client.audio.transcriptions.create({ file: await toFile(audio, 'a.wav'),
                                                              model: '[a]whisper-1' });
      assert.equal(result.text, expectedText('whisper-1', audio));
      await assert.rejects(client.audio.transcriptions.create({ file: await toFile(audio, 'a.wav'),
                                                                model: 'whisper-1' }), (e) => {
        // As for a JSON body: a model without "[alias]" and no provider named.
        assert.equal(e.status, 404, `${e.status} ${JSON.stringify(e.error)}`);
        assert.equal(e.error.code, 'model_not_found');
        assert.equal(e.error.param, 'model');
        return true;
      });
      assert.equal((await a.requests()).length, 1);
      assert.deepEqual(await b.requests(), []);
      // The same model-less form with the provider named by the header, or by ?proxy=.
      const viaHeader = await viaB.audio.transcriptions.create({ file: await toFile(audio, 'a.wav'),
                                                                 model: 'whisper-1' });
      assert.equal(viaHeader.text, expectedText('whisper-1', audio));
      const viaQuery = await client.audio.transcriptions.create({ file: await toFile(audio, 'a.wav'),
                                                                  model: 'whisper-1' }, { query: { proxy: 'a' } });
      assert.equal(viaQuery.text, expectedText('whisper-1', audio));
      assert.equal((await b.requests()).length, 1);
      assert.equal((await a.requests()).length, 2);
    });

    it('files.create without a provider named is refused before its body is held', async () => {
      await assert.rejects(client.files.create({ file: await toFile(randomBytes(3 * MiB), 'f.jsonl'),
                                                 purpose: 'batch' }), (e) => {
        assert.equal(e.status, 400, `${e.status} ${JSON.stringify(e.error)}`);
        assert.equal(e.error.code, 'provider_required');
        return true;
      });
      assert.deepEqual([await a.requests(), await b.requests()], [[], []]);
    });

    it('a provider that answers 401 before reading the body: the client gets its 401', async () => {
      await b.behave({ before_body: 401 });
      await assert.rejects(client.audio.transcriptions.create({ model: '[b]whisper-1',
        file: await toFile(randomBytes(8 * MiB), 'a.wav') }), (e) => {
        assert.equal(e.status, 401);
        assert.deepEqual(e.error, { message: 'fake upstream error 401', type: 'authentication_error',
                                    param: null, code: null });
        return true;
      });
      const [sent] = await b.requests();
      assert.equal(sent.answered_at_bytes, 0);
    });

    it('curl sending Expect: 100-continue gets a 100 Continue, not a timeout', async () => {
      const audio = randomBytes(3 * MiB);
      const file = join(dir, 'speech.wav');
      writeFileSync(file, audio);
      // curl asks for 100-continue by itself for a body this large.
      const out = await curl(['-sS', '-v', '-m', '60', '-F', 'model=[b]whisper-1', '-F', `file=@${file}`,
                              `${gw.baseURL}/v1/audio/transcriptions`]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stderr, /^> Expect: 100-continue/m);
      assert.match(out.stderr, /^< HTTP\/1\.1 100 Continue/m);
      // curl says this when it gave up waiting for the 100 and sent the body anyway.
      assert.doesNotMatch(out.stderr, /Done waiting for 100-continue/);
      assert.equal(JSON.parse(out.stdout).text, expectedText('whisper-1', audio));
    });
  });
}

// A smaller bound than the default (--upload-prefix-bytes): a form whose model comes later is
// refused with a 400 naming the bound, before anything reaches a provider.
for (const deployment of deployments) {
  describe(`upload prefix bound through ${deployment.name}`, () => {
    let stack;
    before(async () => {
      stack = await startTwoProviders(deployment, { LLMSROUTER_UPLOAD_PREFIX_BYTES: String(MiB) });
    });
    after(async () => stack?.stop());

    it('model after the bound and no provider named: 400 model_not_in_prefix naming the bound', async () => {
      const { a, b, client, viaB } = stack;
      const image = randomBytes(3 * MiB);
      await assert.rejects(client.images.edit({ image: await toFile(image, 'a.png'), prompt: 'p',
                                                model: '[b]gpt-image-1' }), (e) => {
        assert.equal(e.status, 400, `${e.status} ${JSON.stringify(e.error)}`);
        assert.equal(e.error.code, 'model_not_in_prefix');
        assert.equal(e.error.param, 'model');
        assert.match(e.error.message, /1048576/);
        return true;
      });
      assert.deepEqual([await a.requests(), await b.requests()], [[], []]);
      const edited = await viaB.images.edit({ image: await toFile(image, 'a.png'), prompt: 'p',
                                              model: 'gpt-image-1' });
      assert.ok(edited.data.length > 0);
      assert.equal((await b.requests()).length, 1);
    });
  });
}

// A small --upload-prefix-budget (what all uploads whose model comes after the file may hold
// together): while one such upload is held, a second that would take the rest is refused at
// once with a 503 upload_prefix_budget and Retry-After; once the first ended, it goes through.
for (const deployment of deployments) {
  describe(`upload prefix budget through ${deployment.name}`, () => {
    let stack;
    before(async () => {
      stack = await startTwoProviders(deployment,
                                      { LLMSROUTER_UPLOAD_PREFIX_BUDGET: String(3 * MiB) });
    });
    after(async () => stack?.stop());
    const held = async () => (await Promise.all(stack.gw.metricsURLs.map(
      (url) => metricSum(url, 'llmsrouter_upload_held_bytes')))).reduce((x, y) => x + y, 0);

    it('a second held upload over the budget: 503 upload_prefix_budget, then it goes through', async () => {
      const { a, client } = stack;
      // The SDK sends {file, model} in that order: the router holds the file to find the model.
      // Each fits in the budget alone (2.5 MiB); the first holds 1 MiB while the second comes.
      const body = generatedBody(2.5 * MiB, { holdAt: MiB });
      const first = client.audio.transcriptions.create({ file: toStreamingFile(body, 'a.wav'),
                                                         model: '[a]whisper-1' });
      await waitFor(async () => (await held()) >= MiB, { what: 'the first upload to be held' });
      const audio = randomBytes(2.5 * MiB);
      const second = async () => client.audio.transcriptions.create(
        { file: await toFile(audio, 'b.wav'), model: '[a]whisper-1' });
      await assert.rejects(second(), (e) => {
        assert.equal(e.status, 503, `${e.status} ${JSON.stringify(e.error)}`);
        assert.equal(e.error.code, 'upload_prefix_budget');
        assert.equal(e.error.type, 'server_error');
        assert.match(e.error.message, /X-LLMSRouter-Provider/);
        assert.equal(e.headers.get('retry-after'), '1');
        return true;
      });
      const heldNow = await held();
      assert.ok(heldNow >= MiB && heldNow < 2 * MiB, `${heldNow} bytes held`);  // the first's only
      assert.equal((await a.requests()).length, 0);  // nothing reached the provider yet
      body.release();
      const result = await first;
      assert.equal(result.text, `model=whisper-1 bytes=${2.5 * MiB} sha256=${body.digest()}`);
      await waitFor(async () => (await held()) === 0, { what: 'the held bytes to be given back' });
      assert.equal((await second()).text, expectedText('whisper-1', audio));
      assert.equal(await held(), 0);
    });
  });
}
