#!/usr/bin/env node
// A fake Anthropic provider for tests. Speaks the Messages API wire format from Anthropic's
// API reference: POST /v1/messages (JSON message, or text/event-stream with `event:` lines:
// message_start, ping, content_block_start / content_block_delta / content_block_stop per
// block, message_delta with stop_reason and usage, message_stop), POST
// /v1/messages/count_tokens, GET /v1/models (Anthropic's list shape) and Anthropic error
// bodies ({"type":"error","error":{"type","message"}}). Requests without x-api-key get 401,
// without anthropic-version 400, as the real API answers.
//
// Behaviour per request, by directives appended to the model name with '+':
//   chunks=N     text deltas ("tok0 tok1 …", default 3)     thinking=1  a thinking block first
//   tools=N      N tool_use blocks (tool = the request's first tool, input {"city":"Paris"},
//                streamed as input_json_delta pieces)
//   status=N     answer with this HTTP status and an Anthropic error body
// Introspection as in fake_upstream.mjs: GET /_fake/requests, GET /_fake/stats,
// POST /_fake/reset.
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } },
});

let requests = [];
let stats = { requests: 0, streams_completed: 0 };

function directives(model) {
  const [base, ...rest] = String(model ?? '').split('+');
  const d = { base, chunks: 3 };
  for (const item of rest) {
    const [k, v] = item.split('=');
    d[k] = v === undefined ? 1 : (isNaN(Number(v)) ? v : Number(v));
  }
  return d;
}

const errorTypes = { 400: 'invalid_request_error', 401: 'authentication_error',
  403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error', 529: 'overloaded_error' };

function sendJson(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
                          'request-id': 'req_fake', 'anthropic-ratelimit-requests-remaining': '99' });
  res.end(body);
}

function sendError(res, status, message) {
  sendJson(res, status, { type: 'error', error: { type: errorTypes[status] ?? 'api_error', message } });
}

const text = (d) => Array.from({ length: d.chunks }, (_, i) => `tok${i} `).join('');
const toolName = (body) => body.tools?.[0]?.name ?? 'weather';
const usage = (d) => ({ input_tokens: 11, cache_creation_input_tokens: 2, cache_read_input_tokens: 3,
                        output_tokens: d.chunks });

function blocks(body, d) {
  const out = [];
  if (d.thinking) out.push({ type: 'thinking', thinking: 'Let me think.', signature: 'sig_fake' });
  if (d.chunks > 0) out.push({ type: 'text', text: text(d) });
  for (let i = 0; i < (d.tools ?? 0); i++) {
    out.push({ type: 'tool_use', id: `toolu_fake${i}`, name: toolName(body), input: { city: 'Paris' } });
  }
  return out;
}

function message(body, d, content) {
  return { id: 'msg_fake', type: 'message', role: 'assistant', model: d.base, content,
           stop_reason: d.tools ? 'tool_use' : 'end_turn', stop_sequence: null, usage: usage(d) };
}

function stream(res, body, d) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache',
                       'request-id': 'req_fake' });
  const event = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', { message: { ...message(body, d, []), stop_reason: null,
                                      usage: { ...usage(d), output_tokens: 1 } } });
  event('ping', {});
  blocks(body, d).forEach((block, index) => {
    const delta = (piece) => event('content_block_delta', { index, delta: piece });
    if (block.type === 'thinking') {
      event('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      delta({ type: 'thinking_delta', thinking: block.thinking });
      delta({ type: 'signature_delta', signature: block.signature });
    } else if (block.type === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (let i = 0; i < d.chunks; i++) delta({ type: 'text_delta', text: `tok${i} ` });
    } else {
      event('content_block_start', { index, content_block: { ...block, input: {} } });
      for (const piece of ['', '{"city": ', '"Par', 'is"}']) delta({ type: 'input_json_delta', partial_json: piece });
    }
    event('content_block_stop', { index });
  });
  event('message_delta', { delta: { stop_reason: d.tools ? 'tool_use' : 'end_turn', stop_sequence: null },
                           usage: { output_tokens: d.chunks } });
  event('message_stop', {});
  res.end();
  stats.streams_completed++;
}

function handle(req, res, raw) {
  stats.requests++;
  const path = req.url.split('?')[0];
  const introspection = {
    '/_fake/requests': () => requests,
    '/_fake/stats': () => stats,
    '/_fake/reset': () => { requests = []; stats = { requests: 0, streams_completed: 0 }; return {}; },
  }[path];
  if (introspection) return sendJson(res, 200, introspection());
  requests.push({ method: req.method, path: req.url, headers: req.headers, body: raw });
  if (!req.headers['x-api-key']) return sendError(res, 401, 'x-api-key header is required');
  if (!req.headers['anthropic-version']) return sendError(res, 400, 'anthropic-version header is required');
  if (req.method === 'GET' && path === '/v1/models') {
    const data = ['claude-fake', 'claude-fake-haiku'].map((id) => ({ type: 'model', id,
      display_name: id, created_at: '2025-05-14T00:00:00Z' }));
    return sendJson(res, 200, { data, has_more: false, first_id: data[0].id, last_id: data[1].id });
  }
  let body;
  try { body = JSON.parse(raw); } catch { return sendError(res, 400, 'invalid JSON'); }
  const d = directives(body.model);
  if (d.status) return sendError(res, d.status, `fake anthropic error ${d.status}`);
  if (typeof body.model !== 'string' || !Array.isArray(body.messages)) {
    return sendError(res, 400, 'model and messages are required');
  }
  if (path === '/v1/messages/count_tokens') return sendJson(res, 200, { input_tokens: 42 });
  if (path !== '/v1/messages') return sendError(res, 404, `no route ${path}`);
  if (typeof body.max_tokens !== 'number') return sendError(res, 400, 'max_tokens: Field required');
  if (body.stream) return stream(res, body, d);
  return sendJson(res, 200, message(body, d, blocks(body, d)));
}

const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => handle(req, res, Buffer.concat(parts).toString('utf8')));
});
server.on('connection', (socket) => socket.setNoDelay(true));
server.listen(Number(opts.port), opts.host, () => {
  process.stdout.write(JSON.stringify({ listening: server.address().port }) + '\n');
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
