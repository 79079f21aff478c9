/**
 * createNodesV2 against real temporary folders: the real engine, Nx's real workspace-context
 * hashing and PluginCache. Nothing is mocked; each call starts from a fresh workspace context,
 * as a new `nx` process would.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CreateNodesResult, ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import type { SpeckitPluginOptions } from './options';

// Nx fixes its workspace-data directory (where PluginCache lives) when it is first loaded, from
// the cwd: this repo. Point it at a private folder before loading anything from Nx.
const DATA_DIR = mkdtempSync(join(tmpdir(), 'nx-speckit-data-'));
process.env.NX_WORKSPACE_DATA_DIRECTORY = DATA_DIR;
process.env.NX_DAEMON = 'false'; // hash in this process, as `nx` does with the daemon off
const { createNodesV2, createNodes, TASKS_GLOB } = require('./create-nodes') as typeof import('./create-nodes');
const { resetWorkspaceContext } = require('@nx/devkit/internal') as typeof import('@nx/devkit/internal');
const CACHE_FILE = join(DATA_DIR, 'nx-speckit.hash');

const temps: string[] = [];
afterAll(() => {
  for (const dir of [...temps, DATA_DIR]) rmSync(dir, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'nx-speckit-unit-'));
  temps.push(root);
  for (const [path, content] of Object.entries(files)) write(root, path, content);
  return root;
}

function write(root: string, path: string, content: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** A feature folder with the documents /implement requires. */
function feature(dir: string, tasks: string, extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {
    [`${dir}/tasks.md`]: tasks,
    [`${dir}/spec.md`]: '# Feature Specification\n',
    [`${dir}/plan.md`]: '# Implementation Plan\n',
  };
  for (const [path, content] of Object.entries(extra)) files[`${dir}/${path}`] = content;
  return files;
}

const isTasksFile = (path: string) => /(^|\/)specs\/[^/]+\/tasks\.md$/.test(path);

async function run(root: string, files: string[], options?: SpeckitPluginOptions) {
  resetWorkspaceContext(); // a new `nx` process: files are read afresh
  return createNodesV2[1](files, options, { workspaceRoot: root, nxJsonConfiguration: {} });
}

/** Every project the plugin infers for the feature folders under `root`. */
async function infer(files: Record<string, string>, options?: SpeckitPluginOptions, root = workspace(files)) {
  const results = await run(root, Object.keys(files).filter(isTasksFile), options);
  const projects: Record<string, ProjectConfiguration> = {};
  for (const [, result] of results as Array<[string, CreateNodesResult]>) Object.assign(projects, result.projects);
  return projects;
}

async function project(
  tasks: string,
  options?: SpeckitPluginOptions,
  dir = 'specs/001-albums',
): Promise<ProjectConfiguration> {
  const projects = await infer(feature(dir, tasks), options);
  expect(Object.keys(projects)).toEqual([dir]);
  return projects[dir];
}

const targets = (p: ProjectConfiguration) => p.targets as Record<string, TargetConfiguration>;
const speckit = (t: TargetConfiguration) => (t.metadata as any).speckit;
/** dependsOn of every task target, by task id, without the `implement--` prefix. */
function taskDeps(p: ProjectConfiguration, base = 'implement'): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, target] of Object.entries(targets(p))) {
    const m = new RegExp(`^${base}--(T\\d+)$`).exec(name);
    if (m) out[m[1]] = (target.dependsOn as string[]).map((d) => d.replace(`${base}--`, ''));
  }
  return out;
}

// Every shape the dependency rules talk about: barrier phases, concurrent story
// phases, [P] runs split by sub-headings, explicit deps (inline and sub-bullet), a file conflict
// across two story phases, a task-level priority tag, a code block that is not a task.
const ALBUMS = `# Tasks: Photo albums

**Input**: Design documents from \`/specs/001-albums/\`

## Format: \`[ID] [P?] [Story] Description\`

\`\`\`text
- [ ] T999 Example task inside a code block (not a task)
\`\`\`

## Phase 1: Setup (Shared Infrastructure)

- [ ] T001 Create project structure in src/
- [ ] T002 [P] Configure linting in .eslintrc.json
- [ ] T003 [P] Configure formatting in .prettierrc.json

## Phase 2: Foundational (Blocking Prerequisites)

- [ ] T004 Create database schema in src/db/schema.sql
- [ ] T005 [P] Base model in src/models/base.ts

---

## Phase 3: User Story 1 - Create albums (Priority: P1) 🎯 MVP

### Tests for User Story 1

- [ ] T006 [P] [US1] Contract test in tests/contract/albums.test.ts
- [ ] T007 [P] [US1] Integration test in tests/integration/albums.test.ts

### Implementation for User Story 1

- [ ] T008 [P] [US1] Album model in src/models/album.ts
- [ ] T009 [US1] Album service in src/services/albums.ts (depends on T008)
- [ ] T010 [US1] Album endpoint in src/api/albums.ts

**Checkpoint**: User Story 1 works on its own.

## Phase 4: User Story 2 - Share albums (Priority: P2)

- [ ] T011 [P] [US2] Share model in src/models/share.ts
- [ ] T012 [P] [US2] Sharing in src/services/albums.ts
- [ ] T013 [US2] Share endpoint in src/api/shares.ts
  - Depends on: T010

## Phase 5: Polish & Cross-Cutting Concerns

- [ ] T014 [P] [P3] Document albums in docs/albums.md
- [ ] T015 Run quickstart.md validation
`;

