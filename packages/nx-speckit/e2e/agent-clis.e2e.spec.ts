/**
 * The REAL gemini, opencode and copilot CLIs (pinned devDependencies, from node_modules) driven by the
 * task executor in a real `nx run-many`, each against a scripted loopback model server: no network, no
 * key. Per CLI, one feature of three parallel tasks: one succeeds, one meets an HTTP 400, one meets the
 * CLI's own way of refusing work (gemini/copilot: no login; opencode: a rejected permission); gemini
 * also meets its turn limit. Only the first may be ticked; the others must fail with the CLI's own
 * one-line cause.
 * (HTTP 400, not 429/5xx: the CLIs retry those for minutes. Quota and rate limits are parser unit tests.)
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import {
  COPILOT_TEST_MODEL,
  copilotTestEnv,
  copilotWrites,
  GEMINI_TEST_MODEL,
  geminiTestEnv,
  geminiWrites,
  OPENCODE_TEST_MODEL,
  opencodeTestEnv,
  opencodeWrites,
} from '../testing/agent-clis';
import { startScriptedServer, type ApiShape, type Script, type ScriptedServer } from '../testing/scripted-server';
import { openaiChat } from '../testing/shapes/chat';
import { geminiGenerateContent } from '../testing/shapes/gemini';
import { REPO_ROOT, type RunResult, type TempWorkspace, useTempDirs, useTempWorkspaces } from '../testing/workspace';

jest.setTimeout(300_000);

const workspace = useTempWorkspaces();
const scratchDir = useTempDirs();
const servers: ScriptedServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

const STATIC = ['--outputStyle=static', '--skipNxCache'];
const TASKS = `# Tasks: Real CLI

## Phase 1: Three runs at once

- [ ] T001 [P] Write the greeting in src/greeting.ts
- [ ] T002 [P] Write the farewell in src/farewell.ts
- [ ] T003 [P] Write the welcome in src/welcome.ts
`;
const GREETING = 'export const greet = () => "hi";\n';
const BAD_REQUEST = () => ({ error: 400, message: 'scripted bad request' });

interface Run {
  tasks: string;
  ws: TempWorkspace;
  result: RunResult;
  success: ScriptedServer;
  record(id: string): any;
}

interface Setup {
  preset: 'gemini' | 'opencode' | 'copilot';
  shape: ApiShape;
  model: string;
  env(url: string, home: string, options?: { login?: boolean }): Record<string, string>;
  writes(absPath: string, content: string): Script;
  /** The third task's agent: the CLI's own refusal. */
  refusal(root: string): Promise<Record<string, unknown>>;
  /** A fourth task (text after the ID) with its own agent. */
  extra?: { task: string; agent(root: string): Promise<Record<string, unknown>> };
}

async function server(shape: ApiShape, script: Script): Promise<ScriptedServer> {
  const s = await startScriptedServer(shape, script);
  servers.push(s);
  return s;
}

/** One feature, three [P] tasks; agentRules give each task its own agent (and server). */
async function runFeature(setup: Setup): Promise<Run> {
  // src/ exists, as in a real project: copilot's `create` tool does not make directories.
  const tasks = TASKS + (setup.extra ? `- [ ] T004 [P] ${setup.extra.task}\n` : '');
  const ws = workspace({ features: { 'specs/001-real': { tasks } }, files: { 'src/index.ts': 'export {};\n' } });
  const root = realpathSync(ws.root);
  const agent = (env: Record<string, string>) => ({
    preset: setup.preset,
    command: [join(REPO_ROOT, 'node_modules/.bin', setup.preset)],
    model: setup.model,
    retries: 0,
    env,
  });
  const success = await server(setup.shape, setup.writes(join(root, 'src/greeting.ts'), GREETING));
  const failing = await server(setup.shape, BAD_REQUEST);
  ws.setPluginOptions({
    agent: agent(setup.env(success.url, scratchDir(`speckit-${setup.preset}-home-`))),
    agentRules: [
      { text: 'farewell', agent: agent(setup.env(failing.url, scratchDir(`speckit-${setup.preset}-home-`))) },
      { text: 'welcome', agent: await setup.refusal(root) },
      ...(setup.extra ? [{ text: setup.extra.task, agent: await setup.extra.agent(root) }] : []),
    ],
  });
  const result = await ws.nxAsync(['run-many', '-t', 'implement', '--parallel=3', ...STATIC]);
  return { tasks, ws, result, success, record: (id) => ws.readJson(`.speckit/runs/spec-001-real/${id}.json`) };
}

