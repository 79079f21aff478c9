/**
 * The plugin in real temporary workspaces, through the real `nx` binary (no daemon). Uses the
 * built package (`nx-speckit` → packages/nx-speckit/dist), rebuilt here if sources changed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ok, REPO_ROOT, TempWorkspace, useTempWorkspaces } from '../testing/workspace';

jest.setTimeout(120_000);

const workspace = useTempWorkspaces();

/** A command agent: writes every declared file and logs its task id (outside the declared files). */
const AGENT = `const fs = require('fs'), path = require('path');
const id = process.env.SPECKIT_TASK_ID;
for (const f of JSON.parse(process.env.SPECKIT_TASK_FILES)) {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, '// written by ' + id + '\\n');
}
fs.mkdirSync('.speckit', { recursive: true });
fs.appendFileSync('.speckit/agent-runs.log', id + '\\n');
`;
const agentRuns = (ws: TempWorkspace) => ws.lines('.speckit/agent-runs.log');
const agentOptions = (ws: TempWorkspace) => ({ agent: { command: [process.execPath, join(ws.root, 'agent.js')] } });
function usingAgent(ws: TempWorkspace) {
  ws.write('agent.js', AGENT);
  ws.setPluginOptions(agentOptions(ws));
}

const ALBUMS = `# Tasks: Albums

## Phase 1: Setup

- [ ] T001 Create package in apps/web/package.json
- [ ] T002 [P] Lint config in .eslintrc.json
- [ ] T003 [P] Format config in .prettierrc.json

## Phase 2: User Story 1 - Albums (Priority: P1)

### Tests for User Story 1

- [ ] T004 [P] [US1] Contract test in tests/albums.test.ts

### Implementation for User Story 1

- [ ] T005 [P] [US1] Album model in apps/web/src/album.ts
- [ ] T006 [US1] Album page in apps/web/src/page.tsx

## Phase 3: User Story 2 - Sharing (Priority: P2)

- [ ] T007 [US2] Share model in apps/web/src/share.ts
- [ ] T008 [US2] Share page in apps/web/src/page.tsx (depends on T007)

## Phase 4: Polish

- [ ] T009 Docs in docs/albums.md
`;

