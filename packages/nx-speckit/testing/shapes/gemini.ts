// Gemini API (`POST /v1beta/models/<model>:streamGenerateContent?alt=sse` and `:generateContent`), as
// the Gemini CLI calls it with an API key.
import { sendJson } from '../loopback';
import { sendEvents, type ApiShape } from '../scripted-server';

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export const geminiGenerateContent: ApiShape = {
  isModelCall: (method, path) =>
    method === 'POST' && /^\/v1beta\/models\/[^/]+:(stream)?[gG]enerateContent$/.test(path),
  answerOther(req, res) {
    if (!/:countTokens$/.test(req.url.split('?')[0])) return false;
    sendJson(res, 200, { totalTokens: Math.ceil(JSON.stringify(req.body ?? {}).length / 4) });
    return true;
  },
  isMain: (body) => Array.isArray(body?.tools) && body.tools.length > 0,
  turn: (body) => (body?.contents ?? []).filter((c: any) => c.role === 'model').length,
  errorBody: (status, message) => ({ error: { code: status, message, status: STATUS[status] ?? 'UNKNOWN' } }),
  send(res, req, reply, u) {
    if ('streamError' in reply) throw new Error('generateContent: streamError is not scripted for this API');
    const part =
      'text' in reply ? { text: reply.text } : { functionCall: { name: reply.tool.name, args: reply.tool.input } };
    const chunk = {
      candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: {
        promptTokenCount: u.input,
        candidatesTokenCount: u.output,
        cachedContentTokenCount: u.cached,
        totalTokenCount: u.input + u.output,
      },
      modelVersion: req.url.match(/models\/([^/:]+)/)?.[1] ?? 'gemini-scripted',
    };
    if (req.url.includes(':streamGenerateContent')) return sendEvents(res, [{ data: chunk }]);
    sendJson(res, 200, chunk);
  },
};
