import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertAgentAvailable, findExecutable, resolveAgent, resolveAgents } from './index';
import { USAGE_FILE } from './presets';

const noEnv = {} as NodeJS.ProcessEnv;

describe('resolveAgent', () => {
  it('builds the exact claude command (never the root-refused skip-permissions flag)', () => {
    expect(resolveAgent('claude', noEnv)).toEqual({
      name: 'claude',
      command: [
        'claude',
        '-p',
        '--output-format',
        'json',
        '--permission-mode',
        'acceptEdits',
        '--allowedTools',
        'Read,Write,Edit,Glob,Grep,Bash',
      ],
      promptVia: 'stdin',
      env: {},
      timeoutSeconds: 1800,
      retries: 1,
      install: 'npm install -g @anthropic-ai/claude-code',
    });
  });

  it('places model and extra args before trailing markers', () => {
    expect(resolveAgent({ preset: 'codex', model: 'o4', args: ['-c', 'x=1'] }, noEnv).command).toEqual([
      'codex',
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--skip-git-repo-check',
      '--model',
      'o4',
      '-c',
      'x=1',
      '-',
    ]);
    const gemini = resolveAgent({ preset: 'gemini', args: ['--debug'] }, noEnv);
    expect(gemini.command).toEqual([
      'gemini',
      '--output-format',
      'json',
      '--approval-mode',
      'yolo',
      '--skip-trust',
      '--debug',
      '-p',
    ]);
    expect(gemini.promptVia).toBe('arg');
    expect(resolveAgent('cursor', noEnv).command.slice(1)).toEqual([
      '-p',
      '--force',
      '--trust',
      '--output-format',
      'json',
    ]);
    expect(resolveAgent('copilot', noEnv).command).toEqual([
      'copilot',
      '--yolo',
      '-s',
      '--output-format',
      'json',
      '--usage-output-file',
      USAGE_FILE,
      '-p',
    ]);
    expect(resolveAgent('opencode', noEnv).command).toEqual(['opencode', 'run', '--format', 'json']);
  });

  it('lets command replace only the program of a preset', () => {
    const a = resolveAgent(
      { preset: 'claude', command: ['npx', 'claude'], timeoutSeconds: 60, retries: 3, env: { A: 'b' } },
      noEnv,
    );
    expect(a.command.slice(0, 4)).toEqual(['npx', 'claude', '-p', '--output-format']);
    expect(a).toMatchObject({ name: 'claude', timeoutSeconds: 60, retries: 3, env: { A: 'b' } });
    expect(a.install).toBeUndefined();
  });

  it('resolves plain commands and replay with no retries by default', () => {
    expect(resolveAgent({ command: ['./agent.sh', '--fast'], args: ['--x'] }, noEnv)).toMatchObject({
      name: 'command',
      command: ['./agent.sh', '--fast', '--x'],
      retries: 0,
    });
    const replay = resolveAgent('replay', noEnv);
    expect(replay).toMatchObject({ name: 'replay', retries: 0, promptVia: 'stdin' });
    expect(replay.command[0]).toBe(process.execPath);
    expect(replay.command[replay.command.length - 1]).toMatch(/replay-cli\.(ts|js)$/);
  });

  it('defaults to claude', () => {
    expect(resolveAgent(undefined, noEnv).name).toBe('claude');
    expect(resolveAgent({ timeoutSeconds: 5 }, noEnv)).toMatchObject({ name: 'claude', timeoutSeconds: 5 });
  });

  it('rejects unknown presets listing the valid ones', () => {
    expect(() => resolveAgent('gpt' as never, noEnv)).toThrow(
      "Unknown agent preset 'gpt' (from the agent option). Valid presets: claude, codex, gemini, cursor, copilot, opencode, replay, command.",
    );
    expect(() => resolveAgent({ preset: 'nope' as never }, noEnv)).toThrow(/Unknown agent preset 'nope'/);
  });

  it('rejects malformed configs', () => {
    expect(() => resolveAgent({ preset: 'command' }, noEnv)).toThrow(/needs agent.command/);
    expect(() => resolveAgent({ command: [] }, noEnv)).toThrow(/must not be empty/);
    expect(() => resolveAgent({ command: 'claude -p' as never }, noEnv)).toThrow(/array of strings/);
    expect(() => resolveAgent({ retries: -1 }, noEnv)).toThrow(/retries/);
    expect(() => resolveAgent({ timeoutSeconds: 0 }, noEnv)).toThrow(/timeoutSeconds/);
    expect(() => resolveAgent({ env: { A: 1 as never } }, noEnv)).toThrow(/env/);
  });

  it('maxBudgetUsd: claude caps each run with its own --max-budget-usd, after the model and before extra args', () => {
    expect(
      resolveAgent({ preset: 'claude', model: 'haiku', maxBudgetUsd: 0.5, args: ['--verbose'] }, noEnv).command,
    ).toEqual([
      'claude',
      '-p',
      '--output-format',
      'json',
      '--permission-mode',
      'acceptEdits',
      '--allowedTools',
      'Read,Write,Edit,Glob,Grep,Bash',
      '--model',
      'haiku',
      '--max-budget-usd',
      '0.5',
      '--verbose',
    ]);
    expect(resolveAgent({ maxBudgetUsd: 2 }, noEnv).command.slice(-2)).toEqual(['--max-budget-usd', '2']);
  });

  it('maxBudgetUsd: presets whose CLI has no dollar limit refuse it, saying what to use instead; a bad amount is refused', () => {
    for (const preset of ['codex', 'gemini', 'cursor', 'copilot', 'opencode', 'replay'] as const) {
      expect(() => resolveAgent({ preset, maxBudgetUsd: 1 }, noEnv)).toThrow(
        `agent.maxBudgetUsd: the ${preset} preset's CLI has no per-run dollar limit (only claude's --max-budget-usd); remove it, or set the plugin's budgetUsd for the whole run`,
      );
    }
    expect(() => resolveAgent({ command: ['./agent.sh'], maxBudgetUsd: 1 }, noEnv)).toThrow(
      /the command preset's CLI has no per-run dollar limit/,
    );
    expect(() => resolveAgent({ maxBudgetUsd: 0 }, noEnv)).toThrow('agent.maxBudgetUsd must be a positive number');
    expect(() => resolveAgent({ maxBudgetUsd: '1' as never }, noEnv)).toThrow(
      'agent.maxBudgetUsd must be a positive number',
    );
  });

  it('SPECKIT_AGENT overrides the configured agent for one run', () => {
    const configured = { preset: 'claude' as const, timeoutSeconds: 99, args: ['--max-turns', '3'] };
    expect(resolveAgent(configured, { SPECKIT_AGENT: 'replay' })).toMatchObject({
      name: 'replay',
      timeoutSeconds: 1800,
      retries: 0,
    });
    expect(resolveAgent({ command: ['x'] }, { SPECKIT_AGENT: 'codex' }).command[0]).toBe('codex');
    // Same preset: the configuration stays.
    expect(resolveAgent(configured, { SPECKIT_AGENT: 'claude' })).toMatchObject({ name: 'claude', timeoutSeconds: 99 });
    expect(() => resolveAgent(configured, { SPECKIT_AGENT: 'clod' })).toThrow(
      /Unknown agent preset 'clod' \(from SPECKIT_AGENT\)/,
    );
  });
});

