// The fake's answer to POST /v1/responses (OpenAI Responses API): the response object, and
// its stream of typed SSE events in the order and shape OpenAI sends them (response.created,
// then per output item output_item.added, content_part.added / output_text.delta… /
// output_text.done / content_part.done or function_call_arguments.delta… / .done, then
// output_item.done, and response.completed carrying the usage), each with its
// sequence_number. Directives in the model name, as fake_upstream.mjs:
//   chunks=N       the text is "tok0 tok1 …" in N deltas (without it: "answer to <id>", whole)
//   interval=MS    delay between text deltas (a stream a client can abort mid-way)
//   cut=N          destroy the connection after N deltas (a stream cut mid-way)
//   tools=N        N function_call items of the request's first tool ({"city":"Paris"}),
//                  unless the input ends with a function_call_output (then text)
//   prompt=N       input_tokens in the usage (default 3; output_tokens = the text deltas)
//   status=N       an OpenAI error body with this status
// A body with text.format {type: json_schema} gets a JSON value of that schema as the text.
import { responsesHasToolResult, responsesSchema, sampleOf } from './model_output.mjs';

export function directivesOf(model) {
  const d = {};
  for (const item of String(model ?? '').split('+').slice(1)) {
    const [k, v] = item.split('=');
    d[k] = v === undefined ? 1 : (isNaN(Number(v)) ? v : Number(v));
  }
  return d;
}

// The text deltas of a response with id `id`.
function textPieces(body, d, id) {
  const schema = responsesSchema(body);
  if (schema) return [JSON.stringify(sampleOf(schema))];
  if (d.chunks === undefined) return [`answer to ${id}`];
  return Array.from({ length: d.chunks }, (_, i) => `tok${i} `);
}

// The output items of a response, each with the deltas it is streamed in (`pieces`).
export function outputItems(body, d, id, nextId) {
  const tool = body.tools?.find((t) => t.type === 'function');
  if (d.tools && !responsesHasToolResult(body)) {
    return Array.from({ length: d.tools }, (_, i) => ({
      pieces: ['{"city":', '"Par', 'is"}'],
      item: { type: 'function_call', id: `fc_${nextId()}`, call_id: `call_fake${i}`,
              name: tool?.name ?? 'weather', arguments: '{"city":"Paris"}', status: 'completed' } }));
  }
  const pieces = textPieces(body, d, id);
  return [{ pieces, item: { type: 'message', id: `msg_${nextId()}`, status: 'completed', role: 'assistant',
                            content: [{ type: 'output_text', text: pieces.join(''), annotations: [] }] } }];
}

export function usageOf(d, items) {
  const input = d.prompt ?? 3;
  const output = items.reduce((n, { pieces }) => n + pieces.length, 0);
  return { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output,
           output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The events of one output item at `index`.
function itemEvents(index, { item, pieces }) {
  const at = { item_id: item.id, output_index: index };
  if (item.type === 'function_call') {
    return [['response.output_item.added', { output_index: index, item: { ...item, arguments: '', status: 'in_progress' } }],
            ...pieces.map((delta) => ['response.function_call_arguments.delta', { ...at, delta }]),
            ['response.function_call_arguments.done', { ...at, arguments: item.arguments }],
            ['response.output_item.done', { output_index: index, item }]];
  }
  const part = item.content[0];
  const where = { ...at, content_index: 0 };
  return [['response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', content: [] } }],
          ['response.content_part.added', { ...where, part: { ...part, text: '' } }],
          ...pieces.map((delta) => ['response.output_text.delta', { ...where, delta, logprobs: [] }]),
          ['response.output_text.done', { ...where, text: part.text, logprobs: [] }],
          ['response.content_part.done', { ...where, part }],
          ['response.output_item.done', { output_index: index, item }]];
}

// Streams response `r` (whose output items are `items`); stops when the peer goes away.
export async function streamResponse(res, r, items, d) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let closed = false;
  res.on('close', () => { closed = true; });
  let sequence = 0;
  const write = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify(
    { type, sequence_number: sequence++, ...data })}\n\n`);
  write('response.created', { response: { ...r, status: 'in_progress', output: [], usage: null } });
  let deltas = 0;
  for (const [index, entry] of items.entries()) {
    for (const [type, data] of itemEvents(index, entry)) {
      if (type.endsWith('.delta') && d.interval) await sleep(d.interval);
      if (closed) return;
      if (type.endsWith('.delta') && deltas++ === d.cut) return res.socket.destroy();
      write(type, data);
    }
  }
  write('response.completed', { response: r });
  res.end();
}
