// The fake provider's stored resources and non-JSON endpoints: files (multipart uploads,
// binary content), stored Responses (also streamed: responses_api.mjs), batches, text to speech (audio bytes)
// and transcriptions (multipart; the answer names the exact bytes received). Ids are the
// provider's own ("file-1", "resp_1"); a request naming an id this fake did not create gets
// a 404, so a test sees that an id reached the provider that created it, decoded.
// Also uploads (create -> parts -> complete, which makes a file), vector stores
// (create/retrieve/list files/delete, file_ids checked), image edits (multipart; the answer
// names the model and the image bytes) and streamed transcriptions (`stream=true`: SSE of
// transcript.text.delta / transcript.text.done events).
// Every request handled here is recorded with `bytes` and `sha256` of its raw body. Multipart
// bodies arrive already parsed as they came (fake_upstream.mjs, multipart_stream.mjs): each
// part's name, filename, bytes, sha256 and, up to 1 MiB, its data; a file over that keeps
// only its size and hash (its content is then not served).
import { createHash } from 'node:crypto';
import { directivesOf, outputItems, streamResponse, usageOf } from './responses_api.mjs';

const files = new Map();
const responses = new Map();
const batches = new Map();
const uploads = new Map();
const vectorStores = new Map();
let next = 1;

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

// Deterministic "audio" for a text: the test computes the same bytes.
export function speechBytes(input, size = 300000) {
  const out = Buffer.alloc(size);
  let x = 2166136261;
  for (const ch of String(input)) x = Math.imul(x ^ ch.charCodeAt(0), 16777619) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function json(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const notFound = (res, what) => json(res, 404, { error: {
  message: `No such ${what}`, type: 'invalid_request_error', param: null, code: 'not_found' } });
const badRequest = (res, message) => json(res, 400, { error: {
  message, type: 'invalid_request_error', param: null, code: null } });

// The request's multipart form by part name; null (after a 400) when it is none or malformed.
function form(res, input) {
  if (!input.form || input.form.error) {
    badRequest(res, `malformed multipart body${input.form?.error ? `: ${input.form.error}` : ''}`);
    return null;
  }
  return input.form;
}

const jsonBody = (input) => JSON.parse(input.buf.toString('utf8'));
const emptyHash = sha256(Buffer.alloc(0));
const said = (part) => `bytes=${part?.bytes ?? 0} sha256=${part?.sha256 ?? emptyHash}`;

function fileRoutes(req, res, input, segs) {
  if (req.method === 'POST' && segs.length === 1) {
    const f = form(res, input);
    if (!f) return;
    const id = `file-${next++}`;
    const meta = { id, object: 'file', bytes: f.file?.bytes ?? 0, created_at: 1700000000,
                   filename: f.file?.filename ?? 'upload', purpose: f.purpose?.data?.toString() ?? '' };
    files.set(id, { meta, data: f.file ? f.file.data : Buffer.alloc(0) });
    return json(res, 200, meta);
  }
  if (req.method === 'GET' && segs.length === 1) {
    const data = [...files.values()].map((f) => f.meta);
    return json(res, 200, { object: 'list', data, first_id: data[0]?.id ?? null,
                            last_id: data.at(-1)?.id ?? null, has_more: false });
  }
  const file = files.get(segs[1]);
  if (!file) return notFound(res, `file ${segs[1]}`);
  if (req.method === 'GET' && segs.length === 2) return json(res, 200, file.meta);
  if (req.method === 'GET' && segs[2] === 'content') {
    if (!file.data) return notFound(res, `content of ${segs[1]} (the fake keeps no file over 1 MiB)`);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.data.length });
    return res.end(file.data);
  }
  if (req.method === 'DELETE' && segs.length === 2) {
    files.delete(segs[1]);
    return json(res, 200, { id: segs[1], object: 'file', deleted: true });
  }
  return notFound(res, 'route');
}

function newResponse(body, d) {
  const id = `resp_${next++}`;
  const items = outputItems(body, d, id, () => next++);
  const r = { id, object: 'response', created_at: 1700000000, status: 'completed', model: body.model,
              previous_response_id: body.previous_response_id ?? null,
              output: items.map(({ item }) => item), usage: usageOf(d, items) };
  responses.set(id, { r, input: body.input });
  return { r, items };
}

