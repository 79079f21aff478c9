// One scripted model server for every agent CLI's end-to-end tests. A test scripts the model's replies
// in one format (text, a tool call, an HTTP error); an API shape (Anthropic messages, OpenAI responses,
// OpenAI chat completions, Gemini generateContent) turns each reply into the wire format its CLI reads.
import type * as http from 'node:http';
import { sendJson, startLoopbackServer, type RecordedRequest } from './loopback';

export interface Usage {
  input: number;
  output: number;
  cached: number;
}

export type ModelReply =
  | { text: string; usage?: Partial<Usage> }
  /** A call of the CLI's own tool; `input` is its arguments (a string for free-form tools such as codex's `exec`). */
  | { tool: { name: string; input: unknown }; usage?: Partial<Usage> }
  /** An HTTP error status with the API's error body. */
  | { error: number; message?: string }
  /** HTTP 200, then the API's in-stream failure event. */
  | { streamError: string };

/** turn = tool round-trips already in the conversation (0 for the first request); index = position among main requests. */
export type Script = (body: any, turn: number, index: number) => ModelReply;

export type Reply = Exclude<ModelReply, { error: number }>;

/** What differs between model APIs; everything else (routing, recording, scripting) is shared. */
export interface ApiShape {
  /** True for the request paths that ask the model for a reply. */
  isModelCall(method: string, path: string): boolean;
  /** Answers housekeeping requests (HEAD /, token counting); returns false for anything else. */
  answerOther?(req: RecordedRequest, res: http.ServerResponse): boolean;
  /** The agent's conversation offers tools; side calls (titles, summaries, routing) do not. */
  isMain(body: any): boolean;
  turn(body: any): number;
  errorBody(status: number, message: string): unknown;
  send(res: http.ServerResponse, request: RecordedRequest, reply: Reply, usage: Usage): void;
}

export interface ScriptedRequest extends RecordedRequest {
  kind: 'main' | 'side' | 'other';
}

export interface ScriptedServer {
  url: string;
  requests: ScriptedRequest[];
  mainRequests(): ScriptedRequest[];
  close(): Promise<void>;
}

// Non-zero tokens (and so a cost wherever the CLI prices them) on every reply.
export const DEFAULT_USAGE: Usage = { input: 100, output: 20, cached: 10 };

/** Replies by tool round-trip (robust to retries and side calls); the last reply repeats. */
export function byTurn(...replies: ModelReply[]): Script {
  return (_body, turn) => replies[Math.min(turn, replies.length - 1)];
}

let ids = 0;
/** A fresh id for messages and tool calls, unique within the test process. */
export function nextId(prefix: string): string {
  return `${prefix}_scripted_${++ids}`;
}

/** Writes server-sent events; `event` names them where the API does (Anthropic, responses). */
export function sendEvents(res: http.ServerResponse, events: { event?: string; data: unknown }[], done?: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events) res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`);
  if (done) res.write(`data: ${done}\n\n`);
  res.end();
}

export async function startScriptedServer(
  shape: ApiShape,
  script: Script,
  sideReply: Reply = { text: 'OK' },
): Promise<ScriptedServer> {
  let mainIndex = 0;
  const server = await startLoopbackServer((req, res) => {
    const rec = req as ScriptedRequest;
    const path = req.url.split('?')[0];
    rec.kind = 'other';
    if (shape.answerOther?.(req, res)) return;
    if (!shape.isModelCall(req.method, path))
      return sendJson(res, 404, shape.errorBody(404, `scripted server: no route ${req.method} ${path}`));
    rec.kind = shape.isMain(req.body) ? 'main' : 'side';
    // Side calls must not consume the script.
    const reply = rec.kind === 'main' ? script(req.body, shape.turn(req.body), mainIndex++) : sideReply;
    if ('error' in reply)
      return sendJson(res, reply.error, shape.errorBody(reply.error, reply.message ?? `scripted ${reply.error}`));
    shape.send(res, req, reply, { ...DEFAULT_USAGE, ...('usage' in reply ? reply.usage : {}) });
  });
  const requests = server.requests as ScriptedRequest[];
  return {
    url: server.url,
    requests,
    mainRequests: () => requests.filter((r) => r.kind === 'main'),
    close: server.close,
  };
}
