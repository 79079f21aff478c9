// The REAL Claude Code CLI (node_modules/.bin/claude) driven through runAgent against a scripted,
// loopback-only Messages API: no network, no API key, a temporary HOME.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeTestEnv, claudeWrites } from '../../testing/agent-clis';
import { byTurn, startScriptedServer, type Script, type ScriptedServer } from '../../testing/scripted-server';
import { anthropicMessages } from '../../testing/shapes/anthropic';
import { resolveAgent, runAgent, type AgentRunContext, type AgentRunResult } from './index';

jest.setTimeout(60_000);

const CLAUDE = path.resolve(__dirname, '../../../../node_modules/.bin/claude');

let ws: string;
let server: ScriptedServer | undefined;

beforeEach(() => {
  ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'speckit-claude-')));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  fs.rmSync(ws, { recursive: true, force: true });
});

function context(prompt: string): AgentRunContext {
  return {
    workspaceRoot: ws,
    taskId: 'T003',
    featureDir: 'specs/001-greeting',
    tasksFile: 'specs/001-greeting/tasks.md',
    taskFiles: ['src/greeting.ts'],
    prompt,
    logFile: path.join(ws, '.speckit/logs/T003.log'),
    promptFile: path.join(ws, '.speckit/prompts/T003.md'),
  };
}

async function run(script: Script, extra: { args?: string[]; prompt?: string } = {}): Promise<AgentRunResult> {
  server = await startScriptedServer(anthropicMessages, script);
  // `command` swaps in the repo's binary; the preset's flags and parser still apply.
  const agent = resolveAgent(
    {
      preset: 'claude',
      command: [CLAUDE],
      retries: 0,
      args: extra.args,
      env: claudeTestEnv(server.url, path.join(ws, '.home')),
    },
    {},
  );
  return runAgent(agent, context(extra.prompt ?? 'T003 create src/greeting.ts'));
}

describe('claude preset with the real CLI', () => {
  it('writes the scripted file and reports cost, tokens, turns and session', async () => {
    const target = path.join(ws, 'src/greeting.ts');
    const prompt = 'Implement T003 [marker-7f3a]: create src/greeting.ts exporting greet().';
    const result = await run(claudeWrites(target, 'export const greet = () => "hi";\n'), { prompt });

    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toBe('export const greet = () => "hi";\n');
    expect(result.usage.costUsd).toBeGreaterThan(0);
    expect(result.usage).toMatchObject({ inputTokens: 200, outputTokens: 40, turns: 2 });
    expect(result.usage.sessionId).toMatch(/^[0-9a-f-]{36}$/);

    const main = server!.mainRequests();
    expect(main).toHaveLength(2);
    expect(JSON.stringify([main[0].body.system, main[0].body.messages])).toContain('[marker-7f3a]');
    expect(JSON.stringify(main[1].body.messages)).toContain('tool_result');

    const log = fs.readFileSync(path.join(ws, '.speckit/logs/T003.log'), 'utf8');
    expect(log).toMatch(/attempt 1\/1: .*claude -p --output-format json --permission-mode acceptEdits --allowedTools/);
    expect(log).toContain('"type":"result"');
    expect(log).toContain(`"session_id":"${result.usage.sessionId}"`);
  });

  it('fails with the API error message when the model endpoint errors', async () => {
    const result = await run(() => ({ error: 500, message: 'scripted outage' }));
    expect(result.ok).toBe(false);
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0].exitCode).toBe(1);
    expect(result.error).toContain('Claude reported an error (success): API Error: 500 scripted outage');
  });

  it('fails on a 400 even though the CLI calls the subtype success', async () => {
    const result = await run(() => ({ error: 400, message: 'bad request from script' }));
    expect(result.ok).toBe(false);
    expect(result.error).toContain('bad request from script');
  });

  it('fails when the CLI stops on its turn limit (subtype error_max_turns)', async () => {
    const result = await run(byTurn({ tool: { name: 'Glob', input: { pattern: '**/*.ts' } } }), {
      args: ['--max-turns', '1'],
    });
    expect(result.ok).toBe(false);
    expect(result.error).toContain('error_max_turns');
    expect(result.usage.costUsd).toBeGreaterThan(0);
  });
});
