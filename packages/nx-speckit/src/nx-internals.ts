/**
 * The only door to Nx's private files (`nx/src/…`). They are not a public API and may move in any
 * release, so each is loaded lazily, inside try/catch, and has a plain fallback: a moved file
 * costs precision, never a run. Callers load this module only for runs that include the
 * plugin's own targets.
 */
import type { ProjectGraphProjectNode } from '@nx/devkit';

type FindMatchingProjects = (patterns: string[], nodes: Record<string, ProjectGraphProjectNode>) => string[];
type ReadParallel = (args: Record<string, unknown>) => number | undefined;

function loadNx<T>(file: string, name: string): T | undefined {
  try {
    const fn = (require(file) as Record<string, unknown>)[name];
    return typeof fn === 'function' ? (fn as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The projects that `-p`/`--exclude` patterns select, by Nx's own rules (globs, `tag:`, `!`).
 * Fallback: the patterns that name a project exactly.
 */
export function findMatchingProjects(patterns: string[], nodes: Record<string, ProjectGraphProjectNode>): string[] {
  const nx = loadNx<FindMatchingProjects>('nx/src/devkit-internals', 'findMatchingProjects');
  if (nx) return nx(patterns, nodes);
  return patterns.filter((p) => nodes[p]);
}

/**
 * `--parallel` / `--maxParallel` / NX_PARALLEL as Nx reads them; undefined when they do not say.
 * Fallback: `--parallel=false` is 1, `--parallel=N` is N, anything else does not say.
 */
export function readParallelFromArgsAndEnv(args: { parallel?: string; maxParallel?: string }): number | undefined {
  const nx = loadNx<ReadParallel>('nx/src/command-line/yargs-utils/shared-options', 'readParallelFromArgsAndEnv');
  if (nx) return nx(args);
  if (args.parallel === 'false') return 1;
  const n = Number(args.parallel);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}
