/**
 * Quality gates and the pre-run checks through the real `nx` binary (no daemon), with command
 * agents and gate commands that are small node scripts writing to one shared journal.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ok, TempWorkspace, useTempWorkspaces } from '../testing/workspace';

jest.setTimeout(240_000);

const workspace = useTempWorkspaces();

/** Writes its task's declared files; journals "agent <id>". */
const AGENT = `const fs = require('fs'), path = require('path');
const id = process.env.SPECKIT_TASK_ID;
for (const f of JSON.parse(process.env.SPECKIT_TASK_FILES)) {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, '// written by ' + id + '\\n');
}
fs.appendFileSync('journal.log', 'agent ' + id + '\\n');
`;
/** Journals "gate <name> phase=<n> sees=<files present>"; exits with the number in gate-exit (if any). */
const GATE = `const fs = require('fs');
const sees = ['src/a.ts', 'src/b.ts', 'src/c.ts'].filter((f) => fs.existsSync(f)).join(',');
fs.appendFileSync('journal.log', 'gate ' + process.env.SPECKIT_GATE + ' phase=' + process.env.SPECKIT_PHASE + ' sees=' + sees + ' cwd=' + (process.cwd() === process.env.SPECKIT_WORKSPACE_ROOT) + '\\n');
console.log('gate output line for ' + process.env.SPECKIT_GATE);
const code = fs.existsSync('gate-exit') ? Number(fs.readFileSync('gate-exit', 'utf8')) : 0;
if (code) console.error('3 tests failed');
process.exit(code);
`;
const TASKS = `# Tasks

## Phase 1: Setup

- [ ] T001 First in src/a.ts

## Phase 2: Core

- [ ] T002 Second in src/b.ts
- [ ] T003 Third in src/c.ts
`;

const journal = (ws: TempWorkspace) => ws.lines('journal.log');

describe('gates', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = workspace({
      features: { 'specs/001-gated': { tasks: TASKS } },
      files: { 'agent.js': AGENT, 'gate.js': GATE },
    });
    ws.setPluginOptions({
      agent: { command: [process.execPath, join(ws.root, 'agent.js')] },
      gates: [
        { name: 'setup-check', command: [process.execPath, 'gate.js'], phase: 1 },
        { name: 'tests', command: [process.execPath, 'gate.js'] },
      ],
    });
  });

  it('nx show project lists the gate targets with their commands', () => {
    const p = JSON.parse(ok(ws.nx(['show', 'project', 'spec-001-gated', '--json'])).stdout);
    expect(p.targets['implement--gate']).toMatchObject({
      executor: 'nx-speckit:gate',
      cache: false,
      dependsOn: ['implement--T001', 'implement--T002', 'implement--T003', 'implement--phase1-gate'],
    });
    expect(p.targets['implement--gate'].metadata.speckit.gates).toEqual([
      { name: 'tests', command: [process.execPath, 'gate.js'] },
    ]);
    expect(p.targets['implement--phase1-gate']).toMatchObject({
      executor: 'nx-speckit:gate',
      options: { phase: 1 },
      dependsOn: ['implement--T001'],
    });
    expect(p.targets['implement--T002'].dependsOn).toEqual(['implement--phase1-gate']); // the gate waits for T001
  });

  it('run-many -t implement: phase gate between the phases, the feature gate after every task, in the workspace root', () => {
    const r = ok(ws.nx(['run-many', '-t', 'implement', '--outputStyle=static', '--parallel=1']));
    expect(journal(ws)).toEqual([
      'agent T001',
      'gate setup-check phase=1 sees=src/a.ts cwd=true',
      'agent T002',
      'agent T003',
      'gate tests phase= sees=src/a.ts,src/b.ts,src/c.ts cwd=true',
    ]);
    expect(r.output).toContain('gate output line for tests');
    expect(r.output).toContain('✓ nx-speckit gate "tests" passed');
    expect(ws.read('specs/001-gated/tasks.md')).toBe(TASKS.replace(/- \[ \]/g, '- [X]'));
  });

  it('gates are not cached: a finished feature runs its feature gate again (and no agent, and no phase gate)', () => {
    ok(ws.nx(['run-many', '-t', 'implement', '--outputStyle=static']));
    expect(journal(ws).slice(5)).toEqual(['gate tests phase= sees=src/a.ts,src/b.ts,src/c.ts cwd=true']);
  });

  it('a failing gate fails the run with the command and its output, and is not bypassed once its phase is finished', () => {
    // Phase 1 finished, phase 2 re-opened: phase 2 still waits for phase 1's gate, which runs again.
    const reopened = TASKS.replace('- [ ] T001', '- [X] T001');
    ws.write('specs/001-gated/tasks.md', reopened);
    ws.write('gate-exit', '1');
    const before = journal(ws).length;
    const r = ws.nx(['run-many', '-t', 'implement', '--outputStyle=static']);
    ws.write('gate-exit', '0');
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      `✗ nx-speckit gate "setup-check" failed after phase 1 of specs/001-gated: \`${process.execPath} gate.js\` exited 1.`,
    );
    expect(r.output).toContain('3 tests failed');
    expect(r.output).toContain('Full output: .speckit/logs/spec-001-gated/phase1-gate.log');
    // No agent after the failed gate, and the feature gate waits for the phase gate: not run.
    expect(journal(ws).slice(before)).toEqual(['gate setup-check phase=1 sees=src/a.ts,src/b.ts,src/c.ts cwd=true']);
    expect(ws.read('.speckit/logs/spec-001-gated/phase1-gate.log')).toContain('3 tests failed');
    expect(ws.read('specs/001-gated/tasks.md')).toBe(reopened);
  });
});

