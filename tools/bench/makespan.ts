/**
 * Benchmarks 2 and 3 on a 5-feature workspace built from tools/bench/fixtures (91 tasks):
 * - makespan: a sleep agent (tools/bench/sleep-agent.cjs) lives a seeded duration per task and
 *   writes the task's declared files. Agent span (first agent start → last agent end) against
 *   the critical path by those durations, and the whole run against the sequential sum (what one
 *   /implement session costs), at several --parallel; the same graph as static nx:run-commands
 *   targets running the same command alongside.
 * - per-task overhead: every duration 0, --parallel 1, the first two features: wall time per
 *   task of nx-speckit:task vs nx:run-commands, and vs a minimal custom executor that only spawns
 *   the same command: Nx forks a process for every task of any custom executor, so that side
 *   separates Nx's own per-task cost from nx-speckit's (Nx start-up and graph included in all).
 * - finished: every box [X], `nx run-many -t implement` against static nx:noop graphs.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interleaved, NX, nxEnv, timed, type Sample } from './measure';
import { listSchedule, peakConcurrency, seededSeconds, span, type Interval, type Job } from './stats';
import { MINIMAL_PLUGIN_NAME, writeMinimalPlugin } from './graph';
import { emptyWorkspace, REPO_ROOT, type Generated } from './workspaces';

type Engine = typeof import('@nx-speckit/tasks-md');
type ProjectConfiguration = import('@nx/devkit').ProjectConfiguration;
type TargetConfiguration = import('@nx/devkit').TargetConfiguration;

const FIXTURES = join(__dirname, 'fixtures');
const AGENT = join(__dirname, 'sleep-agent.cjs');
const AGENT_COMMAND = ['node', 'sleep-agent.cjs'];
const PLUGIN = {
  plugin: 'nx-speckit',
  options: { agent: { command: AGENT_COMMAND, timeoutSeconds: 600 }, cache: false },
};
const TASK_EXECUTOR = 'nx-speckit:task';

const engine = () => require(join(REPO_ROOT, 'packages/tasks-md/dist')) as Engine;

interface Feature {
  dir: string;
  tasksMd: string;
}

export function fixtureFeatures(limit = Infinity): Feature[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.tasks.md'))
    .sort()
    .slice(0, limit)
    .map((f) => ({ dir: `specs/${f.replace(/\.tasks\.md$/, '')}`, tasksMd: readFileSync(join(FIXTURES, f), 'utf8') }));
}

const ticked = (md: string) => md.replace(/^(\s*[-*+] )\[ \]( +T\d)/gm, '$1[X]$2');

type Kind = 'plugin' | 'runCommands' | 'spawnExecutor' | 'noop' | 'static' | 'minimal';

interface Bench extends Generated {
  kind: Kind;
  run(args: string[]): Sample;
  spans(): Interval[];
}

/**
 * A git workspace holding the features. `plugin`: the nx-speckit plugin infers the projects;
 * `runCommands` / `noop`: static project.json files with the plugin's targets, task targets
 * replaced by nx:run-commands running the sleep agent, or by nx:noop; `static`: the plugin's own
 * targets verbatim as project.json (graph construction taken out); `spawnExecutor`: task targets
 * run by SPAWN_EXECUTOR, a custom executor that only spawns the sleep agent; `minimal`: the
 * plugin's own targets handed to Nx by the minimal plugin (tools/bench/graph.ts), a plugin
 * worker with nothing of nx-speckit's work in it.
 */
