// A scripted stand-in for the OpenAI Responses API (`POST /v1/responses`, SSE), enough for the REAL
// Codex CLI (0.169) to run offline through a custom model provider. Codex 0.169 offers its tools through
// a "code mode" custom tool `exec` that runs JavaScript calling `tools.apply_patch(...)` etc.
import type * as http from 'node:http';
import { sendJson, startLoopbackServer, type RecordedRequest } from './loopback';

export type ResponsesReply =
  | { text: string }
  /** A patch in Codex's apply_patch format ("*** Begin Patch" …), sent through the `exec` tool. */
  | { applyPatch: string }
  /** Raw JavaScript for the `exec` custom tool. */
  | { exec: string }
  /** An HTTP error status with an OpenAI error body. */
  | { error: number; message?: string }
  /** HTTP 200 then `response.failed`. */
  | { failed: string };

export type ResponsesScript = (body: any, index: number) => ResponsesReply;

export interface ScriptedResponsesServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Tool results already in the input: 0 for the first request, 1 after one tool round-trip, … */
export function toolRoundTrips(body: any): number {
  return (body?.input ?? []).filter((i: any) => typeof i?.type === 'string' && i.type.endsWith('_call_output')).length;
}

export function byRoundTrip(...replies: ResponsesReply[]): ResponsesScript {
  return (body) => replies[Math.min(toolRoundTrips(body), replies.length - 1)];
}

/** The model adds one workspace-relative file via apply_patch, then says `finalText`. */
export function addFileThenFinish(relPath: string, content: string, finalText = 'Done.'): ResponsesScript {
  const lines = content.replace(/\n$/, '').split('\n').map((l) => `+${l}`);
  const patch = ['*** Begin Patch', `*** Add File: ${relPath}`, ...lines, '*** End Patch', ''].join('\n');
  return byRoundTrip({ applyPatch: patch }, { text: finalText });
}

/** `codex exec` arguments that point it at the server as a custom provider, with its own retries off. */
export function codexProviderArgs(serverUrl: string): string[] {
  return [
    '-c', 'model_provider="scripted"',
    '-c', 'model_providers.scripted.name="scripted"',
    '-c', `model_providers.scripted.base_url="${serverUrl}/v1"`,
    '-c', 'model_providers.scripted.wire_api="responses"',
    '-c', 'model_providers.scripted.env_key="OPENAI_API_KEY"',
    '-c', 'model_providers.scripted.request_max_retries=0',
    '-c', 'model_providers.scripted.stream_max_retries=0',
  ];
}

export function codexTestEnv(codexHome: string, home: string): Record<string, string> {
  return { CODEX_HOME: codexHome, HOME: home, OPENAI_API_KEY: 'test-key' };
}

let ids = 0;

function item(r: { text: string } | { applyPatch: string } | { exec: string }) {
  const n = ++ids;
  if ('text' in r) return { type: 'message', role: 'assistant', id: `msg_${n}`, status: 'completed', content: [{ type: 'output_text', text: r.text, annotations: [] }] };
  const input = 'exec' in r ? r.exec : `text(JSON.stringify(await tools.apply_patch(${JSON.stringify(r.applyPatch)})));`;
  return { type: 'custom_tool_call', id: `ctc_${n}`, call_id: `call_${n}`, name: 'exec', input, status: 'completed' };
}

function reply(res: http.ServerResponse, r: ResponsesReply): void {
  if ('error' in r) return sendJson(res, r.error, { error: { message: r.message ?? `scripted ${r.error}`, type: 'invalid_request_error', code: null } });
  const id = `resp_${++ids}`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (data: { type: string; [k: string]: unknown }) => res.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
  event({ type: 'response.created', response: { id, status: 'in_progress' } });
  if ('failed' in r) {
    event({ type: 'response.failed', response: { id, status: 'failed', error: { code: 'server_error', message: r.failed } } });
    return void res.end();
  }
  const out = item(r);
  event({ type: 'response.output_item.added', output_index: 0, item: out });
  event({ type: 'response.output_item.done', output_index: 0, item: out });
  event({
    type: 'response.completed',
    response: {
      id,
      status: 'completed',
      usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 10 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 120 },
    },
  });
  res.end();
}

export async function startScriptedResponsesServer(script: ResponsesScript): Promise<ScriptedResponsesServer> {
  let index = 0;
  return startLoopbackServer((req, res) => {
    if (req.method === 'POST' && req.url.split('?')[0] === '/v1/responses') return reply(res, script(req.body, index++));
    sendJson(res, 404, { error: { message: `scripted server: no route ${req.method} ${req.url}` } });
  });
}
