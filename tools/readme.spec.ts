/**
 * The README cannot rot: every line of its `sh` blocks must be claimed by a check below. Most are
 * run here; `npm ci`/`npm test` are what .ci/run runs, `npm run demo` is run by tools/demo.spec.ts,
 * and `npm run bench` (25 minutes) only re-renders its committed results. "Use it in your workspace" is followed as a newcomer would: the packages are
 * packed, installed into a fresh workspace holding the bundled example feature, `nx g
 * nx-speckit:init` registers the plugin, and the README's nx commands run there in order through
 * `npx`. Three things differ from a person's terminal, each for a reason: SPECKIT_AGENT=replay (no
 * model in tests), `npm install` with --prefer-offline (the packages npm ci cached), and `nx graph`
 * with --file (no browser).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTasks } from '../packages/tasks-md/src';
import { buildPackages } from '../packages/nx-speckit/testing/workspace';

jest.setTimeout(600_000);

const REPO_ROOT = join(__dirname, '..');
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const FEATURE = 'specs/001-unit-converter';
const RECORDINGS = '.speckit/recordings/001-unit-converter';

/** Each `sh` block's command lines, comments removed. */
function shBlocks(markdown: string): string[][] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) =>
    m[1]
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter(Boolean),
  );
}

/** What claims each kind of README command. */
const CLAIMS: Array<{ pattern: RegExp; by: string }> = [
  { pattern: /^npm (ci|test)$/, by: 'the set-up test below (.ci/run runs exactly these)' },
  { pattern: /^npm run demo$/, by: 'tools/demo.spec.ts (runDemo, which is what the demo script runs)' },
  { pattern: /^npm run plan -- \S+$/, by: 'the plan test below' },
  {
    pattern: /^npm run corpus -- \S+$/,
    by: 'tools/corpus.spec.ts (runs tools/corpus.js, which is what the corpus script runs)',
  },
  { pattern: /^npm run bench( -- [\w -]+)?$/, by: 'the bench test below (--render)' },
  { pattern: /^npm (pack|install) /, by: 'the newcomer test below' },
  {
    pattern: /^npx nx add nx-speckit$/,
    by: 'packages/nx-speckit/e2e/registry.e2e.spec.ts (installs from a local registry; checked below)',
  },
  { pattern: /^(\w+=\S+ )*npx nx (?!add )/, by: 'the newcomer test below' },
];

const blocks = shBlocks(README);
const commands = blocks.flat();

test('every command in the README is claimed by a check', () => {
  expect(commands.length).toBeGreaterThan(10);
  expect(commands.filter((c) => !CLAIMS.some(({ pattern }) => pattern.test(c)))).toEqual([]);
});

test('set-up is `npm ci` then `npm test`, and .ci/run runs exactly those', () => {
  expect(blocks[0]).toEqual(['npm ci', 'npm test']);
  const ciCommands = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#') && !/^(set|cd) /.test(l));
  expect(ciCommands).toEqual(['npm ci', 'npm test']);
});

test('`npx nx add nx-speckit` is what the registry e2e runs in its fresh workspaces', () => {
  expect(commands).toContain('npx nx add nx-speckit');
  expect(readFileSync(join(REPO_ROOT, 'packages/nx-speckit/e2e/registry.e2e.spec.ts'), 'utf8')).toContain(
    "sh(ws, 'npx', ['nx', 'add', 'nx-speckit'])",
  );
});

test('`npm run demo` is the script tools/demo.spec.ts runs', () => {
  expect(commands).toContain('npm run demo');
  expect(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts.demo).toBe(
    'npm run build && node tools/demo.js',
  );
  expect(readFileSync(join(REPO_ROOT, 'tools/demo.spec.ts'), 'utf8')).toContain('demo.runDemo(');
});

