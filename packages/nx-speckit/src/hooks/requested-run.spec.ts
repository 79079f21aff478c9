import type { TargetConfiguration } from '@nx/devkit';
import { reachedTargets, requestedRun } from './requested-run';

const argv = (...args: string[]) => ['/usr/bin/node', '/x/node_modules/nx/dist/bin/nx.js', ...args];

describe('requestedRun', () => {
  it.each([
    [['run-many', '-t', 'implement', '--outputStyle=static'], { command: 'run-many', targets: ['implement'], projects: 'all', exclude: [] }],
    [['run-many', '--targets=build,implement', '-p', 'spec-a,spec-b', '--exclude', 'spec-c'], { command: 'run-many', targets: ['build', 'implement'], projects: ['spec-a', 'spec-b'], exclude: ['spec-c'] }],
    [['run-many', '-t', 'lint', 'test', '--projects=tag:speckit'], { command: 'run-many', targets: ['lint', 'test'], projects: ['tag:speckit'], exclude: [] }],
    [['affected', '-t', 'implement', '--base=abc', '--head', 'def'], { command: 'affected', targets: ['implement'], projects: 'unknown', exclude: [] }],
    [['run', 'spec-a:implement--T001'], { command: 'run', targets: ['implement--T001'], projects: ['spec-a'], exclude: [] }],
    [['spec-a:implement--US1', '--verbose'], { command: 'run', targets: ['implement--US1'], projects: ['spec-a'], exclude: [] }],
    [['implement', 'spec-a'], { command: 'run', targets: ['implement'], projects: ['spec-a'], exclude: [] }],
    [['implement'], { command: 'run', targets: ['implement'], projects: 'unknown', exclude: [] }], // the project of the current folder
  ])('%j', (args, expected) => {
    expect(requestedRun(argv(...args))).toEqual(expected);
  });
});

describe('reachedTargets', () => {
  const targets: Record<string, TargetConfiguration> = {
    'implement': { dependsOn: ['implement--US1', 'implement--US2'] },
    'implement--T001': {},
    'implement--T002': { dependsOn: ['implement--T001', '^build'] },
    'implement--T003': { dependsOn: [{ target: 'implement--T001' }, 'web:build'] },
    'implement--US1': { dependsOn: ['implement--T002'] },
    'implement--US2': { dependsOn: ['implement--T003', { target: 'build', projects: ['web'] }] },
  };
  it('follows dependsOn inside the project (string and object forms), not into other projects', () => {
    expect([...reachedTargets(targets, ['implement--US1'])].sort()).toEqual(['implement--T001', 'implement--T002', 'implement--US1']);
    expect([...reachedTargets(targets, ['implement'])].sort()).toEqual(Object.keys(targets).sort());
    expect([...reachedTargets(targets, ['lint', 'implement--T003'])].sort()).toEqual(['implement--T001', 'implement--T003']);
  });
});