describe('a workspace with features beside ordinary projects', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = workspace({
      features: {
        'specs/001-albums': { tasks: ALBUMS },
        'specs/002-search': { tasks: '- [ ] T001 Index in libs/util/src/index.ts\n' },
      },
      files: {
        'package.json': JSON.stringify({ name: 'e2e-workspace', private: true, workspaces: ['libs/*'] }),
        'libs/util/package.json': JSON.stringify({ name: 'util', version: '1.0.0' }),
        'apps/web/project.json': JSON.stringify({ name: 'web', root: 'apps/web', targets: {} }),
      },
    });
  });

  it('nx show projects lists one project per feature, and the others', () => {
    const r = ok(ws.nx(['show', 'projects', '--json']));
    expect(JSON.parse(r.stdout).sort()).toEqual(['spec-001-albums', 'spec-002-search', 'util', 'web']);
    expect(JSON.parse(ok(ws.nx(['show', 'projects', '--projects', 'tag:speckit', '--json'])).stdout).sort()).toEqual([
      'spec-001-albums',
      'spec-002-search',
    ]);
  });

  it('nx show project prints the inferred targets, dependsOn and metadata', () => {
    const p = JSON.parse(ok(ws.nx(['show', 'project', 'spec-001-albums', '--json'])).stdout);
    expect(p).toMatchObject({ name: 'spec-001-albums', root: 'specs/001-albums', tags: ['speckit'] });
    expect(Object.keys(p.targets).sort()).toEqual(
      [
        'implement',
        'implement--P1',
        'implement--P2',
        ...['T001', 'T002', 'T003', 'T004', 'T005', 'T006', 'T007', 'T008', 'T009'].map((id) => `implement--${id}`),
        'implement--US1',
        'implement--US2',
        'implement--phase1',
        'implement--phase2',
        'implement--phase3',
        'implement--phase4',
      ].sort(),
    );
    expect(p.targets['implement--T006']).toMatchObject({
      executor: 'nx-speckit:task',
      dependsOn: ['implement--T005'],
      options: { taskId: 'T006', agent: 'claude', definition: expect.stringMatching(/^[0-9a-f]{16}$/) },
      outputs: [
        '{workspaceRoot}/apps/web/src/page.tsx',
        '{workspaceRoot}/.speckit/changesets/spec-001-albums/T006.json',
      ],
      cache: true,
      metadata: {
        description: 'T006: Album page in apps/web/src/page.tsx',
        technologies: ['speckit'],
        speckit: {
          checkbox: ' ',
          phase: 'Phase 2: User Story 1 - Albums (Priority: P1)',
          story: 'US1',
          priority: 'P1',
        },
      },
    });
    expect(p.targets['implement--T008'].metadata.speckit.dependsOn).toEqual([
      { id: 'T006', reasons: [{ rule: 'file-conflict', cause: 'both touch apps/web/src/page.tsx' }] },
      {
        id: 'T007',
        reasons: [
          { rule: 'sequence', cause: 'listed after T007' },
          { rule: 'explicit', cause: 'T008 depends on T007 (line 23)' },
        ],
      },
    ]);
    expect(p.targets.implement).toMatchObject({ executor: 'nx:noop' });
    expect(p.metadata.targetGroups['Phase 3: User Story 2 - Sharing (Priority: P2)']).toEqual([
      'implement--phase3',
      'implement--T007',
      'implement--T008',
    ]);
  });

  it('nx graph --targets has exactly the planned task edges, and feature → project dependencies', () => {
    ok(ws.nx(['graph', '--file=graph.json', '--targets=implement']));
    const { graph, tasks } = ws.readJson('graph.json');
    const edges = (project: string) =>
      Object.fromEntries(
        Object.entries(tasks.dependencies as Record<string, Array<{ id: string }>>)
          .filter(([id]) => id.startsWith(`${project}:`))
          .map(([id, deps]) => [id.slice(project.length + 1), deps.map((d) => d.id.replace(`${project}:`, '')).sort()]),
      );
    expect(edges('spec-001-albums')).toEqual({
      implement: ['T001', 'T002', 'T003', 'T004', 'T005', 'T006', 'T007', 'T008', 'T009'].map(
        (id) => `implement--${id}`,
      ),
      'implement--T001': [],
      'implement--T002': ['implement--T001'],
      'implement--T003': ['implement--T001'],
      'implement--T004': ['implement--T002', 'implement--T003'],
      'implement--T005': ['implement--T004'], // tests before implementation
      'implement--T006': ['implement--T005'],
      'implement--T007': ['implement--T002', 'implement--T003'], // User Story 2 runs beside User Story 1
      'implement--T008': ['implement--T006', 'implement--T007'], // same page as T006
      'implement--T009': ['implement--T008'], // after both stories (T006 through T008)
    });
    expect(edges('spec-002-search')).toEqual({ implement: ['implement--T001'], 'implement--T001': [] });
    expect(Object.keys(tasks.tasks).filter((id: string) => !id.startsWith('spec-'))).toEqual([]);

    const deps = (p: string) =>
      (graph.dependencies[p] as Array<{ target: string; type: string }>).map((d) => `${d.target}:${d.type}`).sort();
    expect(deps('spec-001-albums')).toEqual(['web:implicit']);
    expect(deps('spec-002-search')).toEqual(['util:implicit']);
    expect(deps('web')).toEqual([]);
  });

  it('one story brings exactly its prerequisites', () => {
    ok(ws.nx(['graph', '--file=us2.json', '--targets=implement--US2']));
    const ids = Object.keys(ws.readJson('us2.json').tasks.tasks).sort();
    expect(ids).toEqual(
      [
        'implement--T001',
        'implement--T002',
        'implement--T003',
        'implement--T005',
        'implement--T004',
        'implement--T006',
        'implement--T007',
        'implement--T008',
        'implement--US2',
      ]
        .map((t) => `spec-001-albums:${t}`)
        .sort(),
    );
  });

  it('caches inferred projects under .nx/workspace-data and serves unchanged features from there', () => {
    const cacheFile = join(ws.root, '.nx/workspace-data/nx-speckit.hash');
    const cache = JSON.parse(ws.read('.nx/workspace-data/nx-speckit.hash'));
    const byRoot = (root: string) => Object.keys(cache.entries).filter((k) => cache.entries[k].root === root);
    expect(byRoot('specs/001-albums')).toHaveLength(1);
    expect(byRoot('specs/002-search')).toHaveLength(1);
    // Mark the cached entry: if the next run re-parsed tasks.md, the mark would be gone.
    cache.entries[byRoot('specs/001-albums')[0]].tags.push('served-from-cache');
    ws.write('.nx/workspace-data/nx-speckit.hash', JSON.stringify(cache));
    expect(JSON.parse(ok(ws.nx(['show', 'projects', '--projects', 'tag:served-from-cache', '--json'])).stdout)).toEqual(
      ['spec-001-albums'],
    );
    expect(existsSync(cacheFile)).toBe(true);
  });

  it("Nx expands the shared named input: a task hashes the prompt documents, SPECKIT_AGENT, and its prerequisites' files and outputs", () => {
    ws.write('.specify/memory/constitution.md', '# Constitution\n');
    ws.write('specs/001-albums/contracts/albums-api.md', '# Albums API\n');
    ws.write('.eslintrc.json', '{}\n'); // T002's file: a prerequisite of T006 (and of every later task)
    ws.write('apps/web/src/album.ts', 'export {};\n'); // T005's: T006's direct prerequisite
    ws.write('apps/web/src/share.ts', 'export {};\n'); // T007's: User Story 2 runs beside T006, not before it
    const inputs = (task: string) =>
      JSON.parse(ok(ws.nx(['show', 'target', 'inputs', `spec-001-albums:implement--${task}`, '--json'])).stdout);
    // nx.json and .gitignore: Nx hashes them into every task
    const DOCS = [
      '.gitignore',
      '.specify/memory/constitution.md',
      'nx.json',
      'specs/001-albums/contracts/albums-api.md',
      'specs/001-albums/plan.md',
      'specs/001-albums/spec.md',
    ];

    const project = JSON.parse(ok(ws.nx(['show', 'project', 'spec-001-albums', '--json'])).stdout);
    expect(Object.keys(project.namedInputs)).toEqual(['speckit-task']); // the project's own; nx.json has none
    expect(ws.readJson('nx.json').namedInputs).toBeUndefined();
    expect(project.targets['implement--T006'].inputs).toEqual([
      'speckit-task',
      ...[
        '.eslintrc.json',
        '.prettierrc.json',
        'apps/web/package.json',
        'apps/web/src/album.ts',
        'tests/albums.test.ts',
      ].map((f) => `{workspaceRoot}/${f}`),
    ]);

    const t006 = inputs('T006');
    expect(t006.files).toEqual([...DOCS, '.eslintrc.json', 'apps/web/src/album.ts'].sort());
    expect(t006.depOutputs).toEqual(['.eslintrc.json', 'apps/web/src/album.ts']); // dependentTasksOutputFiles, transitive
    expect(t006.environment).toContain('SPECKIT_AGENT');

    const t001 = inputs('T001');
    expect(t001.files).toEqual(DOCS); // never tasks.md, never another task's file
    expect(t001.depOutputs).toBeUndefined(); // no task before it
    expect(t001.environment).toContain('SPECKIT_AGENT');
  });
});

