/**
 * The dependency rules (phases, listed order, `[P]` runs, stated and explicit dependencies,
 * shared files, story lanes) turned into a transitively reduced DAG whose edges remember why
 * they exist.
 */
import type { Diagnostic, ParsedTasks, Phase, Task } from './model';
import {
  criticalPath,
  findCycle,
  topologicalOrder,
  transitiveReduction,
  waves as wavesOf,
  type Adjacency,
} from './graph';

/** Why an edge exists: the phase order, a stated or explicit dependency, listed order, a `[P]` run, a story lane or a shared file. */
export type EdgeRule =
  'barrier-phase' | 'story-phase' | 'stated' | 'sequence' | 'parallel-run' | 'lane' | 'explicit' | 'file-conflict';

/** One reason for an edge: its rule and a sentence naming the phase, line, run or file behind it. */
export interface EdgeReason {
  rule: EdgeRule;
  cause: string;
}

/** A direct prerequisite of a task, with every reason it is one. */
export interface Dependency {
  id: string;
  reasons: EdgeReason[];
}

/** How to plan: story lanes inside phases, and task durations for the weighted critical path. */
export interface PlanOptions {
  /** `story`: inside a phase, tasks wait only for their own `[USn]` lane. */
  lanes?: 'story' | 'none';
  /** Seconds per task id, for the weighted critical path (missing ids count 1). */
  durations?: Record<string, number>;
}

/** A feature's task graph: transitively reduced, with waves, critical paths and diagnostics. */
export interface Plan {
  /** False when the graph could not be built (unknown ids, cycles). */
  ok: boolean;
  /** Direct prerequisites of every task, in file order, with the rule and cause of each edge. */
  dependsOn: Record<string, Dependency[]>;
  /** Tasks grouped by the earliest step at which they could run with unlimited parallelism. */
  waves: string[][];
  /** Longest chain by number of tasks. */
  criticalPath: { ids: string[]; length: number };
  /** Longest chain by `durations`. */
  weightedCriticalPath: { ids: string[]; seconds: number };
  diagnostics: Diagnostic[];
}

type Reasoned = { deps: number[]; reason: EdgeReason };

/**
 * Turns parsed tasks into a dependency graph: each task's direct prerequisites with the reason for
 * each edge, the waves of tasks that can run together, and the critical paths. Unknown ids and
 * cycles are error diagnostics (`ok: false`, no waves); shared files across stories are warnings.
 *
 * @example
 * const plan = planTasks(parseTasks(readFileSync('specs/001-x/tasks.md', 'utf8')));
 * plan.dependsOn.T005; // [{ id: 'T004', reasons: [{ rule: 'sequence', cause: 'listed after T004' }] }]
 * plan.waves;          // [['T001'], ['T002', 'T003'], …]
 */
export function planTasks(parsed: ParsedTasks, options: PlanOptions = {}, file = 'tasks.md'): Plan {
  const { tasks, phases } = parsed;
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const diagnostics: Diagnostic[] = [];
  const edges = new EdgeSet(tasks.length);

  addPhaseEdges(tasks, phases, index, edges, options.lanes ?? 'none');
  addStatedEdges(parsed, index, edges, file);
  addExplicitEdges(tasks, index, edges, diagnostics, file);
  addFileConflictEdges(tasks, edges, diagnostics, file);

  const { order, cyclic } = topologicalOrder(tasks.length, edges.successors());
  if (cyclic.length) {
    const cycle = findCycle(edges.successors(), cyclic).map((i) => tasks[i]);
    const names = [...cycle, cycle[0]].map((t) => t.id).join(' → ');
    diagnostics.push({
      severity: 'error',
      code: 'cycle',
      file,
      line: cycle[0]?.line,
      taskId: cycle[0]?.id,
      message: `dependency cycle: ${names}`,
    });
  }
  const ok = !diagnostics.some((d) => d.severity === 'error');
  if (!ok) {
    return {
      ok,
      dependsOn: edges.toDependsOn(tasks, edges.successors()),
      waves: [],
      criticalPath: { ids: [], length: 0 },
      weightedCriticalPath: { ids: [], seconds: 0 },
      diagnostics,
    };
  }

  const reduced = transitiveReduction(tasks.length, edges.successors(), order);
  const wave = wavesOf(tasks.length, reduced, order);
  const waves: string[][] = [];
  tasks.forEach((t, i) => (waves[wave[i]] ??= []).push(t.id));
  const byCount = criticalPath(tasks.length, reduced, order);
  const durations = options.durations ?? {};
  const byTime = criticalPath(tasks.length, reduced, order, (v) => durations[tasks[v].id] ?? 1);
  return {
    ok,
    dependsOn: edges.toDependsOn(tasks, reduced),
    waves,
    criticalPath: { ids: byCount.nodes.map((i) => tasks[i].id), length: byCount.length },
    weightedCriticalPath: { ids: byTime.nodes.map((i) => tasks[i].id), seconds: byTime.length },
    diagnostics,
  };
}

