#!/usr/bin/env node
/**
 * The per-task cost of worktree isolation (snapshot, checkout, changeset, three-way apply, giving
 * the checkout back to the pool), for a cold task (the pool empty: every file written) and a warm
 * one (a pooled checkout brought to the new snapshot), next to isolation "none" (which costs
 * nothing of this: the agent works in the workspace), on
 *   - a git workspace of 20,000 tracked files (200 folders of 100 small files), and
 *   - the bundled example (this repository's spec-kit feature and its recordings, about 40 files).
 * Each simulated task edits one declared file and package.json, like an agent adding a dependency.
 * Needs the build (`npm run build`). Usage: node tools/bench-isolation.js [warm tasks per workspace, default 7] [cold tasks, default 3]
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..');
const dist = (m) => require(path.join(REPO_ROOT, 'packages/nx-speckit/dist/isolation', m));
const { snapshotCommit } = dist('snapshot');
const { openPooledWorktree, releasePooledWorktree } = dist('pool');
const { worktreesHome } = dist('worktree');
const { computeChangeset, excludedPathspecs } = dist('changeset');
const { applyChangeset } = dist('apply');

const WARM = Number(process.argv[2] || 7);
const COLD = Number(process.argv[3] || 3);
const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function makeRepo(name, fill) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `bench-isolation-${name}-`)));
  fill(root);
  fs.writeFileSync(
    path.join(root, 'package.json'),
    `${JSON.stringify({ name, private: true, version: '1.0.0', license: 'MIT', scripts: {}, dependencies: {} }, null, 2)}\n`,
  );
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
    for (let f = 0; f < 100; f++)
      fs.writeFileSync(path.join(dir, `file${f}.ts`), `export const v${d}_${f} = ${d * 100 + f};\n`);
  }
}

function example(root) {
  const tracked = git(
    REPO_ROOT,
    'ls-files',
    '-z',
    '--',
    'specs/001-unit-converter',
    '.speckit/recordings/001-unit-converter',
  )
    .split('\0')
    .filter(Boolean);
  for (const file of tracked) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
  }
}

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const PHASES = ['snapshot', 'checkout', 'changeset', 'apply', 'release', 'total'];

/** One simulated task, timed phase by phase (ms); `warm` tells whether it got a pooled checkout. */
async function task(root, i) {
  const laps = {};
  const t0 = process.hrtime.bigint();
  let t = t0;
  const lap = (name) => {
    laps[name] = ms(t);
    t = process.hrtime.bigint();
  };
  const { commit, tree } = snapshotCommit(root);
  lap('snapshot');
  const wt = await openPooledWorktree(root, root, commit, tree, `bench-T${i}`, ['node_modules']);
  lap('checkout');
  // The "agent": one declared file and a dependency in package.json (not timed).
  fs.mkdirSync(path.join(wt.root, 'src/bench'), { recursive: true });
  fs.writeFileSync(path.join(wt.root, `src/bench/task${i}.ts`), `export const task = ${i};\n`);
  const pkgFile = path.join(wt.root, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  pkg.dependencies[`dep-${i}`] = '1.0.0';
  fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  const agent = ms(t);
  t = process.hrtime.bigint();
  const changeset = computeChangeset(wt, excludedPathspecs('', ['node_modules']));
  lap('changeset');
  const result = await applyChangeset(root, path.join(root, '.speckit'), changeset.patch, changeset.files);
  lap('apply');
  if (result.conflicts.length) throw new Error(`unexpected conflict: ${result.conflicts}`);
  releasePooledWorktree(root, wt);
  lap('release');
  laps.total = ms(t0) - agent;
  return { laps, warm: wt.reused };
}

/** Medians per phase of `cold` tasks on an empty pool each and `warm` tasks on a pooled checkout. */
async function measure(root) {
  const files = Number(git(root, 'ls-files', '-z').split('\0').filter(Boolean).length);
  const runs = { cold: [], warm: [] };
  const home = worktreesHome(root);
  let i = 0;
  for (let n = 0; n < COLD; n++) {
    fs.rmSync(home, { recursive: true, force: true });
    const { laps, warm } = await task(root, i++);
    if (warm) throw new Error('a cold task found a pooled checkout');
    runs.cold.push(laps);
  }
  for (let n = 0; n < WARM; n++) {
    const { laps, warm } = await task(root, i++);
    if (!warm) throw new Error('a warm task found no pooled checkout');
    runs.warm.push(laps);
  }
  fs.rmSync(home, { recursive: true, force: true });
  const medians = (list) => Object.fromEntries(PHASES.map((p) => [p, median(list.map((l) => l[p]))]));
  return { files, cold: medians(runs.cold), warm: medians(runs.warm) };
}

const cell = (x) => Math.round(x).toLocaleString('en-US');

(async () => {
  const rows = [];
  for (const [name, fill] of [
    ['20,000 tracked files', twentyThousand],
    ['the example (001-unit-converter)', example],
  ]) {
    const root = makeRepo(name.startsWith('20') ? 'large' : 'example', fill);
    try {
      const { files, cold, warm } = await measure(root);
      for (const [kind, m] of [
        ['cold (first task)', cold],
        ['warm (pooled)', warm],
      ]) {
        rows.push(
          `| ${name} (${files} files) | ${kind} | ${PHASES.slice(0, -1)
            .map((p) => cell(m[p]))
            .join(' | ')} | **${cell(m.total)}** | 0 |`,
        );
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
  console.log(
    `Per-task isolation cost, ms: medians of ${COLD} cold and ${WARM} warm tasks (Node ${process.version}, ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end, git ${git(REPO_ROOT, '--version').trim().split(' ').pop()}):\n`,
  );
  console.log(
    '| workspace | task | snapshot | checkout | changeset | apply (lock + 3-way) | release | worktree total | none |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