describe('nx affected after a commit that touches one feature', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = workspace({
      features: {
        'specs/001-a': { tasks: '## Phase 1\n- [ ] T001 A1 in src/a1.ts\n- [ ] T002 A2 in src/a2.ts\n' },
        'specs/002-b': {
          tasks: '## Phase 1\n- [ ] T001 B1 in src/b1.ts\n- [ ] T002 B2 in src/b2.ts\n- [ ] T003 B3 in src/b3.ts\n',
        },
      },
      git: true,
    });
  });

  const affectedTasks = () => {
    ok(ws.nx(['affected', '-t', 'implement', '--base=HEAD~1', '--head=HEAD', '--graph=affected.json']));
    return Object.keys(ws.readJson('affected.json').tasks.tasks).sort();
  };

  it('selects only that feature (projects and tasks)', () => {
    ws.write('specs/002-b/spec.md', '# Feature Specification\n\nNow with more detail.\n');
    ws.commitAll('refine feature b');
    expect(
      JSON.parse(ok(ws.nx(['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json'])).stdout),
    ).toEqual(['spec-002-b']);
    expect(affectedTasks()).toEqual([
      'spec-002-b:implement',
      'spec-002-b:implement--T001',
      'spec-002-b:implement--T002',
      'spec-002-b:implement--T003',
    ]);
  });

  it('ticking a box in one feature leaves the other out, and the ticked task out of the run', () => {
    ws.write('specs/001-a/tasks.md', '## Phase 1\n- [X] T001 A1 in src/a1.ts\n- [ ] T002 A2 in src/a2.ts\n');
    ws.commitAll('T001 of feature a done');
    expect(
      JSON.parse(ok(ws.nx(['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json'])).stdout),
    ).toEqual(['spec-001-a']);
    expect(affectedTasks()).toEqual(['spec-001-a:implement', 'spec-001-a:implement--T002']);
  });
});

