/**
 * The spec-kit extension shipped in the package, checked against spec-kit's extension manifest
 * rules (extensions/EXTENSION-API-REFERENCE.md and the manifest validation in specify_cli, schema
 * 1.0), and installed into a virtual workspace by `init --speckit`.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse } from 'yaml';
import { EXTENSION_DIR, installSpeckitExtension } from './speckit-extension';

const manifest = parse(readFileSync(join(EXTENSION_DIR, 'extension.yml'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(EXTENSION_DIR, '../package.json'), 'utf8'));
/** The events spec-kit's core commands fire. */
const EVENTS = /^(before|after)_(constitution|specify|clarify|plan|tasks|analyze|checklist|implement|taskstoissues)$/;

describe("extension.yml follows spec-kit's manifest rules", () => {
  it('schema 1.0 with the required sections and extension fields', () => {
    expect(manifest.schema_version).toBe('1.0');
    for (const key of ['extension', 'requires', 'provides']) expect(manifest).toHaveProperty(key);
    for (const key of ['id', 'name', 'version', 'description', 'author', 'repository', 'license'])
      expect(typeof manifest.extension[key]).toBe('string');
    expect(manifest.extension.id).toMatch(/^[a-z0-9-]+$/);
    expect(manifest.tags.length).toBeGreaterThanOrEqual(2);
    for (const tag of manifest.tags) expect(tag).toMatch(/^[a-z0-9-]+$/);
    expect(manifest.extension.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.extension.description.length).toBeLessThan(100); // the catalog asks for under 100
    expect(() => new URL(manifest.extension.repository)).not.toThrow();
    // A version specifier without spaces, as spec-kit's packaging library reads it.
    expect(manifest.requires.speckit_version).toMatch(
      /^(>=|<=|==|>|<|~=|!=)\d+(\.\d+)*(,(>=|<=|==|>|<|~=|!=)\d+(\.\d+)*)*$/,
    );
  });

  it('released with the package: same version, licence and repository', () => {
    expect(manifest.extension.version).toBe(pkg.version);
    expect(manifest.extension.license).toBe(pkg.license);
    expect(pkg.repository.url).toContain(new URL(manifest.extension.repository).pathname);
  });

  it('commands are namespaced speckit.<id>.<name>, each file exists with a description in its frontmatter and takes $ARGUMENTS', () => {
    expect(manifest.provides.commands.map((c: any) => c.name)).toEqual(['speckit.nx.implement', 'speckit.nx.plan']);
    for (const command of manifest.provides.commands) {
      expect(command.name).toMatch(new RegExp(`^speckit\\.${manifest.extension.id}\\.[a-z0-9-]+$`));
      expect(typeof command.description).toBe('string');
      expect(command.file).not.toMatch(/^\/|\.\./);
      const text = readFileSync(join(EXTENSION_DIR, command.file), 'utf8');
      expect(text).toMatch(/^---\ndescription: "[^"\n]+"\n---\n/);
      expect(text).toContain('$ARGUMENTS');
    }
  });

  it("hooks name core events and one of the extension's own commands; the after_tasks hook prints the plan", () => {
    for (const [event, hook] of Object.entries<any>(manifest.hooks)) {
      expect(event).toMatch(EVENTS);
      expect(manifest.provides.commands.map((c: any) => c.name)).toContain(hook.command);
    }
    expect(manifest.hooks.after_tasks).toMatchObject({ command: 'speckit.nx.plan', optional: false });
    expect(readFileSync(join(EXTENSION_DIR, 'commands/speckit.nx.plan.md'), 'utf8')).toContain(
      'npx nx-speckit-plan <feature folder>',
    );
    expect(pkg.bin['nx-speckit-plan']).toBe('bin/nx-speckit-plan.js');
  });

  it("the implement command runs the feature's implement target and reads the run report", () => {
    const text = readFileSync(join(EXTENSION_DIR, 'commands/speckit.nx.implement.md'), 'utf8');
    expect(text).toContain('npx nx run spec-<folder>:<target>');
    expect(text).toContain('.speckit/reports/latest.json');
  });
});

describe('installSpeckitExtension', () => {
  it('lays the extension out as spec-kit does, registers the hook once, and writes commands for the agents present', () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('.gemini/settings.json', '{}');
    tree.write(
      '.specify/extensions.yml',
      'installed:\n  - jira\nhooks:\n  after_tasks:\n    - extension: jira\n      command: speckit.jira.sync\n      enabled: true\n',
    );
    expect(installSpeckitExtension(tree, 'claude')).toEqual(['claude', 'gemini']);
    installSpeckitExtension(tree, 'claude'); // again: nothing doubled

    expect(tree.read('.specify/extensions/nx/extension.yml', 'utf-8')).toBe(
      readFileSync(join(EXTENSION_DIR, 'extension.yml'), 'utf8'),
    );
    expect(tree.exists('.specify/extensions/nx/commands/speckit.nx.implement.md')).toBe(true);
    const hooks = parse(tree.read('.specify/extensions.yml', 'utf-8')!);
    expect(hooks.installed).toEqual(['jira', 'nx']);
    expect(hooks.hooks.after_tasks.map((h: any) => `${h.extension}:${h.command}:${h.optional}`)).toEqual([
      'jira:speckit.jira.sync:undefined',
      'nx:speckit.nx.plan:false',
    ]);

    expect(tree.read('.claude/commands/speckit.nx.implement.md', 'utf-8')).toBe(
      readFileSync(join(EXTENSION_DIR, 'commands/speckit.nx.implement.md'), 'utf8'),
    );
    const toml = tree.read('.gemini/commands/speckit.nx.plan.toml', 'utf-8')!;
    expect(toml).toMatch(
      /^description = "Print how Nx will run the feature's tasks: waves, critical path, diagnostics."\n\nprompt = """\n# Show the Nx plan/,
    );
    expect(toml).toContain('{{args}}');
    expect(toml).not.toContain('$ARGUMENTS');
    for (const absent of ['.cursor/commands', '.codex/prompts', '.github/prompts', '.opencode/command'])
      expect(tree.children(absent)).toEqual([]);
  });
});

test('the extension folder exists where the built generator looks for it', () => {
  expect(existsSync(join(EXTENSION_DIR, 'extension.yml'))).toBe(true);
});
