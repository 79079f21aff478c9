// OpenAI Responses API (`POST /v1/responses`, SSE), as Codex calls it through a custom model provider.
import { nextId, sendEvents, type ApiShape, type Reply } from '../scripted-server';

function outputItem(reply: Exclude<Reply, { streamError: string }>) {
  if ('text' in reply)
    return {
      type: 'message',
      role: 'assistant',
      id: nextId('msg'),
      status: 'completed',
      content: [{ type: 'output_text', text: reply.text, annotations: [] }],
    };
  const { name, input } = reply.tool;
  const call = { id: nextId('call'), call_id: nextId('call'), name, status: 'completed' };
  // Free-form (custom) tools take a string; function tools take JSON arguments.
  return typeof input === 'string'
    ? { type: 'custom_tool_call', ...call, input }
    : { type: 'function_call', ...call, arguments: JSON.stringify(input) };
}

export const openaiResponses: ApiShape = {
  isModelCall: (method, path) => method === 'POST' && path === '/v1/responses',
  isMain: () => true,
  turn: (body) =>
    (body?.input ?? []).filter((i: any) => typeof i?.type === 'string' && i.type.endsWith('_call_output')).length,
  errorBody: (status, message) => ({
    error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error', code: null },
  }),
  send(res, _req, reply, u) {
    const id = nextId('resp');
    const created = { data: { type: 'response.created', response: { id, status: 'in_progress' } } };
    if ('streamError' in reply) {
      return sendEvents(
        res,
        [
          created,
          {
            data: {
              type: 'response.failed',
              response: { id, status: 'failed', error: { code: 'server_error', message: reply.streamError } },
            },
          },
        ].map(named),
      );
    }
    const item = outputItem(reply);
    const usage = {
      input_tokens: u.input,
      input_tokens_details: { cached_tokens: u.cached },
      output_tokens: u.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: u.input + u.output,
    };
    sendEvents(
      res,
      [
        created,
        { data: { type: 'response.output_item.added', output_index: 0, item } },
        { data: { type: 'response.output_item.done', output_index: 0, item } },
        { data: { type: 'response.completed', response: { id, status: 'completed', usage } } },
      ].map(named),
    );
  },
};

/** The responses API names every event after its type. */
function named(e: { data: { type: string } }) {
  return { event: e.data.type, data: e.data };
}