describe('a broken feature beside good ones', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = workspace({
      features: {
        'specs/001-good': { tasks: '- [ ] T001 Good in src/good.ts\n' },
        'specs/002-unknown': {
          tasks: '## Phase 1: Setup\n- [ ] T001 A in src/a.ts\n- [ ] T002 B in src/b.ts (depends on T099)\n',
        },
        'specs/003-cycle': {
          tasks: '## Phase 1\n- [ ] T001 A in src/c.ts (depends on T002)\n- [ ] T002 B in src/d.ts (depends on T001)\n',
        },
      },
    });
    usingAgent(ws);
  });

  it('still loads every project, exit 0', () => {
    const r = ok(ws.nx(['show', 'projects', '--json']));
    expect(JSON.parse(r.stdout).sort()).toEqual(['spec-001-good', 'spec-002-unknown', 'spec-003-cycle']);
  });

  it('fails fast naming tasks.md:LINE and the ids, without running any agent', () => {
    const r = ws.nx([
      'run-many',
      '-t',
      'implement',
      '-p',
      'spec-002-unknown',
      'spec-003-cycle',
      '--outputStyle=static',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      'specs/002-unknown/tasks.md:3: error: T002: T002 depends on T099, which is not a task in this file',
    );
    expect(r.output).toMatch(/specs\/003-cycle\/tasks\.md:2: error: T001: dependency cycle: T001 → T002 → T001/);
    expect(agentRuns(ws)).toEqual([]);
  });
});

