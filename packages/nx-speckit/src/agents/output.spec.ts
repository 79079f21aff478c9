import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  parseClaudeOutput,
  classifyFailure,
  parseCodexOutput,
  parseCopilotOutput,
  parseCursorOutput,
  parseGeminiOutput,
  parseOpencodeOutput,
  parsePlainOutput,
} from './output';
import { lastJsonObject } from './output/json';

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
    const r = parseClaudeOutput(
      JSON.stringify({ type: 'result', subtype: 'error_during_execution', is_error: false }),
      0,
    );
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining('error_during_execution') });
  });

  it('treats garbage or a missing result as failure', () => {
    expect(parseClaudeOutput('Segmentation fault\n{not json', 0)).toMatchObject({
      ok: false,
      error: 'Claude printed no result JSON',
    });
    expect(parseClaudeOutput('{"type":"assistant"}', 0).ok).toBe(false);
    expect(parseClaudeOutput('', 2, 'Error: ENOSPC\n').error).toContain('exited with code 2: Error: ENOSPC');
  });

  it('finds the result line in stream-json output', () => {
    const result = fixture('claude-success.stdout').trim();
    const stream = [
      '{"type":"system","subtype":"init","session_id":"x"}',
      '{"type":"assistant","message":{}}',
      result,
    ].join('\n');
    expect(parseClaudeOutput(stream, 0)).toMatchObject({ ok: true, usage: { turns: 2 } });
  });
});

describe('parseCodexOutput (real codex-cli 0.169 output)', () => {
  it('reads thread id and turn usage', () => {
    expect(parseCodexOutput(fixture('codex-success.stdout'), 0)).toEqual({
      ok: true,
      usage: {
        sessionId: '01a203e8-6a94-7fa1-9428-c34bb0b97175',
        inputTokens: 200,
        outputTokens: 40,
        cachedInputTokens: 20,
        turns: 1,
      },
    });
  });

  it('fails on turn.failed with its message', () => {
    const r = parseCodexOutput(fixture('codex-failure.stdout'), 1);
    expect(r.ok).toBe(false);
    expect(r.error).toBe(
      'Codex turn failed: stream disconnected before completion: The model produced invalid content.',
    );
  });

  it('ignores an error event the run recovered from, but not a trailing one', () => {
    const recovered = [
      '{"type":"thread.started","thread_id":"t"}',
      '{"type":"error","message":"Reconnecting... 1/5"}',
      '{"type":"turn.completed","usage":{"input_tokens":1,"output_tokens":1}}',
    ];
    expect(parseCodexOutput(recovered.join('\n'), 0).ok).toBe(true);
    const trailing = [recovered[0], recovered[2], '{"type":"error","message":"quota exceeded"}'];
    expect(parseCodexOutput(trailing.join('\n'), 0)).toMatchObject({
      ok: false,
      error: 'Codex turn failed: quota exceeded',
    });
  });

  it('fails when no turn completed', () => {
    expect(parseCodexOutput('{"type":"thread.started","thread_id":"t"}\n', 0)).toMatchObject({
      ok: false,
      usage: { sessionId: 't' },
    });
  });
});

