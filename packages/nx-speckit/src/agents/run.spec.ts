import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveAgent, runAgent, type AgentRunContext, type ResolvedAgent } from './index';
import { USAGE_FILE } from './presets';

const AGENTS = path.join(__dirname, '__fixtures__', 'agents');
const FIXTURES = path.join(__dirname, '__fixtures__');

/** A command agent running one of the fixture scripts with node. */
function nodeAgent(
  script: string,
  opts: { env?: Record<string, string>; retries?: number; timeoutSeconds?: number; preset?: 'claude' } = {},
): ResolvedAgent {
  return resolveAgent({ ...opts, command: [process.execPath, path.join(AGENTS, script)] }, {});
}

function alive(pid: number): boolean {
  try {
    // A zombie (reparented, not yet reaped) counts as dead.
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let ws: string;
let ctx: AgentRunContext;
const savedBase = process.env.SPECKIT_RETRY_BASE_MS;

beforeEach(() => {
  ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'speckit-run-')));
  ctx = {
    workspaceRoot: ws,
    taskId: 'T012',
    featureDir: 'specs/003-chat',
    tasksFile: 'specs/003-chat/tasks.md',
    taskFiles: ['src/chat/room.ts', 'tests/room spec.ts'],
    prompt: 'Implement T012 — naïve "room" model ✓\n',
    logFile: path.join(ws, '.speckit/logs/003-chat/T012.log'),
    promptFile: path.join(ws, '.speckit/prompts/T012.md'),
  };
  process.env.SPECKIT_RETRY_BASE_MS = '10';
});
afterEach(() => {
  if (savedBase === undefined) delete process.env.SPECKIT_RETRY_BASE_MS;
  else process.env.SPECKIT_RETRY_BASE_MS = savedBase;
  fs.rmSync(ws, { recursive: true, force: true });
});