describe('finished work costs nothing; the cache key ignores checkboxes but not prerequisite files', () => {
  let ws: TempWorkspace;
  const featureB = (t1: string, t2: string) =>
    `## Phase 1\n- [${t1}] T001 First in src/b1.ts\n- [${t2}] T002 Second in src/b2.ts\n`;
  beforeAll(() => {
    ws = workspace({
      features: {
        'specs/001-done': {
          tasks: '## Phase 1\n- [X] T001 Done in src/done1.ts\n- [x] T002 Done too in src/done2.ts\n',
        },
        'specs/002-half': { tasks: featureB('X', ' ') },
      },
      files: { 'src/b1.ts': '// first version\n' },
    });
    usingAgent(ws);
  });
  const run = () => ok(ws.nx(['run-many', '-t', 'implement', '--outputStyle=static']));

  it('nx run-many -t implement runs only the unfinished task', () => {
    const r = run();
    expect(agentRuns(ws)).toEqual(['T002']);
    expect(r.output).not.toMatch(/spec-001-done:implement--T/);
    expect(r.output).not.toMatch(/spec-002-half:implement--T001/);
    expect(ws.read('src/b2.ts')).toBe('// written by T002\n');
    expect(ws.read('specs/002-half/tasks.md')).toBe(featureB('X', 'X'));
    expect(existsSync(join(ws.root, 'src/done1.ts'))).toBe(false);
  });

  it('the same task in the same state is a cache hit that restores its output', () => {
    ws.write('specs/002-half/tasks.md', featureB('X', ' '));
    unlinkSync(join(ws.root, 'src/b2.ts'));
    const r = run();
    expect(agentRuns(ws)).toEqual(['T002']); // the agent did not run again
    expect(r.output).toMatch(/spec-002-half:implement--T002 +\[local cache\]/);
    expect(ws.read('src/b2.ts')).toBe('// written by T002\n');
  });

  it('a changed file of a finished prerequisite is a cache miss', () => {
    ws.write('specs/002-half/tasks.md', featureB('X', ' '));
    ws.write('src/b1.ts', '// second version, edited by hand\n');
    unlinkSync(join(ws.root, 'src/b2.ts'));
    run();
    expect(agentRuns(ws)).toEqual(['T002', 'T002']);
  });
});

describe('nx g nx-speckit:init', () => {
  it('registers the plugin once, ignores run artefacts, and the features appear', () => {
    const ws = workspace({ features: { 'specs/001-x': { tasks: '- [ ] T001 X in src/x.ts\n' } } });
    ws.write('nx.json', JSON.stringify({ analytics: false, neverConnectToCloud: true }, null, 2));
    ws.write('.gitignore', 'node_modules\n.nx');
    expect(JSON.parse(ok(ws.nx(['show', 'projects', '--json'])).stdout)).toEqual([]);

    ok(ws.nx(['g', 'nx-speckit:init', '--no-interactive']));
    const plugins = ws.readJson('nx.json').plugins;
    expect(plugins).toEqual([{ plugin: 'nx-speckit', options: { targetName: 'implement', agent: 'claude' } }]);
    const gitignore = ws.read('.gitignore');
    expect(gitignore.split('\n')).toEqual(
      expect.arrayContaining(['node_modules', '.nx', '.speckit/runs', '.speckit/logs']),
    );

    ok(ws.nx(['g', 'nx-speckit:init', '--no-interactive', '--agent=codex']));
    expect(ws.readJson('nx.json').plugins).toEqual(plugins);
    expect(ws.read('.gitignore')).toBe(gitignore);
    expect(JSON.parse(ok(ws.nx(['show', 'projects', '--json'])).stdout)).toEqual(['spec-001-x']);
  });

  it('as `nx add` runs it (--keepExistingVersions): the next free target name when `implement` is taken, .nxignore too, package.json untouched', () => {
    const ws = workspace({ features: { 'specs/001-x': { tasks: '- [ ] T001 X in src/x.ts\n' } } });
    ws.write('nx.json', JSON.stringify({ analytics: false, neverConnectToCloud: true }, null, 2));
    ws.write('.nxignore', 'tmp');
    // The feature folder is already a project with a target of that name.
    ws.write(
      'specs/001-x/project.json',
      JSON.stringify({ name: 'feature-x', targets: { implement: { command: 'echo mine' } } }),
    );
    const packageJson = ws.read('package.json');

    ok(ws.nx(['g', 'nx-speckit:init', '--no-interactive', '--keepExistingVersions']));
    expect(ws.readJson('nx.json').plugins).toEqual([
      { plugin: 'nx-speckit', options: { targetName: 'speckit-implement', agent: 'claude' } },
    ]);
    expect(ws.read('.nxignore')).toBe(
      'tmp\n\n# nx-speckit run artefacts\n.speckit/runs\n.speckit/logs\n.speckit/reports\n.speckit/plans\n.speckit/changesets\n',
    );
    expect(ws.read('package.json')).toBe(packageJson);
    const targets = Object.keys(JSON.parse(ok(ws.nx(['show', 'project', 'feature-x', '--json'])).stdout).targets);
    expect(targets).toEqual(expect.arrayContaining(['implement', 'speckit-implement', 'speckit-implement--T001']));
  });
});