describe('parseGeminiOutput', () => {
  it('reads stats tokens per model', () => {
    expect(parseGeminiOutput(fixture('gemini-success.stdout'), 0)).toEqual({
      ok: true,
      usage: {
        sessionId: '3f6c1a52-8d0e-4b7a-9c21-5e4f0d8b7a10',
        inputTokens: 12840,
        outputTokens: 412,
        cachedInputTokens: 9100,
        turns: 3,
        model: 'gemini-2.5-pro',
      },
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
    expect(parseGeminiOutput('{"error":{"type":"Error","message":"quota"}}', 0)).toMatchObject({
      ok: false,
      error: expect.stringContaining('quota'),
    });
    expect(parseGeminiOutput('plain text', 0).ok).toBe(false);
  });

  it('fails on any non-zero exit: an HTTP 400 exits 144, with the API message inside the error JSON on stderr', () => {
    const r = parseGeminiOutput('', 144, fixture('gemini-http-400.stderr'));
    expect(r).toMatchObject({
      ok: false,
      error: 'Gemini failed (exit 144, HTTP 400): scripted bad thing',
      failureKind: 'other',
    });
    expect(r.usage.sessionId).toBe('0b48b1cf-e881-47bf-b817-883c4e7c73ff');
  });

  it("an untrusted folder (exit 55, no JSON) says so in the CLI's own words", () => {
    const r = parseGeminiOutput('', 55, fixture('gemini-untrusted.stderr'));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(
      /^Gemini failed \(exit 55, folder not trusted\): Gemini CLI is not running in a trusted directory\. To proceed, either use `--skip-trust`/,
    );
  });

  it('the turn limit (exit 53): gemini 0.61 prints the error JSON twice on stderr, the second after an [ERROR] tag', () => {
    expect(parseGeminiOutput('', 53, fixture('gemini-turn-limit-0.61.stderr'))).toMatchObject({
      ok: false,
      error:
        'Gemini failed (exit 53, turn limit exceeded): Reached max session turns for this session. Increase the number of turns by specifying maxSessionTurns in settings.json.',
      usage: { sessionId: 'f5c01470-81fe-4294-9d30-b9b971f4c3cb' },
    });
  });

  it('a missing login (exit 41) is an auth failure', () => {
    expect(parseGeminiOutput('', 41, fixture('gemini-no-auth.stderr'))).toMatchObject({
      ok: false,
      error: 'Gemini failed (exit 41, authentication error): Invalid auth method selected.',
      failureKind: 'auth',
    });
  });

  it('classifies quota and rate limits from the status and message', () => {
    const err = (code: number, message: string, status: string) =>
      JSON.stringify({ error: { type: 'Error', message: JSON.stringify({ error: { code, message, status } }), code } });
    expect(
      parseGeminiOutput(
        '',
        429 % 256,
        err(429, 'Quota exceeded for metric generate_content_requests', 'RESOURCE_EXHAUSTED'),
      ).failureKind,
    ).toBe('quota');
    expect(parseGeminiOutput('', 429 % 256, err(429, 'Too many requests, slow down', 'RATE_LIMITED')).failureKind).toBe(
      'rate-limit',
    );
    expect(parseGeminiOutput('', 503 % 256, err(503, 'The model is overloaded', 'UNAVAILABLE')).failureKind).toBe(
      'overload',
    );
  });
});

describe('parseCursorOutput', () => {
  it('accepts a success result (no usage but the session id)', () => {
    expect(parseCursorOutput(fixture('cursor-success.stdout'), 0)).toEqual({
      ok: true,
      usage: { sessionId: 'c6b62c6f-7ead-4fd6-9922-e952131177ff' },
    });
  });

  it('reports the stderr message when there is no JSON', () => {
    const r = parseCursorOutput('', 1, fixture('cursor-failure.stderr'));
    expect(r.ok).toBe(false);
    expect(r.error).toContain('exited with code 1: Error: Authentication required');
  });

  it('a trust refusal that exits 0 without a result is a failure with its words', () => {
    const r = parseCursorOutput(
      '',
      0,
      'Workspace Trust Required: this folder is not trusted. Pass --trust to trust it.\n',
    );
    expect(r).toMatchObject({
      ok: false,
      error:
        'cursor-agent printed no result JSON: Workspace Trust Required: this folder is not trusted. Pass --trust to trust it.',
    });
  });

  it('fails on is_error', () => {
    expect(parseCursorOutput('{"type":"result","subtype":"success","is_error":true,"result":"boom"}', 0)).toMatchObject(
      { ok: false, error: expect.stringContaining('boom') },
    );
  });
});

describe('parseOpencodeOutput', () => {
  it('sums cost and tokens over steps', () => {
    const r = parseOpencodeOutput(fixture('opencode-success.stdout'), 0);
    expect(r.ok).toBe(true);
    expect(r.usage).toMatchObject({
      sessionId: 'ses_494719016ffe85dkDMj0FPRbHK',
      inputTokens: 20700,
      outputTokens: 192,
      cachedInputTokens: 18200,
      turns: 2,
    });
    expect(r.usage.costUsd).toBeCloseTo(0.015, 10);
  });

  it('fails on an error event even with exit 0', () => {
    expect(parseOpencodeOutput(fixture('opencode-error.stdout'), 0)).toMatchObject({
      ok: false,
      error: 'opencode reported an error: Invalid API key provided.',
    });
  });
});

describe('parseOpencodeOutput: rejected permissions (real opencode 1.18 output)', () => {
  it('fails although opencode exits 0, naming the tool, the path and what was asked', () => {
    const r = parseOpencodeOutput(fixture('opencode-rejected.stdout'), 0, fixture('opencode-rejected.stderr'));
    expect(r).toMatchObject({
      ok: false,
      error:
        'opencode refused the write call on /tmp/elsewhere/outside.txt (permission requested: external_directory (/tmp/elsewhere/*)): headless runs reject whatever would ask',
      failureKind: 'other',
    });
    expect(r.usage).toMatchObject({ inputTokens: 90, outputTokens: 20, turns: 1 });
  });
});

describe('parseCopilotOutput (real copilot 1.0.102 output)', () => {
  it('reads the session from the result event and tokens from the usage file', () => {
    expect(parseCopilotOutput(fixture('copilot-success.jsonl'), 0, '', fixture('copilot-usage.json'))).toEqual({
      ok: true,
      usage: {
        sessionId: '55078562-18fe-4225-a6c3-8694209dffcf',
        inputTokens: 200,
        outputTokens: 40,
        cachedInputTokens: 20,
        turns: 2,
        model: 'gpt-4.1',
      },
    });
  });

  it('fails with the session.error message and its HTTP status decides the kind', () => {
    expect(parseCopilotOutput(fixture('copilot-http-400.jsonl'), 1)).toMatchObject({
      ok: false,
      error: 'Copilot reported an error: 400 scripted bad thing',
      failureKind: 'other',
    });
    const limited =
      '{"type":"session.error","data":{"errorType":"query","message":"Sorry, you have been rate-limited.","statusCode":429}}';
    expect(parseCopilotOutput(limited, 1).failureKind).toBe('rate-limit');
  });

  it("before a session (no login) the cause is stderr's Error: line, not the hint after it", () => {
    expect(parseCopilotOutput('', 1, fixture('copilot-no-login.stderr'))).toMatchObject({
      ok: false,
      error: 'Copilot exited with code 1: Error: No authentication information found.',
    });
  });

  it('a result with a non-zero exit code, or no result at all, is a failure', () => {
    expect(parseCopilotOutput('{"type":"result","sessionId":"s","exitCode":2}', 0)).toMatchObject({
      ok: false,
      error: 'Copilot exited with code 2',
    });
    expect(parseCopilotOutput('I did it!', 0)).toMatchObject({ ok: false, error: 'Copilot printed no result event' });
  });
});

describe('parsePlainOutput (command, replay)', () => {
  it('goes by exit code; the cause is the last Error: line of stderr, else its last line', () => {
    expect(parsePlainOutput('anything', 0)).toEqual({ ok: true, usage: {} });
    expect(parsePlainOutput('', 1, 'starting\nError: disk full\n  at write()\nResume with --resume=42\n').error).toBe(
      'exited with code 1: Error: disk full',
    );
    expect(parsePlainOutput('', 3, 'warming up\nboom: could not finish\n\n').error).toBe(
      'exited with code 3: boom: could not finish',
    );
  });

  it('reads the usage any executable may write to $SPECKIT_USAGE_FILE, failed or not; ignores what is not a number', () => {
    const file = JSON.stringify({
      costUsd: 0.25,
      inputTokens: 1200,
      outputTokens: 80,
      turns: 3,
      model: 'local-7b',
      cachedInputTokens: -1,
      extra: 'x',
      outputTokensTypo: 1,
    });
    expect(parsePlainOutput('', 0, '', file)).toEqual({
      ok: true,
      usage: { costUsd: 0.25, inputTokens: 1200, outputTokens: 80, turns: 3, model: 'local-7b' },
    });
    expect(parsePlainOutput('', 1, 'Error: quota exceeded\n', '{"inputTokens": "12"}')).toEqual({
      ok: false,
      error: 'exited with code 1: Error: quota exceeded',
      usage: {},
    });
    expect(parsePlainOutput('', 0, '', 'not json')).toEqual({ ok: true, usage: {} });
    expect(parsePlainOutput('', 0, '', '[1, 2]')).toEqual({ ok: true, usage: {} });
  });
});

describe('lastJsonObject', () => {
  it('finds the last object that starts a line: pretty-printed, one-line or after a log tag; never a nested one', () => {
    const pretty = '{\n  "a": 1,\n  "list": [\n    {\n      "nested": true\n    }\n  ]\n}';
    expect(lastJsonObject(`banner\n${pretty}\ntrailing words`)).toEqual({ a: 1, list: [{ nested: true }] });
    expect(lastJsonObject('{"a":1}\n{"b":"} { brace in a string \\" quote"}\n')).toEqual({
      b: '} { brace in a string " quote',
    });
    expect(lastJsonObject('[ERROR] {\n  "e": 2\n}\n')).toEqual({ e: 2 });
    expect(lastJsonObject('{"cut": \n')).toBeUndefined();
    expect(lastJsonObject('{"ok":1}\n{"cut": \n')).toEqual({ ok: 1 });
  });
});

describe('classifyFailure', () => {
  it.each([
    [
      'API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"Number of requests exceeded"}}',
      undefined,
      'rate-limit',
    ],
    ['You exceeded your current quota, please check your plan and billing details.', 429, 'quota'],
    ['Credit balance is too low', undefined, 'quota'],
    ['API Error: 529 Overloaded', undefined, 'overload'],
    ['Invalid API key provided.', 401, 'auth'],
    ['Error: No authentication information found.', undefined, 'auth'],
    ['scripted bad thing', 400, 'other'],
    ['timed out after 5s', undefined, 'other'],
  ])('%s (status %s) is %s', (message, status, kind) => {
    expect(classifyFailure(message, status)).toBe(kind);
  });
});
