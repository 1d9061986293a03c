// Issue 19's remaining endpoints with the official OpenAI SDK, in both deployments: a streamed
// transcription (SSE passed through with its content type), /v1/uploads create -> parts
// (multipart) -> complete, vector stores, and image edits (multipart, `model` after the file).
// Two providers, so that routing by model, header and id is proven.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { toFile } from 'openai';
import { deployments } from './harness.mjs';
import { startTwoProviders } from './two_providers.mjs';

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
// The provider's own id inside one the gateway handed out ("file-llmsr.<alias>.<n>" etc.).
const own = (id) => id.replace(/llmsr\.[^.]+\./, '');

for (const deployment of deployments) {
  describe(`more endpoints through ${deployment.name}`, () => {
    let stack;
    let a;
    let b;
    let client;
    let viaB;
    before(async () => {
      stack = await startTwoProviders(deployment);
      ({ a, b, client, viaB } = stack);
    });
    after(() => stack?.stop());

    it('streams a transcription: SSE events passed through with their content type', async () => {
      await Promise.all([a.reset(), b.reset()]);
      const audio = randomBytes(300000);
      const expected = `model=whisper-1 bytes=${audio.length} sha256=${sha256(audio)}`;
      const stream = await client.audio.transcriptions.create({ file: await toFile(audio, 'a.wav'),
        model: '[b]whisper-1', stream: true });
      const events = [];
      for await (const event of stream) events.push(event);
      assert.deepEqual(events.map((e) => e.type),
                       ['transcript.text.delta', 'transcript.text.delta', 'transcript.text.delta',
                        'transcript.text.done']);
      assert.equal(events.filter((e) => e.delta).map((e) => e.delta).join(''), expected);
      assert.equal(events.at(-1).text, expected);
      assert.equal((await b.requests()).length, 1);
      assert.deepEqual(await a.requests(), []);
      // The content type as the provider sent it.
      const raw = await client.audio.transcriptions.create({ file: await toFile(audio, 'a.wav'),
        model: '[b]whisper-1', stream: true }).asResponse();
      assert.equal(raw.headers.get('content-type'), 'text/event-stream');
      assert.match(await raw.text(), /^data: \{"type":"transcript\.text\.delta"/);
    });

    it('uploads: create, parts, complete reach the creating provider; the file it makes routes too', async () => {
      await Promise.all([a.reset(), b.reset()]);
      const pieces = [randomBytes(70000), randomBytes(50000)];
      const whole = Buffer.concat(pieces);
      const upload = await viaB.uploads.create({ purpose: 'batch', filename: 'big.jsonl',
        bytes: whole.length, mime_type: 'application/jsonl' });
      assert.match(upload.id, /^upload_llmsr\.[A-Za-z0-9_-]+\.\d+$/);
      // No header from here on: the upload's id routes.
      const parts = [];
      for (const piece of pieces) {
        parts.push(await client.uploads.parts.create(upload.id, { data: await toFile(piece, 'part') }));
      }
      assert.equal(parts[0].upload_id, upload.id);
      const done = await client.uploads.complete(upload.id, { part_ids: parts.map((p) => p.id) });
      assert.equal(done.status, 'completed');
      assert.equal(done.id, upload.id);
      assert.match(done.file.id, /^file-llmsr\./);
      const content = await client.files.content(done.file.id);
      assert.ok(Buffer.from(await content.arrayBuffer()).equals(whole));
      const seen = (await b.requests()).map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(seen, ['POST /v1/uploads', `POST /v1/uploads/${own(upload.id)}/parts`,
                              `POST /v1/uploads/${own(upload.id)}/parts`,
                              `POST /v1/uploads/${own(upload.id)}/complete`,
                              `GET /v1/files/${own(done.file.id)}/content`]);
      assert.deepEqual(await a.requests(), []);
    });

    it('vector stores: create with a file, retrieve, list its files, delete, routed by the id', async () => {
      await Promise.all([a.reset(), b.reset()]);
      const file = await viaB.files.create({ file: await toFile(Buffer.from('doc'), 'doc.txt'),
                                             purpose: 'assistants' });
      // The file's id alone routes the create, decoded to provider b's own id in the body.
      const vs = await client.vectorStores.create({ name: 'docs', file_ids: [file.id] });
      assert.match(vs.id, /^vs_llmsr\./);
      assert.equal(vs.file_counts.total, 1);
      const create = (await b.requests()).at(-1);
      assert.deepEqual(JSON.parse(create.body).file_ids, [own(file.id)]);
      assert.equal((await client.vectorStores.retrieve(vs.id)).name, 'docs');
      const files = [];
      for await (const f of client.vectorStores.files.list(vs.id)) files.push(f);
      assert.deepEqual(files.map((f) => [f.id, f.vector_store_id]), [[file.id, vs.id]]);
      const deleted = await client.vectorStores.delete(vs.id);
      assert.deepEqual([deleted.id, deleted.deleted], [vs.id, true]);
      const seen = (await b.requests()).map((r) => `${r.method} ${r.path.split('?')[0]}`);
      assert.deepEqual(seen.slice(1), ['POST /v1/vector_stores', `GET /v1/vector_stores/${own(vs.id)}`,
                                       `GET /v1/vector_stores/${own(vs.id)}/files`,
                                       `DELETE /v1/vector_stores/${own(vs.id)}`]);
      assert.deepEqual(await a.requests(), []);
      await assert.rejects(client.vectorStores.retrieve(vs.id), (e) => e.status === 404);
    });

    it('image edits: multipart with the image first and model after it, routed and rewritten', async () => {
      await Promise.all([a.reset(), b.reset()]);
      const image = randomBytes(200000);
      const edited = await client.images.edit({ image: await toFile(image, 'in.png', { type: 'image/png' }),
        prompt: 'add a hat', model: '[a]gpt-image-1' });
      assert.equal(Buffer.from(edited.data[0].b64_json, 'base64').toString(),
                   `model=gpt-image-1 prompt=add a hat bytes=${image.length} sha256=${sha256(image)}`);
      const [sent] = await a.requests();
      assert.equal(sent.path, '/v1/images/edits');
      // The SDK wrote the fields in the order given: the model after the image's bytes.
      const body = sent.body;
      assert.ok(body.indexOf('name="model"') > body.indexOf('name="image"'));
      assert.deepEqual(await b.requests(), []);
    });
  });
}
