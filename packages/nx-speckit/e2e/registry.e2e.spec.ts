/**
 * nx-speckit as a user gets it, tested the way Nx tests its own plugins: both packages are
 * published to a local Verdaccio on loopback, a fresh workspace is made by Nx's own tools and
 * `nx add nx-speckit` installs and initialises the plugin from that registry. Then the example
 * feature (copied in as a user would write it) runs with the replay agent to a complete report.
 * Nothing in the workspace points into this repository.
 *
 * The Nx majors in the peer range (23, 24) each get the smoke: graph, one feature's run to a
 * complete report. The rest of the suite runs on the repository's own Nx (24). A workspace is
 * made with `create-nx-workspace` where the registry has that version (its newest there is 23),
 * else with `nx init` in an empty package, which is how Nx adds itself to an existing repository.
 * Nx 22 is outside the peer range: its @nx/devkit lacks the plugin-cache and addPlugin helpers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRegistry, type LocalRegistry } from '../testing/registry';
import { buildPackages, REPO_ROOT } from '../testing/workspace';

jest.setTimeout(900_000);

const FEATURE = 'specs/001-unit-converter';
const RECORDINGS = '.speckit/recordings/001-unit-converter';
const PROJECT = 'spec-001-unit-converter';
const NX_ENV = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  CI: 'true',
  FORCE_COLOR: '0',
  NO_COLOR: '1',
};

let registry: LocalRegistry;
const made: string[] = [];

beforeAll(async () => {
  buildPackages();
  registry = await startLocalRegistry();
  registry.publish('packages/tasks-md');
  registry.publish('packages/nx-speckit');
});
afterAll(async () => {
  await registry?.stop();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Runs a command in `cwd` against the local registry; throws with its output when it fails. */