const ALBUMS_DEPS = {
  T001: [],
  T002: ['T001'],
  T003: ['T001'], // a [P] run starts together after the task before it
  T004: ['T002', 'T003'], // a barrier phase waits for everything before it
  T005: ['T004'],
  T006: ['T005'], // a story phase starts after the barrier before it
  T007: ['T005'],
  T008: ['T006', 'T007'], // the sub-heading ends the tests' [P] run: tests first
  T009: ['T008'],
  T010: ['T009'],
  T011: ['T005'], // concurrent with User Story 1, not after it
  T012: ['T009'], // same file as T009 (shared files never overlap), which also makes T005 redundant
  T013: ['T010', 'T011', 'T012'], // the [P] run, plus the explicit T010
  T014: ['T013'], // after both story phases (T010 is implied through T013)
  T015: ['T014'],
};

describe('createNodesV2 export', () => {
  it('matches every specs/*/tasks.md, and createNodes is the same tuple', () => {
    expect(createNodesV2[0]).toBe('**/specs/*/tasks.md');
    expect(TASKS_GLOB).toBe(createNodesV2[0]);
    expect(createNodes).toBe(createNodesV2);
  });
});

describe('one project per feature', () => {
  it('is named spec-<folder>, rooted at the folder, tagged speckit, wherever the specs folder is', async () => {
    const projects = await infer({
      ...feature('specs/003-real-time-chat', '- [ ] T001 Do it in src/a.ts\n'),
      ...feature('apps/web/specs/001-login', '- [ ] T001 Do it in apps/web/src/login.ts\n'),
    });
    expect(Object.keys(projects).sort()).toEqual(['apps/web/specs/001-login', 'specs/003-real-time-chat']);
    expect(projects['specs/003-real-time-chat']).toMatchObject({
      name: 'spec-003-real-time-chat',
      root: 'specs/003-real-time-chat',
      tags: ['speckit'],
    });
    expect(projects['apps/web/specs/001-login']).toMatchObject({
      name: 'spec-001-login',
      root: 'apps/web/specs/001-login',
      tags: ['speckit'],
    });
  });

  it('reports two features that would get the same name, naming both folders, and never merges them', async () => {
    const files = {
      ...feature('a/specs/001-x', '- [ ] T001 A in a.ts\n'),
      ...feature('b/specs/001-x', '- [ ] T001 B in b.ts\n'),
    };
    const root = workspace(files);
    const error = await run(root, Object.keys(files).filter(isTasksFile)).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeDefined();
    const message = [
      error!.message,
      ...((error as any).errors ?? []).map(([file, e]: [string, Error]) => `${file}: ${e.message}`),
    ].join('\n');
    expect(message).toContain('spec-001-x');
    expect(message).toContain('a/specs/001-x');
    expect(message).toContain('b/specs/001-x');
    expect((error as any).partialResults ?? []).toEqual([]); // neither clashing feature slips through
  });

  it('still returns the other features when two of them clash', async () => {
    const files = {
      ...feature('a/specs/001-x', '- [ ] T001 A in a.ts\n'),
      ...feature('b/specs/001-x', '- [ ] T001 B in b.ts\n'),
      ...feature('specs/002-y', '- [ ] T001 C in c.ts\n'),
    };
    const error = await run(workspace(files), Object.keys(files).filter(isTasksFile)).then(
      () => undefined,
      (e) => e,
    );
    const partial = (error as any).partialResults as Array<[string, CreateNodesResult]>;
    expect(partial.map(([file]) => file)).toEqual(['specs/002-y/tasks.md']);
    expect(Object.values(partial[0][1].projects!)[0].name).toBe('spec-002-y');
  });
});