/** Phases, listed order, `[P]` runs, sub-headings and, optionally, story lanes. */
function addPhaseEdges(
  tasks: Task[],
  phases: Phase[],
  index: Map<string, number>,
  edges: EdgeSet,
  lanes: 'story' | 'none',
) {
  let barrier: { exits: number[]; title: string } | undefined; // the last barrier phase
  let cluster: number[] = []; // exits of the story phases since that barrier
  for (const phase of phases) {
    const members = phase.taskIds.map((id) => index.get(id)!);
    let entry: Reasoned;
    if (phase.kind === 'story') {
      entry = {
        deps: barrier?.exits ?? [],
        reason: { rule: 'story-phase', cause: `story phase "${phase.title}" starts after phase "${barrier?.title}"` },
      };
    } else {
      // Everything before a barrier phase is done when the previous barrier's (or story cluster's) exits are.
      entry = {
        deps: cluster.length ? cluster : (barrier?.exits ?? []),
        reason: { rule: 'barrier-phase', cause: `phase "${phase.title}" starts after everything before it` },
      };
    }
    const exits = orderWithinPhase(tasks, members, entry, edges, lanes);
    if (phase.kind === 'story') {
      cluster = cluster.concat(exits);
    } else {
      barrier = { exits, title: phase.title };
      cluster = [];
    }
  }
}

/**
 * Listed order and `[P]` runs over one view of a phase: all its tasks, or with lanes one `[USn]` label plus the
 * unlabelled tasks. `frontier` covers the view so far: every task of the view seen yet is in it
 * or an ancestor of one of its tasks, so the next task in listed order waits for the frontier.
 */
interface Lane {
  frontier: number[];
  lastIsRun: boolean;
  section: number;
  /** What the open `[P]` run waited for: later members of the run wait for the same. */
  runEntry: Reasoned;
}

/** Orders one phase's tasks (listed order and `[P]` runs, per lane with lanes) and returns the phase's exits (its sinks). */
function orderWithinPhase(
  tasks: Task[],
  members: number[],
  entry: Reasoned,
  edges: EdgeSet,
  lanes: 'story' | 'none',
): number[] {
  const views = new Map<string, Lane>([['', { frontier: [], lastIsRun: false, section: -1, runEntry: entry }]]);
  const hasSuccessorInPhase = new Set<number>();
  const names = (list: number[]) => list.map((i) => tasks[i].id).join(', ');
  const depend = (t: number, on: Reasoned) => {
    for (const d of on.deps) {
      edges.add(d, t, on.reason);
      hasSuccessorInPhase.add(d);
    }
  };

  for (const t of members) {
    const task = tasks[t];
    let deps: Reasoned;
    let inViews: Lane[];
    if (lanes === 'story' && task.labels.includes('ALL')) {
      const waitFor = [...new Set([...views.values()].flatMap((v) => v.frontier))];
      deps = waitFor.length
        ? {
            deps: waitFor,
            reason: { rule: 'lane', cause: `[ALL] task ${task.id} waits for every earlier task of the phase` },
          }
        : entry;
      inViews = [...views.values()];
    } else {
      const key = lanes === 'story' ? (task.story ?? '') : '';
      // A lane seen for the first time has so far held only the unlabelled tasks.
      if (!views.has(key)) views.set(key, cloneLane(views.get('')!));
      deps = dependenciesInLane(task, views.get(key)!, entry, names, lanes === 'story' && key !== '');
      // An unlabelled task is part of every lane; a labelled one only of its own.
      inViews = lanes === 'story' && key === '' ? [...views.values()] : [views.get(key)!];
    }
    depend(t, deps);
    for (const view of inViews) advance(view, task, t, deps, names);
  }
  return members.filter((t) => !hasSuccessorInPhase.has(t));
}