describe('graph construction stays light', () => {
  it('loading the plugin does not load the markdown parser', () => {
    const probe = `require(${JSON.stringify(join(REPO_ROOT, 'node_modules/nx-speckit'))});
      const loaded = Object.keys(require.cache);
      console.log(JSON.stringify({ plugin: loaded.some((f) => f.includes('nx-speckit')), remark: loaded.filter((f) => /[\\\\/](remark|micromark|mdast)[^\\\\/]*[\\\\/]|markdown-stack/.test(f)).length }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' }));
    expect(out).toEqual({ plugin: true, remark: 0 });
  });

  it('under the `--conditions development` Nx gives plugin workers, the parser runs the bundled production builds', () => {
    const tasksMd = join(REPO_ROOT, 'node_modules/@nx-speckit/tasks-md');
    const probe = `const { parseTasks } = require(${JSON.stringify(tasksMd)});
      const tasks = parseTasks('## Phase 1\\n- [ ] T001 [P] Do it in src/a.ts\\n').tasks.map((t) => t.id);
      const stack = Object.keys(require.cache).filter((f) => /markdown-stack|[\\\\/]node_modules[\\\\/](remark|micromark|mdast|unified)/.test(f));
      console.log(JSON.stringify({ tasks, stack: stack.map((f) => f.slice(f.lastIndexOf('dist'))) }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--conditions', 'development', '-e', probe], { encoding: 'utf8' }),
    );
    expect(out).toEqual({ tasks: ['T001'], stack: [join('dist', 'markdown-stack.js')] });
    // One self-contained file: it loads no markdown package, and holds no package's debug build.
    const bundle = readFileSync(join(tasksMd, 'dist/markdown-stack.js'), 'utf8');
    expect(bundle).not.toMatch(/require\("(remark|micromark|mdast|unified|unist)/);
    expect(bundle).toMatch(/\/\/ node_modules\/micromark\/lib\//);
    expect(bundle).not.toMatch(/\/\/ node_modules\/[^\n]*\/dev\//);
  });
});

describe('lanes: "story"', () => {
  it("the executor plans as the graph does: a task's prompt names the prerequisites of its own lane only", () => {
    const tasks =
      '## Phase 1: Setup\n- [X] T001 Setup in package.json\n\n## Phase 2: Stories side by side\n' +
      '- [ ] T002 [US1] A in src/a.ts\n- [ ] T003 [US2] B in src/b.ts\n- [ ] T004 [US1] A2 in src/a2.ts\n';
    const ws = workspace({ features: { 'specs/001-lanes': { tasks } } });
    usingAgent(ws);
    ws.setPluginOptions({ ...agentOptions(ws), lanes: 'story' });
    ok(ws.nx(['run', 'spec-001-lanes:implement--T004', '--outputStyle=static']));
    expect(agentRuns(ws)).toEqual(['T002', 'T004']); // not T003: another lane
    const prompt = ws.read('.speckit/runs/spec-001-lanes/T004.prompt.md');
    // tasks.md is among the prompt's documents, so T003 is in the prompt: not among the prerequisites.
    const prerequisites = prompt.split('## What the prerequisite tasks produced\n')[1].split('\n## ')[0];
    expect(prerequisites).toBe('- T002 A in src/a.ts: src/a.ts\n');
  });
});