function expectOnlyT001Ticked(run: Run) {
  expect(run.record('T001').error).toBeUndefined(); // first: on failure it shows the cause
  expect(run.record('T001')).toMatchObject({ status: 'done', attempts: 1 });
  expect(run.result.code).not.toBe(0);
  expect(run.ws.read('specs/001-real/tasks.md')).toBe(run.tasks.replace('- [ ] T001', '- [X] T001'));
  expect(run.ws.read('src/greeting.ts')).toBe(GREETING);
  // The prompt reached the model.
  expect(JSON.stringify(run.success.mainRequests()[0].body)).toContain('- Task: Write the greeting in src/greeting.ts');
}

/** The failed task's cause, as recorded and as printed to the person running nx. */
function expectFailure(run: Run, id: string, cause: string | RegExp, failureKind: string) {
  const rec = run.record(id);
  expect(rec).toMatchObject({ status: 'failed', failureKind });
  expect(rec.error).toMatch(new RegExp(`^${id} not marked done: the agent failed: `));
  expect(rec.error).toMatch(
    typeof cause === 'string' ? new RegExp(cause.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : cause,
  );
  expect(run.result.output).toContain(`[${id}] ✗ ${rec.error}`);
}

describe('gemini (real @google/gemini-cli)', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runFeature({
      preset: 'gemini',
      shape: geminiGenerateContent,
      model: GEMINI_TEST_MODEL,
      env: geminiTestEnv,
      writes: geminiWrites,
      // No auth settings in a fresh HOME: gemini refuses before any request.
      refusal: async () => ({
        preset: 'gemini',
        command: [join(REPO_ROOT, 'node_modules/.bin/gemini')],
        model: GEMINI_TEST_MODEL,
        retries: 0,
        env: geminiTestEnv('http://127.0.0.1:9', scratchDir('speckit-gemini-home-'), { login: false }),
      }),
      // The model writes the file, but the session may have only one turn: a stop, not a success.
      extra: {
        task: 'Write the note in src/note.ts',
        agent: async (root) => {
          const s = await server(geminiGenerateContent, geminiWrites(join(root, 'src/note.ts'), 'note\n'));
          return {
            preset: 'gemini',
            command: [join(REPO_ROOT, 'node_modules/.bin/gemini')],
            model: GEMINI_TEST_MODEL,
            retries: 0,
            env: geminiTestEnv(s.url, scratchDir('speckit-gemini-home-'), { maxSessionTurns: 1 }),
          };
        },
      },
    });
  });

  it('writes the declared file in a never-trusted folder and ticks only its task, with tokens recorded', () => {
    expectOnlyT001Ticked(run);
    expect(run.record('T001')).toMatchObject({
      agent: 'gemini',
      usage: { inputTokens: 200, outputTokens: 40, cachedInputTokens: 20, model: GEMINI_TEST_MODEL },
    });
    expect(run.result.output).toContain(
      '[T001] Write the greeting in src/greeting.ts → marked [X] (200 in / 40 out tokens)',
    );
  });

  it('an HTTP 400 fails the task with the API message, not [X]', () => {
    expectFailure(run, 'T002', 'Gemini failed (exit 144, HTTP 400): scripted bad request', 'other');
  });

  it('a missing login fails the task as an auth failure', () => {
    expectFailure(run, 'T003', 'Gemini failed (exit 41, authentication error): Invalid auth method selected.', 'auth');
  });

  it('the turn limit (exit 53) fails the task although the file was written', () => {
    expect(run.ws.read('src/note.ts')).toBe('note\n');
    expectFailure(
      run,
      'T004',
      'Gemini failed (exit 53, turn limit exceeded): Reached max session turns for this session.',
      'other',
    );
  });

  it('the summary shows the usage per agent', () => {
    // Only the successful run reported tokens: errors come without stats.
    expect(run.result.output).toMatch(/ {2}gemini: 4 tasks, 200 in \/ 40 out tokens/);
  });
});