describe('resolveAgents (fallback lists)', () => {
  it('one agent, or each listed one in order, with its own name for records and reports', () => {
    expect(resolveAgents('codex', noEnv).map((a) => a.name)).toEqual(['codex']);
    const list = resolveAgents(
      [{ preset: 'claude', model: 'opus', name: 'claude-opus' }, { preset: 'claude', model: 'sonnet' }, 'codex'],
      noEnv,
    );
    expect(list.map((a) => [a.name, a.label])).toEqual([
      ['claude', 'claude-opus'],
      ['claude', undefined],
      ['codex', undefined],
    ]);
    expect(list[1].command).toContain('sonnet');
    expect(() => resolveAgents([], noEnv)).toThrow(/empty list/);
    expect(() => resolveAgents([{ name: '' }], noEnv)).toThrow(/agent.name/);
  });

  it('SPECKIT_AGENT picks one agent for the run: the listed entry of that preset, else the bare preset', () => {
    const list = [{ preset: 'claude' as const }, { preset: 'codex' as const, timeoutSeconds: 42 }];
    expect(resolveAgents(list, { SPECKIT_AGENT: 'codex' })).toEqual([
      expect.objectContaining({ name: 'codex', timeoutSeconds: 42 }),
    ]);
    expect(resolveAgents(list, { SPECKIT_AGENT: 'replay' })).toEqual([expect.objectContaining({ name: 'replay' })]);
  });
});

