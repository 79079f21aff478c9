/**
 * The task executor (`nx-speckit:task`) through the real `nx` binary on temporary workspaces, one
 * agent at a time: the real Claude Code and Codex CLIs against scripted loopback model APIs, agents
 * that misbehave, hostile task text, and agents that are not installed.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { claudeTestEnv, claudeWrites, codexAddsFile, codexProviderArgs, codexTestEnv } from '../testing/agent-clis';
import { startScriptedServer, type ScriptedServer } from '../testing/scripted-server';
import { anthropicMessages } from '../testing/shapes/anthropic';
import { openaiResponses } from '../testing/shapes/responses';
import { ok, REPO_ROOT, type RunResult, TempWorkspace, useTempDirs, useTempWorkspaces } from '../testing/workspace';
import { expectTickedOnly } from './executor-helpers';
import { isAlive } from '../testing/processes';

jest.setTimeout(240_000);

const AGENT = join(__dirname, 'fixtures', 'agent.js');
const CLAUDE = join(REPO_ROOT, 'node_modules/.bin/claude');
const CODEX = join(REPO_ROOT, 'node_modules/.bin/codex');

const cleanups: (() => void)[] = [];
const workspace = useTempWorkspaces();
const scratchDir = useTempDirs();

afterAll(() => cleanups.forEach((c) => c()));

const STATIC = ['--outputStyle=static', '--skipNxCache'];
const record = (ws: TempWorkspace, project: string, id: string) => ws.readJson(`.speckit/runs/${project}/${id}.json`);
const hasRecord = (ws: TempWorkspace, project: string, id: string) =>
  existsSync(join(ws.root, `.speckit/runs/${project}/${id}.json`));
const timeline = (ws: TempWorkspace) => ws.lines('.speckit/agent-timeline.log');

describe('real agent CLIs through nx run', () => {
  let claudeServer: ScriptedServer | undefined;
  let codexServer: ScriptedServer | undefined;
  afterEach(async () => {
    await claudeServer?.close();
    await codexServer?.close();
    claudeServer = codexServer = undefined;
  });

  it('claude: the CLI writes the declared file; the task is verified, ticked and its cost recorded and printed', async () => {
    const tasks =
      '# Tasks: Greeting\n\n## Phase 1: Core\n\n- [ ] T001 Create the greeting in src/greeting.ts\n- [ ] T002 Document it in docs/greeting.md\n';
    const ws = workspace({ features: { 'specs/001-greeting': { tasks } } });
    const root = realpathSync(ws.root);
    claudeServer = await startScriptedServer(
      anthropicMessages,
      claudeWrites(join(root, 'src/greeting.ts'), 'export const greet = () => "hi";\n'),
    );
    ws.setPluginOptions({
      agent: {
        preset: 'claude',
        command: [CLAUDE],
        retries: 0,
        env: claudeTestEnv(claudeServer.url, scratchDir('speckit-claude-home-')),
      },
    });
    const before = readFileSync(join(root, 'specs/001-greeting/tasks.md'));

    const r = ok(await ws.nxAsync(['run', 'spec-001-greeting:implement--T001', ...STATIC]));

    expect(ws.read('src/greeting.ts')).toBe('export const greet = () => "hi";\n');
    expectTickedOnly(before, readFileSync(join(root, 'specs/001-greeting/tasks.md')), 'T001');
    const rec = record(ws, 'spec-001-greeting', 'T001');
    expect(rec).toMatchObject({
      project: 'spec-001-greeting',
      id: 'T001',
      status: 'done',
      attempts: 1,
      agent: 'claude',
      log: '.speckit/logs/spec-001-greeting/T001.log',
    });
    expect(rec.usage.costUsd).toBeGreaterThan(0);
    expect(rec.usage).toMatchObject({ inputTokens: 200, outputTokens: 40, turns: 2 });
    expect(r.output).toContain(
      `[T001] Create the greeting in src/greeting.ts → marked [X] ($${rec.usage.costUsd.toFixed(4)}, 200 in / 40 out tokens)`,
    );
    // The prompt reached the model: the task, and the rule not to edit tasks.md.
    const first = JSON.stringify(claudeServer.mainRequests()[0].body.messages);
    expect(first).toContain('- Task: Create the greeting in src/greeting.ts');
    expect(first).toContain('Do not edit specs/001-greeting/tasks.md');
    expect(ws.read('.speckit/logs/spec-001-greeting/T001.log')).toContain('"type":"result"');
    expect(hasRecord(ws, 'spec-001-greeting', 'T002')).toBe(false);
  });

  it('codex: the CLI applies the patch; the task is ticked (CRLF and BOM kept) with its tokens recorded and printed', async () => {
    const tasks =
      '\uFEFF# Tasks: Math\r\n\r\n- [ ] T001 Add the sum function in src/sum.ts\r\n- [ ] T002 Add the product in src/product.ts\r\n';
    const ws = workspace({ features: { 'specs/002-math': { tasks } } });
    const root = realpathSync(ws.root);
    codexServer = await startScriptedServer(
      openaiResponses,
      codexAddsFile('src/sum.ts', 'export const sum = (a: number, b: number) => a + b;\n'),
    );
    const codexHome = scratchDir('speckit-codex-home-');
    ws.setPluginOptions({
      agent: {
        preset: 'codex',
        command: [CODEX],
        retries: 0,
        args: codexProviderArgs(codexServer.url),
        env: codexTestEnv(codexHome, codexHome),
      },
    });
    const before = readFileSync(join(root, 'specs/002-math/tasks.md'));

    const r = ok(await ws.nxAsync(['run', 'spec-002-math:implement--T001', ...STATIC]));

    expect(ws.read('src/sum.ts')).toBe('export const sum = (a: number, b: number) => a + b;\n');
    expectTickedOnly(before.subarray(3), readFileSync(join(root, 'specs/002-math/tasks.md')).subarray(3), 'T001');
    expect(readFileSync(join(root, 'specs/002-math/tasks.md')).subarray(0, 3)).toEqual(Buffer.from('\uFEFF'));
    const rec = record(ws, 'spec-002-math', 'T001');
    expect(rec).toMatchObject({
      status: 'done',
      attempts: 1,
      agent: 'codex',
      usage: { inputTokens: 200, outputTokens: 40, cachedInputTokens: 20 },
    });
    expect(r.output).toContain('[T001] Add the sum function in src/sum.ts → marked [X] (200 in / 40 out tokens)');
    expect(JSON.stringify(codexServer.requests[0].body.input)).toContain('- Task: Add the sum function in src/sum.ts');
  });
});

const ADVERSARIAL = `# Tasks: Adversarial agents

## Phase 1: Misbehaving agents

- [ ] T001 [P] Agent claims success silently in src/noop.ts
- [ ] T002 [P] Agent leaves an empty file in src/empty.ts
- [ ] T003 [P] Agent links outside the workspace in src/escape.ts
- [ ] T004 [P] Agent hangs forever in src/hang.ts
- [ ] T005 [P] Agent is killed by a signal in src/signal.ts
- [ ] T006 [P] Agent exits with code 3 in src/exit3.ts
- [ ] T007 [P] Agent prints garbage JSON in src/garbage.ts
- [ ] T008 [P] Agent ticks its own box in src/tick.ts
- [ ] T009 [P] Agent rewords its task in src/reword.ts
- [ ] T010 [P] Well-behaved control task in src/control.ts
`;

describe('agents that misbehave', () => {
  const modes = {
    T001: 'noop',
    T002: 'empty',
    T003: 'escape',
    T004: 'hang',
    T005: 'signal',
    T006: 'exit3',
    T007: 'garbage',
    T008: 'tick',
    T009: 'reword',
  };
  const log = (id: string) => `.speckit/logs/spec-001-adversarial/${id}.log`;
  let ws: TempWorkspace;
  let run: RunResult;
  let before: string;
  let aliveWhenNxReturned: number[];

  beforeAll(async () => {
    ws = workspace({ features: { 'specs/001-adversarial': { tasks: ADVERSARIAL } } });
    const agent = { command: [process.execPath, AGENT], env: { AGENT_MODES: JSON.stringify(modes) }, retries: 0 };
    ws.setPluginOptions({
      agent,
      agentRules: [
        { text: 'hangs forever', agent: { ...agent, timeoutSeconds: 5 } },
        // Claude's output parser on an agent that prints something else.
        { text: 'garbage JSON', agent: { ...agent, preset: 'claude' } },
      ],
    });
    before = ws.read('specs/001-adversarial/tasks.md');
    run = await ws.nxAsync(['run-many', '-t', 'implement', '--parallel=3', ...STATIC]);
    const { agent: a, grandchild } = ws.readJson('.speckit/pids/001-adversarial-T004.json');
    aliveWhenNxReturned = [a, grandchild].filter(isAlive);
  });

  it('no misbehaving agent gets an [X]; only the control task is ticked (and the rewording is kept as a person would)', () => {
    expect(run.code).not.toBe(0);
    const expected = before
      .replace('- [ ] T010 ', '- [X] T010 ')
      .replace('- [ ] T009 ', '- [ ] T009 (already handled by the agent) ');
    expect(ws.read('specs/001-adversarial/tasks.md')).toBe(expected);
    expect(record(ws, 'spec-001-adversarial', 'T010')).toMatchObject({ status: 'done' });
    // Every agent did run (the failures are the agents', not a skipped task's).
    expect(
      new Set(
        timeline(ws)
          .filter((l) => l.startsWith('start '))
          .map((l) => l.split(' ')[1].split(':')[1]),
      ),
    ).toEqual(new Set(Object.keys({ ...modes, T010: 1 })));
  });

  it.each([
    ['T001', 'exits 0 and writes nothing', /src\/noop\.ts does not exist/],
    ['T002', 'writes an empty file', /src\/empty\.ts is empty/],
    ['T003', 'links the file outside the workspace', /src\/escape\.ts resolves outside the workspace/],
    ['T004', 'hangs', /the agent failed: timed out after 5s/],
    ['T005', 'is killed by a signal', /the agent failed: killed by SIGKILL/],
    ['T006', 'exits non-zero', /the agent failed: exited with code 3: boom: T006 could not finish/],
    ['T007', 'prints garbage instead of Claude JSON', /the agent failed: Claude printed no result JSON/],
    ['T008', 'ticks its own box', /the agent marked T008 itself; the mark was removed until verification passes/],
    [
      'T009',
      'rewords its task',
      /tasks\.md was edited during the run and T009's line now reads "T009 \(already handled by the agent\) \[P\] Agent rewords its task in src\/reword\.ts" \(was "T009 \[P\] Agent rewords its task in src\/reword\.ts"\); not marking T009 done/,
    ],
  ])('%s: an agent that %s fails with the task, the cause and the log path', (id, _what, cause) => {
    const rec = record(ws, 'spec-001-adversarial', id);
    expect(rec.status).toBe('failed');
    expect(rec.error).toMatch(new RegExp(`^${id} not marked done: `));
    expect(rec.error).toMatch(cause);
    expect(rec.error).toContain(`(log: ${log(id)})`);
    expect(existsSync(join(ws.root, log(id)))).toBe(true);
    // The same words reach the person running nx.
    expect(run.output).toContain(`[${id}] ✗ ${rec.error}`);
  });

  it('the hung agent and the grandchild it started (which ignores SIGTERM) were gone when nx returned', () => {
    const { agent, grandchild } = ws.readJson('.speckit/pids/001-adversarial-T004.json');
    expect([agent, grandchild].every((pid) => Number.isInteger(pid) && pid > 0)).toBe(true);
    expect(aliveWhenNxReturned).toEqual([]);
    expect(ws.read(log('T004'))).toMatch(/attempt 1 failed: timed out after 5s/);
  });

  it('the escape did not count: the link points outside, and nothing outside was taken for the task', () => {
    expect(lstatSync(join(ws.root, 'src/escape.ts')).isSymbolicLink()).toBe(true);
    const outside = ws.read('.speckit/escape-001-adversarial-T003');
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    expect(relative(realpathSync(ws.root), realpathSync(join(ws.root, 'src/escape.ts')))).toMatch(/^\.\.\//);
  });
});

describe('agents that misbehave, each in its own worktree (isolation "worktree")', () => {
  const modes = {
    T001: 'noop',
    T002: 'empty',
    T003: 'escape',
    T004: 'hang',
    T005: 'signal',
    T006: 'exit3',
    T007: 'garbage',
    T008: 'tick',
    T009: 'reword',
  };
  let ws: TempWorkspace;
  let run: RunResult;
  let before: string;

  beforeAll(async () => {
    ws = workspace({ features: { 'specs/001-adversarial': { tasks: ADVERSARIAL } }, git: true });
    // The fixture keeps its timeline and pids in the workspace, not in its checkout.
    const agent = {
      command: [process.execPath, AGENT],
      env: { AGENT_MODES: JSON.stringify(modes), AGENT_STATE_ROOT: ws.root },
      retries: 0,
    };
    ws.setPluginOptions({
      agent,
      agentRules: [
        { text: 'hangs forever', agent: { ...agent, timeoutSeconds: 5 } },
        { text: 'garbage JSON', agent: { ...agent, preset: 'claude' } },
      ],
      isolation: 'worktree',
    });
    ws.commitAll('the feature');
    before = ws.read('specs/001-adversarial/tasks.md');
    run = await ws.nxAsync(['run-many', '-t', 'implement', '--parallel=3', ...STATIC]);
  });

  it('only the control task lands and is ticked: no byte of a failed task reaches the workspace, and the rewording stays in its checkout', () => {
    expect(run.code).not.toBe(0);
    expect(ws.read('specs/001-adversarial/tasks.md')).toBe(before.replace('- [ ] T010 ', '- [X] T010 '));
    expect(readdirSync(join(ws.root, 'src'))).toEqual(['control.ts']);
    expect(record(ws, 'spec-001-adversarial', 'T010')).toMatchObject({
      status: 'done',
      isolation: 'worktree',
      changes: { declared: ['src/control.ts'], undeclared: [] },
    });
  });

  it.each([
    ['T001', /src\/noop\.ts does not exist/],
    ['T002', /src\/empty\.ts is empty/],
    ['T003', /src\/escape\.ts resolves outside the workspace/],
    ['T004', /the agent failed: timed out after 5s/],
    ['T005', /the agent failed: killed by SIGKILL/],
    ['T006', /the agent failed: exited with code 3: boom: T006 could not finish/],
    ['T007', /the agent failed: Claude printed no result JSON/],
    ['T008', /the agent marked T008 itself; the mark was removed until verification passes/],
    [
      'T009',
      /T009's line now reads "T009 \(already handled by the agent\) \[P\] Agent rewords its task in src\/reword\.ts"/,
    ],
  ])('%s fails with the same cause as without isolation, its worktree kept and named', (id, cause) => {
    const rec = record(ws, 'spec-001-adversarial', id);
    expect(rec.status).toBe('failed');
    expect(rec.error).toMatch(cause);
    expect(existsSync(rec.worktree)).toBe(true);
    expect(run.output).toContain(`[${id}] its worktree is kept for inspection until the next run: ${rec.worktree}`);
  });
});

describe('hostile task text', () => {
  const TEXT = `Write src/inject.txt with $(touch PWNED) and \`touch PWNED2\` plus "double" 'single'; touch PWNED3 | tee PWNED4 > PWNED5 && echo $HOME`;
  let ws: TempWorkspace;
  beforeAll(async () => {
    ws = workspace({ features: { 'specs/001-inject': { tasks: `# Tasks: Inject\n\n- [ ] T001 ${TEXT}\n` } } });
    ws.setPluginOptions({ agent: { command: [process.execPath, AGENT] } });
    ok(await ws.nxAsync(['run', 'spec-001-inject:implement--T001', ...STATIC]));
  });

  it('reaches the agent byte-exact, only as data (stdin = prompt file), and nothing ran it through a shell', () => {
    const prompt = readFileSync(join(ws.root, '.speckit/capture/001-inject-T001.prompt'));
    expect(readFileSync(join(ws.root, '.speckit/capture/001-inject-T001.stdin'), 'utf8')).toBe(prompt.toString());
    expect(readFileSync(join(ws.root, '.speckit/runs/spec-001-inject/T001.prompt.md'), 'utf8')).toBe(prompt.toString());
    expect(prompt.toString('utf8').split('\n')).toContain(`- Task: ${TEXT}`);
    const { env, argv } = ws.readJson('.speckit/capture/001-inject-T001.env.json');
    expect(argv).toEqual([]); // no prompt on the command line
    expect(env).toMatchObject({
      SPECKIT_TASK_ID: 'T001',
      SPECKIT_FEATURE_DIR: 'specs/001-inject',
      SPECKIT_TASKS_FILE: 'specs/001-inject/tasks.md',
      SPECKIT_TASK_FILES: '["src/inject.txt"]',
      SPECKIT_ATTEMPT: '1',
    });
    expect(ws.read('specs/001-inject/tasks.md')).toBe(`# Tasks: Inject\n\n- [X] T001 ${TEXT}\n`);
  });

  it('no PWNED file appears anywhere', () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.name === 'node_modules' || e.name === '.git') continue;
        if (/PWNED/.test(e.name)) found.push(join(dir, e.name));
        if (e.isDirectory()) walk(join(dir, e.name));
      }
    };
    walk(ws.root);
    for (const dir of [REPO_ROOT, process.cwd(), tmpdir(), homedir(), dirname(ws.root)]) {
      for (const name of ['PWNED', 'PWNED2', 'PWNED3', 'PWNED4', 'PWNED5'])
        if (existsSync(join(dir, name))) found.push(join(dir, name));
    }
    expect(found).toEqual([]);
  });
});

// A preset whose CLI is missing (the install command, the tasks that need it): gates.e2e, 'before any task starts'.
describe('the per-task verify command', () => {
  const TASKS = '# Tasks: Verify\n\n- [ ] T001 [P] First in src/a.ts\n- [ ] T002 [P] Second in src/b.ts\n';
  // Exits 2 for T001; for T002 records its pid and hangs, ignoring SIGTERM.
  const VERIFY = [
    "const fs = require('fs');",
    "if (process.env.SPECKIT_TASK_ID === 'T001') { process.stderr.write('verify says no\\n'); process.exit(2); }",
    "fs.writeFileSync('.speckit/verify.pid', String(process.pid));",
    "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);",
  ].join('\n');

  it("runs in its own process group with the agent's timeout: a failing check and a hung one both fail the task, and nothing of them outlives nx", async () => {
    const ws = workspace({ features: { 'specs/001-verify': { tasks: TASKS } } });
    ws.setPluginOptions({
      agent: { command: [process.execPath, AGENT], retries: 0, timeoutSeconds: 3 },
      verify: [process.execPath, '-e', VERIFY],
    });
    const r = await ws.nxAsync(['run-many', '-t', 'implement', ...STATIC]);
    expect(r.code).not.toBe(0);
    expect(ws.read('specs/001-verify/tasks.md')).toBe(TASKS);
    expect(record(ws, 'spec-001-verify', 'T001').error).toMatch(/verify command `[^`]+` failed \(exit 2\)/);
    expect(record(ws, 'spec-001-verify', 'T002').error).toMatch(/verify command `[^`]+` failed \(timed out after 3s\)/);
    expect(ws.read('.speckit/logs/spec-001-verify/T001.log')).toMatch(/--- verify: [^]+? \(exit 2\)\nverify says no/);
    expect(isAlive(Number(ws.read('.speckit/verify.pid')))).toBe(false);
  });
});

describe('an agent CLI that is not installed', () => {
  const TASKS =
    '# Tasks: Missing\n\n- [ ] T001 [P] First in src/a.ts\n- [ ] T002 [P] Second in src/b.ts\n\n## Phase 2: Later\n\n- [ ] T003 Third in src/c.ts\n';

  it('a custom command: one clear error, no agent run, nothing marked', async () => {
    const ws = workspace({ features: { 'specs/001-missing': { tasks: TASKS } } });
    ws.setPluginOptions({ agent: { command: ['no-such-agent-cli', '--flag'] } });
    const r = await ws.nxAsync(['run-many', '-t', 'implement', ...STATIC]);
    expect(r.code).not.toBe(0);
    const message = "Agent 'command' needs the `no-such-agent-cli` CLI, which is not installed.";
    expect(r.output).toContain(message);
    expect(r.output.split(message).length - 1).toBe(1); // once for the run, not once per task
    expect(ws.read('specs/001-missing/tasks.md')).toBe(TASKS);
    expect(existsSync(join(ws.root, '.speckit/logs'))).toBe(false); // no agent was started
    expect(existsSync(join(ws.root, 'src'))).toBe(false);
    expect(hasRecord(ws, 'spec-001-missing', 'T003')).toBe(false); // its prerequisites failed: never started
  });
});
