#!/usr/bin/env node
// A fake OpenAI-compatible provider for tests and benchmarks. Speaks the real wire protocol:
// JSON answers, text/event-stream with `data: {...}\n\n` chunks and `data: [DONE]`, the usage
// chunk under stream_options.include_usage, OpenAI error bodies.
//
// Behaviour is chosen per request by directives appended to the model name with '+', so
// parallel tests never interfere:  "gpt-x+chunks=200+interval=100+status=429+retry_after=7"
//   chunks=N       content chunks in a stream (default --chunks)
//   interval=MS    delay between chunks (default --interval)
//   latency=MS     delay before the response head (default --latency)
//   status=N       answer with this HTTP status and an OpenAI error body
//   retry_after=S  Retry-After header (with status)
//   cut=N          destroy the connection after N chunks (a stream cut mid-way)
//   reasoning=1    also stream reasoning_content deltas
//   malformed=1    send a broken SSE event in the middle
//   hang=1         never answer
//   flaky=N        the first N requests with this exact model string answer `status`
//                  (default 503), later ones succeed
//   stall_after=N  stop sending (but keep the connection) after N chunks
//   bomb=MB        a stream whose one event never ends: `data: AAAA…` for MB mebibytes,
//                  without a newline (a hostile upstream's memory bomb)
//   html=1         with status: a text/html error page instead of an OpenAI error body
//   org=1          send the operator-identifying openai-organization / openai-project headers
//   tools=N        answer N tool calls of the request's first tool (arguments
//                  {"city":"Paris"}, streamed in pieces) instead of text, unless the last
//                  message is already a tool's result (then text, as a model would)
// A request with response_format {type: json_schema} is answered with a JSON value of its
// schema (model_output.mjs) as the text, streamed whole in one chunk.
//   redirect=PORT  answer 302 with Location: http://127.0.0.1:PORT/v1/chat/completions
//   prompt=N       report N prompt tokens in the usage (default 11)
//   cached=N       report N of them as cached (prompt_tokens_details.cached_tokens)
//   stops=vllm|keep  honour the request's `stop` as a server does: the text ends where the
//                  first stop string appears; vllm: left out and named in the choice's
//                  stop_reason (vLLM); keep: left in the text (include_stop_str_in_output)
// Per end user (the body's "user" field): peak calls in flight (stats.peak_by_user) and the
// usage this fake reported (stats.usage_by_user: calls, prompt, cached, completion).
// Files, stored Responses, batches and audio: see resources.mjs.
// Uploads (any multipart/form-data POST under /v1/) are read as they arrive and never held
// whole (multipart_stream.mjs): the recorded request has `bytes` and `sha256` of the raw body
// (counted as it arrives, so a test sees them grow), `body_complete` (its end arrived),
// `parts` (name, filename, bytes, sha256 of each), `fields` (the text of the small non-file
// parts: model, purpose, ...) and `body` (the raw text) only when the body is at most 1 MiB.
// Introspection (not part of any provider API):
//   GET  /_fake/requests   every request received: method, path, headers, raw body, and
//                          state: "open" (being answered), "finished" (the whole response
//                          was handed to the socket) or "aborted" (the peer closed first)
//   GET  /_fake/stats      connections opened/closed, streams completed/aborted (any response
//                          the peer closed before its end), open_requests (in progress now)
//   POST /_fake/reset      forget requests and stats (and the behaviour below)
//   POST /_fake/behave     directives as a JSON object ({"status": 429, "retry_after": 3})
//                          applied to every later request, over the model's; {} clears them.
//                          For uploads: {"before_body": 401} answers that error at once,
//                          before reading a byte of the body (node then discards the rest);
//                          {"read_bytes_per_s": N} reads the body at N bytes a second;
//                          {"answer_early_at": N} sends a 200 text/event-stream head and a
//                          first event ({"early":true,"bytes":...}) once N body bytes came,
//                          keeps reading, and after the body's end sends an event with the
//                          body's bytes and sha256, then [DONE]
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { handleResource } from './resources.mjs';
import { MultipartStream, formOf } from './multipart_stream.mjs';
import { chatHasToolResult, chatSchema, sampleOf } from './model_output.mjs';

const { values: opts } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    chunks: { type: 'string', default: '5' },
    interval: { type: 'string', default: '0' },
    latency: { type: 'string', default: '0' },
    record: { type: 'string', default: '1' },
  },
});

const defaults = {
  chunks: Number(opts.chunks), interval: Number(opts.interval), latency: Number(opts.latency),
};
const recordRequests = opts.record !== '0';
let requests = [];
let behaviour = {};
const flakyCounts = new Map();
let stats = newStats();
function newStats() {
  return { connections_opened: 0, connections_closed: 0, streams_completed: 0,
           streams_aborted: 0, requests: 0, open_requests: 0, peak_by_user: {},
           usage_by_user: {} };
}