describe("gates and the tasks' cache keys", () => {
  it('measured: any nx.json edit, a gate command included, re-runs every task (Nx hashes nx.json); an unchanged one none', () => {
    const ws = workspace({
      features: { 'specs/001-gated': { tasks: TASKS } },
      files: { 'agent.js': AGENT, 'gate.js': GATE },
    });
    const agent = { command: [process.execPath, join(ws.root, 'agent.js')] };
    const configure = (gates: unknown[], extra: Record<string, unknown> = {}) => {
      const nxJson = ws.readJson('nx.json');
      nxJson.plugins[0].options = { agent, gates };
      ws.write('nx.json', JSON.stringify({ ...nxJson, ...extra }, null, 2));
    };
    const freshRun = () => {
      ws.write('specs/001-gated/tasks.md', TASKS);
      for (const f of ['src/a.ts', 'src/b.ts', 'src/c.ts']) ws.exec('rm', ['-f', f], {});
      return ok(ws.nx(['run-many', '-t', 'implement', '--outputStyle=static']));
    };
    const agents = () => journal(ws).filter((l) => l.startsWith('agent '));
    configure([{ name: 'tests', command: [process.execPath, 'gate.js'] }]);
    freshRun();
    expect(agents()).toHaveLength(3);
    const same = freshRun(); // control: the same start state hits for every task
    expect(agents()).toHaveLength(3);
    expect(same.output).toMatch(/implement--T003 +\[local cache\]/);
    configure([{ name: 'unit tests', command: [process.execPath, 'gate.js', '--reporter=dot'] }]);
    freshRun();
    expect(agents()).toHaveLength(6);
    expect(journal(ws).at(-1)).toMatch(/^gate unit tests /);
    configure([{ name: 'unit tests', command: [process.execPath, 'gate.js', '--reporter=dot'] }], { parallel: 2 }); // unrelated to the plugin
    freshRun();
    expect(agents()).toHaveLength(9);
  });
});

