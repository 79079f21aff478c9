// Anthropic Messages API (`POST /v1/messages`, SSE when `stream: true`), as Claude Code calls it.
import { sendJson } from '../loopback';
import { nextId, sendEvents, type ApiShape } from '../scripted-server';

export const anthropicMessages: ApiShape = {
  isModelCall: (method, path) => method === 'POST' && path === '/v1/messages',
  answerOther(req, res) {
    const path = req.url.split('?')[0];
    if (req.method === 'HEAD' || (req.method === 'GET' && path === '/')) {
      res.writeHead(200);
      res.end();
      return true;
    }
    if (path !== '/v1/messages/count_tokens') return false;
    // Rough but plausible: ~4 characters per token.
    sendJson(res, 200, { input_tokens: Math.ceil(JSON.stringify(req.body ?? {}).length / 4) });
    return true;
  },
  isMain: (body) => Array.isArray(body?.tools) && body.tools.length > 0,
  turn: (body) => (body?.messages ?? []).filter((m: any) => m.role === 'assistant').length,
  errorBody: (status, message) => ({
    type: 'error',
    error: {
      type:
        status === 529
          ? 'overloaded_error'
          : status === 429
            ? 'rate_limit_error'
            : status >= 500
              ? 'api_error'
              : 'invalid_request_error',
      message,
    },
  }),
  send(res, req, reply, u) {
    if ('streamError' in reply)
      return sendEvents(res, [
        { event: 'error', data: { type: 'error', error: { type: 'api_error', message: reply.streamError } } },
      ]);
    const id = nextId('msg');
    const model = req.body.model ?? 'claude-scripted';
    const usage = {
      input_tokens: u.input,
      output_tokens: u.output,
      cache_read_input_tokens: u.cached,
      cache_creation_input_tokens: 0,
    };
    const block =
      'text' in reply
        ? { type: 'text', text: reply.text }
        : { type: 'tool_use', id: nextId('toolu'), name: reply.tool.name, input: reply.tool.input };
    const stop = 'text' in reply ? 'end_turn' : 'tool_use';
    if (!req.body.stream)
      return sendJson(res, 200, {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [block],
        stop_reason: stop,
        stop_sequence: null,
        usage,
      });
    const event = (type: string, data: object) => ({ event: type, data: { type, ...data } });
    const deltas =
      block.type === 'text'
        ? [
            event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
            event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: block.text } }),
          ]
        : [
            event('content_block_start', { index: 0, content_block: { ...block, input: {} } }),
            // Split the JSON like the real API streams it, so the client's incremental parser is exercised.
            ...halves(JSON.stringify(block.input)).map((part) =>
              event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: part } }),
            ),
          ];
    sendEvents(res, [
      event('message_start', {
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      }),
      ...deltas,
      event('content_block_stop', { index: 0 }),
      event('message_delta', {
        delta: { stop_reason: stop, stop_sequence: null },
        usage: { output_tokens: usage.output_tokens },
      }),
      event('message_stop', {}),
    ]);
  },
};

function halves(s: string): string[] {
  const mid = Math.floor(s.length / 2);
  return [s.slice(0, mid), s.slice(mid)];
}
