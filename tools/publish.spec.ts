/**
 * What `npm publish` would ship, read from `npm pack --dry-run --json` on the built packages:
 * exactly the compiled sources (no tests, fixtures, source maps or build info), the manifests Nx
 * reads, and the metadata a registry user sees.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildPackages } from '../packages/nx-speckit/testing/workspace';

jest.setTimeout(120_000);

const REPO_ROOT = join(__dirname, '..');
const manifest = (pkg: string) => JSON.parse(readFileSync(join(REPO_ROOT, pkg, 'package.json'), 'utf8'));

function packedFiles(pkg: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: join(REPO_ROOT, pkg),
    encoding: 'utf8',
  });
  return (JSON.parse(out)[0].files as Array<{ path: string }>).map((f) => f.path).sort();
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)],
  );
}

/** dist/x.js and dist/x.d.ts for every compiled source file (tests, fixtures and .d.ts inputs compile to nothing shipped). */
function compiledFrom(pkg: string): string[] {
  const src = join(REPO_ROOT, pkg, 'src');
  return walk(src)
    .map((f) => relative(src, f))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.spec.ts') && !f.includes('__fixtures__'))
    .flatMap((f) => [`dist/${f.replace(/\.ts$/, '.js')}`, `dist/${f.replace(/\.ts$/, '.d.ts')}`]);
}

beforeAll(() => buildPackages());

describe('nx-speckit', () => {
  const pkg = 'packages/nx-speckit';

  it('ships the compiled plugin, the licences of the HTML packages it bundles, its schemas, the manifests Nx reads, the plan command and the spec-kit extension, nothing else', () => {
    const schemas = walk(join(REPO_ROOT, pkg, 'src'))
      .map((f) => relative(join(REPO_ROOT, pkg), f))
      .filter((f) => f.endsWith('/schema.json'));
    const extension = walk(join(REPO_ROOT, pkg, 'speckit-extension')).map((f) => relative(join(REPO_ROOT, pkg), f));
    expect(schemas).toHaveLength(3);
    expect(extension).toEqual(
      expect.arrayContaining(['speckit-extension/extension.yml', 'speckit-extension/commands/speckit.nx.implement.md']),
    );
    expect(packedFiles(pkg)).toEqual(
      [
        ...compiledFrom(pkg),
        'dist/report/html-stack.licenses.txt',
        ...schemas,
        ...extension,
        'bin/nx-speckit-plan.js',
        'LICENSE',
        'README.md',
        'executors.json',
        'generators.json',
        'migrations.json',
        'package.json',
      ].sort(),
    );
  });

  it('says what it is to the registry, to `nx add` and to `nx list`', () => {
    const json = manifest(pkg);
    expect(json.keywords).toEqual(expect.arrayContaining(['nx-plugin', 'nx', 'spec-kit']));
    expect(json).toMatchObject({
      license: 'MIT',
      repository: { type: 'git', directory: pkg },
      engines: { node: '>=20.19' },
      generators: './generators.json',
      executors: './executors.json',
      'nx-migrations': { migrations: './migrations.json' },
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    });
    // The Nx majors the registry e2e runs (e2e/registry.e2e.spec.ts), and nothing wider.
    expect(json.peerDependencies).toEqual({ nx: '>=23.0.0 <25.0.0' });
    expect(json.dependencies['@nx/devkit']).toBe(json.peerDependencies.nx);
    // Released together: the plugin needs exactly the engine of its own version.
    expect(json.dependencies['@nx-speckit/tasks-md']).toBe(manifest('packages/tasks-md').version);
    expect(json.version).toBe(manifest('packages/tasks-md').version);
    // The HTML report's packages are bundled into dist/report/html-stack.js, not installed.
    expect(Object.keys(json.dependencies)).not.toEqual(expect.arrayContaining(['hastscript']));
    expect(Object.keys(json.dependencies)).not.toEqual(expect.arrayContaining(['hast-util-to-html']));
  });

  it('every path a manifest names is in the package', () => {
    const files = new Set(packedFiles(pkg));
    const named = (file: string) =>
      Object.values(
        JSON.parse(readFileSync(join(REPO_ROOT, pkg, file), 'utf8'))[file.replace('.json', '')] as Record<string, any>,
      )
        .flatMap((entry) => [entry.implementation ?? entry.factory, entry.batchImplementation, entry.schema])
        .filter(Boolean)
        .map((p: string) => p.replace(/^\.\//, '').replace(/#.*$/, ''))
        .map((p) => (p.endsWith('.json') ? p : `${p}.js`));
    for (const p of [...named('executors.json'), ...named('generators.json')])
      expect([p, files.has(p)]).toEqual([p, true]);
  });
});

describe('@nx-speckit/tasks-md', () => {
  const pkg = 'packages/tasks-md';

  it('ships the compiled engine and the licences of the parser it bundles, nothing else', () => {
    expect(packedFiles(pkg)).toEqual(
      [...compiledFrom(pkg), 'dist/markdown-stack.licenses.txt', 'LICENSE', 'README.md', 'package.json'].sort(),
    );
  });

  it('needs no markdown package at run time (they are bundled) and says what it is', () => {
    const json = manifest(pkg);
    expect(Object.keys(json.dependencies)).toEqual(['proper-lockfile']);
    expect(json).toMatchObject({
      license: 'MIT',
      repository: { type: 'git', directory: pkg },
      engines: { node: '>=20.19' },
    });
    expect(json.keywords).toEqual(expect.arrayContaining(['spec-kit', 'tasks.md']));
  });
});
