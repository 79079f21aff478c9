/**
 * Turning feature folders into projects on a cache miss, optionally spread over worker threads
 * (parsing markdown is CPU-bound). Threads are opt-in: tools/bench found them no faster on a
 * small machine (README, Measured), so the default keeps one thread. `SPECKIT_GRAPH_WORKERS=N`
 * turns them on for a cold graph; measure before relying on it.
 */
import { join } from 'node:path';
import type { ProjectConfiguration } from '@nx/devkit';
import type { NormalizedOptions } from './options';

export type Inferred = ProjectConfiguration | Error;

/**
 * Reads, analyses and builds one feature's project, loading the markdown engine only now (on a cache miss).
 * Throws when the feature cannot be read; callers keep that error for its folder alone.
 */
export function inferFeatureProject(
  workspaceRoot: string,
  root: string,
  options: NormalizedOptions,
): ProjectConfiguration {
  // Loaded lazily: the engine pulls in remark, which graph construction needs only on a cache miss.
  const { analyzeFeature, readFeature } = require('@nx-speckit/tasks-md') as typeof import('@nx-speckit/tasks-md');
  const { buildFeatureProject } = require('./feature-project') as typeof import('./feature-project');
  return buildFeatureProject(root, analyzeFeature(readFeature(workspaceRoot, root), { lanes: options.lanes }), options);
}

/**
 * Each folder's project, or the error inferring it threw, so one broken feature does not stop the graph.
 * Uses worker threads only when SPECKIT_GRAPH_WORKERS asks for them and more than one folder missed the cache.
 */
export async function inferProjects(
  workspaceRoot: string,
  roots: string[],
  options: NormalizedOptions,
): Promise<Map<string, Inferred>> {
  const workers = workerCount(roots.length);
  if (workers < 2)
    return new Map(roots.map((root) => [root, attempt(() => inferFeatureProject(workspaceRoot, root, options))]));

  const { Tinypool } = require('tinypool') as typeof import('tinypool');
  const pool = new Tinypool({ filename: join(__dirname, 'infer-worker.js'), minThreads: workers, maxThreads: workers });
  try {
    const size = Math.ceil(roots.length / (workers * 4)); // a few chunks per thread evens out uneven files
    const chunks = Array.from({ length: Math.ceil(roots.length / size) }, (_, i) =>
      roots.slice(i * size, (i + 1) * size),
    );
    const results = await Promise.all(
      chunks.map((chunk) => pool.run({ workspaceRoot, roots: chunk, options }) as Promise<WorkerResult[]>),
    );
    return new Map(results.flat().map((r) => [r.root, r.error !== undefined ? new Error(r.error) : r.project!]));
  } finally {
    await pool.destroy();
  }
}

export interface WorkerResult {
  root: string;
  project?: ProjectConfiguration;
  error?: string;
}

/** `SPECKIT_GRAPH_WORKERS=N`: N threads when more than one feature misses the cache; unset or 0: none. */
function workerCount(misses: number): number {
  return misses > 1 ? Math.max(0, Number(process.env.SPECKIT_GRAPH_WORKERS) || 0) : 0;
}

function attempt(fn: () => ProjectConfiguration): Inferred {
  try {
    return fn();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
