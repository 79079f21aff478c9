import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { reportRun, type RunContext } from './post-run';

const START = Date.parse('2026-03-01T12:00:00.000Z');
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nx-speckit-report-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, content: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
const TASKS = (boxes: string) =>
  [
    '\uFEFF# Tasks',
    '',
    '## Phase 1: Setup',
    '',
    ...[...boxes].map((b, i) => `- [${b}] T00${i + 1} Task ${i + 1} in src/f${i + 1}.ts`),
    '',
  ].join('\r\n');
function result(project: string, target: string, status: string, projectRoot = 'specs/001-x') {
  return {
    task: {
      id: `${project}:${target}`,
      target: { project, target },
      projectRoot,
      startTime: START + 100,
      endTime: START + 900,
    },
    status,
    code: status === 'failure' ? 1 : 0,
  };
}
function context(results: ReturnType<typeof result>[]): RunContext {
  return {
    workspaceRoot: root,
    argv: ['/usr/bin/node', '/x/nx.js', 'run-many', '-t', 'implement'],
    startTime: START,
    endTime: START + 1000,
    taskResults: Object.fromEntries(results.map((r) => [r.task.id, r])),
  };
}
function runRecord(id: string, startedAt: number, status = 'done', extra: object = {}) {
  write(
    `.speckit/runs/spec-001-x/${id}.json`,
    JSON.stringify({
      project: 'spec-001-x',
      id,
      status,
      attempts: 1,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(startedAt + 500).toISOString(),
      agent: 'claude',
      ...extra,
    }),
  );
}

