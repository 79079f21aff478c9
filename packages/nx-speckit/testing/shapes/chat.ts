// OpenAI chat completions (`POST /v1/chat/completions`, SSE when `stream: true`), as opencode and
// copilot call an OpenAI-compatible provider.
import { sendJson } from '../loopback';
import { nextId, sendEvents, type ApiShape } from '../scripted-server';

export const openaiChat: ApiShape = {
  isModelCall: (method, path) => method === 'POST' && path === '/v1/chat/completions',
  answerOther(req, res) {
    if (req.method !== 'GET' || req.url.split('?')[0] !== '/v1/models') return false;
    sendJson(res, 200, { object: 'list', data: [] });
    return true;
  },
  isMain: (body) => Array.isArray(body?.tools) && body.tools.length > 0,
  turn: (body) => (body?.messages ?? []).filter((m: any) => m.role === 'assistant').length,
  errorBody: (status, message) => ({
    error: {
      message,
      type: status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error',
      code: null,
    },
  }),
  send(res, req, reply, u) {
    if ('streamError' in reply) throw new Error('chat completions: streamError is not scripted for this API');
    const id = nextId('chatcmpl');
    const model = req.body.model ?? 'scripted-model';
    const call =
      'tool' in reply
        ? {
            id: nextId('call'),
            type: 'function',
            function: { name: reply.tool.name, arguments: JSON.stringify(reply.tool.input) },
          }
        : undefined;
    const message = call
      ? { role: 'assistant', content: null, tool_calls: [call] }
      : { role: 'assistant', content: 'text' in reply ? reply.text : '' };
    const finish = call ? 'tool_calls' : 'stop';
    const usage = {
      prompt_tokens: u.input,
      completion_tokens: u.output,
      total_tokens: u.input + u.output,
      prompt_tokens_details: { cached_tokens: u.cached },
    };
    const base = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model };
    if (!req.body.stream)
      return sendJson(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message, finish_reason: finish }],
        usage,
      });
    // Streamed tool calls carry their position in the list.
    const delta = call ? { ...message, tool_calls: [{ index: 0, ...call }] } : message;
    const chunks: unknown[] = [
      { ...base, choices: [{ index: 0, delta, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] },
    ];
    // Usage comes in its own last chunk, and only when asked for.
    if (req.body.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage });
    sendEvents(
      res,
      chunks.map((data) => ({ data })),
      '[DONE]',
    );
  },
};