function responseRoutes(req, res, input, segs) {
  if (req.method === 'POST' && segs.length === 1) {
    const body = jsonBody(input);
    if (body.previous_response_id && !responses.has(body.previous_response_id)) {
      return notFound(res, `response ${body.previous_response_id}`);
    }
    const d = directivesOf(body.model);
    if (d.status) {
      return json(res, d.status, { error: { message: `fake upstream error ${d.status}`, type: 'api_error',
                                            param: null, code: null } });
    }
    const { r, items } = newResponse(body, d);
    if (!body.stream) return json(res, 200, r);
    return streamResponse(res, r, items, d);
  }
  const stored = responses.get(segs[1]);
  if (!stored) return notFound(res, `response ${segs[1]}`);
  if (req.method === 'GET' && segs.length === 2) return json(res, 200, stored.r);
  if (req.method === 'GET' && segs[2] === 'input_items') {
    return json(res, 200, { object: 'list', data: [{ id: `msg_in_${segs[1]}`, type: 'message', role: 'user',
                                                    content: [{ type: 'input_text', text: String(stored.input) }] }],
                            has_more: false });
  }
  if (req.method === 'DELETE' && segs.length === 2) {
    responses.delete(segs[1]);
    return json(res, 200, { id: segs[1], object: 'response', deleted: true });
  }
  return notFound(res, 'route');
}

function batchRoutes(req, res, input, segs) {
  if (req.method === 'POST' && segs.length === 1) {
    const body = jsonBody(input);
    if (!files.has(body.input_file_id)) return notFound(res, `file ${body.input_file_id}`);
    const b = { id: `batch_${next++}`, object: 'batch', endpoint: body.endpoint, status: 'validating',
                input_file_id: body.input_file_id, completion_window: body.completion_window,
                output_file_id: null, error_file_id: null, created_at: 1700000000 };
    batches.set(b.id, b);
    return json(res, 200, b);
  }
  const b = batches.get(segs[1]);
  if (!b) return notFound(res, `batch ${segs[1]}`);
  if (req.method === 'GET' && segs.length === 2) return json(res, 200, b);
  if (req.method === 'POST' && segs[2] === 'cancel') return json(res, 200, { ...b, status: 'cancelling' });
  return notFound(res, 'route');
}

function audioRoutes(req, res, input, segs) {
  if (segs[1] === 'speech') {
    const body = jsonBody(input);
    const bytes = speechBytes(body.input);
    res.writeHead(200, { 'content-type': 'audio/mpeg' });
    // In pieces, as a real server streams audio.
    for (let i = 0; i < bytes.length; i += 65536) res.write(bytes.subarray(i, i + 65536));
    return res.end();
  }
  const f = form(res, input);
  if (!f) return;
  const text = `model=${f.model?.data?.toString()} ${said(f.file)}`;
  if (f.stream?.data?.toString() !== 'true') return json(res, 200, { text });
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const delta of text.split(/(?<= )/)) {
    res.write(`data: ${JSON.stringify({ type: 'transcript.text.delta', delta })}\n\n`);
  }
  return res.end(`data: ${JSON.stringify({ type: 'transcript.text.done', text })}\n\n`);
}

