// The REAL Codex CLI (node_modules/.bin/codex) driven through runAgent against a scripted,
// loopback-only Responses API configured as a custom model provider; temporary CODEX_HOME and HOME.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codexAddsFile, codexProviderArgs, codexTestEnv } from '../../testing/agent-clis';
import { startScriptedServer, type Script, type ScriptedServer } from '../../testing/scripted-server';
import { openaiResponses } from '../../testing/shapes/responses';
import { resolveAgent, runAgent, type AgentRunResult } from './index';

jest.setTimeout(60_000);

const CODEX = path.resolve(__dirname, '../../../../node_modules/.bin/codex');

let ws: string;
let server: ScriptedServer | undefined;

beforeEach(() => {
  ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'speckit-codex-')));
  fs.mkdirSync(path.join(ws, '.codex-home'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  fs.rmSync(ws, { recursive: true, force: true });
});

async function run(script: Script, prompt = 'T004 create src/sum.ts'): Promise<AgentRunResult> {
  server = await startScriptedServer(openaiResponses, script);
  const agent = resolveAgent(
    {
      preset: 'codex',
      command: [CODEX],
      retries: 0,
      args: codexProviderArgs(server.url),
      env: codexTestEnv(path.join(ws, '.codex-home'), path.join(ws, '.home')),
    },
    {},
  );
  return runAgent(agent, {
    workspaceRoot: ws,
    taskId: 'T004',
    featureDir: 'specs/002-math',
    tasksFile: 'specs/002-math/tasks.md',
    taskFiles: ['src/sum.ts'],
    prompt,
    logFile: path.join(ws, '.speckit/logs/T004.log'),
    promptFile: path.join(ws, '.speckit/prompts/T004.md'),
  });
}

describe('codex preset with the real CLI', () => {
  it('applies the scripted patch and reports tokens and thread id', async () => {
    const result = await run(
      codexAddsFile('src/sum.ts', 'export const sum = (a: number, b: number) => a + b;\n'),
      'Implement T004 [marker-c0d3]',
    );
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(fs.readFileSync(path.join(ws, 'src/sum.ts'), 'utf8')).toBe(
      'export const sum = (a: number, b: number) => a + b;\n',
    );
    expect(result.usage).toMatchObject({ inputTokens: 200, outputTokens: 40, cachedInputTokens: 20, turns: 1 });
    expect(result.usage.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(server!.requests).toHaveLength(2);
    expect(JSON.stringify(server!.requests[0].body.input)).toContain('Implement T004 [marker-c0d3]');
    const log = fs.readFileSync(path.join(ws, '.speckit/logs/T004.log'), 'utf8');
    expect(log).toContain('"type":"file_change"');
    expect(log).toContain('"type":"turn.completed"');
  });

  it('fails with the turn.failed message', async () => {
    const result = await run(() => ({ streamError: 'scripted model failure' }));
    expect(result.ok).toBe(false);
    expect(result.attempts[0].exitCode).toBe(1);
    expect(result.error).toBe('Codex turn failed: stream disconnected before completion: scripted model failure');
  });

  it('fails on an HTTP error from the provider', async () => {
    const result = await run(() => ({ error: 400, message: 'scripted bad request' }));
    expect(result.ok).toBe(false);
    expect(result.error).toContain('scripted bad request');
  });
});