describe('opencode (real opencode-ai)', () => {
  let run: Run;
  let outside: string;
  beforeAll(async () => {
    outside = join(scratchDir('speckit-opencode-outside-'), 'welcome.ts');
    run = await runFeature({
      preset: 'opencode',
      shape: openaiChat,
      model: OPENCODE_TEST_MODEL,
      env: opencodeTestEnv,
      writes: opencodeWrites,
      // The model writes outside the workspace: opencode run rejects the permission, and still exits 0.
      refusal: async () => {
        const s = await server(openaiChat, opencodeWrites(outside, 'nope\n'));
        return {
          preset: 'opencode',
          command: [join(REPO_ROOT, 'node_modules/.bin/opencode')],
          model: OPENCODE_TEST_MODEL,
          retries: 0,
          env: opencodeTestEnv(s.url, scratchDir('speckit-opencode-home-')),
        };
      },
    });
  });

  it('writes the declared file (project directory = workspace although nx runs with another PWD) and ticks only its task', () => {
    expect(process.env.PWD).not.toBe(realpathSync(run.ws.root));
    expectOnlyT001Ticked(run);
    expect(run.record('T001')).toMatchObject({
      agent: 'opencode',
      usage: { inputTokens: 180, outputTokens: 40, cachedInputTokens: 20, turns: 2 },
    });
  });

  it('an HTTP 400 fails the task with the API message', () => {
    expectFailure(run, 'T002', 'opencode reported an error: scripted bad request', 'other');
  });

  it('a rejected permission fails the task with its cause, although opencode exits 0', () => {
    expectFailure(
      run,
      'T003',
      `opencode refused the write call on ${outside} (permission requested: external_directory (`,
      'other',
    );
    expect(run.ws.read('.speckit/logs/spec-001-real/T003.log')).toMatch(/exit 0,/);
  });
});

describe('copilot (real @github/copilot)', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runFeature({
      preset: 'copilot',
      shape: openaiChat,
      model: COPILOT_TEST_MODEL,
      env: copilotTestEnv,
      writes: copilotWrites,
      refusal: async () => ({
        preset: 'copilot',
        command: [join(REPO_ROOT, 'node_modules/.bin/copilot')],
        model: COPILOT_TEST_MODEL,
        retries: 0,
        env: copilotTestEnv('', scratchDir('speckit-copilot-home-'), { login: false }),
      }),
    });
  });

  it('writes the declared file and ticks only its task, with tokens from the usage file', () => {
    expectOnlyT001Ticked(run);
    expect(run.record('T001')).toMatchObject({
      agent: 'copilot',
      usage: { inputTokens: 200, outputTokens: 40, cachedInputTokens: 20, turns: 2, model: COPILOT_TEST_MODEL },
    });
    expect(run.record('T001').usage.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an HTTP 400 fails the task with the session.error message', () => {
    expectFailure(run, 'T002', 'Copilot reported an error: 400 scripted bad request', 'other');
  });

  it("a missing login fails the task with copilot's Error: line, not its resume hint", () => {
    expectFailure(run, 'T003', 'Copilot exited with code 1: Error: No authentication information found.', 'auth');
  });
});
