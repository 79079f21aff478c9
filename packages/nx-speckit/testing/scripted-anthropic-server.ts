// A scripted stand-in for the Anthropic Messages API, enough for the REAL Claude Code CLI to run offline:
// it answers `HEAD /`, `POST /v1/messages?beta=true` (SSE when `stream: true`, JSON otherwise) and
// `/v1/messages/count_tokens`. Each test scripts the model's replies.
import type * as http from 'node:http';
import { sendJson, startLoopbackServer, type RecordedRequest } from './loopback';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export type ScriptedReply =
  | { text: string; usage?: Partial<Usage> }
  | { toolUse: { name: string; input: unknown; id?: string }; usage?: Partial<Usage> }
  /** An HTTP error with Anthropic's error body (e.g. 400, 500, 529). */
  | { error: number; message?: string }
  /** HTTP 200, then an SSE `error` event instead of a message (mid-stream failure). */
  | { streamError: string };

/** body = the parsed request, index = position among main-conversation requests (0, 1, …). */
export type Script = (body: any, index: number) => ScriptedReply;

export interface AnthropicRequest extends RecordedRequest {
  /** main: the agent conversation (it offers tools); side: title/summary/other helper calls; other: HEAD, count_tokens, … */
  kind: 'main' | 'side' | 'other';
}

export interface ScriptedAnthropicServer {
  url: string;
  requests: AnthropicRequest[];
  mainRequests(): AnthropicRequest[];
  close(): Promise<void>;
}

// Gives a non-zero cost with the CLI's price table (it prices by model and these tokens).
const DEFAULT_USAGE: Usage = { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

/**
 * The real CLI's conversation requests always carry its tool definitions; side calls (title generation,
 * summaries) do not. Decided empirically against claude 2.1.x.
 */
export function isMainRequest(body: any): boolean {
  return Array.isArray(body?.tools) && body.tools.length > 0;
}

/** How many assistant turns the conversation already has: 0 for the first request, 1 after one tool round-trip, … */
export function conversationTurn(body: any): number {
  return (body?.messages ?? []).filter((m: any) => m.role === 'assistant').length;
}

/** Replies by conversation turn (robust to retries and side calls); the last reply repeats. */
export function byTurn(...replies: ScriptedReply[]): Script {
  return (body) => replies[Math.min(conversationTurn(body), replies.length - 1)];
}

/** The model writes one file with the Write tool, then says `finalText`. */
export function writeFileThenFinish(absPath: string, content: string, finalText = 'Done.'): Script {
  return byTurn({ toolUse: { name: 'Write', input: { file_path: absPath, content } } }, { text: finalText });
}

/** All text the request sent (system, messages, tool results), for "did the prompt arrive" assertions. */
export function requestText(body: any): string {
  return JSON.stringify([body?.system ?? null, body?.messages ?? null]);
}

/** Env for running the real CLI against the server with no network and no user config. */
export function claudeTestEnv(serverUrl: string, home: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: serverUrl,
    ANTHROPIC_API_KEY: 'test-key',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_MAX_RETRIES: '0', // API errors fail at once instead of backing off
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
  };
}

let ids = 0;

function messageParts(reply: { text: string } | { toolUse: { name: string; input: unknown; id?: string } }) {
  if ('text' in reply) return { block: { type: 'text', text: reply.text }, stop: 'end_turn' };
  const id = reply.toolUse.id ?? `toolu_scripted_${++ids}`;
  return { block: { type: 'tool_use', id, name: reply.toolUse.name, input: reply.toolUse.input }, stop: 'tool_use' };
}

function reply(res: http.ServerResponse, body: any, r: ScriptedReply): void {
  if ('error' in r) {
    const type = r.error === 529 ? 'overloaded_error' : r.error >= 500 ? 'api_error' : 'invalid_request_error';
    return sendJson(res, r.error, { type: 'error', error: { type, message: r.message ?? `scripted ${r.error}` } });
  }
  const id = `msg_scripted_${++ids}`;
  const model = body.model ?? 'claude-scripted';
  if ('streamError' in r) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: r.streamError } })}\n\n`);
    return;
  }
  const usage = { ...DEFAULT_USAGE, ...r.usage };
  const { block, stop } = messageParts(r);
  if (!body.stream) {
    return sendJson(res, 200, { id, type: 'message', role: 'assistant', model, content: [block], stop_reason: stop, stop_sequence: null, usage });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', {
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  if (block.type === 'text') {
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: block.text } });
  } else {
    event('content_block_start', { index: 0, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
    // Split the JSON like the real API streams it, so the client's incremental parser is exercised.
    const json = JSON.stringify(block.input);
    const mid = Math.floor(json.length / 2);
    for (const part of [json.slice(0, mid), json.slice(mid)]) event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: part } });
  }
  event('content_block_stop', { index: 0 });
  event('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  event('message_stop', {});
  res.end();
}

export async function startScriptedAnthropicServer(script: Script): Promise<ScriptedAnthropicServer> {
  let mainIndex = 0;
  const server = await startLoopbackServer((req, res) => {
    const rec = req as AnthropicRequest;
    const path = req.url.split('?')[0];
    rec.kind = 'other';
    if (req.method === 'HEAD' || (req.method === 'GET' && path === '/')) {
      res.writeHead(200);
      return res.end();
    }
    if (path === '/v1/messages/count_tokens') {
      // Rough but plausible: ~4 characters per token.
      return sendJson(res, 200, { input_tokens: Math.ceil(JSON.stringify(req.body ?? {}).length / 4) });
    }
    if (req.method !== 'POST' || path !== '/v1/messages') {
      return sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `scripted server: no route ${req.method} ${path}` } });
    }
    rec.kind = isMainRequest(req.body) ? 'main' : 'side';
    // Side calls must not consume the script: answer them with a fixed short text.
    reply(res, req.body, rec.kind === 'main' ? script(req.body, mainIndex++) : { text: 'OK' });
  });
  const requests = server.requests as AnthropicRequest[];
  return { url: server.url, requests, mainRequests: () => requests.filter((r) => r.kind === 'main'), close: server.close };
}
