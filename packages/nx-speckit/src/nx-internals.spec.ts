import type { ProjectGraphProjectNode } from '@nx/devkit';

const nodes = Object.fromEntries(
  ['spec-a', 'spec-b', 'web'].map((name) => [
    name,
    { name, type: 'lib', data: { root: name, tags: name === 'web' ? [] : ['speckit'] } },
  ]),
) as unknown as Record<string, ProjectGraphProjectNode>;

describe('nx-internals with the Nx installed here', () => {
  const { findMatchingProjects, readParallelFromArgsAndEnv } = jest.requireActual(
    './nx-internals',
  ) as typeof import('./nx-internals');
  it("uses Nx's own pattern rules", () => {
    expect(findMatchingProjects(['spec-*'], nodes).sort()).toEqual(['spec-a', 'spec-b']);
    expect(findMatchingProjects(['tag:speckit', '!spec-b'], nodes)).toEqual(['spec-a']);
    expect(readParallelFromArgsAndEnv({ parallel: '', maxParallel: '5' })).toBe(5);
  });
});

describe('nx-internals when Nx has moved its files', () => {
  let internals: typeof import('./nx-internals');
  beforeAll(() => {
    jest.resetModules();
    jest.doMock('nx/src/devkit-internals', () => {
      throw new Error('Cannot find module');
    });
    jest.doMock('nx/src/command-line/yargs-utils/shared-options', () => {
      throw new Error('Cannot find module');
    });
    internals = require('./nx-internals');
  });
  it('falls back to exact project names', () => {
    expect(internals.findMatchingProjects(['spec-*', 'web', 'gone'], nodes)).toEqual(['web']);
  });
  it('falls back to a plain reading of --parallel', () => {
    expect(internals.readParallelFromArgsAndEnv({ parallel: '4' })).toBe(4);
    expect(internals.readParallelFromArgsAndEnv({ parallel: 'false' })).toBe(1);
    expect(internals.readParallelFromArgsAndEnv({ parallel: '', maxParallel: '5' })).toBeUndefined();
  });
});