test("`npm run plan -- <feature>` prints the example's plan", () => {
  const line = commands.find((c) => c.startsWith('npm run plan -- '))!;
  const r = spawnSync('npm', line.split(' ').slice(1), { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('Feature specs/001-unit-converter: 23 tasks');
  expect(r.stdout).toMatch(/Critical path/i);
});

test("`npm run bench` renders the README's table from the committed results (latest.md matches latest.json)", () => {
  expect(commands).toContain('npm run bench');
  const md = join(REPO_ROOT, 'tools/bench/results/latest.md');
  const before = readFileSync(md, 'utf8');
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'tools/bench.js'), '--render'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  expect(readFileSync(md, 'utf8')).toBe(before);
  // The README quotes the same tables.
  for (const row of before.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---')))
    expect(README).toContain(row);
});

describe('a newcomer follows "Use it in your workspace"', () => {
  let packDir: string;
  let ws: string;
  const ENV = {
    ...process.env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    SPECKIT_AGENT: 'replay',
  };
  const open = () =>
    parseTasks(readFileSync(join(ws, FEATURE, 'tasks.md'), 'utf8'))
      .tasks.filter((t) => !t.done)
      .map((t) => t.id);

  beforeAll(() => {
    buildPackages();
    packDir = mkdtempSync(join(tmpdir(), 'readme-pack-'));
    ws = mkdtempSync(join(tmpdir(), 'readme-ws-'));
    // A workspace that already uses Nx (the version this repo tests), holding the example feature.
    const nxVersion = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/nx/package.json'), 'utf8')).version;
    writeFileSync(
      join(ws, 'package.json'),
      `${JSON.stringify({ name: 'my-workspace', private: true, devDependencies: { nx: nxVersion } }, null, 2)}\n`,
    );
    writeFileSync(
      join(ws, 'nx.json'),
      `${JSON.stringify({ analytics: false, neverConnectToCloud: true, cacheDirectory: '.nx/cache' }, null, 2)}\n`,
    );
    for (const rel of [FEATURE, RECORDINGS]) cpSync(join(REPO_ROOT, rel), join(ws, rel), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], {
        cwd: ws,
        stdio: 'pipe',
      });
    git('init', '-q', '-b', 'main');
    writeFileSync(join(ws, '.gitignore'), 'node_modules\n.nx\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'a spec-kit feature');
  });
  afterAll(() => [packDir, ws].forEach((d) => d && rmSync(d, { recursive: true, force: true })));

  /** Runs one README line: `VAR=value` prefixes become env, /tmp/nx-speckit is the temp pack folder. */
  function run(line: string, extra: string[] = []) {
    const words = line.replaceAll('/tmp/nx-speckit', packDir).split(/\s+/);
    const env: Record<string, string> = { ...ENV };
    while (/^\w+=/.test(words[0])) {
      const [k, v] = words.shift()!.split('=');
      env[k] = v;
    }
    const cwd = words[0] === 'npm' && words[1] === 'pack' ? REPO_ROOT : ws;
    const r = spawnSync(words[0], [...words.slice(1), ...extra], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
    const output = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`\`${line}\` exited ${r.status}:\n${output.slice(-4000)}`);
    return { output, stdout: r.stdout };
  }

  const install = blocks.find((b) => b.some((c) => c.startsWith('npm pack')))!;
  const usage = blocks.find((b) => b.some((c) => c.includes('implement--US1')))!;

  test('install, init, show', () => {
    expect(install.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual([
      'npm pack -w',
      'npm install -D',
      'npx nx g',
      'npx nx show',
      'npx nx show',
    ]);
    run(install[0]);
    run(install[1], ['--prefer-offline', '--no-audit', '--no-fund']);
    // Installed as a user gets it: real files in node_modules, not a link into this repository.
    expect(existsSync(join(ws, 'node_modules/nx-speckit/dist/index.js'))).toBe(true);
    expect(existsSync(join(ws, 'node_modules/@nx-speckit/tasks-md/dist/index.js'))).toBe(true);
    // The markdown packages are bundled into tasks-md's dist: the graph below parses with none installed.
    expect(
      ['remark-parse', 'micromark', 'unified'].filter((name) => existsSync(join(ws, 'node_modules', name))),
    ).toEqual([]);
    run(install[2]);
    expect(JSON.parse(readFileSync(join(ws, 'nx.json'), 'utf8')).plugins).toEqual([
      { plugin: 'nx-speckit', options: { targetName: 'implement', agent: 'claude' } },
    ]);
    expect(readFileSync(join(ws, '.gitignore'), 'utf8')).toContain('.speckit/runs');
    expect(run(install[3]).stdout.trim().split('\n')).toEqual(['spec-001-unit-converter']);
    const shown = run(install[4]).stdout;
    for (const target of [
      'implement',
      'implement--T001',
      'implement--T023',
      'implement--US3',
      'implement--P1',
      'implement--phase6',
    ])
      expect(shown).toContain(target);
  });

  test("the run commands, in the README's order", () => {
    expect(
      usage.map((c) =>
        c
          .replace(/^\w+=\S+ /, '')
          .split(' ')
          .slice(0, 4)
          .join(' '),
      ),
    ).toEqual([
      'npx nx run spec-001-unit-converter:implement--US1',
      'npx nx run-many -t',
      'npx nx run-many -t',
      'npx nx affected -t',
      'npx nx graph --targets=implement',
      'npx nx run-many -t',
    ]);
    // One story: its own tasks and the Setup and Foundational tasks it needs, nothing of US2, US3, Polish.
    run(usage[0]);
    expect(open()).toEqual(['T017', 'T018', 'T019', 'T020', 'T021', 'T022', 'T023']);
    run(usage[1]); // P1 is US1 in the example: already done, costs nothing
    expect(open()).toHaveLength(7);
    run(usage[2]);
    expect(open()).toEqual([]);
    run(usage[3]);
    const graphFile = join(ws, 'graph.json');
    run(usage[4], [`--file=${graphFile}`]);
    const graph = JSON.parse(readFileSync(graphFile, 'utf8'));
    expect(Object.keys(graph.graph.nodes)).toContain('spec-001-unit-converter');
    const again = run(usage[5]).output;
    expect(again).toMatch(/Successfully ran target implement/);
    expect(again).not.toContain('→ marked [X]'); // everything was done: no agent ran
  });
});