describe('runAgent command protocol', () => {
  it('puts a fresh usage file path per attempt where a preset asks for one', async () => {
    const out = path.join(ws, 'probe.json');
    const agent = resolveAgent(
      {
        command: [process.execPath, path.join(AGENTS, 'probe.js'), '--usage-output-file', USAGE_FILE],
        env: { PROBE_OUT: out },
      },
      {},
    );
    expect((await runAgent(agent, ctx)).ok).toBe(true);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).argv).toEqual([
      '--usage-output-file',
      path.join(ws, '.speckit/prompts/T012.usage-1.json'),
    ]);
  });

  it("classifies a failure from the CLI's words", async () => {
    const limited = await runAgent(
      nodeAgent('emit.js', { env: { EXIT_CODE: '1', EMIT_STDERR: 'Error: 429 Too Many Requests\nRetry later' } }),
      ctx,
    );
    expect(limited).toMatchObject({
      ok: false,
      error: 'exited with code 1: Error: 429 Too Many Requests',
      failureKind: 'rate-limit',
    });
    expect(limited.attempts[0].failureKind).toBe('rate-limit');
  });

  it('delivers env, stdin and the prompt file exactly, with cwd = workspace root', async () => {
    const out = path.join(ws, 'probe.json');
    const result = await runAgent(nodeAgent('probe.js', { env: { PROBE_OUT: out, PROBE_EXTRA: 'from-config' } }), ctx);
    expect(result).toMatchObject({ ok: true, aborted: false });
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ attempt: 1, exitCode: 0, signal: null, timedOut: false, ok: true });

    const probe = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(probe.env).toEqual({
      SPECKIT_TASK_ID: 'T012',
      SPECKIT_FEATURE_DIR: 'specs/003-chat',
      SPECKIT_TASKS_FILE: 'specs/003-chat/tasks.md',
      SPECKIT_TASK_FILES: '["src/chat/room.ts","tests/room spec.ts"]',
      SPECKIT_WORKSPACE_ROOT: ws,
      SPECKIT_ATTEMPT: '1',
      SPECKIT_PROMPT_FILE: ctx.promptFile,
      SPECKIT_USAGE_FILE: path.join(path.dirname(ctx.promptFile), 'T012.usage-1.json'),
      PROBE_EXTRA: 'from-config',
      SPECKIT_RETRY_BASE_MS: '10', // inherited from this process's env
      PWD: ws, // not this process's: opencode takes its project directory from $PWD
    });
    expect(probe.stdin).toBe(ctx.prompt);
    expect(probe.promptFile).toBe(ctx.prompt);
    expect(probe.argv).toEqual([]);
    expect(probe.cwd).toBe(ws);
  });

  it('writes the transcript with a header per attempt and appends across runs', async () => {
    const agent = nodeAgent('probe.js', { env: { PROBE_OUT: path.join(ws, 'p.json') } });
    await runAgent(agent, ctx);
    await runAgent(agent, ctx);
    const log = fs.readFileSync(ctx.logFile, 'utf8');
    expect(log.match(/=== \S+Z task T012 attempt 1\/1: .*probe\.js < prompt/g)).toHaveLength(2);
    expect(log.match(/probe: stdout line/g)).toHaveLength(2);
    expect(log).toContain('probe: stderr line');
    expect(log).toContain('=== attempt 1 succeeded (exit 0');
  });

  it('never lets the prompt reach a shell, via stdin or as an argument', async () => {
    const evil = 'x $(touch PWNED1) `touch PWNED2` "q" \'s\' ; touch PWNED3 | tee PWNED4 > PWNED5 && touch PWNED6\n';
    ctx.prompt = evil;
    const out = path.join(ws, 'probe.json');
    const viaStdin = await runAgent(nodeAgent('probe.js', { env: { PROBE_OUT: out } }), ctx);
    expect(viaStdin.ok).toBe(true);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).stdin).toBe(evil);

    const viaArg: ResolvedAgent = { ...nodeAgent('probe.js', { env: { PROBE_OUT: out } }), promptVia: 'arg' };
    expect((await runAgent(viaArg, ctx)).ok).toBe(true);
    const probe = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(probe.argv).toEqual([evil]);
    expect(probe.stdin).toBe(''); // arg presets get the prompt once, not twice
    expect(fs.readdirSync(ws).filter((f) => f.startsWith('PWNED'))).toEqual([]);
    expect(fs.readdirSync(process.cwd()).filter((f) => f.startsWith('PWNED'))).toEqual([]);
  });

  it('kills the whole process tree on timeout, grandchildren included', async () => {
    const mark = path.join(ws, 'grandchild-was-alive');
    const pidFile = path.join(ws, 'gc.pid');
    const started = Date.now();
    const result = await runAgent(
      nodeAgent('grandchild.js', {
        timeoutSeconds: 0.5,
        retries: 0,
        env: { MARK_FILE: mark, MARK_DELAY_MS: '1500', PID_FILE: pidFile },
      }),
      ctx,
    );
    expect(result).toMatchObject({ ok: false, failureKind: 'other' }); // our verdict, not the CLI's
    expect(result.attempts[0]).toMatchObject({
      timedOut: true,
      exitCode: null,
      signal: 'SIGTERM',
      error: 'timed out after 0.5s',
    });
    expect(Date.now() - started).toBeLessThan(1400); // returned before the grandchild would have written
    const gc = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor(() => !alive(gc), 1000);
    await new Promise((r) => setTimeout(r, 1700 - (Date.now() - started)));
    expect(fs.existsSync(mark)).toBe(false);
  });

  it('retries with SPECKIT_ATTEMPT 1, 2, … and exponential backoff until success', async () => {
    process.env.SPECKIT_RETRY_BASE_MS = '150';
    const attemptsFile = path.join(ws, 'attempts.txt');
    const seen: number[] = [];
    const started = Date.now();
    const result = await runAgent(
      nodeAgent('flaky.js', { retries: 3, env: { ATTEMPTS_FILE: attemptsFile, SUCCEED_ON: '3' } }),
      { ...ctx, onAttempt: (n) => seen.push(n) },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(150 + 300);
    expect(result.ok).toBe(true);
    expect(result.error).toBeUndefined();
    expect(result.attempts.map((a) => [a.attempt, a.ok, a.exitCode])).toEqual([
      [1, false, 1],
      [2, false, 1],
      [3, true, 0],
    ]);
    expect(result.attempts[0].error).toBe('exited with code 1: flaky: attempt 1 fails');
    expect(fs.readFileSync(attemptsFile, 'utf8')).toBe('1\n2\n3\n');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('gives up after the configured retries', async () => {
    const attemptsFile = path.join(ws, 'attempts.txt');
    const result = await runAgent(
      nodeAgent('flaky.js', { retries: 1, env: { ATTEMPTS_FILE: attemptsFile, SUCCEED_ON: '9' } }),
      ctx,
    );
    expect(result).toMatchObject({
      ok: false,
      aborted: false,
      error: 'exited with code 1: flaky: attempt 2 fails (after 2 attempts)',
    });
    expect(fs.readFileSync(attemptsFile, 'utf8')).toBe('1\n2\n');
  });

  it('abort kills the tree at once and stops retrying', async () => {
    const mark = path.join(ws, 'grandchild-was-alive');
    const pidFile = path.join(ws, 'gc.pid');
    const controller = new AbortController();
    const agent = nodeAgent('grandchild.js', {
      retries: 3,
      env: { MARK_FILE: mark, MARK_DELAY_MS: '1500', PID_FILE: pidFile },
    });
    const started = Date.now();
    const running = runAgent(agent, { ...ctx, signal: controller.signal });
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8') !== '');
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, aborted: true, error: 'aborted' });
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ ok: false, signal: 'SIGTERM', error: 'aborted' });
    expect(Date.now() - started).toBeLessThan(1400);
    await waitFor(() => !alive(Number(fs.readFileSync(pidFile, 'utf8'))), 1000);
    await new Promise((r) => setTimeout(r, 1700 - (Date.now() - started)));
    expect(fs.existsSync(mark)).toBe(false);
  });

  it('does not start at all when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const out = path.join(ws, 'probe.json');
    const result = await runAgent(nodeAgent('probe.js', { env: { PROBE_OUT: out } }), {
      ...ctx,
      signal: controller.signal,
    });
    expect(result).toMatchObject({ ok: false, aborted: true, attempts: [] });
    expect(fs.existsSync(out)).toBe(false);
  });

  it('reports an agent killed by a signal', async () => {
    const script = path.join(ws, 'suicide.js');
    fs.writeFileSync(script, "process.kill(process.pid, 'SIGKILL')");
    const result = await runAgent(resolveAgent({ command: [process.execPath, script] }, {}), ctx);
    expect(result).toMatchObject({
      ok: false,
      error: 'killed by SIGKILL',
      attempts: [{ exitCode: null, signal: 'SIGKILL', timedOut: false }],
    });
  });

  it('reports a crash with its exit code and stderr', async () => {
    const result = await runAgent(
      nodeAgent('emit.js', { env: { EXIT_CODE: '3', EMIT_STDERR: 'TypeError: boom' } }),
      ctx,
    );
    expect(result).toMatchObject({ ok: false, error: 'exited with code 3: TypeError: boom' });
    expect(result.attempts[0]).toMatchObject({ exitCode: 3, ok: false });
  });

  it('judges a preset by its parser: exit 0 with garbage JSON is a failure for claude', async () => {
    const garbage = path.join(ws, 'garbage.txt');
    fs.writeFileSync(garbage, '{"type":"result", oops');
    const bad = await runAgent(
      nodeAgent('emit.js', { preset: 'claude', retries: 0, env: { EMIT_FILE: garbage } }),
      ctx,
    );
    expect(bad).toMatchObject({ ok: false, error: 'Claude printed no result JSON' });
    expect(bad.attempts[0].exitCode).toBe(0);

    const good = await runAgent(
      nodeAgent('emit.js', {
        preset: 'claude',
        retries: 1,
        env: { EMIT_FILE: path.join(FIXTURES, 'claude-success.stdout') },
      }),
      ctx,
    );
    expect(good.ok).toBe(true);
    expect(good.usage).toEqual({
      costUsd: 0.002,
      inputTokens: 200,
      outputTokens: 40,
      cachedInputTokens: 0,
      turns: 2,
      sessionId: '6ae40042-6b60-4c5d-a928-7436937bf261',
      model: 'claude-opus-4-8[1m]',
    });
  });

  it('sums usage over attempts and keeps the last session id', async () => {
    // Attempt 1 reports an API error with some cost, attempt 2 succeeds: the run cost is both.
    const failing = path.join(ws, 'fail.json');
    fs.writeFileSync(failing, fs.readFileSync(path.join(FIXTURES, 'claude-max-turns.stdout')));
    const script = path.join(ws, 'two-step.js');
    fs.writeFileSync(
      script,
      `process.stdout.write(require('fs').readFileSync(process.env.SPECKIT_ATTEMPT === '1' ? ${JSON.stringify(failing)} : ${JSON.stringify(path.join(FIXTURES, 'claude-success.stdout'))}))`,
    );
    const agent = resolveAgent({ preset: 'claude', command: [process.execPath, script], retries: 1 }, {});
    const result = await runAgent(agent, ctx);
    expect(result.ok).toBe(true);
    expect(result.attempts[0].error).toContain('error_max_turns');
    expect(result.usage.costUsd).toBeCloseTo(0.003, 10);
    expect(result.usage).toMatchObject({
      inputTokens: 300,
      outputTokens: 60,
      turns: 4,
      sessionId: '6ae40042-6b60-4c5d-a928-7436937bf261',
    });
  });

  it('does not retry a program that cannot start', async () => {
    const result = await runAgent(resolveAgent({ command: ['speckit-no-such-agent'], retries: 3 }, {}), ctx);
    expect(result.ok).toBe(false);
    expect(result.attempts).toHaveLength(1);
    expect(result.error).toMatch(/^could not start `speckit-no-such-agent`: .*ENOENT/);
  });
});