function cloneLane(lane: Lane): Lane {
  return { ...lane, frontier: [...lane.frontier] };
}

function joinsRun(task: Task, lane: Lane): boolean {
  return task.parallel && lane.lastIsRun && lane.section === task.sectionIndex;
}

function dependenciesInLane(
  task: Task,
  lane: Lane,
  entry: Reasoned,
  names: (list: number[]) => string,
  inStoryLane: boolean,
): Reasoned {
  if (joinsRun(task, lane)) return lane.runEntry;
  if (!lane.frontier.length) return entry;
  const rule = inStoryLane ? 'lane' : lane.lastIsRun ? 'parallel-run' : 'sequence';
  const cause = lane.lastIsRun
    ? `waits for the [P] run ${names(lane.frontier)}`
    : `listed after ${names(lane.frontier)}${inStoryLane ? ` in lane ${task.story}` : ''}`;
  return { deps: lane.frontier, reason: { rule, cause } };
}

/**
 * Adds task `t`, which waits for `deps`, to a view. Usually `deps` came from this view and cover
 * its whole frontier. An unlabelled task added to a story lane did not wait for that lane's own
 * tasks, though: those stay in the frontier beside it, or the lane's next task would skip them.
 */
function advance(lane: Lane, task: Task, t: number, deps: Reasoned, names: (list: number[]) => string) {
  const covered = new Set(deps.deps);
  const rest = lane.frontier.filter((f) => !covered.has(f));
  if (!joinsRun(task, lane)) {
    // The run's later members wait for what this view had before it (in a story lane that can
    // be more than the unlabelled task's own `deps`).
    if (task.parallel)
      lane.runEntry = rest.length
        ? {
            deps: lane.frontier,
            reason: { rule: 'lane', cause: `the [P] run of ${task.id} starts after ${names(lane.frontier)}` },
          }
        : deps;
    lane.lastIsRun = task.parallel;
    lane.section = task.sectionIndex;
  }
  lane.frontier = [...rest, t];
}

/**
 * The exception to concurrent story phases: a phase that tasks.md says waits for another waits for all of its tasks
 * (the reduction keeps only the last ones), with the stating line as the reason.
 */
function addStatedEdges({ statements, phases }: ParsedTasks, index: Map<string, number>, edges: EdgeSet, file: string) {
  for (const statement of statements) {
    for (const d of statement.dependents) {
      for (const p of statement.prerequisites) {
        const [dependent, prerequisite] = [phases[d - 1], phases[p - 1]];
        const reason: EdgeReason = {
          rule: 'stated',
          cause: `phase "${dependent.title}" waits for phase "${prerequisite.title}": stated in ${file}:${statement.line}`,
        };
        for (const from of prerequisite.taskIds)
          for (const to of dependent.taskIds) edges.add(index.get(from)!, index.get(to)!, reason);
      }
    }
  }
}

/** Explicit dependencies: `(depends on …)`, `Depends on:` and ranges; unknown ids are errors. */
function addExplicitEdges(
  tasks: Task[],
  index: Map<string, number>,
  edges: EdgeSet,
  diagnostics: Diagnostic[],
  file: string,
) {
  tasks.forEach((task, t) => {
    for (const dep of task.dependsOn) {
      const d = index.get(dep);
      if (d === undefined) {
        diagnostics.push({
          severity: 'error',
          code: 'unknown-dependency',
          file,
          line: task.line,
          taskId: task.id,
          message: `${task.id} depends on ${dep}, which is not a task in this file`,
        });
      } else if (d === t) {
        diagnostics.push({
          severity: 'error',
          code: 'cycle',
          file,
          line: task.line,
          taskId: task.id,
          message: `dependency cycle: ${task.id} depends on itself`,
        });
      } else {
        edges.add(d, t, { rule: 'explicit', cause: `${task.id} depends on ${dep} (line ${task.line})` });
      }
    }
  });
}

/**
 * Tasks naming the same file, or a folder and a file inside it, never overlap: the later
 * waits for the earlier. A warning when nothing else already orders them.
 */
