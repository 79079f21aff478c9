import { dirname, join } from 'node:path';
import { createNodesFromFiles, type CreateNodesV2, type ProjectConfiguration } from '@nx/devkit';
import { calculateHashesForCreateNodes, PluginCache, workspaceDataDirectory } from '@nx/devkit/internal';
import { normalizeOptions, type SpeckitPluginOptions } from './options';
import { inferProjects } from './infer';
import { projectName } from '../names';

/** Every spec-kit feature: `specs/<feature>/tasks.md`, anywhere in the workspace. */
export const TASKS_GLOB = '**/specs/*/tasks.md';

export const createNodesV2: CreateNodesV2<SpeckitPluginOptions> = [
  TASKS_GLOB,
  async (files, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    const roots = files.map((f) => dirname(f).split('\\').join('/'));
    // Keyed by every file in the feature folder and the options, as Nx's own plugins do.
    const hashes = await calculateHashesForCreateNodes(
      roots,
      { ...options, plugin: PLUGIN_VERSION, shape: PROJECT_SHAPE },
      context,
    );
    const cachePath = join(workspaceDataDirectory, 'nx-speckit.hash');
    const cache = new PluginCache<ProjectConfiguration>(cachePath);
    const clashes = nameClashes(roots);
    const missing = roots.filter((root, i) => !cache.has(hashes[i]) && !clashes.has(root));
    const inferred = await inferProjects(context.workspaceRoot, missing, options);
    let added = 0;
    try {
      return await createNodesFromFiles(
        (_file, _options, _context, index) => {
          const root = roots[index];
          const clash = clashes.get(root);
          if (clash) {
            throw new Error(
              `nx-speckit: ${clash.length} features would be named ${projectName(root)}: ${clash.join(', ')}. Rename one folder, or narrow the plugin with "include"/"exclude".`,
            );
          }
          let project = cache.get(hashes[index]);
          if (!project) {
            const result = inferred.get(root)!;
            if (result instanceof Error) throw result;
            project = result;
            cache.set(hashes[index], project);
            added++;
          }
          return { projects: { [root]: project } };
        },
        files,
        options,
        context,
      );
    } finally {
      // A warm graph (or one whose only misses are broken features, which are not cached) changes
      // nothing: rewriting the whole file would cost more than reading it did.
      const pruned = withoutStaleVersions(cache, cachePath, roots, hashes);
      if (pruned) pruned.writeToDisk();
      else if (added) cache.writeToDisk();
    }
  },
];

/** Nx 22-24 read `createNodesV2`; Nx 21+ also accept the same tuple as `createNodes`. */
export const createNodes = createNodesV2;

/**
 * Every ticked box makes a new version of a feature; keeping the old ones would grow the file
 * that every graph computation parses. Other roots' entries stay (another plugin entry with a
 * different include may own them). Undefined when nothing is stale.
 */
function withoutStaleVersions(
  cache: PluginCache<ProjectConfiguration>,
  path: string,
  roots: string[],
  hashes: string[],
) {
  const ours = new Set(roots);
  const current = new Set(hashes);
  const { entries, accessOrder } = cache.toSerializable();
  const keep = (key: string) => current.has(key) || !ours.has(entries[key]?.root ?? '');
  if (Object.keys(entries).every(keep)) return undefined;
  return new PluginCache(
    path,
    Object.fromEntries(Object.entries(entries).filter(([key]) => keep(key))),
    accessOrder.filter(keep),
  );
}

/** Feature folders whose project names collide: contract says report, never merge. */
function nameClashes(roots: string[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const root of roots) byName.set(projectName(root), [...(byName.get(projectName(root)) ?? []), root]);
  const clashes = new Map<string, string[]>();
  for (const group of byName.values()) if (group.length > 1) for (const root of group) clashes.set(root, group);
  return clashes;
}

// Cached projects are only valid for the plugin version that built them, and for the shape of
// project it built: bump PROJECT_SHAPE when feature-project.ts changes what a project holds, so
// a workspace does not keep serving projects of the old shape until each tasks.md changes.
// 2: task inputs start with the project-level named input `speckit-task`.
const PLUGIN_VERSION: string = require('../../package.json').version;
const PROJECT_SHAPE = 2;