describe('before any task starts', () => {
  const SIMPLE = '## Phase 1\n- [ ] T001 One in src/a.ts\n- [ ] T002 Two in src/b.ts\n';

  it('a missing agent CLI fails the run once, with the install command, before any task starts', () => {
    const ws = workspace({
      features: { 'specs/001-a': { tasks: SIMPLE }, 'specs/002-b': { tasks: '- [X] T001 Done in src/x.ts\n' } },
      pluginOptions: { agent: 'cursor' },
      files: {
        'apps/web/project.json': JSON.stringify({
          name: 'web',
          root: 'apps/web',
          targets: { lint: { executor: 'nx:noop' } },
        }),
      },
    });
    // Cursor's CLI ships outside npm, so no workspace has it (the npm-installed CLIs sit in node_modules/.bin).
    const env = { PATH: '/usr/bin:/bin' }; // nx itself runs from an absolute path
    const r = ws.nx(['run-many', '-t', 'implement', '--outputStyle=static'], env);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      "Agent 'cursor' needs the `agent` CLI, which is not installed. Install it with: curl https://cursor.com/install -fsS | bash (see https://cursor.com/cli) (needed by spec-001-a:T001, spec-001-a:T002)",
    );
    expect(r.output.match(/needs the `agent` CLI/g)).toHaveLength(1);
    expect(existsSync(join(ws.root, '.speckit/runs'))).toBe(false); // no task started
    expect(r.output).not.toMatch(/implement--T001/);

    // Other targets do not need an agent; nor does a run of a finished feature only.
    ok(ws.nx(['run-many', '-t', 'lint'], env));
    ok(ws.nx(['run', 'spec-002-b:implement'], env));
    // SPECKIT_AGENT picks another agent for one run: the check follows it (replay needs no CLI;
    // without a recording the task itself then fails, but it did start).
    const replay = ws.nx(['run', 'spec-001-a:implement--T001', '--outputStyle=static'], {
      ...env,
      SPECKIT_AGENT: 'replay',
    });
    expect(replay.output).not.toContain("Agent 'cursor' needs");
    expect(ws.readJson('.speckit/runs/spec-001-a/T001.json')).toMatchObject({ id: 'T001', agent: 'replay' });
  });

  it('a renumbered or removed task id is named in a warning before the run; an unchanged list is not', () => {
    const ws = workspace({
      features: {
        'specs/001-a': {
          tasks:
            '## Phase 1\n- [ ] T001 Model in src/a.ts\n- [ ] T002 Page in src/b.ts\n- [ ] T003 Docs in docs/a.md\n',
        },
      },
      files: { 'agent.js': AGENT },
    });
    ws.setPluginOptions({ agent: { command: [process.execPath, join(ws.root, 'agent.js')] } });

    const first = ok(ws.nx(['run', 'spec-001-a:implement--T001', '--outputStyle=static']));
    expect(first.output).not.toContain('warning: the task list');
    expect(ws.readJson('.speckit/plans/spec-001-a.json').tasks).toEqual({
      T001: 'Model in src/a.ts',
      T002: 'Page in src/b.ts',
      T003: 'Docs in docs/a.md',
    });

    // /speckit.tasks regenerated: a new task T002, the old T002 is now T003, Docs dropped.
    ws.write(
      'specs/001-a/tasks.md',
      '## Phase 1\n- [X] T001 Model in src/a.ts\n- [ ] T002 Service in src/s.ts\n- [ ] T003 Page in src/b.ts\n',
    );
    const second = ok(ws.nx(['run-many', '-t', 'implement', '--outputStyle=static']));
    expect(second.output).toContain(
      'nx-speckit: warning: the task list of spec-001-a (specs/001-a/tasks.md) changed since its last run',
    );
    expect(second.output).toContain('T002 → T003 renumbered: "Page in src/b.ts"');
    expect(second.output).toContain('T003 removed: "Docs in docs/a.md"');
    expect(second.output).not.toMatch(/T001 (→|removed)/);
    // The warning comes before any task ran.
    expect(second.stdout.indexOf('warning: the task list')).toBeGreaterThanOrEqual(0);
    expect(second.stdout.indexOf('warning: the task list')).toBeLessThan(
      second.stdout.indexOf('nx run spec-001-a:implement--T002'),
    );

    const third = ok(ws.nx(['run-many', '-t', 'implement', '--outputStyle=static']));
    expect(third.output).not.toContain('warning: the task list');
  });

  it("with the Nx daemon on (hooks run inside it): the warning is printed by the feature's first task, the summary is in latest.txt, each command's SPECKIT_AGENT counts", () => {
    const ws = workspace({
      features: {
        'specs/001-a': {
          tasks:
            '## Phase 1\n- [ ] T001 Model in src/a.ts\n- [ ] T002 Page in src/b.ts\n- [ ] T003 Docs in docs/a.md\n',
        },
      },
      files: { 'agent.js': AGENT },
    });
    ws.setPluginOptions({ agent: { command: [process.execPath, join(ws.root, 'agent.js')] } });
    const daemon = { NX_DAEMON: 'true' };
    try {
      ok(ws.nx(['run', 'spec-001-a:implement--T001', '--outputStyle=static'], daemon));
      ws.write(
        'specs/001-a/tasks.md',
        '## Phase 1\n- [X] T001 Model in src/a.ts\n- [ ] T002 Service in src/s.ts\n- [ ] T003 Page in src/b.ts\n',
      );
      const second = ok(ws.nx(['run-many', '-t', 'implement', '--outputStyle=static'], daemon));
      expect(existsSync(join(ws.root, '.nx/workspace-data/d/daemon.log'))).toBe(true); // the daemon really ran
      // Printed once, by the first task of the feature, before its agent started.
      expect(
        second.output.match(
          /nx-speckit: warning: the task list of spec-001-a \(specs\/001-a\/tasks\.md\) changed since its last run/g,
        ),
      ).toHaveLength(1);
      expect(second.output).toContain('T002 → T003 renumbered: "Page in src/b.ts"');
      expect(second.output.indexOf('warning: the task list')).toBeLessThan(
        second.output.indexOf('] Service in src/s.ts → '),
      );
      expect(ws.read('.speckit/reports/latest.txt')).toContain('warning: task ids changed since the run of');
      expect(ws.read('.speckit/reports/latest.txt')).toMatch(/^nx-speckit run: COMPLETE/);
      expect(existsSync(join(ws.root, '.speckit/runs/spec-001-a/notice.txt'))).toBe(false);
      expect(ok(ws.nx(['run-many', '-t', 'implement', '--outputStyle=static'], daemon)).output).not.toContain(
        'warning: the task list',
      );

      // The daemon started without SPECKIT_AGENT; this command's value reaches the hook (Nx 24 hands the daemon each client's env).
      ws.write('specs/001-a/tasks.md', `${ws.read('specs/001-a/tasks.md')}- [ ] T004 More in src/m.ts\n`);
      const cursor = ws.nx(['run', 'spec-001-a:implement--T004', '--outputStyle=static'], {
        ...daemon,
        SPECKIT_AGENT: 'cursor',
        PATH: '/usr/bin:/bin',
      });
      expect(cursor.code).not.toBe(0);
      expect(cursor.output).toContain("Agent 'cursor' needs the `agent` CLI, which is not installed.");
      expect(existsSync(join(ws.root, '.speckit/runs/spec-001-a/T004.json'))).toBe(false); // no task started
    } finally {
      ws.nx(['daemon', '--stop'], daemon);
    }
  });
});
