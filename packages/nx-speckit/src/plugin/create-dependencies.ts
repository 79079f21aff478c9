import { DependencyType, type CreateDependencies, type RawProjectGraphDependency } from '@nx/devkit';
import type { SpeckitPluginOptions } from './options';

/**
 * A feature depends on the projects whose folders hold the files its tasks declare, so
 * `nx graph` shows which apps and libs a feature changes. A file belongs to the project with the
 * deepest root containing it, as in Nx itself: a root project (`.`) owns what no other does.
 */
export const createDependencies: CreateDependencies<SpeckitPluginOptions> = (_options, context) => {
  const owners = Object.entries(context.projects)
    .map(([name, p]) => ({ name, root: p.root === '.' || p.root === '' ? '' : p.root.replace(/\/$/, '') }))
    .sort((a, b) => b.root.length - a.root.length); // most specific folder first, the root project last
  // `apps/web` named without its slash is the project's own folder.
  const owns = (root: string, file: string) => root === '' || file === root || file.startsWith(`${root}/`);
  const edges: RawProjectGraphDependency[] = [];
  for (const [source, project] of Object.entries(context.projects)) {
    if (!project.tags?.includes('speckit')) continue;
    const targets = new Set<string>();
    for (const target of Object.values(project.targets ?? {})) {
      const files: string[] = (target.metadata as { speckit?: { files?: string[] } } | undefined)?.speckit?.files ?? [];
      for (const file of files) {
        const owner = owners.find((o) => owns(o.root, file.replace(/\/$/, '')));
        if (owner && owner.name !== source) targets.add(owner.name);
      }
    }
    for (const target of targets) edges.push({ source, target, type: DependencyType.implicit });
  }
  return edges;
};
