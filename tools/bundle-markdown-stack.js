#!/usr/bin/env node
// Replaces tsc's output for packages/tasks-md/src/markdown-stack.ts (a plain re-export) with one
// file holding unified, remark-parse and the GFM packages, resolved without the `development`
// condition Nx 24 gives plugin workers (see that module's comment), and writes the bundled
// packages' licences beside it. Runs after tsc in `npm run build`.
const { buildSync } = require('esbuild');
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const pkg = join(root, 'packages/tasks-md');
const outfile = join(pkg, 'dist/markdown-stack.js');
const { metafile } = buildSync({
  entryPoints: [join(pkg, 'src/markdown-stack.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  conditions: [], // only esbuild's defaults for node (`node`, `require`, `default`): never `development`
  metafile: true,
  banner: { js: '// Bundled by tools/bundle-markdown-stack.js; licences in markdown-stack.licenses.txt.' },
  logLevel: 'warning',
});
writeFileSync(join(pkg, 'dist/markdown-stack.licenses.txt'), licenses(Object.keys(metafile.inputs)));

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
