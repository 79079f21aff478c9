import { DependencyType, type CreateDependencies, type RawProjectGraphDependency } from '@nx/devkit';
import type { SpeckitPluginOptions } from './options';
import { readTaskMetadata } from './target-metadata';

/**
 * A feature depends on the projects whose folders hold the files its tasks declare, so
 * `nx graph` shows which apps and libs a feature changes. A file belongs to the project with the
 * deepest root containing it, as in Nx itself: a root project (`.`) owns what no other does.
 */
export const createDependencies: CreateDependencies<SpeckitPluginOptions> = (_options, context) => {
  const ownerOf = fileOwners(context.projects);
  const edges: RawProjectGraphDependency[] = [];
  for (const [source, project] of Object.entries(context.projects)) {
    if (!project.tags?.includes('speckit')) continue;
    const targets = new Set<string>();
    for (const target of Object.values(project.targets ?? {})) {
      const files = readTaskMetadata(target.metadata)?.files ?? [];
      for (const file of files) {
        const owner = ownerOf(file);
        if (owner !== undefined && owner !== source) targets.add(owner);
      }
    }
    for (const target of targets) edges.push({ source, target, type: DependencyType.implicit });
  }
  return edges;
};

/**
 * A lookup from a workspace path to the name of the project owning it: the path's own folder,
 * then each parent up to the root project. One map probe per folder level, not a scan of every
 * project per file, which grows with features × files.
 */
function fileOwners(projects: Record<string, { root: string }>): (file: string) => string | undefined {
  const byRoot = new Map<string, string>();
  for (const [name, p] of Object.entries(projects)) byRoot.set(p.root === '.' ? '' : p.root.replace(/\/$/, ''), name);
  return (file) => {
    // `apps/web` named without its slash is the project's own folder.
    let path = file.replace(/\/$/, '');
    for (;;) {
      const owner = byRoot.get(path);
      if (owner !== undefined || path === '') return owner;
      const slash = path.lastIndexOf('/');
      path = slash < 0 ? '' : path.slice(0, slash);
    }
  };
}
