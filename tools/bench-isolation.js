#!/usr/bin/env node
/**
 * The per-task cost of worktree isolation (snapshot, checkout, changeset, three-way apply, removal),
 * next to isolation "none" (which costs nothing of this: the agent works in the workspace), on
 *   - a git workspace of 20,000 tracked files (200 folders of 100 small files), and
 *   - the bundled example (this repository's spec-kit feature and its recordings, about 40 files).
 * Each simulated task edits one declared file and package.json, like an agent adding a dependency.
 * Needs the build (`npm run build`). Usage: node tools/bench-isolation.js [tasks per workspace, default 7]
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..');
const dist = (m) => require(path.join(REPO_ROOT, 'packages/nx-speckit/dist/isolation', m));
const { snapshotCommit } = dist('snapshot');
const { openWorktree, closeWorktree } = dist('worktree');
const { computeChangeset, excludedPathspecs } = dist('changeset');
const { applyChangeset } = dist('apply');

const TASKS = Number(process.argv[2] || 7);
const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function makeRepo(name, fill) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `bench-isolation-${name}-`)));
  fill(root);
  fs.writeFileSync(path.join(root, 'package.json'), `${JSON.stringify({ name, private: true, version: '1.0.0', license: 'MIT', scripts: {}, dependencies: {} }, null, 2)}\n`);
  fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules\n.speckit/runs\n');
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, '-c', 'user.email=b@example.com', '-c', 'user.name=bench', 'commit', '-q', '-m', 'bench');
  return root;
}

function twentyThousand(root) {
  for (let d = 0; d < 200; d++) {
    const dir = path.join(root, 'src', `mod${d}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(dir, `file${f}.ts`), `export const v${d}_${f} = ${d * 100 + f};\n`);
  }
}

function example(root) {
  const tracked = git(REPO_ROOT, 'ls-files', '-z', '--', 'specs/001-unit-converter', '.speckit/recordings/001-unit-converter').split('\0').filter(Boolean);
  for (const file of tracked) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
  }
}

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(root) {
  const phases = { snapshot: [], checkout: [], changeset: [], apply: [], remove: [], total: [] };
  const files = Number(git(root, 'ls-files', '-z').split('\0').filter(Boolean).length);
  for (let i = 0; i < TASKS; i++) {
    const t0 = process.hrtime.bigint();
    let t = t0;
    const lap = (name) => { phases[name].push(ms(t)); t = process.hrtime.bigint(); };
    const { commit, tree } = snapshotCommit(root); lap('snapshot');
    const wt = openWorktree(root, root, commit, tree, `bench-T${i}`, ['node_modules']); lap('checkout');
    // The "agent": one declared file and a dependency in package.json.
    fs.mkdirSync(path.join(wt.root, 'src/bench'), { recursive: true });
    fs.writeFileSync(path.join(wt.root, `src/bench/task${i}.ts`), `export const task = ${i};\n`);
    const pkgFile = path.join(wt.root, 'package.json');
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    pkg.dependencies[`dep-${i}`] = '1.0.0';
    fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    t = process.hrtime.bigint();
    const changeset = computeChangeset(wt, excludedPathspecs('', ['node_modules'])); lap('changeset');
    const result = await applyChangeset(root, path.join(root, '.speckit'), changeset.patch, changeset.files); lap('apply');
    if (result.conflicts.length) throw new Error(`unexpected conflict: ${result.conflicts}`);
    closeWorktree(wt); lap('remove');
    phases.total.push(ms(t0) - 0);
  }
  return { files, phases };
}

(async () => {
  const rows = [];
  for (const [name, fill] of [['20,000 tracked files', twentyThousand], ['the example (001-unit-converter)', example]]) {
    const root = makeRepo(name.startsWith('20') ? 'large' : 'example', fill);
    try {
      const { files, phases } = await measure(root);
      const m = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)]));
      rows.push(`| ${name} (${files} files) | ${m.snapshot.toFixed(0)} | ${m.checkout.toFixed(0)} | ${m.changeset.toFixed(0)} | ${m.apply.toFixed(0)} | ${m.remove.toFixed(0)} | **${m.total.toFixed(0)}** | 0 |`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
  console.log(`Per-task isolation cost, median of ${TASKS} tasks, ms (Node ${process.version}, ${os.cpus().length} cores, git ${git(REPO_ROOT, '--version').trim().split(' ').pop()}):\n`);
  console.log('| workspace | snapshot | checkout | changeset | apply (lock + 3-way) | remove | worktree total | none |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
})().catch((error) => { console.error(error); process.exit(1); });