describe('targets', () => {
  it('has the aggregate, one target per task, story, priority and phase', async () => {
    const p = await project(ALBUMS);
    const tasks = Array.from({ length: 15 }, (_, i) => `implement--T${String(i + 1).padStart(3, '0')}`);
    expect(Object.keys(targets(p)).sort()).toEqual(
      [
        'implement',
        ...tasks,
        'implement--P1',
        'implement--P2',
        'implement--P3',
        'implement--US1',
        'implement--US2',
        'implement--phase1',
        'implement--phase2',
        'implement--phase3',
        'implement--phase4',
        'implement--phase5',
      ].sort(),
    );
    expect(targets(p)['implement--T999']).toBeUndefined(); // code blocks hold no tasks
    for (const name of tasks)
      expect(targets(p)[name]).toMatchObject({
        executor: 'nx-speckit:task',
        cache: true,
        options: { taskId: name.slice(-4) },
      });
  });

  it('aggregates are nx:noop targets over their open tasks', async () => {
    const t = targets(await project(ALBUMS));
    const ids = (name: string) => (t[name].dependsOn as string[]).map((d) => d.replace('implement--', ''));
    for (const name of ['implement', 'implement--US1', 'implement--P1', 'implement--phase1'])
      expect(t[name].executor).toBe('nx:noop');
    expect(ids('implement')).toEqual(Object.keys(ALBUMS_DEPS));
    expect(ids('implement--US1')).toEqual(['T006', 'T007', 'T008', 'T009', 'T010']);
    expect(ids('implement--US2')).toEqual(['T011', 'T012', 'T013']);
    expect(ids('implement--P1')).toEqual(['T006', 'T007', 'T008', 'T009', 'T010']); // (Priority: P1) in the heading
    expect(ids('implement--P2')).toEqual(['T011', 'T012', 'T013']);
    expect(ids('implement--P3')).toEqual(['T014']); // the task's own [P3] tag
    expect(ids('implement--phase1')).toEqual(['T001', 'T002', 'T003']);
    expect(ids('implement--phase2')).toEqual(['T004', 'T005']);
    expect(ids('implement--phase3')).toEqual(['T006', 'T007', 'T008', 'T009', 'T010']);
    expect(ids('implement--phase5')).toEqual(['T014', 'T015']);
  });

  it('follows the targetName option for every target', async () => {
    const p = await project('## Phase 1: Setup\n- [ ] T001 [US1] [P1] A in a.ts\n- [ ] T002 B in b.ts\n', {
      targetName: 'agent-build',
    });
    expect(Object.keys(targets(p)).sort()).toEqual(
      [
        'agent-build',
        'agent-build--P1',
        'agent-build--T001',
        'agent-build--T002',
        'agent-build--US1',
        'agent-build--phase1',
      ].sort(),
    );
    expect(targets(p)['agent-build'].dependsOn).toEqual(['agent-build--T001', 'agent-build--T002']);
    expect(targets(p)['agent-build--T002'].dependsOn).toEqual(['agent-build--T001']);
    expect(targets(p)['agent-build--US1'].dependsOn).toEqual(['agent-build--T001']);
  });

  it('rejects a targetName that cannot be a target name', async () => {
    const files = feature('specs/001-x', '- [ ] T001 A in a.ts\n');
    await expect(run(workspace(files), ['specs/001-x/tasks.md'], { targetName: 'has space' })).rejects.toThrow(
      /targetName "has space"/,
    );
  });

  it('rejects a misspelt option instead of ignoring it', async () => {
    const files = feature('specs/001-x', '- [ ] T001 A in a.ts\n');
    await expect(run(workspace(files), ['specs/001-x/tasks.md'], { agnet: 'codex' } as never)).rejects.toThrow(
      'nx-speckit: unknown plugin option "agnet" in nx.json (known: targetName, agent, agentRules, lanes, cache, verify, allowIncompleteChecklists, record, gates, isolation, onConflict, isolationLinks, budgetUsd, budgetTokens, exclusive)',
    );
  });

  it('rejects a budget that is not a positive number, and passes a valid one to every task', async () => {
    const files = feature('specs/001-x', '- [ ] T001 A in a.ts\n');
    await expect(run(workspace(files), ['specs/001-x/tasks.md'], { budgetUsd: 0 })).rejects.toThrow(
      'nx-speckit: budgetUsd must be a positive number, not 0',
    );
    await expect(run(workspace(files), ['specs/001-x/tasks.md'], { budgetTokens: '5' as never })).rejects.toThrow(
      'nx-speckit: budgetTokens must be a positive number, not "5"',
    );
    expect(
      JSON.stringify(await run(workspace(files), ['specs/001-x/tasks.md'], { budgetUsd: 4, budgetTokens: 9000 })),
    ).toContain('"budgetUsd":4,"budgetTokens":9000');
  });

  it('checks the isolation options when the graph is built, and passes only non-default ones to the task targets', async () => {
    const files = feature('specs/001-x', '- [ ] T001 A in a.ts\n');
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ isolation: 'container' }, 'nx-speckit: isolation must be "worktree" or "none", not "container"'],
      [{ onConflict: 'merge' }, 'nx-speckit: onConflict must be "retry" or "fail", not "merge"'],
      [
        { isolationLinks: ['../outside'] },
        'nx-speckit: isolationLinks must be a list of workspace-relative folders, got ["../outside"]',
      ],
    ];
    for (const [options, message] of bad)
      await expect(run(workspace(files), ['specs/001-x/tasks.md'], options as never)).rejects.toThrow(message);
    const options = async (o: Record<string, unknown>) => {
      const [[, result]] = await run(workspace(files), ['specs/001-x/tasks.md'], o as never);
      return Object.values(result.projects!)[0].targets!['implement--T001'].options;
    };
    expect(await options({})).not.toHaveProperty('isolation');
    expect(
      await options({ isolation: 'none', onConflict: 'fail', isolationLinks: ['node_modules', '.venv'] }),
    ).toMatchObject({ isolation: 'none', onConflict: 'fail', isolationLinks: ['node_modules', '.venv'] });
  });
});

describe("dependsOn follows the engine's plan (contract rules 1-8)", () => {
  it('phases, concurrent story phases, [P] runs, sub-headings, explicit deps and file conflicts', async () => {
    expect(taskDeps(await project(ALBUMS))).toEqual(ALBUMS_DEPS);
  });

  it('a file with no phases is one barrier phase in listed order', async () => {
    const p = await project(
      '- [ ] T001 A in a.ts\n- [ ] T002 [P] B in b.ts\n- [ ] T003 [P] C in c.ts\n- [ ] T004 D in d.ts\n',
    );
    expect(taskDeps(p)).toEqual({ T001: [], T002: ['T001'], T003: ['T001'], T004: ['T002', 'T003'] });
    expect(Object.keys(targets(p)).filter((n) => n.includes('phase'))).toEqual(['implement--phase1']);
  });

  it('ranges in explicit dependencies cover every task between their ends', async () => {
    const p = await project(
      '- [ ] T001 [P] A in a.ts\n- [ ] T002 [P] B in b.ts\n- [ ] T003 [P] C in c.ts\n- [ ] T004 [P] D in d.ts (depends on T001-T003)\n',
    );
    expect(taskDeps(p).T004).toEqual(['T001', 'T002', 'T003']);
    expect(speckit(targets(p)['implement--T004']).dependsOn.map((d: any) => d.reasons[0].rule)).toEqual([
      'explicit',
      'explicit',
      'explicit',
    ]);
  });

  it('lanes: "story" lets each story lane of a shared phase run on its own; [ALL] waits for every lane', async () => {
    const tasks = `## Phase 1: Setup
- [ ] T001 Setup in package.json

## Phase 2: Stories side by side
- [ ] T002 [US1] A in src/a.ts
- [ ] T003 [US2] B in src/b.ts
- [ ] T004 [US1] A2 in src/a2.ts
- [ ] T005 [ALL] Wire everything in src/index.ts
`;
    expect(taskDeps(await project(tasks))).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T002'],
      T004: ['T003'],
      T005: ['T004'],
    });
    const lanes = await project(tasks, { lanes: 'story' });
    expect(taskDeps(lanes)).toEqual({
      T001: [],
      T002: ['T001'],
      T003: ['T001'],
      T004: ['T002'],
      T005: ['T003', 'T004'],
    });
    expect(speckit(targets(lanes)['implement--T004']).dependsOn).toEqual([
      { id: 'T002', reasons: [{ rule: 'lane', cause: expect.stringContaining('US1') }] },
    ]);
  });
});

