// The scripted server on its own (the real CLIs use it in the e2e specs): routing, side calls,
// errors, and the wire details the CLIs depend on.
import { byTurn, startScriptedServer, type ScriptedServer } from './scripted-server';
import { anthropicMessages } from './shapes/anthropic';
import { openaiChat } from './shapes/chat';
import { geminiGenerateContent } from './shapes/gemini';
import { openaiResponses } from './shapes/responses';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server!.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** The JSON payloads of an SSE body, `[DONE]` left out. */
const events = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
    .map((l) => JSON.parse(l.slice(6)));

describe('scripted server', () => {
  it('answers by tool round-trip; side calls (no tools) get a fixed reply and do not consume the script', async () => {
    server = await startScriptedServer(
      openaiChat,
      byTurn({ tool: { name: 'write', input: { filePath: '/x' } } }, { text: 'Done.' }),
    );
    const title = await post('/v1/chat/completions', { stream: true, messages: [{ role: 'user', content: 'title?' }] });
    expect(events(title.text)[0].choices[0].delta.content).toBe('OK');
    const first = await post('/v1/chat/completions', {
      stream: true,
      stream_options: { include_usage: true },
      tools: [{}],
      messages: [{ role: 'user', content: 'go' }],
    });
    const chunks = events(first.text);
    expect(chunks[0].choices[0].delta.tool_calls[0]).toMatchObject({
      index: 0,
      type: 'function',
      function: { name: 'write', arguments: '{"filePath":"/x"}' },
    });
    expect(chunks[1].choices[0].finish_reason).toBe('tool_calls');
    expect(chunks[2]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 100, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 10 } },
    });
    expect(first.text.trimEnd()).toMatch(/data: \[DONE\]$/);
    const second = await post('/v1/chat/completions', {
      stream: true,
      tools: [{}],
      messages: [{ role: 'user' }, { role: 'assistant' }, { role: 'tool' }],
    });
    expect(events(second.text).map((c) => c.usage)).toEqual([undefined, undefined]); // usage only when asked for
    expect(events(second.text)[0].choices[0].delta.content).toBe('Done.');
    expect(server.requests.map((r) => r.kind)).toEqual(['side', 'main', 'main']);
  });

  it("sends HTTP errors in each API's error body, and 404 for unknown routes", async () => {
    server = await startScriptedServer(geminiGenerateContent, () => ({ error: 429, message: 'Quota exceeded' }));
    const r = await post('/v1beta/models/gemini-x:streamGenerateContent?alt=sse', { contents: [], tools: [{}] });
    expect(r).toEqual({
      status: 429,
      text: JSON.stringify({ error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } }),
    });
    expect((await post('/v1/unknown', {})).status).toBe(404);
  });

  it('gemini: a function call as one SSE chunk with usage metadata, turns counted by model contents', async () => {
    server = await startScriptedServer(
      geminiGenerateContent,
      byTurn({ tool: { name: 'write_file', input: { file_path: '/a' } } }, { text: 'Done.' }),
    );
    const first = events(
      (
        await post('/v1beta/models/gemini-x:streamGenerateContent?alt=sse', {
          contents: [{ role: 'user' }],
          tools: [{}],
        })
      ).text,
    );
    expect(first).toEqual([
      {
        candidates: [
          {
            content: { role: 'model', parts: [{ functionCall: { name: 'write_file', args: { file_path: '/a' } } }] },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: {
          promptTokenCount: 100,
          candidatesTokenCount: 20,
          cachedContentTokenCount: 10,
          totalTokenCount: 120,
        },
        modelVersion: 'gemini-x',
      },
    ]);
    const second = events(
      (
        await post('/v1beta/models/gemini-x:streamGenerateContent?alt=sse', {
          contents: [{ role: 'user' }, { role: 'model' }, { role: 'user' }],
          tools: [{}],
        })
      ).text,
    );
    expect(second[0].candidates[0].content.parts).toEqual([{ text: 'Done.' }]);
  });

  it('anthropic: tool input streamed as partial JSON; responses: a string input is a custom tool call', async () => {
    server = await startScriptedServer(anthropicMessages, () => ({
      tool: { name: 'Write', input: { file_path: '/a', content: 'x' } },
    }));
    const parts = events((await post('/v1/messages?beta=true', { stream: true, tools: [{}], messages: [] })).text)
      .filter((e) => e.type === 'content_block_delta')
      .map((e) => e.delta.partial_json);
    expect(parts).toHaveLength(2);
    expect(JSON.parse(parts.join(''))).toEqual({ file_path: '/a', content: 'x' });
    await server.close();

    server = await startScriptedServer(openaiResponses, () => ({ tool: { name: 'exec', input: 'text(1)' } }));
    const done = events((await post('/v1/responses', { input: [] })).text).find(
      (e) => e.type === 'response.output_item.done',
    );
    expect(done.item).toMatchObject({ type: 'custom_tool_call', name: 'exec', input: 'text(1)' });
  });
});
