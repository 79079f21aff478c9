import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  parseClaudeOutput,
  parseCodexOutput,
  parseCursorOutput,
  parseGeminiOutput,
  parseOpencodeOutput,
  parsePlainOutput,
} from './output';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '__fixtures__', name), 'utf8');

describe('parseClaudeOutput (real claude 2.1 output)', () => {
  it('reads usage from a successful result', () => {
    const r = parseClaudeOutput(fixture('claude-success.stdout'), 0);
    expect(r).toEqual({
      ok: true,
      usage: {
        costUsd: 0.002,
        inputTokens: 200,
        outputTokens: 40,
        cachedInputTokens: 0,
        turns: 2,
        sessionId: '6ae40042-6b60-4c5d-a928-7436937bf261',
        model: 'claude-opus-4-8[1m]',
      },
    });
  });

  it('fails on is_error even though the subtype says success (API errors)', () => {
    const r = parseClaudeOutput(fixture('claude-api-error.stdout'), 1);
    expect(r.ok).toBe(false);
    expect(r.error).toContain('API Error: 500 scripted internal error');
    expect(r.usage.sessionId).toBe('ed0d5bc3-1f75-464c-a64c-f3df15ee5a32');
  });

  it('fails on a non-success subtype and names it', () => {
    const r = parseClaudeOutput(fixture('claude-max-turns.stdout'), 1);
    expect(r.ok).toBe(false);
    expect(r.error).toContain('error_max_turns');
    expect(r.error).toContain('Reached maximum number of turns (1)');
    expect(r.usage.costUsd).toBe(0.001);
  });

  it('fails on a subtype other than success even with is_error false', () => {
    const r = parseClaudeOutput(JSON.stringify({ type: 'result', subtype: 'error_during_execution', is_error: false }), 0);
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining('error_during_execution') });
  });

  it('treats garbage or a missing result as failure', () => {
    expect(parseClaudeOutput('Segmentation fault\n{not json', 0)).toMatchObject({ ok: false, error: 'Claude printed no result JSON' });
    expect(parseClaudeOutput('{"type":"assistant"}', 0).ok).toBe(false);
    expect(parseClaudeOutput('', 2, 'Error: ENOSPC\n').error).toContain('exited with code 2: Error: ENOSPC');
  });

  it('finds the result line in stream-json output', () => {
    const result = fixture('claude-success.stdout').trim();
    const stream = ['{"type":"system","subtype":"init","session_id":"x"}', '{"type":"assistant","message":{}}', result].join('\n');
    expect(parseClaudeOutput(stream, 0)).toMatchObject({ ok: true, usage: { turns: 2 } });
  });
});

describe('parseCodexOutput (real codex-cli 0.169 output)', () => {
  it('reads thread id and turn usage', () => {
    expect(parseCodexOutput(fixture('codex-success.stdout'), 0)).toEqual({
      ok: true,
      usage: { sessionId: '01a203e8-6a94-7fa1-9428-c34bb0b97175', inputTokens: 200, outputTokens: 40, cachedInputTokens: 20, turns: 1 },
    });
  });

  it('fails on turn.failed with its message', () => {
    const r = parseCodexOutput(fixture('codex-failure.stdout'), 1);
    expect(r.ok).toBe(false);
    expect(r.error).toBe('Codex turn failed: stream disconnected before completion: The model produced invalid content.');
  });

  it('ignores an error event the run recovered from, but not a trailing one', () => {
    const recovered = ['{"type":"thread.started","thread_id":"t"}', '{"type":"error","message":"Reconnecting... 1/5"}', '{"type":"turn.completed","usage":{"input_tokens":1,"output_tokens":1}}'];
    expect(parseCodexOutput(recovered.join('\n'), 0).ok).toBe(true);
    const trailing = [recovered[0], recovered[2], '{"type":"error","message":"quota exceeded"}'];
    expect(parseCodexOutput(trailing.join('\n'), 0)).toMatchObject({ ok: false, error: 'Codex turn failed: quota exceeded' });
  });

  it('fails when no turn completed', () => {
    expect(parseCodexOutput('{"type":"thread.started","thread_id":"t"}\n', 0)).toMatchObject({ ok: false, usage: { sessionId: 't' } });
  });
});

describe('parseGeminiOutput', () => {
  it('reads stats tokens per model', () => {
    expect(parseGeminiOutput(fixture('gemini-success.stdout'), 0)).toEqual({
      ok: true,
      usage: { sessionId: '3f6c1a52-8d0e-4b7a-9c21-5e4f0d8b7a10', inputTokens: 12840, outputTokens: 412, cachedInputTokens: 9100, turns: 3, model: 'gemini-2.5-pro' },
    });
  });

  it('names the exit-code reason and the error message (JSON may be on stderr)', () => {
    const r = parseGeminiOutput('', 53, fixture('gemini-turn-limit.stdout'));
    expect(r.ok).toBe(false);
    expect(r.error).toContain('exit 53, turn limit exceeded');
    expect(r.error).toContain('Reached max session turns');
    expect(parseGeminiOutput('', 42, 'bad flag\n').error).toContain('exit 42, input error');
  });

  it('fails on an error object even with exit 0, and on no JSON at all', () => {
    expect(parseGeminiOutput('{"error":{"type":"Error","message":"quota"}}', 0)).toMatchObject({ ok: false, error: expect.stringContaining('quota') });
    expect(parseGeminiOutput('plain text', 0).ok).toBe(false);
  });
});

describe('parseCursorOutput', () => {
  it('accepts a success result (no usage but the session id)', () => {
    expect(parseCursorOutput(fixture('cursor-success.stdout'), 0)).toEqual({ ok: true, usage: { sessionId: 'c6b62c6f-7ead-4fd6-9922-e952131177ff' } });
  });

  it('reports the stderr message when there is no JSON', () => {
    const r = parseCursorOutput('', 1, fixture('cursor-failure.stderr'));
    expect(r.ok).toBe(false);
    expect(r.error).toContain('exited with code 1: Error: Authentication required');
  });

  it('fails on is_error', () => {
    expect(parseCursorOutput('{"type":"result","subtype":"success","is_error":true,"result":"boom"}', 0)).toMatchObject({ ok: false, error: expect.stringContaining('boom') });
  });
});

describe('parseOpencodeOutput', () => {
  it('sums cost and tokens over steps', () => {
    const r = parseOpencodeOutput(fixture('opencode-success.stdout'), 0);
    expect(r.ok).toBe(true);
    expect(r.usage).toMatchObject({ sessionId: 'ses_494719016ffe85dkDMj0FPRbHK', inputTokens: 20700, outputTokens: 192, cachedInputTokens: 18200, turns: 2 });
    expect(r.usage.costUsd).toBeCloseTo(0.015, 10);
  });

  it('fails on an error event even with exit 0', () => {
    expect(parseOpencodeOutput(fixture('opencode-error.stdout'), 0)).toMatchObject({ ok: false, error: 'opencode reported an error: Invalid API key provided.' });
  });
});

describe('parsePlainOutput (copilot, command, replay)', () => {
  it('goes by exit code and quotes the last stderr line', () => {
    expect(parsePlainOutput(fixture('copilot-success.stdout'), 0)).toEqual({ ok: true, usage: {} });
    expect(parsePlainOutput('', 1, fixture('copilot-failure.stderr'))).toEqual({
      ok: false,
      error: "exited with code 1: Error: No authentication information found. Run 'copilot' and use /login, or set GH_TOKEN.",
      usage: {},
    });
  });
});
