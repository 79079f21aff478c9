/**
 * Which task targets a run asked for. Nx's pre/post hooks get the command line, not the task graph,
 * so the hooks read the targets and projects from argv and follow the targets' `dependsOn` inside
 * each project, as Nx will.
 */
import type { NxJsonConfiguration, TargetConfiguration } from '@nx/devkit';
import { reachable } from '../graph-walk';

/** What the command line asks Nx to run. */
export interface RequestedRun {
  command: string;
  targets: string[];
  /**
   * The projects named (patterns as written), `all` (`run-many` without `-p`), or `unknown`: Nx
   * decides (`affected`, or `nx implement` in a project's folder).
   */
  projects: string[] | 'all' | 'unknown';
  exclude: string[];
  /** `--parallel` and `--maxParallel` as written (`''` for a bare `--parallel`), for `runParallelism`. */
  parallel?: string;
  maxParallel?: string;
}

const TARGET_FLAGS = new Set(['-t', '--targets', '--target']);
const PROJECT_FLAGS = new Set(['-p', '--projects', '--project']);

/** Reads `nx run-many -t a,b -p x`, `nx affected -t a`, `nx run p:t`, `nx p:t`, `nx t p` from process.argv. */
export function requestedRun(argv: string[]): RequestedRun {
  const args = argv.slice(2);
  const values = (flags: Set<string>) => flagValues(args, flags);
  const positional = args.filter(
    (a, i) =>
      !a.startsWith('-') &&
      !(i > 0 && args[i - 1].startsWith('-') && !args[i - 1].includes('=') && isValueFlag(args[i - 1])),
  );
  const command = positional[0] ?? '';
  const exclude = values(new Set(['--exclude'])) ?? [];
  const parallel = values(new Set(['--parallel']))?.join(',');
  const maxParallel = values(new Set(['--maxParallel', '--max-parallel']))?.join(',');
  const common = {
    exclude,
    ...(parallel !== undefined && { parallel }),
    ...(maxParallel !== undefined && { maxParallel }),
  };
  if (command === 'run-many' || command === 'affected') {
    return {
      command,
      targets: values(TARGET_FLAGS) ?? [],
      projects: command === 'affected' ? 'unknown' : (values(PROJECT_FLAGS) ?? 'all'),
      ...common,
    };
  }
  const spec = command === 'run' ? (positional[1] ?? '') : command;
  if (spec.includes(':')) {
    const [project, target] = spec.split(':');
    return { command: 'run', targets: [target], projects: [project], ...common };
  }
  // `nx implement spec-x`: a target name, then (optionally) the project.
  return {
    command: 'run',
    targets: command ? [command] : [],
    projects: positional[1] ? [positional[1]] : 'unknown',
    ...common,
  };
}

/**
 * How many tasks Nx runs at once for this command: `--parallel`/`--maxParallel`/NX_PARALLEL read
 * by Nx's own rule, else nx.json's `parallel`, else Nx's default of 3. (Nx 24 always sets the
 * command's `parallel`, even to undefined, over tasksRunnerOptions, so those never count.) The
 * batch implementation needs it: Nx hands a batch to one process without saying.
 */
export function runParallelism(run: RequestedRun, nxJson: NxJsonConfiguration): number {
  const { readParallelFromArgsAndEnv } = require('../nx-internals') as typeof import('../nx-internals');
  return (
    readParallelFromArgsAndEnv({ parallel: run.parallel, maxParallel: run.maxParallel }) ??
    (nxJson.parallel ? Math.max(1, Math.floor(nxJson.parallel)) : 3)
  );
}

/**
 * The values given to any of `flags`, as Nx's yargs reads them: `--flag=a,b`, or the words after
 * `--flag` up to the next option, each split at commas; undefined when no such flag is there.
 */
function flagValues(args: string[], flags: Set<string>): string[] | undefined {
  let found: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!flags.has(flag)) continue;
    found ??= [];
    if (eq > 0) found.push(...arg.slice(eq + 1).split(','));
    else for (let j = i + 1; j < args.length && !args[j].startsWith('-'); j++) found.push(...args[j].split(','));
  }
  return found?.map((v) => v.trim()).filter(Boolean);
}

function isValueFlag(flag: string): boolean {
  return (
    TARGET_FLAGS.has(flag) ||
    PROJECT_FLAGS.has(flag) ||
    [
      '--exclude',
      '--base',
      '--head',
      '--parallel',
      '--maxParallel',
      '--max-parallel',
      '--outputStyle',
      '-c',
      '--configuration',
      '--files',
      '--nxBail',
    ].includes(flag)
  );
}

/**
 * The targets of one project that `requested` reach through `dependsOn` (the requested ones
 * included): what Nx runs of that project. Edges to other projects (`^build`, `other:t`) are not
 * followed; nx-speckit's own edges stay inside the feature.
 */
export function reachedTargets(targets: Record<string, TargetConfiguration>, requested: string[]): Set<string> {
  const sameProjectDeps = (name: string) =>
    (targets[name]?.dependsOn ?? [])
      .map((dep) =>
        typeof dep === 'string'
          ? dep.includes(':') || dep.startsWith('^')
            ? undefined
            : dep
          : !dep.projects && !dep.dependencies
            ? dep.target
            : undefined,
      )
      .filter((target): target is string => !!target && !!targets[target]);
  return reachable(
    requested.filter((t) => targets[t]),
    sameProjectDeps,
  );
}
