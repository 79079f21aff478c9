/**
 * Benchmark 1: graph construction. `nx show projects` on generated workspaces, plugin vs a
 * baseline with the same projects and targets as static project.json files, cold (no .nx state)
 * and warm. The ratio isolates the plugin's own cost. A third workspace has a minimal plugin that
 * hands Nx the very same projects from one JSON file: what any inferring plugin of that output
 * costs in Nx (its plugin worker process, the transfer, the merge), without nx-speckit's work.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearNxState, interleaved, NX, nxEnv, timed, type Sample } from './measure';
import { emptyWorkspace, installPackage, REPO_ROOT, writeFeatures } from './workspaces';

export interface GraphRow {
  features: number;
  tasks: number;
  targets: number;
  cold: { baseline: Sample; plugin: Sample; pluginWorkers?: Sample; minimal?: Sample };
  warm: { baseline: Sample; plugin: Sample; minimal?: Sample };
}

const PLUGIN = { plugin: 'nx-speckit', options: { agent: 'replay' } };

export function benchGraph(shapes: Array<[number, number]>, rounds: number): GraphRow[] {
  const rows: GraphRow[] = [];
  for (const [features, tasks] of shapes) {
    const plugin = emptyWorkspace('plugin', [PLUGIN]);
    const baseline = emptyWorkspace('baseline', []);
    const minimal = emptyWorkspace('minimal', [MINIMAL_PLUGIN_NAME]);
    try {
      const dirs = writeFeatures(plugin.root, features, tasks);
      writeFeatures(baseline.root, features, tasks);
      writeFeatures(minimal.root, features, tasks);
      const targets = writeBaselineProjects(plugin.root, baseline.root, minimal.root, dirs);
      const show = ['', 'show', 'projects'];
      show[0] = NX;
      const cold =
        (root: string, env = nxEnv()) =>
        () => {
          clearNxState(root);
          return timed(root, show, env);
        };
      const warm = (root: string) => () => timed(root, show);
      // Prime both once (file system cache), then measure alternately.
      for (const ws of [plugin, baseline, minimal]) timed(ws.root, show);
      const coldResult = interleaved(rounds, {
        baseline: cold(baseline.root),
        minimal: cold(minimal.root),
        plugin: cold(plugin.root, nxEnv({ SPECKIT_GRAPH_WORKERS: '0' })),
        pluginWorkers: cold(plugin.root, nxEnv({ SPECKIT_GRAPH_WORKERS: '2' })),
      });
      const warmResult = interleaved(rounds, {
        baseline: warm(baseline.root),
        minimal: warm(minimal.root),
        plugin: warm(plugin.root),
      });
      rows.push({ features, tasks, targets, cold: coldResult, warm: warmResult });
    } finally {
      plugin.cleanup();
      baseline.cleanup();
      minimal.cleanup();
    }
  }
  return rows;
}

/**
 * Writes project.json files holding exactly what the plugin infers, so both sides have the same
 * graph; and the same projects as one JSON file the minimal plugin returns.
 */
function writeBaselineProjects(pluginRoot: string, baselineRoot: string, minimalRoot: string, dirs: string[]): number {
  const { analyzeFeature, readFeature } = require(
    join(REPO_ROOT, 'packages/tasks-md/dist'),
  ) as typeof import('@nx-speckit/tasks-md');
  const { buildFeatureProject } = require(
    join(REPO_ROOT, 'packages/nx-speckit/dist/plugin/feature-project'),
  ) as typeof import('../../packages/nx-speckit/src/plugin/feature-project');
  const { normalizeOptions } = require(
    join(REPO_ROOT, 'packages/nx-speckit/dist/plugin/options'),
  ) as typeof import('../../packages/nx-speckit/src/plugin/options');
  let targets = 0;
  const all: Record<string, unknown> = {};
  for (const dir of dirs) {
    const project = buildFeatureProject(
      dir,
      analyzeFeature(readFeature(pluginRoot, dir)),
      normalizeOptions(PLUGIN.options as never),
    );
    targets += Object.keys(project.targets ?? {}).length;
    const { root: _root, ...rest } = project;
    writeFileSync(join(baselineRoot, dir, 'project.json'), JSON.stringify(rest));
    all[dir] = project;
  }
  writeMinimalPlugin(minimalRoot, all);
  return targets;
}

/** The minimal plugin's package name, as nx.json lists it. */
export const MINIMAL_PLUGIN_NAME = 'speckit-bench-minimal-plugin';

/** Installs the minimal plugin, with the projects (keyed by root) it returns, into node_modules. */
export function writeMinimalPlugin(root: string, projects: Record<string, unknown>) {
  installPackage(root, MINIMAL_PLUGIN_NAME, {
    'package.json': JSON.stringify({ name: MINIMAL_PLUGIN_NAME, version: '0.0.0', main: 'index.js' }),
    'index.js': MINIMAL_PLUGIN,
    'inferred-projects.json': JSON.stringify(projects),
  });
}

/** The least an inferring plugin can do: the same projects, from one file, no hashing, no parsing. */
const MINIMAL_PLUGIN = `const { readFileSync } = require('fs');
exports.createNodesV2 = ['**/specs/*/tasks.md', (files) => {
  const all = JSON.parse(readFileSync(__dirname + '/inferred-projects.json', 'utf8'));
  return files.map((file) => {
    const root = file.slice(0, -'/tasks.md'.length);
    return [file, { projects: { [root]: all[root] } }];
  });
}];
`;
