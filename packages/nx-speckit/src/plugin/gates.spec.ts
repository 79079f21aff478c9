/**
 * The `gates` option: validation, and the gate targets a feature gets (where they sit in the
 * task graph, what Nx hashes of them).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ProjectConfiguration } from '@nx/devkit';
import { normalizeGates, normalizeOptions, type SpeckitPluginOptions } from './options';
import { inferFeatureProject } from './infer';

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function project(tasks: string, options: SpeckitPluginOptions): ProjectConfiguration {
  const root = mkdtempSync(join(tmpdir(), 'nx-speckit-gates-'));
  temps.push(root);
  const files = { 'specs/001-x/tasks.md': tasks, 'specs/001-x/spec.md': '# Spec\n', 'specs/001-x/plan.md': '# Plan\n' };
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  return inferFeatureProject(root, 'specs/001-x', normalizeOptions(options));
}

const FOUR_PHASES = `# Tasks

## Phase 1: Setup

- [X] T001 Package in package.json
- [ ] T002 Config in tsconfig.json

## Phase 2: User Story 1 - Albums (Priority: P1)

- [ ] T003 [US1] Model in src/album.ts
- [ ] T004 [US1] Page in src/page.ts

## Phase 3: User Story 2 - Sharing (Priority: P2)

- [ ] T005 [US2] Share in src/share.ts

## Phase 4: Polish

- [ ] T006 Docs in docs/x.md
- [ ] T007 Lint in .eslintrc.json
`;

describe('normalizeGates', () => {
  it('accepts argv arrays and objects, naming argv gates by their command line', () => {
    expect(
      normalizeGates([
        ['npm', 'test'],
        { name: 'types', command: ['npx', 'tsc', '--noEmit'], phase: 2, cwd: 'apps/web' },
        { command: ['node', '--test'], phase: 'each' },
      ]),
    ).toEqual([
      { name: 'npm test', command: ['npm', 'test'] },
      { name: 'types', command: ['npx', 'tsc', '--noEmit'], phase: 2, cwd: 'apps/web' },
      { name: 'node --test', command: ['node', '--test'], phase: 'each' },
    ]);
    expect(normalizeGates(undefined)).toEqual([]);
    expect(normalizeOptions({}).gates).toEqual([]);
  });

  it.each([
    ['npm test', /gates must be a list of commands/],
    [
      ['npm test'] as unknown,
      /gates\[0\] must be an argv array or \{ name\?, command, phase\?, cwd\? \}, got "npm test"/,
    ], // a shell line, not argv
    [[[]], /gates\[0\]\.command must be a non-empty argv array/],
    [[{ name: 'x' }], /gates\[0\]\.command must be a non-empty argv array/],
    [[['npm', 3]], /gates\[0\]\.command must be a non-empty argv array of strings/],
    [[{ command: ['a'], phase: 0 }], /gates\[0\]\.phase must be a phase number \(1, 2, …\) or "each", got 0/],
    [[{ command: ['a'], phase: 'all' }], /gates\[0\]\.phase must be/],
    [
      [{ command: ['a'], cwd: '../elsewhere' }],
      /gates\[0\]\.cwd must be a workspace-relative folder inside the workspace/,
    ],
    [[{ command: ['a'], cwd: '/tmp' }], /gates\[0\]\.cwd must be/],
    [[['ok'], { command: ['a'], shell: true }], /gates\[1\] has unknown field\(s\) shell/],
    [[{ command: ['a'], name: ' ' }], /gates\[0\]\.name must be a non-empty string/],
  ])('rejects %j', (gates, message) => {
    expect(() => normalizeGates(gates)).toThrow(message);
    expect(() => normalizeOptions({ gates } as SpeckitPluginOptions)).toThrow(message);
  });
});

describe('gate targets', () => {
  it('without gates there are none, and implement depends only on tasks', () => {
    const p = project(FOUR_PHASES, {});
    expect(Object.keys(p.targets!).filter((t) => t.includes('gate'))).toEqual([]);
    expect(p.targets!.implement.dependsOn).toEqual(
      ['T002', 'T003', 'T004', 'T005', 'T006', 'T007'].map((id) => `implement--${id}`),
    );
  });

  it('a feature gate runs after every open task, uncached; implement depends on it; commands in metadata only', () => {
    const p = project(FOUR_PHASES, {
      gates: [['npm', 'test'], { name: 'lint', command: ['npx', 'eslint', '.'], cwd: 'apps' }],
    });
    expect(p.targets!['implement--gate']).toEqual({
      executor: 'nx-speckit:gate',
      options: {},
      dependsOn: ['T002', 'T003', 'T004', 'T005', 'T006', 'T007'].map((id) => `implement--${id}`),
      cache: false,
      metadata: expect.objectContaining({
        description: 'Quality gate after every task of 001-x: npm test, lint',
        speckit: {
          gates: [
            { name: 'npm test', command: ['npm', 'test'] },
            { name: 'lint', command: ['npx', 'eslint', '.'], cwd: 'apps' },
          ],
        },
      }),
    });
    expect(p.targets!.implement.dependsOn).toEqual([
      ...['T002', 'T003', 'T004', 'T005', 'T006', 'T007'].map((id) => `implement--${id}`),
      'implement--gate',
    ]);
    // Task targets are as without gates (no phase gates here).
    const plain = project(FOUR_PHASES, {});
    for (const id of ['T001', 'T002', 'T003', 'T004', 'T005', 'T006', 'T007'])
      expect(p.targets![`implement--${id}`]).toEqual(plain.targets![`implement--${id}`]);
    expect((p.metadata as any).targetGroups.Feature).toEqual([
      'implement',
      'implement--gate',
      'implement--US1',
      'implement--US2',
      'implement--P1',
      'implement--P2',
    ]);
  });

  it('phase "each": a gate per phase; later tasks that wait for a phase wait for its gate; concurrent story phases stay concurrent', () => {
    const p = project(FOUR_PHASES, { gates: [{ name: 'tests', command: ['npm', 'test'], phase: 'each' }] });
    const t = p.targets!;
    expect(
      Object.keys(t)
        .filter((n) => n.includes('gate'))
        .sort(),
    ).toEqual([
      'implement--gate',
      'implement--phase1-gate',
      'implement--phase2-gate',
      'implement--phase3-gate',
      'implement--phase4-gate',
    ]);
    expect(t['implement--phase1-gate']).toMatchObject({
      executor: 'nx-speckit:gate',
      options: { phase: 1 },
      dependsOn: ['implement--T002'],
      cache: false,
    });
    expect(t['implement--phase2-gate'].dependsOn).toEqual(['implement--T003', 'implement--T004']);
    expect(t['implement--phase4-gate'].dependsOn).toEqual(['implement--T006', 'implement--T007']);
    // The gate stands in for the phase's tasks: it waits for them.
    expect(t['implement--T003'].dependsOn).toEqual(['implement--phase1-gate']);
    expect((t['implement--T003'].metadata as any).speckit.gates).toEqual({ 1: ['T002'] });
    expect(t['implement--T004'].dependsOn).toEqual(['implement--T003']); // same phase: no gate in between
    expect(t['implement--T005'].dependsOn).toEqual(['implement--phase1-gate']); // not phase 2's gate: the stories run side by side
    expect(t['implement--T006'].dependsOn).toEqual(['implement--phase2-gate', 'implement--phase3-gate']);
    expect((t['implement--T004'].metadata as any).speckit.gates).toBeUndefined();
    expect(t['implement--T001'].dependsOn).toEqual([]);
    // Only phase gates: the feature gate is a no-op collecting them (and every open task).
    expect(t['implement--gate']).toMatchObject({
      executor: 'nx:noop',
      dependsOn: [
        ...['T002', 'T003', 'T004', 'T005', 'T006', 'T007'].map((id) => `implement--${id}`),
        'implement--phase1-gate',
        'implement--phase2-gate',
        'implement--phase3-gate',
        'implement--phase4-gate',
      ],
    });
    expect(t['implement--phase2'].dependsOn).toEqual(['implement--T003', 'implement--T004', 'implement--phase2-gate']);
    expect(t.implement.dependsOn).toContain('implement--gate');
    expect((p.metadata as any).targetGroups['Phase 2: User Story 1 - Albums (Priority: P1)']).toEqual([
      'implement--phase2',
      'implement--T003',
      'implement--T004',
      'implement--phase2-gate',
    ]);
  });

  it('a numbered phase gate only where the feature has that phase', () => {
    const p = project(FOUR_PHASES, {
      gates: [{ command: ['npm', 'test'], phase: 1 }, { command: ['x'], phase: 9 }, ['npm', 'run', 'e2e']],
    });
    expect(
      Object.keys(p.targets!)
        .filter((n) => n.includes('gate'))
        .sort(),
    ).toEqual(['implement--gate', 'implement--phase1-gate']);
    expect((p.targets!['implement--phase1-gate'].metadata as any).speckit).toEqual({
      gates: [{ name: 'npm test', command: ['npm', 'test'] }],
      phase: 1,
    });
    expect(p.targets!['implement--gate']).toMatchObject({
      executor: 'nx-speckit:gate',
      dependsOn: expect.arrayContaining(['implement--phase1-gate']),
    });
    expect((p.targets!['implement--gate'].metadata as any).speckit.gates).toEqual([
      { name: 'npm run e2e', command: ['npm', 'run', 'e2e'] },
    ]);
  });

  it('editing a gate command changes no target field Nx hashes (executor, options, outputs, inputs), nor namedInputs; nx.json itself is hashed too, see e2e', () => {
    const hashed = (p: ProjectConfiguration) =>
      Object.fromEntries(
        Object.entries(p.targets!).map(([n, t]) => [
          n,
          { executor: t.executor, options: t.options, outputs: t.outputs, inputs: t.inputs, cache: t.cache },
        ]),
      );
    const before = project(FOUR_PHASES, { gates: [['npm', 'test'], { command: ['npm', 'test'], phase: 'each' }] });
    const after = project(FOUR_PHASES, {
      gates: [['npm', 'run', 'test:ci'], { name: 'unit', command: ['node', '--test'], phase: 'each' }],
    });
    expect(hashed(after)).toEqual(hashed(before));
    expect(after.namedInputs).toEqual(before.namedInputs);
    expect(after.targets!['implement--gate'].metadata).not.toEqual(before.targets!['implement--gate'].metadata);
  });

  describe('phase "each" once some tasks are finished', () => {
    const each = { gates: [{ name: 'tests', command: ['npm', 'test'], phase: 'each' as const }] };
    // Phases 2 and 3 finished, phase 1 not: T002 still has to run before everything after it.
    const middleDone = FOUR_PHASES.replace(/- \[ \] (T00[345])/g, '- [X] $1');

    it('a later task waits for the gate of the open phase it still depends on, through finished tasks', () => {
      const t = project(middleDone, each).targets!;
      expect(t['implement--T006'].dependsOn).toEqual([
        'implement--phase1-gate',
        'implement--phase2-gate',
        'implement--phase3-gate',
      ]);
      expect((t['implement--T006'].metadata as any).speckit.gates).toEqual({ 1: ['T002'], 2: ['T004'], 3: ['T005'] });
      expect(t['implement--T007'].dependsOn).toEqual(['implement--T006']);
    });

    it("a finished phase's gate waits for the open work before it, so it never checks a workspace still changing", () => {
      const t = project(middleDone, each).targets!;
      expect(t['implement--phase1-gate'].dependsOn).toEqual(['implement--T002']);
      expect(t['implement--phase2-gate'].dependsOn).toEqual(['implement--phase1-gate']);
      expect(t['implement--phase3-gate'].dependsOn).toEqual(['implement--phase1-gate']);
    });

    it('finished tasks wait for no gate, and aggregates leave out the gates of finished phases', () => {
      const t = project(middleDone, each).targets!;
      for (const id of ['T001', 'T003', 'T004', 'T005']) expect(t[`implement--${id}`].dependsOn).toEqual([]);
      expect(t['implement--phase2'].dependsOn).toEqual([]);
      expect(t['implement--phase1'].dependsOn).toEqual(['implement--T002', 'implement--phase1-gate']);
      expect(t['implement--gate'].dependsOn).toEqual([
        'implement--T002',
        'implement--T006',
        'implement--T007',
        'implement--phase1-gate',
        'implement--phase4-gate',
      ]);
    });

    it('a finished feature runs no phase gate', () => {
      const t = project(FOUR_PHASES.replace(/- \[ \]/g, '- [X]'), each).targets!;
      expect(t['implement--gate'].dependsOn).toEqual([]);
      for (const n of [1, 2, 3, 4]) expect(t[`implement--phase${n}`].dependsOn).toEqual([]);
      const tasks = Object.values(t).filter((x) => x.executor === 'nx-speckit:task');
      expect(tasks).not.toHaveLength(0);
      expect(tasks.map((x) => x.dependsOn)).toEqual(tasks.map(() => []));
    });
  });

  it('story phases that wait for each other keep direct task edges: gates never close a cycle', () => {
    const crossed = FOUR_PHASES.replace(
      'T004 [US1] Page in src/page.ts',
      'T004 [US1] Page in src/page.ts (depends on T005)',
    ).replace('T005 [US2] Share in src/share.ts', 'T005 [US2] Share in src/share.ts (depends on T003)');
    const t = project(crossed, { gates: [{ command: ['npm', 'test'], phase: 'each' }] }).targets!;
    expect(t['implement--T004'].dependsOn).toEqual(['implement--T005']);
    expect(t['implement--T005'].dependsOn).toEqual(['implement--T003']);
    expect(t['implement--phase2-gate'].dependsOn).toEqual(['implement--T003', 'implement--T004']);
    expect(t['implement--phase3-gate'].dependsOn).toEqual(['implement--T005']);
    expect(cycle(t)).toBeUndefined();
  });
});

/** A dependsOn cycle among the targets, if any (Nx refuses to run a task graph with one). */
function cycle(targets: Record<string, { dependsOn?: unknown[] }>): string[] | undefined {
  const state = new Map<string, 'open' | 'closed'>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (state.get(name) === 'closed') return undefined;
    if (state.get(name) === 'open') return [...path, name];
    state.set(name, 'open');
    for (const dep of (targets[name].dependsOn ?? []) as string[]) {
      const found = visit(dep, [...path, name]);
      if (found) return found;
    }
    state.set(name, 'closed');
    return undefined;
  };
  for (const name of Object.keys(targets)) {
    const found = visit(name, []);
    if (found) return found;
  }
  return undefined;
}
