#!/usr/bin/env node
// `npm run build`, and the build tests run before they use the packages: compiles both packages
// (TypeScript project references), then replaces tsc's output for
// packages/tasks-md/src/markdown-stack.ts (a plain re-export) with one file holding unified,
// remark-parse and the GFM packages, resolved without the `development` condition Nx 24 gives
// plugin workers (see that module's comment), with the bundled packages' licences beside it.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const { buildSync } = require('esbuild');

const root = join(__dirname, '..');
const tasksMd = join(root, 'packages/tasks-md');

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'packages/tasks-md', 'packages/nx-speckit'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const { outputFiles, metafile } = buildSync({
  entryPoints: [join(tasksMd, 'src/markdown-stack.ts')],
  outfile: join(tasksMd, 'dist/markdown-stack.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  conditions: [], // only esbuild's defaults for node (`node`, `require`, `default`): never `development`
  metafile: true,
  write: false,
  banner: { js: '// Bundled by tools/build.js; licences in markdown-stack.licenses.txt.' },
  logLevel: 'warning',
});
for (const file of outputFiles) writeIfChanged(file.path, file.text);
writeIfChanged(join(tasksMd, 'dist/markdown-stack.licenses.txt'), licenses(Object.keys(metafile.inputs)));

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
  const folders = new Set(inputs.map((input) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]).filter(Boolean));
  return [...folders].sort().map((folder) => {
    const dir = join(root, folder);
    const { name, version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).find((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f));
    if (!file) throw new Error(`${relative(root, dir)}: no licence file to ship with the bundle`);
    return `${name}@${version} (${license})\n\n${readFileSync(join(dir, file), 'utf8').trim()}\n`;
  }).join(`\n${'-'.repeat(72)}\n\n`);
}