function uploadRoutes(req, res, input, segs) {
  if (req.method === 'POST' && segs.length === 1) {
    const body = jsonBody(input);
    const u = { id: `upload_${next++}`, object: 'upload', bytes: body.bytes, created_at: 1700000000,
                expires_at: 1700003600, filename: body.filename, purpose: body.purpose, status: 'pending',
                file: null };
    uploads.set(u.id, { u, parts: new Map() });
    return json(res, 200, u);
  }
  const stored = uploads.get(segs[1]);
  if (!stored) return notFound(res, `upload ${segs[1]}`);
  if (req.method === 'POST' && segs[2] === 'parts') {
    const f = form(res, input);
    if (!f) return;
    const part = { id: `part_${next++}`, object: 'upload.part', created_at: 1700000000, upload_id: segs[1] };
    stored.parts.set(part.id, { bytes: f.data?.bytes ?? 0, data: f.data ? f.data.data : Buffer.alloc(0) });
    return json(res, 200, part);
  }
  if (req.method === 'POST' && segs[2] === 'complete') {
    const body = jsonBody(input);
    const missing = body.part_ids.find((p) => !stored.parts.has(p));
    if (missing) return notFound(res, `part ${missing}`);
    const parts = body.part_ids.map((p) => stored.parts.get(p));
    const data = parts.every((p) => p.data) ? Buffer.concat(parts.map((p) => p.data)) : null;
    const id = `file-${next++}`;
    const meta = { id, object: 'file', bytes: parts.reduce((n, p) => n + p.bytes, 0), created_at: 1700000000,
                   filename: stored.u.filename, purpose: stored.u.purpose };
    files.set(id, { meta, data });
    return json(res, 200, { ...stored.u, status: 'completed', file: meta });
  }
  return notFound(res, 'route');
}

function vectorStoreRoutes(req, res, input, segs) {
  if (req.method === 'POST' && segs.length === 1) {
    const body = jsonBody(input);
    const missing = (body.file_ids ?? []).find((id) => !files.has(id));
    if (missing) return notFound(res, `file ${missing}`);
    const vs = { id: `vs_${next++}`, object: 'vector_store', created_at: 1700000000, name: body.name ?? null,
                 usage_bytes: 0, status: 'completed', last_active_at: 1700000000, metadata: null,
                 file_counts: { in_progress: 0, completed: (body.file_ids ?? []).length, failed: 0,
                                cancelled: 0, total: (body.file_ids ?? []).length } };
    vectorStores.set(vs.id, { vs, fileIds: body.file_ids ?? [] });
    return json(res, 200, vs);
  }
  const stored = vectorStores.get(segs[1]);
  if (!stored) return notFound(res, `vector store ${segs[1]}`);
  if (req.method === 'GET' && segs.length === 2) return json(res, 200, stored.vs);
  if (req.method === 'GET' && segs[2] === 'files') {
    const data = stored.fileIds.map((id) => ({ id, object: 'vector_store.file', created_at: 1700000000,
      vector_store_id: segs[1], status: 'completed', usage_bytes: 0, last_error: null }));
    return json(res, 200, { object: 'list', data, first_id: data[0]?.id ?? null,
                            last_id: data.at(-1)?.id ?? null, has_more: false });
  }
  if (req.method === 'DELETE' && segs.length === 2) {
    vectorStores.delete(segs[1]);
    return json(res, 200, { id: segs[1], object: 'vector_store.deleted', deleted: true });
  }
  return notFound(res, 'route');
}

function imageRoutes(req, res, input, segs) {
  if (req.method !== 'POST' || segs[1] !== 'edits') return notFound(res, 'route');
  const f = form(res, input);
  if (!f) return;
  const text = `model=${f.model?.data?.toString()} prompt=${f.prompt?.data?.toString()} ${said(f.image ?? f['image[]'])}`;
  return json(res, 200, { created: 1700000000, data: [{ b64_json: Buffer.from(text).toString('base64') }] });
}

const routes = { files: fileRoutes, responses: responseRoutes, batches: batchRoutes, audio: audioRoutes,
                 uploads: uploadRoutes, vector_stores: vectorStoreRoutes, images: imageRoutes };

// Handles the request when its path is one of the resource endpoints; returns whether it did.
// `input` is {buf} (the whole body) or, for a multipart upload, {form} (its parts by name, or
// {error}); an upload's entry already has its bytes and sha256.
export function handleResource(req, res, input, entry) {
  const path = req.url.split('?')[0];
  const segs = path.replace(/^\/v1\//, '').split('/');
  const route = routes[segs[0]];
  if (!path.startsWith('/v1/') || !route) return false;
  if (input.buf) {
    entry.bytes = input.buf.length;
    entry.sha256 = sha256(input.buf);
  }
  try {
    route(req, res, input, segs);
  } catch (e) {
    badRequest(res, String(e));
  }
  return true;
}