describe('finished tasks', () => {
  const tick = (text: string, ids: string[], mark = 'X') =>
    ids.reduce((t, id) => t.replace(`- [ ] ${id} `, `- [${mark}] ${id} `), text);

  it('keep their targets, lose their dependsOn, leave the aggregates; open tasks keep their unfinished prerequisites', async () => {
    const p = await project(tick(tick(ALBUMS, ['T001', 'T002', 'T003']), ['T009'], 'x'));
    const t = targets(p);
    const deps = taskDeps(p);
    for (const id of ['T001', 'T002', 'T003', 'T009']) {
      expect(t[`implement--${id}`]).toBeDefined();
      expect(deps[id]).toEqual([]);
    }
    expect(deps.T004).toEqual([]); // everything before it is done
    expect(deps.T010).toEqual(['T008']); // T009 is done: T010 waits for what T009 waited for
    expect(deps.T012).toEqual(['T008']);
    expect(deps.T013).toEqual(['T010', 'T011', 'T012']);
    expect(speckit(t['implement--T010']).dependsOn).toEqual([
      { id: 'T009', reasons: [{ rule: 'sequence', cause: 'listed after T009' }] },
    ]); // the plan (and its reasons) is kept in metadata
    const ids = (name: string) => (t[name].dependsOn as string[]).map((d) => d.replace('implement--', ''));
    expect(ids('implement')).toEqual([
      'T004',
      'T005',
      'T006',
      'T007',
      'T008',
      'T010',
      'T011',
      'T012',
      'T013',
      'T014',
      'T015',
    ]);
    expect(ids('implement--phase1')).toEqual([]);
    expect(ids('implement--US1')).toEqual(['T006', 'T007', 'T008', 'T010']);
    expect(t['implement--phase1'].metadata!.description).toContain('3/3 done');
  });

  it('a finished feature leaves every aggregate empty', async () => {
    const all = Object.keys(ALBUMS_DEPS);
    const t = targets(await project(tick(ALBUMS, all)));
    for (const [name, target] of Object.entries(t)) expect([name, target.dependsOn]).toEqual([name, []]);
  });

  it("ticking boxes changes no executor, options, inputs or outputs of any target, nor the project's namedInputs (the cache-key promise)", async () => {
    const hashed = (p: ProjectConfiguration) =>
      Object.fromEntries(
        Object.entries(targets(p)).map(([n, t]) => [
          n,
          { executor: t.executor, options: t.options, inputs: t.inputs, outputs: t.outputs, cache: t.cache },
        ]),
      );
    const open = await project(ALBUMS);
    const ticked = await project(tick(tick(ALBUMS, ['T001', 'T002', 'T005', 'T009', 'T014']), ['T010'], 'x'));
    expect(hashed(ticked)).toEqual(hashed(open));
    expect(ticked.namedInputs).toEqual(open.namedInputs); // Nx hashes them into every task too
    expect(open.namedInputs).toBeDefined();
    expect(taskDeps(ticked)).not.toEqual(taskDeps(open)); // while what remains did change
  });

  it("editing a task's text changes its definition, and only its own", async () => {
    const before = targets(await project(ALBUMS));
    const after = targets(
      await project(
        ALBUMS.replace('Album endpoint in src/api/albums.ts', 'Album endpoint with paging in src/api/albums.ts'),
      ),
    );
    expect((after['implement--T010'].options as any).definition).not.toBe(
      (before['implement--T010'].options as any).definition,
    );
    expect(after['implement--T009'].options).toEqual(before['implement--T009'].options);
    expect((before['implement--T010'].options as any).definition).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('metadata', () => {
  it('task targets describe the task, the edge reasons, phase, story, priority and checkbox', async () => {
    const t = targets(await project(ALBUMS.replace('- [ ] T006', '- [X] T006')));
    expect(t['implement--T009'].metadata).toEqual({
      description: 'T009: Album service in src/services/albums.ts',
      technologies: ['speckit'],
      help: { command: 'npx nx run spec-001-albums:implement--T009 --help', example: {} },
      speckit: expect.objectContaining({
        taskId: 'T009',
        checkbox: ' ',
        done: false,
        line: 34,
        labels: [],
        phase: 'Phase 3: User Story 1 - Create albums (Priority: P1) 🎯 MVP',
        phaseNumber: 3,
        story: 'US1',
        priority: 'P1',
        parallel: false,
        files: ['src/services/albums.ts'],
        dependsOn: [
          {
            id: 'T008',
            reasons: [
              { rule: 'parallel-run', cause: 'waits for the [P] run T008' },
              { rule: 'explicit', cause: 'T009 depends on T008 (line 34)' },
            ],
          },
        ],
      }),
    });
    expect(speckit(t['implement--T006'])).toMatchObject({ checkbox: 'X', done: true });
    expect(speckit(t['implement--T012']).dependsOn).toEqual([
      { id: 'T009', reasons: [{ rule: 'file-conflict', cause: 'both touch src/services/albums.ts' }] },
    ]);
    expect(speckit(t['implement--T011']).dependsOn).toEqual([
      { id: 'T005', reasons: [{ rule: 'story-phase', cause: expect.stringContaining('Phase 2: Foundational') }] },
    ]);
    expect(speckit(t['implement--T014'])).toMatchObject({ priority: 'P3', parallel: true, phaseNumber: 5 });
    expect(speckit(t['implement--T014']).story).toBeUndefined();
    expect(t['implement--US1'].metadata!.help).toEqual({ command: 'npx nx show project spec-001-albums', example: {} });
    for (const target of Object.values(t))
      expect(target.metadata).toMatchObject({ technologies: ['speckit'], description: expect.any(String) });
  });

  it("the project groups targets by phase and carries the engine's warnings", async () => {
    const p = await project(ALBUMS);
    expect((p.metadata as any).targetGroups).toEqual({
      'Phase 1: Setup (Shared Infrastructure)': [
        'implement--phase1',
        'implement--T001',
        'implement--T002',
        'implement--T003',
      ],
      'Phase 2: Foundational (Blocking Prerequisites)': ['implement--phase2', 'implement--T004', 'implement--T005'],
      'Phase 3: User Story 1 - Create albums (Priority: P1) 🎯 MVP': [
        'implement--phase3',
        'implement--T006',
        'implement--T007',
        'implement--T008',
        'implement--T009',
        'implement--T010',
      ],
      'Phase 4: User Story 2 - Share albums (Priority: P2)': [
        'implement--phase4',
        'implement--T011',
        'implement--T012',
        'implement--T013',
      ],
      'Phase 5: Polish & Cross-Cutting Concerns': ['implement--phase5', 'implement--T014', 'implement--T015'],
      Feature: ['implement', 'implement--US1', 'implement--US2', 'implement--P1', 'implement--P2', 'implement--P3'],
    });
    expect((p.metadata as any).speckit.diagnostics).toEqual([
      expect.stringMatching(
        /^specs\/001-albums\/tasks\.md:42: warning: T012: T012 and T009 both touch src\/services\/albums\.ts/,
      ),
    ]);
  });

  it('names phases without a "Phase" prefix by number in targetGroups', async () => {
    const p = await project('## Setup\n- [ ] T001 A in a.ts\n## Core\n- [ ] T002 B in b.ts\n');
    expect(Object.keys((p.metadata as any).targetGroups)).toEqual(['Phase 1: Setup', 'Phase 2: Core', 'Feature']);
  });
});

describe('inputs and outputs', () => {
  const DOCS = [
    '{projectRoot}/spec.md',
    '{projectRoot}/plan.md',
    '{projectRoot}/data-model.md',
    '{projectRoot}/research.md',
    '{projectRoot}/quickstart.md',
    '{projectRoot}/contracts/**/*',
    '{workspaceRoot}/.specify/memory/constitution.md',
  ];
  const RUNTIME = [{ dependentTasksOutputFiles: '**/*', transitive: true }, { env: 'SPECKIT_AGENT' }];

  it('one project-level named input holds what every task shares: the prompt documents, dependency outputs and SPECKIT_AGENT', async () => {
    const p = await project(ALBUMS);
    expect(p.namedInputs).toEqual({ 'speckit-task': [...DOCS, ...RUNTIME] });
  });

  it("task inputs: the shared named input, then every prerequisite's files; never tasks.md", async () => {
    const t = targets(await project(ALBUMS));
    expect(t['implement--T001'].inputs).toEqual(['speckit-task']);
    expect(t['implement--T010'].inputs).toEqual([
      'speckit-task',
      // T001-T009 in the full plan: finished ones leave the task graph, their files stay in the key
      '{workspaceRoot}/.eslintrc.json',
      '{workspaceRoot}/.prettierrc.json',
      '{workspaceRoot}/src/**/*',
      '{workspaceRoot}/src/db/schema.sql',
      '{workspaceRoot}/src/models/album.ts',
      '{workspaceRoot}/src/models/base.ts',
      '{workspaceRoot}/src/services/albums.ts',
      '{workspaceRoot}/tests/contract/albums.test.ts',
      '{workspaceRoot}/tests/integration/albums.test.ts',
    ]);
    // T011 runs beside User Story 1: none of its files are T011's inputs
    expect(JSON.stringify(t['implement--T011'].inputs)).not.toMatch(/albums|album\.ts/);
    for (const target of Object.values(t))
      expect(JSON.stringify(target.inputs ?? [])).not.toMatch(/tasks\.md|"default"|\{projectRoot\}\/\*\*/);
  });

  it("the feature's own tasks.md is never an output or an input, even when a task names it", async () => {
    const p = await project(
      '- [ ] T001 Note the decision in specs/001-albums/tasks.md and specs/001-albums/notes.md\n- [ ] T002 B in b.ts\n',
    );
    expect(speckit(targets(p)['implement--T001']).files).toContain('specs/001-albums/tasks.md');
    expect(targets(p)['implement--T001'].outputs).toEqual([
      '{workspaceRoot}/specs/001-albums/notes.md',
      changeset('T001'),
    ]);
    expect(targets(p)['implement--T002'].inputs).toEqual(['speckit-task', '{workspaceRoot}/specs/001-albums/notes.md']);
  });

  // The changeset file: what the task changed outside its declared paths (worktree isolation), for the cache.
  const changeset = (id: string) => `{workspaceRoot}/.speckit/changesets/spec-001-albums/${id}.json`;

  it("task outputs are the declared paths, workspace-relative, folders without their slash, and the task's changeset file", async () => {
    const t = targets(await project(ALBUMS));
    expect(t['implement--T001'].outputs).toEqual(['{workspaceRoot}/src', changeset('T001')]);
    expect(t['implement--T002'].outputs).toEqual(['{workspaceRoot}/.eslintrc.json', changeset('T002')]);
    expect(t['implement--T015'].outputs).toEqual([changeset('T015')]); // quickstart.md is read, not written
    const p = await project('- [ ] T001 Two files\n  - Files: `src/a.ts`, src/b/\n');
    expect(targets(p)['implement--T001'].outputs).toEqual([
      '{workspaceRoot}/src/a.ts',
      '{workspaceRoot}/src/b',
      changeset('T001'),
    ]);
  });

  it('a path outside the workspace is never an output: the feature cannot run at all', async () => {
    for (const path of ['../outside.ts', '`/etc/speckit/x.ts`']) {
      const p = await project(`- [ ] T001 Write ${path}\n- [ ] T002 Fine in src/ok.ts\n`);
      const all = Object.values(targets(p));
      expect(all.flatMap((t) => t.outputs ?? [])).toEqual([]);
      expect((p.metadata as any).speckit.diagnostics).toEqual([
        expect.stringMatching(
          /^specs\/001-albums\/tasks\.md:1: error: T001: declared path .* (outside the workspace|absolute)/,
        ),
      ]);
    }
  });

  it('the cache option reaches every task target', async () => {
    const t = targets(await project('- [ ] T001 A in a.ts\n', { cache: false }));
    expect(t['implement--T001'].cache).toBe(false);
  });
});

describe('a feature that cannot be planned', () => {
  const UNKNOWN = '## Phase 1: Setup\n- [ ] T001 A in a.ts\n- [ ] T002 B in b.ts (depends on T099)\n';
  const CYCLE = '## Phase 1\n- [ ] T001 A in a.ts (depends on T002)\n- [ ] T002 B in b.ts\n';

  it('gets targets that only validate and fail, naming tasks.md:LINE and the ids', async () => {
    const p = await project(UNKNOWN);
    expect(p).toMatchObject({ name: 'spec-001-albums', root: 'specs/001-albums', tags: ['speckit'] });
    expect(Object.keys(targets(p)).sort()).toEqual(['implement', 'implement--T001', 'implement--T002']);
    for (const [name, t] of Object.entries(targets(p))) {
      expect(t.executor).toBe('nx-speckit:task');
      expect(t.options).toEqual({ validateOnly: true, ...(name === 'implement' ? {} : { taskId: name.slice(-4) }) });
      expect(t.cache).toBe(false);
      expect(t.dependsOn ?? []).toEqual([]);
      expect(t.metadata!.description).toContain('T099');
    }
    expect((p.metadata as any).speckit.diagnostics).toEqual([
      'specs/001-albums/tasks.md:3: error: T002: T002 depends on T099, which is not a task in this file',
    ]);
  });

  it('a cycle is named by its ids', async () => {
    const p = await project(CYCLE);
    expect((p.metadata as any).speckit.diagnostics).toEqual([
      expect.stringMatching(/^specs\/001-albums\/tasks\.md:2: error: T001: dependency cycle: T001 → T002 → T001$/),
    ]);
    expect(targets(p).implement.options).toEqual({ validateOnly: true });
  });

  it('missing plan.md makes the feature unrunnable but still present', async () => {
    const files = feature('specs/001-x', '- [ ] T001 A in a.ts\n');
    delete files['specs/001-x/plan.md'];
    const projects = await infer(files);
    expect(projects['specs/001-x'].name).toBe('spec-001-x');
    expect((projects['specs/001-x'].metadata as any).speckit.diagnostics).toEqual([
      'specs/001-x/plan.md: error: plan.md is required to implement this feature but does not exist',
    ]);
  });

  it('does not keep the other features from loading', async () => {
    const projects = await infer({
      ...feature('specs/001-good', '- [ ] T001 A in a.ts\n- [ ] T002 B in b.ts\n'),
      ...feature('specs/002-broken', CYCLE),
    });
    expect(taskDeps(projects['specs/001-good'])).toEqual({ T001: [], T002: ['T001'] });
    expect(targets(projects['specs/002-broken']).implement.options).toEqual({ validateOnly: true });
  });
});

describe('agents', () => {
  it('every task runs the configured agent; claude when none is configured', async () => {
    expect((targets(await project('- [ ] T001 A in a.ts\n'))['implement--T001'].options as any).agent).toBe('claude');
    const agent = { command: [process.execPath, 'agent.js'], timeoutSeconds: 60 };
    expect(
      (targets(await project('- [ ] T001 A in a.ts\n', { agent }))['implement--T001'].options as any).agent,
    ).toEqual(agent);
  });

  it('agentRules pick an agent per feature, story or task text; the first match wins', async () => {
    const tasks =
      '- [ ] T001 [US1] Write tests in tests/a.test.ts\n- [ ] T002 [US1] Model in src/a.ts\n- [ ] T003 [US2] Model in src/b.ts\n';
    const options: SpeckitPluginOptions = {
      agent: 'claude',
      agentRules: [
        { feature: '002-*', agent: 'gemini' },
        { text: '\\btests?\\b', agent: 'codex' },
        { story: 'US2', agent: { preset: 'opencode', model: 'x' } },
      ],
    };
    const projects = await infer(
      { ...feature('specs/001-a', tasks), ...feature('specs/002-b', tasks), ...feature('specs/003-c', tasks) },
      options,
    );
    const agents = (dir: string) =>
      Object.fromEntries(
        ['T001', 'T002', 'T003'].map((id) => [id, (targets(projects[dir])[`implement--${id}`].options as any).agent]),
      );
    expect(agents('specs/001-a')).toEqual({ T001: 'codex', T002: 'claude', T003: { preset: 'opencode', model: 'x' } });
    expect(agents('specs/002-b')).toEqual({ T001: 'gemini', T002: 'gemini', T003: 'gemini' });
    expect(agents('specs/003-c')).toEqual(agents('specs/001-a'));
  });

  it('an agentRules text that is not a regular expression fails at graph time, naming it', async () => {
    const files = feature('specs/001-x', '- [ ] T001 A in a.ts\n');
    await expect(
      run(workspace(files), ['specs/001-x/tasks.md'], { agentRules: [{ text: '(', agent: 'codex' }] }),
    ).rejects.toThrow(/\(/);
  });

  it('exclusive gives each matching task its resources (sorted, matched like agentRules); other tasks get none', async () => {
    const tasks =
      '- [ ] T001 [US1] Run the simulator tests in tests/a.test.ts\n- [ ] T002 [US1] Model in src/a.ts\n- [ ] T003 [US2] Seed the database in src/db.ts\n';
    const options: SpeckitPluginOptions = {
      exclusive: [
        { name: 'simulator', text: '\\bsimulator\\b' },
        { name: 'db', story: 'US2', feature: '001-*' },
        { name: 'a-sim', text: 'simulator', feature: '002-b' },
      ],
    };
    const projects = await infer({ ...feature('specs/001-a', tasks), ...feature('specs/002-b', tasks) }, options);
    const resources = (dir: string) =>
      Object.fromEntries(
        ['T001', 'T002', 'T003'].map((id) => [
          id,
          (targets(projects[dir])[`implement--${id}`].options as any).resources,
        ]),
      );
    expect(resources('specs/001-a')).toEqual({ T001: ['simulator'], T002: undefined, T003: ['db'] });
    expect(resources('specs/002-b')).toEqual({ T001: ['a-sim', 'simulator'], T002: undefined, T003: undefined });
  });

  it('a broken exclusive entry fails only the features it could match, naming nx.json and the entry; the rest of the graph loads', async () => {
    const tasks = '- [ ] T001 Run the simulator in src/a.ts\n';
    const files = { ...feature('specs/001-a', tasks), ...feature('specs/002-b', tasks) };
    const scoped = await infer(files, {
      exclusive: [
        { name: 'simulator', text: 'simulator' },
        { name: 'db', feature: '002-b', text: '(' },
      ],
    });
    expect(targets(scoped['specs/001-a'])['implement--T001'].options as any).toMatchObject({
      resources: ['simulator'],
    });
    const broken = targets(scoped['specs/002-b'])['implement--T001'];
    expect(broken.options).toEqual({
      taskId: 'T001',
      validateOnly: true,
      optionError: expect.stringMatching(
        /^nx\.json: error: nx-speckit option exclusive\[1\] \{"name":"db","feature":"002-b","text":"\("\}: text is not a regular expression: /,
      ),
    });
    expect(broken.metadata!.description).toMatch(/^Cannot run: nx\.json: error: nx-speckit option exclusive\[1\]/);

    const unscoped = await infer(files, {
      exclusive: [{ name: 'has space', text: 'x' }, { name: 'everything' } as never],
    });
    for (const dir of ['specs/001-a', 'specs/002-b']) {
      expect((targets(unscoped[dir])['implement'].options as any).optionError).toBe(
        [
          'nx.json: error: nx-speckit option exclusive[0] {"name":"has space","text":"x"}: name must be letters, digits, "_" or "-" (it names a lock folder)',
          'nx.json: error: nx-speckit option exclusive[1] {"name":"everything"}: needs feature, story or text to say which tasks hold it',
        ].join('\n'),
      );
    }
    await expect(
      run(workspace(files), ['specs/001-a/tasks.md'], { exclusive: { name: 'x' } as never }),
    ).rejects.toThrow('nx-speckit: exclusive in nx.json must be a list');
  });

  it("an agent's maxBudgetUsd on a CLI without a dollar limit fails at graph time, naming where; on claude it reaches the task", async () => {
    const files = feature('specs/001-x', '- [ ] T001 Write tests in tests/a.test.ts\n');
    await expect(
      run(workspace(files), ['specs/001-x/tasks.md'], {
        agent: [{ preset: 'claude' }, { preset: 'codex', maxBudgetUsd: 1 }],
      }),
    ).rejects.toThrow(
      "nx-speckit: agent in nx.json: agent.maxBudgetUsd: the codex preset's CLI has no per-run dollar limit (only claude's --max-budget-usd)",
    );
    await expect(
      run(workspace(files), ['specs/001-x/tasks.md'], {
        agentRules: [{ text: 'tests', agent: { preset: 'gemini', maxBudgetUsd: 1 } }],
      }),
    ).rejects.toThrow(/^nx-speckit: agentRules\[0\]\.agent in nx\.json: agent\.maxBudgetUsd: the gemini preset's CLI/);
    const agent = { preset: 'claude' as const, maxBudgetUsd: 0.5 };
    expect((targets((await infer(files, { agent }))['specs/001-x'])['implement--T001'].options as any).agent).toEqual(
      agent,
    );
  });

  it('verify, allowIncompleteChecklists and record reach the task options only when set', async () => {
    const plain = targets(await project('- [ ] T001 A in a.ts\n'))['implement--T001'].options;
    expect(Object.keys(plain).sort()).toEqual(['agent', 'definition', 'taskId']);
    const set = targets(
      await project('- [ ] T001 A in a.ts\n', {
        verify: ['npm', 'test'],
        allowIncompleteChecklists: true,
        record: true,
      }),
    )['implement--T001'].options;
    expect(set).toMatchObject({ verify: ['npm', 'test'], allowIncompleteChecklists: true, record: true });
  });
});

describe('the inferred-project cache', () => {
  const readCache = () =>
    JSON.parse(readFileSync(CACHE_FILE, 'utf8')) as { entries: Record<string, ProjectConfiguration> };

  it("is keyed by the feature folder's files and the options, and read instead of parsing again", async () => {
    const files = feature('specs/001-cached', '- [ ] T001 A in a.ts\n- [ ] T002 B in b.ts\n');
    const root = workspace(files);
    const first = await infer(files, {}, root);
    const key = Object.entries(readCache().entries).find(
      ([, p]) => p.root === 'specs/001-cached' && JSON.stringify(p) === JSON.stringify(first['specs/001-cached']),
    )?.[0];
    expect(key).toBeDefined();

    // Tamper with the cached entry: an unchanged folder must be served from it, not re-parsed.
    const cache = JSON.parse(readFileSync(CACHE_FILE, 'utf8'));
    cache.entries[key!].tags = ['speckit', 'from-cache'];
    writeFileSync(CACHE_FILE, JSON.stringify(cache));
    expect((await infer(files, {}, root))['specs/001-cached'].tags).toEqual(['speckit', 'from-cache']);

    // Other options, or any change in the folder (a ticked box), miss the cache.
    expect((await infer(files, { targetName: 'impl' }, root))['specs/001-cached'].tags).toEqual(['speckit']);
    write(root, 'specs/001-cached/tasks.md', '- [X] T001 A in a.ts\n- [ ] T002 B in b.ts\n');
    const ticked = (await infer(files, {}, root))['specs/001-cached'];
    expect(ticked.tags).toEqual(['speckit']);
    expect(targets(ticked)['implement--T002'].dependsOn).toEqual([]);
    write(root, 'specs/001-cached/research.md', '# Research\n');
    expect((await infer(files, {}, root))['specs/001-cached'].tags).toEqual(['speckit']);
  });

  it("keeps only the current version of each feature it saw, and other features' entries", async () => {
    const roots = () => Object.values(readCache().entries).map((p) => p.root);
    const files = feature('specs/001-versions', '- [ ] T001 A in a.ts\n- [ ] T002 B in b.ts\n');
    const both = { ...files, ...feature('specs/002-other', '- [ ] T001 C in c.ts\n') };
    const root = workspace(both);
    expect(Object.keys(await infer(both, {}, root))).toEqual(['specs/001-versions', 'specs/002-other']);
    for (const box of ['X', ' ', 'x']) {
      write(root, 'specs/001-versions/tasks.md', `- [${box}] T001 A in a.ts\n- [ ] T002 B in b.ts\n`);
      await infer(files, {}, root); // this call sees only 001-versions
      expect(roots().filter((r) => r === 'specs/001-versions')).toHaveLength(1);
    }
    expect(roots()).toContain('specs/002-other');
  });

  it('is not rewritten by a warm graph (at 1,000 features the file is 33 MB: rewriting it cost 1.5 s a run)', async () => {
    const files = feature('specs/001-warm', '- [ ] T001 A in a.ts\n');
    const root = workspace(files);
    await infer(files, {}, root);
    const before = statSync(CACHE_FILE).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await infer(files, {}, root);
    expect(statSync(CACHE_FILE).mtimeMs).toBe(before);
    write(root, 'specs/001-warm/tasks.md', '- [X] T001 A in a.ts\n');
    await infer(files, {}, root);
    expect(statSync(CACHE_FILE).mtimeMs).not.toBe(before);
  });

  it('a feature with an unreadable document loads as a broken project, and the rest of the workspace with it', async () => {
    const files = {
      ...feature('specs/001-fine', '- [ ] T001 A in a.ts\n'),
      ...feature('specs/002-unreadable', '- [ ] T001 B in b.ts\n'),
    };
    const root = workspace(files);
    // plan.md as a folder: reading it fails (EISDIR).
    rmSync(join(root, 'specs/002-unreadable/plan.md'));
    mkdirSync(join(root, 'specs/002-unreadable/plan.md'));
    const projects = await infer(files, {}, root);
    expect(Object.keys(projects)).toEqual(['specs/001-fine', 'specs/002-unreadable']);
    expect((projects['specs/002-unreadable'].metadata as any).speckit.diagnostics).toEqual([
      expect.stringMatching(/^specs\/002-unreadable\/plan\.md: error: plan\.md cannot be read: EISDIR/),
    ]);
    expect(targets(projects['specs/002-unreadable']).implement.options).toEqual({ validateOnly: true });
  });

  it("never hands one feature's project to another folder with identical files", async () => {
    const tasks = '- [ ] T001 A in a.ts\n';
    const projects = await infer({ ...feature('specs/010-one', tasks), ...feature('specs/011-two', tasks) });
    expect(projects['specs/010-one'].name).toBe('spec-010-one');
    expect(projects['specs/011-two'].name).toBe('spec-011-two');
  });
});
