import { dirname, join } from 'node:path';
import {
  createNodesFromFiles,
  type CreateNodesContextV2,
  type CreateNodesV2,
  type ProjectConfiguration,
} from '@nx/devkit';
import { calculateHashesForCreateNodes, PluginCache, workspaceDataDirectory } from '@nx/devkit/internal';
import { normalizeOptions, type NormalizedOptions, type SpeckitPluginOptions } from './options';
import { projectName } from './names';

/** Every spec-kit feature: `specs/<feature>/tasks.md`, anywhere in the workspace. */
export const TASKS_GLOB = '**/specs/*/tasks.md';

type CachedProject = ProjectConfiguration;

export const createNodesV2: CreateNodesV2<SpeckitPluginOptions> = [
  TASKS_GLOB,
  async (files, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    const roots = files.map((f) => dirname(f).split('\\').join('/'));
    // Keyed by every file in the feature folder and the options, as Nx's own plugins do.
    const hashes = await calculateHashesForCreateNodes(roots, { ...options, plugin: PLUGIN_VERSION }, context);
    const cache = new PluginCache<CachedProject>(join(workspaceDataDirectory, 'nx-speckit.hash'));
    const owners = duplicateNames(roots);
    try {
      return await createNodesFromFiles(
        (file, _opts, ctx: CreateNodesContextV2, index) => {
          const root = roots[index];
          const clash = owners.get(projectName(root));
          if (clash && clash.length > 1) {
            throw new Error(`nx-speckit: ${clash.length} features would be named ${projectName(root)}: ${clash.join(', ')}. Rename one folder, or narrow the plugin with "include"/"exclude".`);
          }
          let project = cache.get(hashes[index]);
          if (!project) {
            project = inferFeatureProject(ctx.workspaceRoot, root, options);
            cache.set(hashes[index], project);
          }
          return { projects: { [root]: project } };
        },
        files,
        options,
        context,
      );
    } finally {
      cache.writeToDisk();
    }
  },
];

/** Nx 22-24 read `createNodesV2`; Nx 21+ also accept the same tuple as `createNodes`. */
export const createNodes = createNodesV2;

function inferFeatureProject(workspaceRoot: string, root: string, options: NormalizedOptions): ProjectConfiguration {
  // Loaded lazily: the engine pulls in remark, which graph construction needs only on a cache miss.
  const { analyzeFeature, readFeature } = require('@nx-speckit/tasks-md') as typeof import('@nx-speckit/tasks-md');
  const { buildFeatureProject } = require('./feature-project') as typeof import('./feature-project');
  const analysis = analyzeFeature(readFeature(workspaceRoot, root), { lanes: options.lanes });
  return buildFeatureProject(root, analysis, options);
}

function duplicateNames(roots: string[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const root of roots) byName.set(projectName(root), [...(byName.get(projectName(root)) ?? []), root]);
  return byName;
}

// Cached projects are only valid for the plugin version that built them.
const PLUGIN_VERSION: string = require('../../package.json').version;