function directives(model) {
  const [base, ...rest] = String(model ?? '').split('+');
  const d = { base, ...defaults };
  for (const item of rest) {
    const [k, v] = item.split('=');
    d[k] = v === undefined ? 1 : (isNaN(Number(v)) ? v : Number(v));
  }
  return d;
}

const sleep = (ms) => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));
const word = (i) => `tok${i} `;
// Writes like a real server: when the peer stops reading, wait until it drains (or goes away).
const send = (res, text) => (res.write(text) || res.destroyed ? Promise.resolve()
  : new Promise((r) => { res.once('drain', r); res.once('close', r); }));

function sendJson(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function errorBody(status) {
  const types = { 400: 'invalid_request_error', 401: 'authentication_error', 404: 'invalid_request_error',
                  429: 'rate_limit_error' };
  return { error: { message: `fake upstream error ${status}`, type: types[status] ?? 'api_error',
                    param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
}

const inflightByUser = new Map();

function usage(d) {
  const prompt = d.prompt ?? 11;
  const u = { prompt_tokens: prompt, completion_tokens: d.chunks, total_tokens: prompt + d.chunks,
              prompt_tokens_details: { cached_tokens: d.cached ?? 0 } };
  if (d.user !== undefined) {
    const t = (stats.usage_by_user[d.user] ??= { calls: 0, prompt: 0, cached: 0, completion: 0 });
    t.calls++;
    t.prompt += prompt;
    t.cached += d.cached ?? 0;
    t.completion += d.chunks;
  }
  return u;
}

// Counts the calls of `user` in flight until `res` closes, and remembers the peak.
function trackUser(user, res) {
  const now = (inflightByUser.get(user) ?? 0) + 1;
  inflightByUser.set(user, now);
  stats.peak_by_user[user] = Math.max(stats.peak_by_user[user] ?? 0, now);
  res.on('close', () => inflightByUser.set(user, inflightByUser.get(user) - 1));
}

function toolCalls(body, d) {
  const name = body.tools?.[0]?.function?.name ?? 'weather';
  return Array.from({ length: d.tools }, (_, i) => ({ id: `call_fake${i}`, type: 'function',
    function: { name, arguments: '{"city":"Paris"}' } }));
}

// A chat.completion.chunk event builder for one stream.
const chunker = (id, created, model) => (delta, finish = null, extra = {}, choiceExtra = {}) => `data: ${
  JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake',
                   choices: [{ index: 0, delta, logprobs: null, finish_reason: finish, ...choiceExtra }],
                   ...extra })}\n\n`;

// The answer's text pieces (one per chunk) and what the finishing choice adds, after the
// stops=… directive.
function pieces(body, d) {
  const schema = chatSchema(body);
  if (schema) return { words: [JSON.stringify(sampleOf(schema))], choiceExtra: {} };
  const words = Array.from({ length: d.chunks }, (_, i) => word(i));
  if (!d.stops) return { words, choiceExtra: {} };
  const text = words.join('');
  let at = -1;
  let hit;
  for (const s of [body.stop ?? []].flat()) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) { at = i; hit = s; }
  }
  if (at < 0) return { words, choiceExtra: {} };
  const end = d.stops === 'keep' ? at + hit.length : at;
  const kept = [];
  for (let i = 0, pos = 0; i < words.length && pos < end; pos += words[i].length, i++) {
    kept.push(words[i].slice(0, end - pos));
  }
  return { words: kept, choiceExtra: d.stops === 'vllm' ? { stop_reason: hit } : {} };
}

// The finish chunk, the usage chunk when asked for, and [DONE].
function endStream(res, body, d, chunk, finish, choiceExtra = {}) {
  res.write(chunk({}, finish, {}, choiceExtra));
  if (body.stream_options?.include_usage) res.write(chunk(undefined, null, { choices: [], usage: usage(d) }));
  res.end('data: [DONE]\n\n');
  stats.streams_completed++;
}

async function chatTools(res, body, d, id, created, model) {
  const calls = toolCalls(body, d);
  if (!body.stream) {
    return sendJson(res, 200, { id, object: 'chat.completion', created, model,
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls },
                  logprobs: null, finish_reason: 'tool_calls' }], usage: usage(d) });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = chunker(id, created, model);
  res.write(chunk({ role: 'assistant', content: null }));
  calls.forEach((call, index) => {
    res.write(chunk({ tool_calls: [{ index, id: call.id, type: 'function',
                                     function: { name: call.function.name, arguments: '' } }] }));
    for (const piece of ['{"city":', '"Par', 'is"}']) {
      res.write(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  endStream(res, body, d, chunk, 'tool_calls');
}

async function chat(req, res, body, d) {
  const id = 'chatcmpl-fake';
  const created = Math.floor(Date.now() / 1000);
  const model = d.base;
  if (d.tools && !chatHasToolResult(body)) return chatTools(res, body, d, id, created, model);
  const { words, choiceExtra } = pieces(body, d);
  if (!body.stream) {
    const text = words.join('');
    const message = { role: 'assistant', content: text };
    if (d.reasoning) message.reasoning_content = 'thinking';
    return sendJson(res, 200, { id, object: 'chat.completion', created, model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: 'stop', ...choiceExtra }], usage: usage(d),
      system_fingerprint: 'fp_fake' });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const chunk = chunker(id, created, model);
  let closed = false;
  res.on('close', () => { closed = true; });
  res.write(chunk({ role: 'assistant', content: '' }));
  for (let i = 0; i < words.length; i++) {
    await sleep(d.interval);
    if (closed) return;
    if (d.cut !== undefined && i === d.cut) { req.socket.destroy(); return; }
    if (d.stall_after !== undefined && i === d.stall_after) return;
    if (d.malformed && i === Math.floor(d.chunks / 2)) res.write('data: {"broken": \n\n');
    if (d.reasoning) res.write(chunk({ reasoning_content: 'r' }));
    await send(res, chunk({ content: words[i] }));
  }
  if (closed) return;
  endStream(res, body, d, chunk, 'stop', choiceExtra);
}

// One SSE event that never ends, in 64 KiB writes that wait for the reader.
async function bomb(res, mebibytes) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let closed = false;
  res.on('close', () => { closed = true; });
  await send(res, 'data: ');
  const block = 'A'.repeat(64 * 1024);
  const total = mebibytes * 1024 * 1024;
  for (let sent = 0; sent < total && !closed; sent += block.length) {
    await send(res, block);
    stats.bomb_bytes_sent = (stats.bomb_bytes_sent ?? 0) + block.length;
  }
  if (!closed) res.end();
}

async function completions(req, res, body, d) {
  const text = Array.from({ length: d.chunks }, (_, i) => word(i)).join('');
  const created = Math.floor(Date.now() / 1000);
  if (!body.stream) {
    return sendJson(res, 200, { id: 'cmpl-fake', object: 'text_completion', created, model: d.base,
      choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop' }], usage: usage(d) });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < d.chunks; i++) {
    await sleep(d.interval);
    if (res.destroyed) return;
    await send(res, `data: ${JSON.stringify({ id: 'cmpl-fake', object: 'text_completion', created,
      model: d.base, choices: [{ index: 0, text: word(i), logprobs: null,
      finish_reason: i === d.chunks - 1 ? 'stop' : null }] })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
  stats.streams_completed++;
}

function embeddings(res, body, d) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const vector = [0.1, 0.2, 0.3];
  const embedding = body.encoding_format === 'base64'
    ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
  sendJson(res, 200, { object: 'list', model: d.base,
    data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding })),
    usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } });
}

// Records a request (unless --record 0) and counts it open until its response closes: the
// entry's state says whether the transfer ran to its end or the peer (the router) gave it up.
function track(req, res, fields) {
  const entry = { method: req.method, path: req.url, headers: req.headers, ...fields, state: 'open' };
  if (recordRequests) requests.push(entry);
  stats.open_requests++;
  res.on('close', () => {
    stats.open_requests--;
    entry.state = res.writableFinished ? 'finished' : 'aborted';
  });
  return entry;
}

const kKeepBodyBytes = 1 << 20;

// A multipart upload, read as it arrives (see the header): answered once its end arrived, or
// at once with `before_body`.
function receiveUpload(req, res) {
  stats.requests++;
  res.on('close', () => { if (!res.writableFinished) stats.streams_aborted++; });
  const entry = track(req, res, { bytes: 0, body_complete: false });
  req.on('error', () => {});  // a client cut short: the entry says 'aborted'
  if (behaviour.before_body) {
    entry.answered_at_bytes = 0;
    return sendJson(res, behaviour.before_body, errorBody(behaviour.before_body));
  }
  const parser = new MultipartStream(req.headers['content-type'], { keepBytes: kKeepBodyBytes });
  const hash = createHash('sha256');
  const rate = behaviour.read_bytes_per_s;
  const started = Date.now();
  let kept = [];
  const early = behaviour.answer_early_at;
  req.on('data', (chunk) => {
    entry.bytes += chunk.length;
    hash.update(chunk);
    parser.push(chunk);
    if (early !== undefined && entry.answered_at_bytes === undefined && entry.bytes >= early) {
      entry.answered_at_bytes = entry.bytes;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ early: true, bytes: entry.bytes })}\n\n`);
    }
    if (kept && entry.bytes <= kKeepBodyBytes) kept.push(chunk);
    else kept = null;
    const wait = rate ? started + (entry.bytes / rate) * 1000 - Date.now() : 0;
    if (wait > 0) {
      req.pause();
      setTimeout(() => req.resume(), wait);
    }
  });
  req.on('end', () => {
    entry.sha256 = hash.digest('hex');
    entry.body_complete = true;
    const { parts, error } = parser.end();
    const { form, fields } = formOf(parts);
    Object.assign(entry, { fields, parts: parts.map(({ data, ...p }) => p) });
    if (kept) entry.body = Buffer.concat(kept).toString('utf8');
    if (entry.answered_at_bytes !== undefined) {  // answer_early_at: the rest of the answer
      res.write(`data: ${JSON.stringify({ bytes: entry.bytes, sha256: entry.sha256 })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    if (!handleResource(req, res, { form: error ? { error } : form }, entry)) {
      sendJson(res, 404, { error: { message: `no multipart endpoint ${req.url}`, type: 'invalid_request_error',
                                    param: null, code: null } });
    }
  });
}

async function handle(req, res, raw, buf) {
  stats.requests++;
  const path = req.url.split('?')[0];
  if (path === '/_fake/requests') return sendJson(res, 200, requests);
  if (path === '/_fake/stats') return sendJson(res, 200, stats);
  if (path === '/_fake/reset') {
    // Requests still being answered stay counted until they end.
    requests = [];
    behaviour = {};
    stats = { ...newStats(), open_requests: stats.open_requests };
    return sendJson(res, 200, {});
  }
  if (path === '/_fake/behave') {
    try { behaviour = JSON.parse(raw || '{}'); } catch { return sendJson(res, 400, {}); }
    return sendJson(res, 200, behaviour);
  }
  const entry = track(req, res, { body: raw });
  if (handleResource(req, res, { buf }, entry)) return;
  if (req.method === 'GET' && path.endsWith('/models')) {
    return sendJson(res, 200, { object: 'list', data: ['gpt-fake', 'gpt-fake-mini', 'embed-fake'].map(
      (id) => ({ id, object: 'model', created: 1700000000, owned_by: 'fake' })) });
  }
  let body;
  try { body = JSON.parse(raw); } catch {
    return sendJson(res, 400, { error: { message: 'invalid JSON', type: 'invalid_request_error', param: null, code: null } });
  }
  const d = { ...directives(body.model), ...behaviour };
  if (typeof body.user === 'string') {
    d.user = body.user;
    trackUser(body.user, res);
  }
  if (d.hang) return;
  await sleep(d.latency);
  if (d.flaky !== undefined) {
    const seen = (flakyCounts.get(body.model) ?? 0) + 1;
    flakyCounts.set(body.model, seen);
    if (seen > d.flaky) delete d.status;
    else d.status = d.status ?? 503;
  }
  if (d.org) {
    res.setHeader('openai-organization', 'acme-operator-org');
    res.setHeader('openai-project', 'proj_operator');
    res.setHeader('openai-processing-ms', '7');
  }
  if (d.redirect) {
    res.writeHead(302, { location: `http://127.0.0.1:${d.redirect}/v1/chat/completions`,
                         'content-type': 'text/html' });
    return res.end('<a href="elsewhere">moved</a>');
  }
  if (d.status && d.html) {
    res.writeHead(d.status, { 'content-type': 'text/html' });
    return res.end(`<html><body><h1>${d.status} Bad Gateway</h1><script>alert(1)</script></body></html>`);
  }
  if (d.status) {
    const headers = d.retry_after !== undefined ? { 'retry-after': String(d.retry_after) } : {};
    return sendJson(res, d.status, errorBody(d.status), headers);
  }
  if (d.bomb) return bomb(res, d.bomb);
  if (path.endsWith('/chat/completions')) return chat(req, res, body, d);
  if (path.endsWith('/completions')) return completions(req, res, body, d);
  if (path.endsWith('/embeddings')) return embeddings(res, body, d);
  return sendJson(res, 200, { object: 'echo', path, model: body.model });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/v1/') && /^\s*multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')) {
    return receiveUpload(req, res);
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    res.on('close', () => { if (!res.writableFinished) stats.streams_aborted++; });
    const buf = Buffer.concat(parts);
    handle(req, res, buf.toString('utf8'), buf).catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(e), type: 'api_error', param: null, code: null } });
    });
  });
});
server.keepAliveTimeout = 75000;
server.on('connection', (socket) => {
  socket.setNoDelay(true);
  stats.connections_opened++;
  socket.on('close', () => { stats.connections_closed++; });
});
server.listen(Number(opts.port), opts.host, () => {
  process.stdout.write(JSON.stringify({ listening: server.address().port }) + '\n');
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