function sh(cwd: string, command: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...NX_ENV, ...registry.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 600_000,
  });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0)
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} exited ${r.status}:\n${output.slice(-6000)}`);
  return output;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=e2e@example.invalid', '-c', 'user.name=e2e', ...args], { cwd, stdio: 'pipe' });

/** A fresh workspace on the given Nx version, made with Nx's own tools. */
function createWorkspace(nxVersion: string, how: 'create-nx-workspace' | 'nx init'): string {
  const parent = mkdtempSync(join(tmpdir(), `nx-speckit-registry-${nxVersion}-`));
  made.push(parent);
  const ws = join(parent, 'acme');
  if (how === 'create-nx-workspace') {
    sh(parent, 'npx', [
      '-y',
      `create-nx-workspace@${nxVersion}`,
      'acme',
      '--preset=apps',
      '--nxCloud=skip',
      '--pm=npm',
      '--interactive=false',
    ]);
  } else {
    mkdirSync(ws);
    writeFileSync(join(ws, 'package.json'), `${JSON.stringify({ name: 'acme', private: true }, null, 2)}\n`);
    writeFileSync(join(ws, '.gitignore'), 'node_modules\n');
    git(ws, 'init', '-q', '-b', 'main');
    sh(ws, 'npx', ['-y', `nx@${nxVersion}`, 'init', '--interactive=false']);
    git(ws, 'add', '-A');
    git(ws, 'commit', '-q', '-m', 'nx init');
  }
  expect(JSON.parse(readFileSync(join(ws, 'package.json'), 'utf8')).devDependencies.nx).toBe(nxVersion);
  return ws;
}

/** `nx add nx-speckit`, then the example feature and its recordings, committed as a user would. */
function addPluginAndFeature(ws: string): string {
  const output = sh(ws, 'npx', ['nx', 'add', 'nx-speckit']);
  for (const rel of [FEATURE, RECORDINGS]) cpSync(join(REPO_ROOT, rel), join(ws, rel), { recursive: true });
  git(ws, 'add', '-A');
  git(ws, 'commit', '-q', '-m', 'spec-kit feature 001-unit-converter');
  return output;
}

/** The smoke every supported Nx major gets: the graph, then one feature's run to a complete report. */
function smoke(ws: string) {
  sh(ws, 'npx', ['nx', 'graph', '--file=graph.json']);
  const graph = JSON.parse(readFileSync(join(ws, 'graph.json'), 'utf8'));
  expect(Object.keys(graph.graph.nodes)).toEqual([PROJECT]);
  expect(Object.keys(graph.graph.nodes[PROJECT].data.targets)).toEqual(
    expect.arrayContaining(['implement', 'implement--T001', 'implement--T023', 'implement--US1']),
  );

  const run = sh(ws, 'npx', ['nx', 'run-many', '-t', 'implement'], { SPECKIT_AGENT: 'replay' });
  expect(run).toContain('nx-speckit run: COMPLETE (every task of the 1 feature in the run is done)');
  const report = JSON.parse(readFileSync(join(ws, '.speckit/reports/latest.json'), 'utf8'));
  expect([report.outcome, report.counts.done, report.tasks.length]).toEqual(['complete', 23, 23]);
  expect(readFileSync(join(ws, FEATURE, 'tasks.md'), 'utf8')).not.toMatch(/^- \[ \]/m);
}

/** Installed from the registry, not linked to or copied by path from this repository. */
function expectNoPathIntoRepository(ws: string) {
  for (const pkg of ['nx-speckit', '@nx-speckit/tasks-md']) {
    expect(lstatSync(join(ws, 'node_modules', pkg)).isSymbolicLink()).toBe(false);
    expect(existsSync(join(ws, 'node_modules', pkg, 'dist/index.js'))).toBe(true);
  }
  const lock = JSON.parse(readFileSync(join(ws, 'package-lock.json'), 'utf8'));
  for (const key of ['node_modules/nx-speckit', 'node_modules/@nx-speckit/tasks-md']) {
    // A registry tarball: a version and an integrity hash, neither a link nor a file: path.
    expect(lock.packages[key]).toMatchObject({ version: '0.1.0', integrity: expect.stringMatching(/^sha512-/) });
    expect([lock.packages[key].link, lock.packages[key].resolved ?? registry.url]).toEqual([
      undefined,
      expect.stringMatching(/^http:\/\/127\.0\.0\.1:/),
    ]);
  }
  for (const file of ['package.json', 'package-lock.json', 'nx.json'])
    expect(readFileSync(join(ws, file), 'utf8')).not.toContain(REPO_ROOT);
}

describe("Nx 24 (the repository's own): nx init, nx add nx-speckit, the example to a complete run", () => {
  let ws: string;
  let added: string;
  beforeAll(() => {
    ws = createWorkspace('24.0.6', 'nx init');
    added = addPluginAndFeature(ws);
  });

  it('`nx add` installs the published packages and runs init: plugin registered, run artefacts ignored', () => {
    expect(added).toContain('Package nx-speckit added successfully.');
    expect(JSON.parse(readFileSync(join(ws, 'package.json'), 'utf8')).devDependencies['nx-speckit']).toMatch(
      /^\^?0\.1\.0$/,
    );
    expect(JSON.parse(readFileSync(join(ws, 'nx.json'), 'utf8')).plugins).toEqual([
      { plugin: 'nx-speckit', options: { targetName: 'implement', agent: 'claude' } },
    ]);
    expect(readFileSync(join(ws, '.gitignore'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining(['.speckit/runs', '.speckit/logs', '.speckit/reports', '.speckit/plans']),
    );
    expectNoPathIntoRepository(ws);
  });

  it('`nx list` finds it as an installed plugin with its generator and executors', () => {
    expect(sh(ws, 'npx', ['nx', 'list', 'nx-speckit'])).toMatch(/init[\s\S]*task[\s\S]*gate/);
  });

  it('smoke: the graph, then the example feature to a complete report', () => smoke(ws));

  it("`nx g nx-speckit:init --speckit` installs the spec-kit extension from the package; its hook's command prints the plan", () => {
    sh(ws, 'npx', ['nx', 'g', 'nx-speckit:init', '--speckit', '--no-interactive']);
    expect(readFileSync(join(ws, '.claude/commands/speckit.nx.implement.md'), 'utf8')).toContain(
      '.speckit/reports/latest.json',
    );
    expect(readFileSync(join(ws, '.specify/extensions.yml'), 'utf8')).toContain('command: speckit.nx.plan');
    const plan = sh(ws, 'npx', ['nx-speckit-plan', FEATURE]);
    expect(plan).toContain('Feature specs/001-unit-converter: 23 tasks');
    expect(plan).toMatch(/Waves \(\d+\)[\s\S]*Critical path \(\d+ tasks\)[\s\S]*Diagnostics \(0 errors/);
  });

  it("a second run finds nothing to do, and git sees only the feature's ticked boxes and the example code", () => {
    const run = sh(ws, 'npx', ['nx', 'run-many', '-t', 'implement'], { SPECKIT_AGENT: 'replay' });
    expect(run).toContain('nx-speckit run: COMPLETE');
    expect(JSON.parse(readFileSync(join(ws, '.speckit/reports/latest.json'), 'utf8')).counts['already-done']).toBe(23);
    const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      cwd: ws,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    const expected = (f: string) =>
      f.startsWith('examples/') ||
      f.startsWith('.claude/') ||
      f.startsWith('.specify/') ||
      [`${FEATURE}/tasks.md`, 'graph.json', 'nx.json'].includes(f);
    expect(changed.filter((f) => !expected(f))).toEqual([]);
  });
});

describe('Nx 23: create-nx-workspace, nx add nx-speckit, the smoke', () => {
  it('from create-nx-workspace to a complete run', () => {
    const ws = createWorkspace('23.2.1', 'create-nx-workspace');
    expect(addPluginAndFeature(ws)).toContain('Package nx-speckit added successfully.');
    expectNoPathIntoRepository(ws);
    smoke(ws);
  });
});