function addFileConflictEdges(tasks: Task[], edges: EdgeSet, diagnostics: Diagnostic[], file: string) {
  const conflicts: Array<[number, number, string]> = [];
  const lastToucher = new Map<string, number>(); // path → latest task naming exactly it
  tasks.forEach((task, t) => {
    const earlier = new Map<number, string>();
    for (const path of task.files) {
      // An enclosing folder may have been named without its `/` (`src/cli`), so look for both.
      const candidates = [path, ...ancestorFolders(path).flatMap((a) => [a, a.slice(0, -1)])];
      for (const c of candidates) {
        const u = lastToucher.get(c);
        if (u !== undefined && u !== t) earlier.set(u, c === path ? path : `${path} (inside ${c})`);
      }
      const folder = asFolder(path);
      if (folder) {
        for (const [other, u] of lastToucher) {
          if (other !== path && other.startsWith(folder) && u !== t) earlier.set(u, `${other} (inside ${path})`);
        }
      }
    }
    for (const [u, why] of earlier) conflicts.push([u, t, why]);
    for (const path of task.files) lastToucher.set(path, t);
  });
  if (!conflicts.length) return;

  // Warn when the other rules leave the pair unordered. Judge against those rules alone (a copy
  // taken before any conflict edge), so the warnings do not depend on the order of the checks.
  const reach = reachability(
    tasks.length,
    edges.successors().map((list) => [...list]),
  );
  for (const [u, t, path] of conflicts) {
    if (!reach(u, t)) {
      const parallel = tasks[u].parallel || tasks[t].parallel ? ' although marked [P]' : '';
      diagnostics.push({
        severity: 'warning',
        code: 'file-conflict',
        file,
        line: tasks[t].line,
        taskId: tasks[t].id,
        message: `${tasks[t].id} and ${tasks[u].id} both touch ${path}: ${tasks[t].id} waits for ${tasks[u].id}${parallel}`,
      });
    }
    edges.add(u, t, { rule: 'file-conflict', cause: `both touch ${path}` });
  }
}

/** `reach(a, b)`: is there a path a → b? Answers from one DFS per distinct source, memoised. */
function reachability(n: number, succ: Adjacency) {
  const memo = new Map<number, Uint8Array>();
  return (a: number, b: number): boolean => {
    let seen = memo.get(a);
    if (!seen) {
      seen = new Uint8Array(n);
      const stack = [a];
      while (stack.length)
        for (const w of succ[stack.pop()!])
          if (!seen[w]) {
            seen[w] = 1;
            stack.push(w);
          }
      memo.set(a, seen);
    }
    return seen[b] === 1;
  };
}

/**
 * The folder a declared path may name: `src/` surely, and `src/cli` too, since a name without an
 * extension can be a folder. A file and a folder of one name cannot both exist, so treating it
 * as one only ever adds real conflicts.
 */
function asFolder(path: string): string | undefined {
  if (path.endsWith('/')) return path;
  return /\.[^/]*$/.test(path) ? undefined : `${path}/`;
}

function ancestorFolders(path: string): string[] {
  const parts = path.replace(/\/$/, '').split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(`${parts.slice(0, i).join('/')}/`);
  return out;
}

/** Edges keyed by (from, to), each keeping every reason that produced it. */
class EdgeSet {
  private readonly reasons = new Map<number, EdgeReason[]>();
  private readonly succ: Adjacency;
  constructor(private readonly n: number) {
    this.succ = Array.from({ length: n }, () => []);
  }
  add(from: number, to: number, reason: EdgeReason) {
    const key = from * this.n + to;
    const list = this.reasons.get(key);
    if (list) {
      if (!list.some((r) => r.rule === reason.rule && r.cause === reason.cause)) list.push(reason);
      return;
    }
    this.reasons.set(key, [reason]);
    this.succ[from].push(to);
  }
  successors(): Adjacency {
    return this.succ;
  }
  toDependsOn(tasks: Task[], succ: Adjacency): Record<string, Dependency[]> {
    const preds: number[][] = tasks.map(() => []);
    succ.forEach((list, from) => list.forEach((to) => preds[to].push(from)));
    const out: Record<string, Dependency[]> = {};
    tasks.forEach((task, t) => {
      out[task.id] = preds[t]
        .sort((a, b) => a - b)
        .map((p) => ({ id: tasks[p].id, reasons: this.reasons.get(p * this.n + t)! }));
    });
    return out;
  }
}
