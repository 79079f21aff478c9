import { requestedRun, staleChanges } from './pre-run';

const argv = (...args: string[]) => ['/usr/bin/node', '/x/node_modules/nx/dist/bin/nx.js', ...args];

describe('requestedRun', () => {
  it.each([
    [['run-many', '-t', 'implement', '--outputStyle=static'], { command: 'run-many', targets: ['implement'], projects: undefined, exclude: [] }],
    [['run-many', '--targets=build,implement', '-p', 'spec-a,spec-b', '--exclude', 'spec-c'], { command: 'run-many', targets: ['build', 'implement'], projects: ['spec-a', 'spec-b'], exclude: ['spec-c'] }],
    [['run-many', '-t', 'lint', 'test', '--projects=tag:speckit'], { command: 'run-many', targets: ['lint', 'test'], projects: ['tag:speckit'], exclude: [] }],
    [['affected', '-t', 'implement', '--base=abc', '--head', 'def'], { command: 'affected', targets: ['implement'], projects: undefined, exclude: [] }],
    [['run', 'spec-a:implement--T001'], { command: 'run', targets: ['implement--T001'], projects: ['spec-a'], exclude: [] }],
    [['spec-a:implement--US1', '--verbose'], { command: 'run', targets: ['implement--US1'], projects: ['spec-a'], exclude: [] }],
    [['implement', 'spec-a'], { command: 'run', targets: ['implement'], projects: ['spec-a'], exclude: [] }],
  ])('%j', (args, expected) => {
    expect(requestedRun(argv(...args))).toEqual(expected);
  });
});

describe('staleChanges', () => {
  const before = { T001: 'Model in src/a.ts', T002: 'Page in src/b.ts', T003: 'Docs in docs/a.md' };
  it('finds renumbered and removed ids; added and reworded tasks are ordinary edits', () => {
    expect(staleChanges(before, { T001: 'Model in src/a.ts', T002: 'Service in src/s.ts', T003: 'Page in src/b.ts' })).toEqual({
      renumbered: [{ from: 'T002', to: 'T003', text: 'Page in src/b.ts' }],
      removed: [{ id: 'T003', text: 'Docs in docs/a.md' }],
    });
    expect(staleChanges(before, { ...before, T004: 'New in src/n.ts' })).toEqual({ renumbered: [], removed: [] });
    expect(staleChanges(before, { ...before, T003: 'Docs in docs/a.md and docs/b.md' })).toEqual({ renumbered: [], removed: [] });
    expect(staleChanges(before, { T001: 'Model in src/a.ts', T002: 'Page  in src/b.ts' })).toEqual({ renumbered: [], removed: [{ id: 'T003', text: 'Docs in docs/a.md' }] });
  });
});
