// What the fake providers answer when a request asks for structure rather than free text:
// a JSON value that satisfies the request's JSON Schema (structured outputs, response_format /
// text.format of type json_schema), and whether a conversation already carries a tool's
// result (a real model then answers in text instead of calling the tool again).

// A value of `schema` (the subset JSON Schema structured outputs allow): strings "Paris",
// numbers 18, booleans true, enums their first value, arrays of one item, objects with every
// property.
export function sampleOf(schema = {}) {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.anyOf) && schema.anyOf.length > 0) return sampleOf(schema.anyOf[0]);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string': return 'Paris';
    case 'number': return 18.5;
    case 'integer': return 18;
    case 'boolean': return true;
    case 'null': return null;
    case 'array': return [sampleOf(schema.items ?? {})];
    default:
      return Object.fromEntries(Object.entries(schema.properties ?? {})
        .map(([name, property]) => [name, sampleOf(property)]));
  }
}

// The JSON Schema a Chat Completions body asks its answer to follow, if any.
export const chatSchema = (body) => (body.response_format?.type === 'json_schema'
  ? body.response_format.json_schema?.schema ?? {} : undefined);

// The JSON Schema a Responses body asks its answer to follow, if any.
export const responsesSchema = (body) => (body.text?.format?.type === 'json_schema'
  ? body.text.format.schema ?? {} : undefined);

// True when the last message of a Chat Completions body is a tool's result.
export const chatHasToolResult = (body) => body.messages?.at?.(-1)?.role === 'tool';

// True when the last input item of a Responses body is a function call's output.
export const responsesHasToolResult = (body) => Array.isArray(body.input) &&
  body.input.at(-1)?.type === 'function_call_output';
