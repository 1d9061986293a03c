// The fake provider's stored resources and non-JSON endpoints: files (multipart uploads,
// binary content), stored Responses (also streamed), batches, text to speech (audio bytes)
// and transcriptions (multipart; the answer names the exact bytes received). Ids are the
// provider's own ("file-1", "resp_1"); a request naming an id this fake did not create gets
// a 404, so a test sees that an id reached the provider that created it, decoded.
// Every request handled here is recorded with `bytes` and `sha256` of its raw body.
import { createHash } from 'node:crypto';

const files = new Map();
const responses = new Map();
const batches = new Map();
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

// Parts of a multipart/form-data body: {name, filename, data}; null when malformed.
export function parseMultipart(buf, contentType) {
  const m = /boundary="?([^";]+)"?/i.exec(contentType ?? '');
  if (!m) return null;
  const delim = Buffer.from(`--${m[1]}`);
  const inner = Buffer.from(`\r\n--${m[1]}`);
  const parts = [];
  let pos = buf.indexOf(delim);
  if (pos < 0) return null;
  pos += delim.length;
  for (;;) {
    if (buf.subarray(pos, pos + 2).toString() === '--') return parts;
    if (buf.subarray(pos, pos + 2).toString() !== '\r\n') return null;
    const end = buf.indexOf('\r\n\r\n', pos + 2);
    if (end < 0) return null;
    const headers = buf.subarray(pos + 2, end).toString('utf8');
    const nextPart = buf.indexOf(inner, end + 4);
    if (nextPart < 0) return null;
    parts.push({ name: /[; ]name="([^"]*)"/.exec(headers)?.[1],
                 filename: /filename="([^"]*)"/.exec(headers)?.[1],
                 data: buf.subarray(end + 4, nextPart) });
    pos = nextPart + inner.length;
  }
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

function form(req, res, buf) {
  const parts = parseMultipart(buf, req.headers['content-type']);
  if (!parts) { badRequest(res, 'malformed multipart body'); return null; }
  return Object.fromEntries(parts.map((p) => [p.name, p]));
}

function fileRoutes(req, res, buf, segs) {
  if (req.method === 'POST' && segs.length === 1) {
    const f = form(req, res, buf);
    if (!f) return;
    const id = `file-${next++}`;
    const meta = { id, object: 'file', bytes: f.file?.data.length ?? 0, created_at: 1700000000,
                   filename: f.file?.filename ?? 'upload', purpose: f.purpose?.data.toString() ?? '' };
    files.set(id, { meta, data: Buffer.from(f.file?.data ?? []) });
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
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.data.length });
    return res.end(file.data);
  }
  if (req.method === 'DELETE' && segs.length === 2) {
    files.delete(segs[1]);
    return json(res, 200, { id: segs[1], object: 'file', deleted: true });
  }
  return notFound(res, 'route');
}

function newResponse(body) {
  const id = `resp_${next++}`;
  const r = { id, object: 'response', created_at: 1700000000, status: 'completed', model: body.model,
              previous_response_id: body.previous_response_id ?? null,
              output: [{ type: 'message', id: `msg_${next++}`, status: 'completed', role: 'assistant',
                         content: [{ type: 'output_text', text: `answer to ${id}`, annotations: [] }] }],
              usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } };
  responses.set(id, { r, input: body.input });
  return r;
}

function responseRoutes(req, res, buf, segs) {
  if (req.method === 'POST' && segs.length === 1) {
    const body = JSON.parse(buf.toString('utf8'));
    if (body.previous_response_id && !responses.has(body.previous_response_id)) {
      return notFound(res, `response ${body.previous_response_id}`);
    }
    const r = newResponse(body);
    if (!body.stream) return json(res, 200, r);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const events = [['response.created', { type: 'response.created', response: { ...r, status: 'in_progress', output: [] } }],
                    ['response.output_text.delta', { type: 'response.output_text.delta', delta: 'answer' }],
                    ['response.completed', { type: 'response.completed', response: r }]];
    return res.end(events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join(''));
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

function batchRoutes(req, res, buf, segs) {
  if (req.method === 'POST' && segs.length === 1) {
    const body = JSON.parse(buf.toString('utf8'));
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

function audioRoutes(req, res, buf, segs) {
  if (segs[1] === 'speech') {
    const body = JSON.parse(buf.toString('utf8'));
    const bytes = speechBytes(body.input);
    res.writeHead(200, { 'content-type': 'audio/mpeg' });
    // In pieces, as a real server streams audio.
    for (let i = 0; i < bytes.length; i += 65536) res.write(bytes.subarray(i, i + 65536));
    return res.end();
  }
  const f = form(req, res, buf);
  if (!f) return;
  const file = f.file?.data ?? Buffer.alloc(0);
  return json(res, 200, { text: `model=${f.model?.data.toString()} bytes=${file.length} sha256=${sha256(file)}` });
}

const routes = { files: fileRoutes, responses: responseRoutes, batches: batchRoutes, audio: audioRoutes };

// Handles the request when its path is one of the resource endpoints; returns whether it did.
export function handleResource(req, res, buf, entry) {
  const path = req.url.split('?')[0];
  const segs = path.replace(/^\/v1\//, '').split('/');
  const route = routes[segs[0]];
  if (!path.startsWith('/v1/') || !route) return false;
  entry.bytes = buf.length;
  entry.sha256 = sha256(buf);
  try {
    route(req, res, buf, segs);
  } catch (e) {
    badRequest(res, String(e));
  }
  return true;
}
