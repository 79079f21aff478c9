import { DependencyType, type CreateDependencies, type RawProjectGraphDependency } from '@nx/devkit';
import type { SpeckitPluginOptions } from './options';

/**
 * A feature depends on the projects whose folders hold the files its tasks declare, so
 * `nx graph` shows which apps and libs a feature changes.
 */
export const createDependencies: CreateDependencies<SpeckitPluginOptions> = (_options, context) => {
  const owners = Object.entries(context.projects)
    .map(([name, p]) => ({ name, root: p.root === '.' ? '' : `${p.root.replace(/\/$/, '')}/` }))
    .sort((a, b) => b.root.length - a.root.length); // most specific folder first
  const edges: RawProjectGraphDependency[] = [];
  for (const [source, project] of Object.entries(context.projects)) {
    if (!project.tags?.includes('speckit')) continue;
    const targets = new Set<string>();
    for (const target of Object.values(project.targets ?? {})) {
      const files: string[] = (target.metadata as { speckit?: { files?: string[] } } | undefined)?.speckit?.files ?? [];
      for (const file of files) {
        const owner = owners.find((o) => o.root !== '' && file.startsWith(o.root));
        if (owner && owner.name !== source) targets.add(owner.name);
      }
    }
    for (const target of targets) edges.push({ source, target, type: DependencyType.implicit });
  }
  return edges;
};
