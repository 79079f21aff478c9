/**
 * Benchmark 1: graph construction. `nx show projects` on generated workspaces, plugin vs a
 * baseline with the same projects and targets as static project.json files, cold (no .nx state)
 * and warm. The ratio isolates the plugin's own cost.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearNxState, interleaved, NX, nxEnv, timed, type Sample } from './measure';
import { emptyWorkspace, REPO_ROOT, writeFeatures } from './workspaces';

export interface GraphRow {
  features: number;
  tasks: number;
  targets: number;
  cold: { baseline: Sample; plugin: Sample; pluginWorkers?: Sample };
  warm: { baseline: Sample; plugin: Sample };
}

const PLUGIN = { plugin: 'nx-speckit', options: { agent: 'replay' } };

export function benchGraph(shapes: Array<[number, number]>, rounds: number): GraphRow[] {
  const rows: GraphRow[] = [];
  for (const [features, tasks] of shapes) {
    const plugin = emptyWorkspace('plugin', [PLUGIN]);
    const baseline = emptyWorkspace('baseline', []);
    try {
      const dirs = writeFeatures(plugin.root, features, tasks);
      writeFeatures(baseline.root, features, tasks);
      const targets = writeBaselineProjects(plugin.root, baseline.root, dirs);
      const show = ['', 'show', 'projects'];
      show[0] = NX;
      const cold = (root: string, env = nxEnv()) => () => { clearNxState(root); return timed(root, show, env); };
      const warm = (root: string) => () => timed(root, show);
      // Prime both once (file system cache), then measure alternately.
      timed(plugin.root, show);
      timed(baseline.root, show);
      const coldResult = interleaved(rounds, {
        baseline: cold(baseline.root),
        plugin: cold(plugin.root, nxEnv({ SPECKIT_GRAPH_WORKERS: '0' })),
        pluginWorkers: cold(plugin.root, nxEnv({ SPECKIT_GRAPH_WORKERS: '2' })),
      });
      const warmResult = interleaved(rounds, { baseline: warm(baseline.root), plugin: warm(plugin.root) });
      rows.push({ features, tasks, targets, cold: coldResult, warm: warmResult });
    } finally {
      plugin.cleanup();
      baseline.cleanup();
    }
  }
  return rows;
}

/** Writes project.json files holding exactly what the plugin infers, so both sides have the same graph. */
function writeBaselineProjects(pluginRoot: string, baselineRoot: string, dirs: string[]): number {
  const { analyzeFeature, readFeature } = require(join(REPO_ROOT, 'packages/tasks-md/dist')) as typeof import('@nx-speckit/tasks-md');
  const { buildFeatureProject } = require(join(REPO_ROOT, 'packages/nx-speckit/dist/plugin/feature-project')) as typeof import('../../packages/nx-speckit/src/plugin/feature-project');
  const { normalizeOptions } = require(join(REPO_ROOT, 'packages/nx-speckit/dist/plugin/options')) as typeof import('../../packages/nx-speckit/src/plugin/options');
  let targets = 0;
  for (const dir of dirs) {
    const project = buildFeatureProject(dir, analyzeFeature(readFeature(pluginRoot, dir)), normalizeOptions(PLUGIN.options as never));
    targets += Object.keys(project.targets ?? {}).length;
    const { root: _root, ...rest } = project;
    writeFileSync(join(baselineRoot, dir, 'project.json'), JSON.stringify(rest));
  }
  return targets;
}
