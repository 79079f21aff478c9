import type { TargetConfiguration } from '@nx/devkit';
import { reachedTargets, requestedRun, runParallelism } from './requested-run';

const argv = (...args: string[]) => ['/usr/bin/node', '/x/node_modules/nx/dist/bin/nx.js', ...args];

describe('requestedRun', () => {
  it.each([
    [
      ['run-many', '-t', 'implement', '--outputStyle=static'],
      { command: 'run-many', targets: ['implement'], projects: 'all', exclude: [] },
    ],
    [
      ['run-many', '--targets=build,implement', '-p', 'spec-a,spec-b', '--exclude', 'spec-c'],
      { command: 'run-many', targets: ['build', 'implement'], projects: ['spec-a', 'spec-b'], exclude: ['spec-c'] },
    ],
    [
      ['run-many', '-t', 'lint', 'test', '--projects=tag:speckit'],
      { command: 'run-many', targets: ['lint', 'test'], projects: ['tag:speckit'], exclude: [] },
    ],
    [
      ['affected', '-t', 'implement', '--base=abc', '--head', 'def'],
      { command: 'affected', targets: ['implement'], projects: 'unknown', exclude: [] },
    ],
    [
      ['run', 'spec-a:implement--T001'],
      { command: 'run', targets: ['implement--T001'], projects: ['spec-a'], exclude: [] },
    ],
    [
      ['spec-a:implement--US1', '--verbose'],
      { command: 'run', targets: ['implement--US1'], projects: ['spec-a'], exclude: [] },
    ],
    [['implement', 'spec-a'], { command: 'run', targets: ['implement'], projects: ['spec-a'], exclude: [] }],
    [['implement'], { command: 'run', targets: ['implement'], projects: 'unknown', exclude: [] }], // the project of the current folder
  ])('%j', (args, expected) => {
    expect(requestedRun(argv(...args))).toEqual(expected);
  });
});

describe('reachedTargets', () => {
  const targets: Record<string, TargetConfiguration> = {
    implement: { dependsOn: ['implement--US1', 'implement--US2'] },
    'implement--T001': {},
    'implement--T002': { dependsOn: ['implement--T001', '^build'] },
    'implement--T003': { dependsOn: [{ target: 'implement--T001' }, 'web:build'] },
    'implement--US1': { dependsOn: ['implement--T002'] },
    'implement--US2': { dependsOn: ['implement--T003', { target: 'build', projects: ['web'] }] },
  };
  it('follows dependsOn inside the project (string and object forms), not into other projects', () => {
    expect([...reachedTargets(targets, ['implement--US1'])].sort()).toEqual([
      'implement--T001',
      'implement--T002',
      'implement--US1',
    ]);
    expect([...reachedTargets(targets, ['implement'])].sort()).toEqual(Object.keys(targets).sort());
    expect([...reachedTargets(targets, ['lint', 'implement--T003'])].sort()).toEqual([
      'implement--T001',
      'implement--T003',
    ]);
  });
});

describe('runParallelism: what Nx runs at once, for the batch implementation', () => {
  const of = (args: string[], nxJson: Record<string, unknown> = {}) =>
    runParallelism(requestedRun(argv('run-many', '-t', 'implement', ...args)), nxJson);
  const saved = process.env.NX_PARALLEL;
  beforeEach(() => {
    delete process.env.NX_PARALLEL;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.NX_PARALLEL;
    else process.env.NX_PARALLEL = saved;
  });

  it.each([
    [['--parallel=8'], {}, 8],
    [['--parallel', '5', '--outputStyle=static'], {}, 5],
    [['--parallel=false'], { parallel: 6 }, 1],
    [['--parallel', '--maxParallel=7'], {}, 7],
    [['--parallel', '--max-parallel', '4'], {}, 4],
    [['--parallel'], {}, 3], // bare: Nx's default
    [[], { parallel: 6 }, 6], // nx.json
    [[], { parallel: 6, tasksRunnerOptions: { default: { options: { parallel: 2 } } } }, 6], // Nx 24: nxArgs.parallel (undefined) overrides the runner's
    [[], {}, 3],
  ])('%j with nx.json %j → %i', (args, nxJson, expected) => {
    expect(of(args, nxJson)).toBe(expected);
  });

  it('NX_PARALLEL counts when --parallel is not given', () => {
    process.env.NX_PARALLEL = '9';
    expect(of([], { parallel: 6 })).toBe(9);
    expect(of(['--parallel=2'])).toBe(2);
  });

  it('keeps the other fields of the command as they were', () => {
    expect(requestedRun(argv('run-many', '-t', 'implement', '--parallel', '5', '-p', 'spec-a'))).toEqual({
      command: 'run-many',
      targets: ['implement'],
      projects: ['spec-a'],
      exclude: [],
      parallel: '5',
    });
  });
});