describe('findExecutable / assertAgentAvailable', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'speckit-which-'));
    fs.mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'node_modules/.bin/local-agent'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'bin/path-agent'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'bin/not-executable'), '', { mode: 0o644 });
    fs.mkdirSync(path.join(dir, 'bin/a-directory'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('looks in <cwd>/node_modules/.bin and PATH, only at executable files', () => {
    const env = { PATH: path.join(dir, 'bin') };
    expect(findExecutable('local-agent', dir, env)).toBe(path.join(dir, 'node_modules/.bin/local-agent'));
    expect(findExecutable('path-agent', dir, env)).toBe(path.join(dir, 'bin/path-agent'));
    expect(findExecutable('path-agent', dir, {})).toBeUndefined();
    expect(findExecutable('not-executable', dir, env)).toBeUndefined();
    expect(findExecutable('a-directory', dir, env)).toBeUndefined();
    expect(findExecutable('./bin/path-agent', dir, {})).toBe(path.join(dir, 'bin/path-agent'));
  });

  it('throws one clear message with the install command', () => {
    const saved = process.env.PATH;
    process.env.PATH = path.join(dir, 'bin'); // nothing named gemini here
    try {
      expect(() => assertAgentAvailable(resolveAgent('gemini', noEnv), dir)).toThrow(
        new Error(
          "Agent 'gemini' needs the `gemini` CLI, which is not installed. Install it with: npm install -g @google/gemini-cli",
        ),
      );
      expect(() => assertAgentAvailable(resolveAgent({ command: ['my-agent'] }, noEnv), dir)).toThrow(
        new Error("Agent 'command' needs the `my-agent` CLI, which is not installed."),
      );
      expect(() => assertAgentAvailable(resolveAgent({ command: ['local-agent'] }, noEnv), dir)).not.toThrow();
    } finally {
      process.env.PATH = saved;
    }
  });

  it("cursor: the binary is `agent` as in Cursor's docs, `cursor-agent` when only that is installed", () => {
    const saved = process.env.PATH;
    const only = (names: string[]) => {
      const bin = fs.mkdtempSync(path.join(dir, 'cursor-'));
      for (const n of names) fs.writeFileSync(path.join(bin, n), '#!/bin/sh\n', { mode: 0o755 });
      process.env.PATH = bin;
      return resolveAgent('cursor', noEnv).command[0];
    };
    try {
      expect(only(['cursor-agent'])).toBe('cursor-agent');
      expect(only(['agent', 'cursor-agent'])).toBe('agent');
      expect(only([])).toBe('agent');
    } finally {
      process.env.PATH = saved;
    }
  });

  it("finds the pinned claude devDependency in the repo's node_modules/.bin, with nothing on PATH", () => {
    const root = path.resolve(__dirname, '../../../..');
    const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
    const pkgDir = path.join(root, 'node_modules', '@anthropic-ai', 'claude-code');
    const pkg = readJson(path.join(pkgDir, 'package.json'));
    expect(pkg.version).toBe(readJson(path.join(root, 'package.json')).devDependencies['@anthropic-ai/claude-code']);
    const found = findExecutable('claude', root, { PATH: '' });
    expect(found).toBe(path.join(root, 'node_modules', '.bin', 'claude'));
    expect(fs.realpathSync(found!)).toBe(
      fs.realpathSync(path.join(pkgDir, typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.claude)),
    );
    const saved = process.env.PATH;
    process.env.PATH = '';
    try {
      expect(() => assertAgentAvailable(resolveAgent('claude', noEnv), root)).not.toThrow();
    } finally {
      process.env.PATH = saved;
    }
  });
});