export function workspace(kind: Kind, features: Feature[], durations: Record<string, number>, finished = false): Bench {
  const ws = emptyWorkspace(kind, kind === 'plugin' ? [PLUGIN] : kind === 'minimal' ? [MINIMAL_PLUGIN_NAME] : []);
  const minimalProjects: Record<string, ProjectConfiguration> = {};
  const { root } = ws;
  const { analyzeFeature } = engine();
  const { buildFeatureProject } = require(
    join(REPO_ROOT, 'packages/nx-speckit/dist/plugin/feature-project'),
  ) as typeof import('../../packages/nx-speckit/src/plugin/feature-project');
  const { normalizeOptions } = require(
    join(REPO_ROOT, 'packages/nx-speckit/dist/plugin/options'),
  ) as typeof import('../../packages/nx-speckit/src/plugin/options');
  copyFileSync(AGENT, join(root, 'sleep-agent.cjs'));
  writeFileSync(join(root, 'bench-durations.json'), JSON.stringify(durations));
  writeFileSync(join(root, '.gitignore'), 'node_modules\n.nx\n.speckit\nbench-spans.jsonl\n');
  if (kind === 'spawnExecutor') writeSpawnExecutor(root);
  for (const f of features) {
    const dir = join(root, f.dir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tasks.md'), finished ? ticked(f.tasksMd) : f.tasksMd);
    writeFileSync(join(dir, 'spec.md'), `# ${f.dir}\n\nSpec.\n`);
    writeFileSync(join(dir, 'plan.md'), `# ${f.dir}\n\nPlan.\n`);
    if (kind === 'plugin') continue;
    // noop: the full shape (every task a target the aggregate waits for), as if nothing were done.
    const source = kind === 'noop' ? f.tasksMd : readFileSync(join(dir, 'tasks.md'), 'utf8');
    const project = buildFeatureProject(
      f.dir,
      analyzeFeature({ dir: f.dir, documents: { 'tasks.md': source, 'spec.md': '# s\n', 'plan.md': '# p\n' } }),
      normalizeOptions(PLUGIN.options as never),
    );
    if (kind === 'minimal') minimalProjects[f.dir] = project;
    else writeFileSync(join(dir, 'project.json'), JSON.stringify(staticProject(project, kind, root)));
  }
  if (kind === 'minimal') writeMinimalPlugin(root, minimalProjects);
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  git(root, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', 'bench');
  const reset = () => {
    git(root, 'checkout', '-q', '--', '.');
    git(root, 'clean', '-fdq');
    // A finished workspace keeps nx-speckit's state (.speckit/, stored parses) as it keeps Nx's
    // (.nx/, the cached graph): a developer's workspace has both. Without it, the post-run report
    // loads remark to parse every tasks.md again (a fresh clone has a cold graph, whose plugin
    // worker has loaded remark anyway).
    if (!finished) rmSync(join(root, '.speckit'), { recursive: true, force: true });
    rmSync(join(root, 'bench-spans.jsonl'), { force: true });
  };
  const run = (args: string[]) => {
    reset();
    return timed(
      root,
      [NX, 'run-many', '-t', 'implement', '--skip-nx-cache', '--outputStyle=static', ...args],
      nxEnv(),
    );
  };
  const spans = () =>
    existsSync(join(root, 'bench-spans.jsonl'))
      ? readFileSync(join(root, 'bench-spans.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Interval)
      : [];
  return { ...ws, kind, run, spans };
}

function staticProject(project: ProjectConfiguration, kind: Kind, root: string) {
  const { root: _root, ...rest } = project;
  const targets: Record<string, TargetConfiguration> = {};
  for (const [name, t] of Object.entries(project.targets ?? {})) {
    if (t.executor !== TASK_EXECUTOR || kind === 'static') targets[name] = t;
    else if (kind === 'noop') targets[name] = { executor: 'nx:noop', dependsOn: t.dependsOn, metadata: t.metadata };
    else {
      const speckit = (t.metadata as { speckit: { taskId: string; files: string[] } }).speckit;
      const env = {
        SPECKIT_TASK_ID: speckit.taskId,
        SPECKIT_FEATURE_DIR: project.root,
        SPECKIT_TASK_FILES: JSON.stringify(speckit.files),
        SPECKIT_WORKSPACE_ROOT: root,
      };
      if (kind === 'spawnExecutor') {
        targets[name] = {
          executor: SPAWN_EXECUTOR,
          dependsOn: t.dependsOn,
          cache: false,
          options: { command: AGENT_COMMAND, env },
        };
        continue;
      }
      targets[name] = {
        executor: 'nx:run-commands',
        dependsOn: t.dependsOn,
        cache: false,
        options: {
          command: AGENT_COMMAND.join(' '),
          env: {
            SPECKIT_TASK_ID: speckit.taskId,
            SPECKIT_FEATURE_DIR: project.root,
            SPECKIT_TASK_FILES: JSON.stringify(speckit.files),
            SPECKIT_WORKSPACE_ROOT: root,
          },
        },
      };
    }
  }
  return { ...rest, targets };
}

const SPAWN_EXECUTOR = './tools/spawn-executor:run';

/** The smallest custom executor: spawn the command, succeed on exit 0. */
function writeSpawnExecutor(root: string) {
  const dir = join(root, 'tools/spawn-executor');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'spawn-executor', version: '0.0.0', executors: './executors.json' }),
  );
  writeFileSync(
    join(dir, 'executors.json'),
    JSON.stringify({
      executors: { run: { implementation: './run.js', schema: './schema.json', description: 'spawn a command' } },
    }),
  );
  writeFileSync(
    join(dir, 'schema.json'),
    JSON.stringify({ type: 'object', properties: { command: { type: 'array' }, env: { type: 'object' } } }),
  );
  writeFileSync(
    join(dir, 'run.js'),
    `const { spawn } = require('node:child_process');
module.exports = (options, context) => new Promise((resolve) => {
  const child = spawn(options.command[0], options.command.slice(1), { cwd: context.root, stdio: 'inherit', env: { ...process.env, ...options.env } });
  child.on('exit', (code) => resolve({ success: code === 0 }));
});
`,
  );
}

function git(cwd: string, ...args: string[]) {
  execFileSync('git', args, { cwd, stdio: 'ignore' });
}

/** Seeded durations, the critical path by them per feature, and the jobs for an ideal schedule. */
function plan(features: Feature[], seed: string, min: number, max: number) {
  const { analyzeFeature } = engine();
  const durations: Record<string, number> = {};
  const jobs: Job[] = [];
  let criticalPath = 0;
  for (const f of features) {
    const docs = { dir: f.dir, documents: { 'tasks.md': f.tasksMd, 'spec.md': '# s\n', 'plan.md': '# p\n' } };
    const ids = analyzeFeature(docs).parsed.tasks.map((t) => t.id);
    const local = Object.fromEntries(ids.map((id) => [id, seededSeconds(seed, `${f.dir}/${id}`, min, max)]));
    for (const id of ids) durations[`${f.dir}/${id}`] = local[id];
    const analysis = analyzeFeature(docs, { durations: local });
    if (!analysis.ok)
      throw new Error(`${f.dir}: fixture does not plan: ${analysis.diagnostics.map(String).join('; ')}`);
    criticalPath = Math.max(criticalPath, analysis.plan.weightedCriticalPath.seconds);
    for (const id of ids)
      jobs.push({
        id: `${f.dir}/${id}`,
        seconds: local[id],
        deps: (analysis.plan.dependsOn[id] ?? []).map((d) => `${f.dir}/${d.id}`),
      });
  }
  const sequential = Object.values(durations).reduce((a, b) => a + b, 0);
  // The smallest power-of-two --parallel at which slots no longer limit the schedule.
  const unlimited = listSchedule(jobs, jobs.length);
  let width = 1;
  while (listSchedule(jobs, width) > unlimited + 1e-9) width *= 2;
  return { durations, jobs, tasks: jobs.length, criticalPath, sequential, width };
}

export interface MakespanRow {
  parallel: number;
  /** listSchedule of the durations at this --parallel: the best any scheduler could do. */
  ideal: number;
  plugin: { wall: number; agentSpan: number; peak: number; rssMb: number };
  /** The same plugin workspace run with `--batch` (the executor's batch implementation). */
  batch?: { wall: number; agentSpan: number; peak: number; rssMb: number };
  runCommands: { wall: number; agentSpan: number; peak: number; rssMb: number };
}

export interface MakespanResult {
  features: number;
  tasks: number;
  seed: string;
  durationRange: [number, number];
  sequential: number;
  criticalPath: number;
  rows: MakespanRow[];
}

export interface OverheadResult {
  tasks: number;
  /** Wall seconds of the whole `nx run-many` (start-up included) per side. */
  plugin: number;
  /** nx-speckit:task with `--batch`: one process for all tasks. */
  batch?: number;
  spawnExecutor: number;
  runCommands: number;
}

/** Per-task overhead: every duration 0, one task at a time, on the first two features. */
export function benchOverhead(opts: { rounds: number }): OverheadResult {
  const features = fixtureFeatures(2);
  const p = plan(features, 'overhead', 0, 0);
  const benches = {
    plugin: workspace('plugin', features, p.durations),
    spawnExecutor: workspace('spawnExecutor', features, p.durations),
    runCommands: workspace('runCommands', features, p.durations),
  };
  try {
    const args = ['--parallel', '1'];
    for (const b of Object.values(benches)) b.run(args); // primes the graph cache and the file system
    const measure =
      (b: Bench, extra: string[] = []) =>
      () => {
        const sample = b.run([...args, ...extra]);
        if (b.spans().length !== p.tasks) throw new Error(`${b.kind}: ${b.spans().length} of ${p.tasks} agents ran`);
        return sample;
      };
    const r = interleaved(opts.rounds, {
      plugin: measure(benches.plugin),
      batch: measure(benches.plugin, ['--batch']),
      spawnExecutor: measure(benches.spawnExecutor),
      runCommands: measure(benches.runCommands),
    });
    return {
      tasks: p.tasks,
      plugin: r.plugin.seconds,
      batch: r.batch.seconds,
      spawnExecutor: r.spawnExecutor.seconds,
      runCommands: r.runCommands.seconds,
    };
  } finally {
    for (const b of Object.values(benches)) b.cleanup();
  }
}

export function benchMakespan(opts: { quick: boolean; rounds: number; seed?: string }): MakespanResult {
  const seed = opts.seed ?? 'nx-speckit-bench-1';
  const features = fixtureFeatures(opts.quick ? 2 : Infinity);
  const [min, max]: [number, number] = opts.quick ? [0.5, 1.5] : [1, 4];
  const p = plan(features, seed, min, max);
  const levels = opts.quick ? [p.width] : [4, p.width];

  const rows: MakespanRow[] = [];
  const plugin = workspace('plugin', features, p.durations);
  const runCommands = workspace('runCommands', features, p.durations);
  try {
    plugin.run(['--parallel', '2']); // primes the graph cache and the file system on both sides
    runCommands.run(['--parallel', '2']);
    for (const parallel of [...new Set(levels)]) {
      const args = ['--parallel', String(parallel)];
      const measure =
        (b: Bench, extra: string[] = []) =>
        () => {
          const sample = b.run([...args, ...extra]);
          const spans = b.spans();
          if (spans.length !== p.tasks) throw new Error(`${b.kind}: ${spans.length} of ${p.tasks} agents ran`);
          return { ...sample, agentSpan: span(spans) / 1000, peak: peakConcurrency(spans) };
        };
      const r = interleaved(opts.rounds, {
        plugin: measure(plugin),
        batch: measure(plugin, ['--batch']),
        runCommands: measure(runCommands),
      });
      const row = (x: (typeof r)['plugin']) => ({
        wall: x.seconds,
        agentSpan: x.agentSpan,
        peak: x.peak,
        rssMb: x.rssMb,
      });
      rows.push({
        parallel,
        ideal: listSchedule(p.jobs, parallel),
        plugin: row(r.plugin),
        batch: row(r.batch),
        runCommands: row(r.runCommands),
      });
    }
    return {
      features: features.length,
      tasks: p.tasks,
      seed,
      durationRange: [min, max],
      sequential: p.sequential,
      criticalPath: p.criticalPath,
      rows,
    };
  } finally {
    plugin.cleanup();
    runCommands.cleanup();
  }
}

export interface FinishedResult {
  tasks: number;
  plugin: Sample;
  noop: Sample;
  static: Sample;
  /** Absent from results measured before it existed. */
  minimal?: Sample;
}

/** Every task [X]: `nx run-many -t implement` (warm, no daemon) vs static graphs. */
export function benchFinished(opts: { quick: boolean; rounds: number }): FinishedResult {
  const features = fixtureFeatures(opts.quick ? 2 : Infinity);
  const p = plan(features, 'finished', 1, 1);
  const benches = {
    plugin: workspace('plugin', features, p.durations, true),
    noop: workspace('noop', features, p.durations, true),
    static: workspace('static', features, p.durations, true),
    minimal: workspace('minimal', features, p.durations, true),
  };
  try {
    for (const b of Object.values(benches)) b.run([]); // warm: the graph is cached, as on a developer machine
    const r = interleaved(opts.rounds, {
      plugin: () => benches.plugin.run([]),
      noop: () => benches.noop.run([]),
      static: () => benches.static.run([]),
      minimal: () => benches.minimal.run([]),
    });
    if (benches.plugin.spans().length) throw new Error('finished workspace: an agent ran');
    return { tasks: p.tasks, ...r };
  } finally {
    for (const b of Object.values(benches)) b.cleanup();
  }
}
