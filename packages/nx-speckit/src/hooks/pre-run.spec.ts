import { existsSync, readFileSync } from 'node:fs';
import type { ProjectGraph, TargetConfiguration } from '@nx/devkit';
import { useTempDirs } from '../../testing/workspace';
import { preRun } from './pre-run';
import { planFile, writePlanRecord } from './stale-plan';

const tempDir = useTempDirs();
const argv = (...args: string[]) => ['/usr/bin/node', '/x/node_modules/nx/dist/bin/nx.js', ...args];
const INSTALLED = { command: [process.execPath] };
const MISSING = { command: ['nx-speckit-test-no-such-cli'] };

/** A feature project as the plugin builds it: task targets with their agent and metadata, and aggregates. */
function feature(
  root: string,
  tasks: Array<{ id: string; text: string; agent: object; story: string; done?: boolean }>,
): ProjectGraph['nodes'][string] {
  const targets: Record<string, TargetConfiguration> = {};
  for (const t of tasks) {
    targets[`implement--${t.id}`] = {
      executor: 'nx-speckit:task',
      options: { agent: t.agent },
      dependsOn: [],
      metadata: {
        description: `${t.id}: ${t.text}`,
        speckit: { taskId: t.id, done: !!t.done, files: [], dependsOn: [] },
      } as TargetConfiguration['metadata'],
    };
  }
  for (const story of new Set(tasks.map((t) => t.story)))
    targets[`implement--${story}`] = {
      executor: 'nx:noop',
      dependsOn: tasks.filter((t) => t.story === story).map((t) => `implement--${t.id}`),
    };
  targets.implement = { executor: 'nx:noop', dependsOn: tasks.filter((t) => !t.done).map((t) => `implement--${t.id}`) };
  const name = `spec-${root.split('/').pop()}`;
  return { name, type: 'lib', data: { root, targets } };
}

const graph = (...nodes: Array<ProjectGraph['nodes'][string]>): ProjectGraph => ({
  nodes: Object.fromEntries(nodes.map((n) => [n.name, n])),
  dependencies: {},
});

describe('preRun: the missing-agent check covers the tasks the command runs, no more', () => {
  // agentRules sent US2 to a CLI that is not installed.
  const g = graph(
    feature('specs/001-a', [
      { id: 'T001', text: 'Model in src/a.ts', agent: INSTALLED, story: 'US1' },
      { id: 'T002', text: 'Page in src/b.ts', agent: MISSING, story: 'US2' },
      { id: 'T003', text: 'Old in src/c.ts', agent: MISSING, story: 'US3', done: true },
    ]),
    feature('specs/002-b', [{ id: 'T001', text: 'Other in src/o.ts', agent: INSTALLED, story: 'US1' }]),
  );
  const run = (...args: string[]) => preRun(tempDir('speckit-prerun-'), argv(...args), 'implement', g, {});

  it.each([
    [['run', 'spec-001-a:implement--US1'], undefined],
    [['run', 'spec-001-a:implement--T001'], undefined],
    [['run-many', '-t', 'implement', '-p', 'spec-002-b'], undefined],
    [['run-many', '-t', 'implement', '--exclude', 'spec-001-a'], undefined],
    [['affected', '-t', 'implement'], undefined], // Nx picks the projects: each task checks its own agent
    [['implement'], undefined],
    [['run-many', '-t', 'lint'], undefined],
    [['run', 'spec-001-a:implement--US2'], 'spec-001-a:T002'],
    [['run', 'spec-001-a:implement'], 'spec-001-a:T002'],
    [['run-many', '-t', 'implement'], 'spec-001-a:T002'],
  ])('%j → missing agent needed by %s', (args, neededBy) => {
    const { error } = run(...args);
    if (!neededBy) return expect(error).toBeUndefined();
    expect(error).toContain('nx-speckit: no task was started: an agent CLI is missing.');
    expect(error).toContain(
      `Agent 'command' needs the \`nx-speckit-test-no-such-cli\` CLI, which is not installed. (needed by ${neededBy})`,
    );
    expect(error).not.toContain('T003'); // finished: not run again
  });
});

describe('preRun: stale task ids', () => {
  const g = graph(
    feature('specs/001-a', [
      { id: 'T001', text: 'Model in src/a.ts', agent: INSTALLED, story: 'US1' },
      { id: 'T002', text: 'Service in src/s.ts', agent: INSTALLED, story: 'US1' },
      { id: 'T003', text: 'Page in src/b.ts', agent: INSTALLED, story: 'US1' },
    ]),
  );

  it('warns per feature against the plan of its last run, also for affected, and writes nothing', () => {
    const root = tempDir('speckit-prerun-');
    writePlanRecord(root, {
      project: 'spec-001-a',
      root: 'specs/001-a',
      recordedAt: '2026-01-01T00:00:00.000Z',
      tasks: { T001: 'Model in src/a.ts', T002: 'Page in src/b.ts', T003: 'Docs in docs/a.md' },
    });
    const recorded = readFileSync(planFile(root, 'spec-001-a'), 'utf8');
    for (const args of [
      ['run-many', '-t', 'implement'],
      ['affected', '-t', 'implement'],
      ['run', 'spec-001-a:implement--T001'],
    ]) {
      const { warnings } = preRun(root, argv(...args), 'implement', g, {});
      expect(warnings.map((w) => w.project)).toEqual(['spec-001-a']);
      expect(warnings[0].text).toContain(
        'T002 → T003 renumbered: "Page in src/b.ts"\n  T003 removed: "Docs in docs/a.md"',
      );
    }
    expect(preRun(root, argv('run-many', '-t', 'implement', '-p', 'other'), 'implement', g, {}).warnings).toEqual([]);
    expect(readFileSync(planFile(root, 'spec-001-a'), 'utf8')).toBe(recorded); // the post-run hook records plans
  });

  it('no record yet: no warning, and no record written', () => {
    const root = tempDir('speckit-prerun-');
    expect(preRun(root, argv('run-many', '-t', 'implement'), 'implement', g, {}).warnings).toEqual([]);
    expect(existsSync(planFile(root, 'spec-001-a'))).toBe(false);
  });
});