describe('reportRun', () => {
  it('ticks cache hits and successes without a record of this run (byte-exact), reports them as cached, writes the report files', async () => {
    write('specs/001-x/tasks.md', TASKS('  X  '));
    runRecord('T003', START + 100); // the executor ran T003 in this run and ticked it
    runRecord('T004', START - 60_000); // an earlier run's record: T004 ran elsewhere this time
    const out = await reportRun(
      context([
        result('spec-001-x', 'implement--T001', 'local-cache'),
        result('spec-001-x', 'implement--T002', 'remote-cache'),
        result('spec-001-x', 'implement--T003', 'success'),
        result('spec-001-x', 'implement--T004', 'success'),
        result('spec-001-x', 'implement', 'success'), // aggregate
        result('web', 'build', 'local-cache', 'apps/web'), // not a feature
      ]),
      { targetName: 'implement' },
    );

    expect(readFileSync(join(root, 'specs/001-x/tasks.md'), 'utf8')).toBe(TASKS('XXXX '));
    expect(out!.report.tasks.map((t) => [t.id, t.status])).toEqual([
      ['T001', 'cached'],
      ['T002', 'cached'],
      ['T003', 'done'],
      ['T004', 'cached'],
      ['T005', 'not-run'],
    ]);
    expect(out!.report.outcome).toBe('partial');
    expect(out!.report.command).toBe('nx run-many -t implement');
    expect(out!.summary.split('\n')[0]).toBe(
      'nx-speckit run: PARTIAL (nothing failed, but 1 task of the features in the run was not part of this run)',
    );
    const stamp = '2026-03-01T12-00-01.000Z';
    expect(out!.files).toEqual(
      ['latest.json', 'latest.html', `${stamp}.json`, `${stamp}.html`, 'latest.txt'].map(
        (f) => `.speckit/reports/${f}`,
      ),
    );
    expect(readdirSync(join(root, '.speckit/reports')).sort()).toEqual([
      `${stamp}.html`,
      `${stamp}.json`,
      'latest.html',
      'latest.json',
      'latest.txt',
    ]);
    expect(JSON.parse(readFileSync(join(root, '.speckit/reports/latest.json'), 'utf8'))).toEqual(out!.report);
    expect(readFileSync(join(root, `.speckit/reports/${stamp}.json`), 'utf8')).toBe(
      readFileSync(join(root, '.speckit/reports/latest.json'), 'utf8'),
    );
    expect(readFileSync(join(root, '.speckit/reports/latest.txt'), 'utf8')).toBe(out!.summary);
    expect(readFileSync(join(root, '.speckit/reports/latest.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });

  it('a failed task is never ticked; its record gives the error', async () => {
    write('specs/001-x/tasks.md', TASKS('   '));
    runRecord('T001', START + 100, 'failed', { error: 'T001 not marked done: src/f1.ts did not change' });
    const out = await reportRun(context([result('spec-001-x', 'implement--T001', 'failure')]), {
      targetName: 'implement',
    });
    expect(readFileSync(join(root, 'specs/001-x/tasks.md'), 'utf8')).toBe(TASKS('   '));
    expect(out!.report.tasks.map((t) => [t.id, t.status, t.blockedBy ?? null])).toEqual([
      ['T001', 'failed', null],
      ['T002', 'blocked', ['T001']],
      ['T003', 'blocked', ['T001']],
    ]);
    expect(out!.report.tasks[0].error).toBe('T001 not marked done: src/f1.ts did not change');
    expect(out!.report.outcome).toBe('halted');
  });

  it('a failed non-task target of a feature (a gate) is reported with the last lines of its output', async () => {
    write('specs/001-x/tasks.md', TASKS('  '));
    const gate = {
      ...result('spec-001-x', 'implement--phase1-gate', 'failure'),
      terminalOutput: '> gate\n[gate tests] ✗ npm test exited 1\n',
    };
    const out = await reportRun(
      context([
        result('spec-001-x', 'implement--T001', 'local-cache'),
        result('spec-001-x', 'implement--T002', 'local-cache'),
        gate,
      ]),
      { targetName: 'implement' },
    );
    expect(out!.report.failedTargets).toEqual([
      { project: 'spec-001-x', target: 'implement--phase1-gate', error: '[gate tests] ✗ npm test exited 1' },
    ]);
    expect(out!.report.outcome).toBe('halted');
  });

  it('a run without tasks of a feature writes nothing and prints nothing', async () => {
    write('specs/001-x/tasks.md', TASKS(' '));
    write('apps/web/tasks.md', TASKS(' ')); // a tasks.md, but the target is not the plugin's
    expect(
      await reportRun(context([result('web', 'build', 'success', 'apps/web')]), { targetName: 'implement' }),
    ).toBeUndefined();
    expect(existsSync(join(root, '.speckit'))).toBe(false);
  });

  it('follows a custom targetName', async () => {
    write('specs/001-x/tasks.md', TASKS(' '));
    const out = await reportRun(
      context([
        result('spec-001-x', 'build-spec--T001', 'local-cache'),
        result('spec-001-x', 'implement--T001', 'local-cache'),
      ]),
      { targetName: 'build-spec' },
    );
    expect(out!.report.tasks).toMatchObject([{ id: 'T001', status: 'cached', target: 'build-spec--T001' }]);
    expect(out!.report.outcome).toBe('complete');
  });
});

describe('reportRun: which projects are features', () => {
  const graph = (nodes: Record<string, { root: string; executor: string }>) =>
    ({
      nodes: Object.fromEntries(
        Object.entries(nodes).map(([name, n]) => [
          name,
          {
            name,
            type: 'lib',
            data: {
              root: n.root,
              targets: { implement: { executor: 'nx:noop' }, 'implement--T001': { executor: n.executor } },
            },
          },
        ]),
      ),
      dependencies: {},
    }) as never;

  it('with the graph, a project of its own with a tasks.md and an `implement` target is not a feature', async () => {
    write('specs/001-x/tasks.md', TASKS(' '));
    write('tools/todo/tasks.md', TASKS(' '));
    const out = await reportRun(
      context([
        result('spec-001-x', 'implement--T001', 'local-cache'),
        result('todo', 'implement--T001', 'failure', 'tools/todo'),
      ]),
      {
        targetName: 'implement',
        graph: graph({
          'spec-001-x': { root: 'specs/001-x', executor: 'nx-speckit:task' },
          todo: { root: 'tools/todo', executor: 'nx:run-commands' },
        }),
      },
    );
    expect(out!.report.features.map((f) => f.project)).toEqual(['spec-001-x']);
    expect(out!.report.outcome).toBe('complete');
    expect(existsSync(join(root, '.speckit/plans/todo.json'))).toBe(false);
  });

  it('a feature whose tasks.md is gone after the run: its failure is still reported', async () => {
    const failed = {
      ...result('spec-001-x', 'implement--T001', 'failure'),
      terminalOutput: '[T001] ✗ the agent failed\n',
    };
    const out = await reportRun(context([failed]), { targetName: 'implement' });
    expect(out!.report.failedTargets).toEqual([
      {
        project: 'spec-001-x',
        target: 'implement--T001',
        error: 'specs/001-x/tasks.md is gone (moved or deleted during the run): [T001] ✗ the agent failed',
      },
    ]);
    expect(out!.report.outcome).toBe('halted');
    expect(existsSync(join(root, '.speckit/reports/latest.json'))).toBe(true);
    expect(out!.summary).toContain('specs/001-x/tasks.md is gone');
  });
});
