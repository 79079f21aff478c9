#!/usr/bin/env node
// `npm run build`, and the build tests run before they use the packages: compiles both packages
// (TypeScript project references), then replaces tsc's output for each module below (a plain
// re-export of ESM-only packages) with one CommonJS file holding those packages, resolved without
// the `development` condition Nx 24 gives plugin workers (see packages/tasks-md/src/markdown-stack.ts),
// with the bundled packages' licences beside it:
// - packages/tasks-md/src/markdown-stack.ts: unified, remark-parse and the GFM packages;
// - packages/nx-speckit/src/report/html-stack.ts: hastscript and hast-util-to-html (the HTML report).
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } = require('node:fs');
const { basename, join, relative } = require('node:path');
const { buildSync } = require('esbuild');

const root = join(__dirname, '..');
const STACKS = ['packages/tasks-md/src/markdown-stack.ts', 'packages/nx-speckit/src/report/html-stack.ts'];

const tsc = spawnSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-b', 'packages/tasks-md', 'packages/nx-speckit'],
  { cwd: root, stdio: 'inherit' },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

for (const stack of STACKS) bundle(stack);
for (const pkg of ['packages/tasks-md', 'packages/nx-speckit']) pruneStaleOutputs(join(root, pkg));

/**
 * tsc -b never deletes: a module moved or removed in src/ would stay in dist/ and be published.
 * Outputs whose source is gone are removed (only those: tests may be loading the rest meanwhile).
 */
function pruneStaleOutputs(pkg) {
  const dist = join(pkg, 'dist');
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const output = join(entry.parentPath, entry.name);
    const stem = relative(dist, output).replace(/(\.d\.ts|\.js\.map|\.js|\.licenses\.txt)$/, '');
    const sources = stem.endsWith('.json') ? [stem] : [`${stem}.ts`];
    if (!sources.some((source) => existsSync(join(pkg, 'src', source)))) unlinkSync(output);
  }
}

/** packages/<pkg>/src/<path>.ts → packages/<pkg>/dist/<path>.js, and its licences as <path>.licenses.txt. */
function bundle(source) {
  const out = join(root, source.replace('/src/', '/dist/').replace(/\.ts$/, ''));
  const { outputFiles, metafile } = buildSync({
    entryPoints: [join(root, source)],
    outfile: `${out}.js`,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: [], // only esbuild's defaults for node (`node`, `require`, `default`): never `development`
    metafile: true,
    write: false,
    banner: { js: `// Bundled by tools/build.js; licences in ${basename(out)}.licenses.txt.` },
    logLevel: 'warning',
  });
  for (const file of outputFiles) writeIfChanged(file.path, file.text);
  writeIfChanged(`${out}.licenses.txt`, licenses(Object.keys(metafile.inputs)));
}

/**
 * Test files build in parallel while other tests' nx processes load the packages: an unchanged
 * file is left alone, and a changed one appears whole (temp file + rename).
 */
function writeIfChanged(path, text) {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/** Each bundled package's name, version and licence text, as MIT and ISC ask of copies. */
function licenses(inputs) {
  const folders = new Set(
    inputs.map((input) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]).filter(Boolean),
  );
  return [...folders]
    .sort()
    .map((folder) => {
      const dir = join(root, folder);
      const { name, version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const file = readdirSync(dir).find((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f));
      if (!file) throw new Error(`${relative(root, dir)}: no licence file to ship with the bundle`);
      return `${name}@${version} (${license})\n\n${readFileSync(join(dir, file), 'utf8').trim()}\n`;
    })
    .join(`\n${'-'.repeat(72)}\n\n`);
}
