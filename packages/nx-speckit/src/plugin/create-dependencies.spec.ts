import { DependencyType, type CreateDependenciesContext, type ProjectConfiguration } from '@nx/devkit';
import { analyzeFeature } from '@nx-speckit/tasks-md';
import { createDependencies } from './create-dependencies';
import { buildFeatureProject } from './feature-project';
import { normalizeOptions } from './options';

/** A feature project exactly as the plugin infers it from this tasks.md. */
function feature(root: string, tasks: string): ProjectConfiguration {
  const analysis = analyzeFeature({
    dir: root,
    documents: { 'tasks.md': tasks, 'spec.md': '# Spec\n', 'plan.md': '# Plan\n' },
  });
  return buildFeatureProject(root, analysis, normalizeOptions({}));
}

function edges(projects: Record<string, ProjectConfiguration>) {
  const context = {
    projects,
    nxJsonConfiguration: {},
    workspaceRoot: '/ws',
    externalNodes: {},
    fileMap: { projectFileMap: {}, nonProjectFiles: [] },
    filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
  };
  return (
    createDependencies({}, context as unknown as CreateDependenciesContext) as Array<{
      source: string;
      target: string;
      type: string;
    }>
  )
    .map((e) => `${e.source} -> ${e.target} (${e.type})`)
    .sort();
}

const apps = {
  web: { name: 'web', root: 'apps/web' },
  webapp: { name: 'webapp', root: 'apps/webapp' },
  ui: { name: 'ui', root: 'libs/ui' },
  'ui-forms': { name: 'ui-forms', root: 'libs/ui/forms' },
  api: { name: 'api', root: 'services/api' },
};

describe('createDependencies', () => {
  it('links a feature to each project owning a declared file, once, as an implicit dependency', () => {
    const chat = feature(
      'specs/003-chat',
      `## Phase 1
- [ ] T001 Page in apps/web/src/chat.tsx
- [ ] T002 Hook in apps/web/src/use-chat.ts
- [ ] T003 Form in \`libs/ui/forms/src/message.tsx\`
- [ ] T004 Button in libs/ui/src/button.tsx
- [ ] T005 Root config in tsconfig.base.json
`,
    );
    expect(edges({ 'spec-003-chat': chat, ...apps })).toEqual([
      `spec-003-chat -> ui (${DependencyType.implicit})`,
      'spec-003-chat -> ui-forms (implicit)', // the deepest root wins: not ui
      'spec-003-chat -> web (implicit)', // not webapp, whose root merely starts with the same letters
    ]);
  });

  it('counts folders (with or without their slash) and files named in Files: bullets', () => {
    const f = feature(
      'specs/004-api',
      `- [ ] T001 Scaffold services/api/
- [ ] T002 Wire the app
  - Files: apps/webapp
`,
    );
    expect(edges({ 'spec-004-api': f, ...apps })).toEqual([
      'spec-004-api -> api (implicit)',
      'spec-004-api -> webapp (implicit)',
    ]);
  });

  it('finished tasks still count: the feature changed those projects', () => {
    const f = feature('specs/005-done', '- [X] T001 Page in apps/web/src/page.tsx\n');
    expect(edges({ 'spec-005-done': f, ...apps })).toEqual(['spec-005-done -> web (implicit)']);
  });

  it('a root project owns the files no other project holds; a feature never depends on itself', () => {
    const f = feature(
      'specs/006-docs',
      `- [ ] T001 Notes in specs/006-docs/notes.md
- [ ] T002 Readme in README.md
- [ ] T003 Widget in libs/ui/src/widget.ts
`,
    );
    expect(edges({ 'spec-006-docs': f, ...apps })).toEqual(['spec-006-docs -> ui (implicit)']);
    expect(edges({ 'spec-006-docs': f, ...apps, root: { name: 'root', root: '.' } })).toEqual([
      'spec-006-docs -> root (implicit)',
      'spec-006-docs -> ui (implicit)',
    ]);
  });

  it("one feature writing into another feature's folder depends on it", () => {
    const a = feature('specs/001-a', '- [ ] T001 Contract in specs/002-b/contracts/api.yaml\n');
    const b = feature('specs/002-b', '- [ ] T001 Nothing outside in specs/002-b/notes.md\n');
    expect(edges({ 'spec-001-a': a, 'spec-002-b': b })).toEqual(['spec-001-a -> spec-002-b (implicit)']);
  });

  it('only speckit projects are sources; a broken feature (no declared files in metadata) has no edges', () => {
    const broken = feature('specs/007-broken', '- [ ] T001 Page in apps/web/x.ts (depends on T404)\n');
    expect((broken.metadata as any).speckit.diagnostics[0]).toContain('T404');
    const other = {
      name: 'tool',
      root: 'tools/x',
      tags: ['cli'],
      targets: { build: { metadata: { speckit: { files: ['apps/web/a.ts'] } } } },
    } as ProjectConfiguration;
    expect(edges({ 'spec-007-broken': broken, tool: other, ...apps })).toEqual([]);
  });
});
