/**
 * Where quality gates sit in a feature's task graph. Pure: the parsed tasks, the plan and the
 * `gates` option in, dependsOn lists out.
 *
 * A task waits for the gate of every other gated phase it depends on instead of that phase's
 * tasks (the gate waits for them). A phase gate waits for its phase's open tasks and, for the
 * phase's finished tasks, for whatever unfinished work still comes before them, so it never
 * checks a workspace that work upstream is still changing. A finished phase's gate runs again
 * only when open work depends on that phase: a gate that failed last time is not bypassed, and
 * a finished feature runs no phase gate.
 */
import { openPrerequisites, remainingDependsOn, type FeatureAnalysis, type Task } from '@nx-speckit/tasks-md';
import { reachable } from '../graph-walk';
import type { NormalizedGate } from './options';

export interface GatePlan {
  any: boolean;
  /** Gates without a phase: `<target>--gate`. */
  feature: NormalizedGate[];
  /** Phase number → its gates (`phase: n` and `phase: "each"`); phases the feature lacks are left out. */
  byPhase: Map<number, NormalizedGate[]>;
}

/** Which gates run where: the feature's own gates, and each phase's gates (phases the feature lacks are left out). */
export function gatePlan(phases: FeatureAnalysis['parsed']['phases'], gates: NormalizedGate[]): GatePlan {
  const byPhase = new Map<number, NormalizedGate[]>();
  for (const phase of phases) {
    const here = gates.filter((g) => g.phase === 'each' || g.phase === phase.number);
    if (here.length) byPhase.set(phase.number, here);
  }
  return { any: gates.length > 0, feature: gates.filter((g) => g.phase === undefined), byPhase };
}

/** What one target waits for: open task ids, and gated phase numbers with the task ids that put each there. */
export interface GateAwareEdges {
  tasks: string[];
  gates: Map<number, string[]>;
}

export interface GatedGraph {
  /** Every task; finished tasks wait for nothing (re-running one costs nothing). */
  task: Record<string, GateAwareEdges>;
  /** Every gated phase. */
  gate: Map<number, GateAwareEdges>;
  /** Gated phases with open tasks: the ones the feature's `implement` waits for. */
  openGates: number[];
}

/**
 * What each task and each phase gate waits for once gates stand in for the tasks of gated phases, and the
 * gates the feature's aggregate waits for. Phases that wait for each other keep their direct task edges.
 */
export function gatedGraph(analysis: FeatureAnalysis, gates: GatePlan): GatedGraph {
  const { parsed, plan } = analysis;
  const remaining = remainingDependsOn(parsed.tasks, plan);
  const byId = new Map(parsed.tasks.map((t) => [t.id, t]));
  const phaseOf = new Map(parsed.tasks.map((t) => [t.id, parsed.phases[t.phase].number]));
  const reaches = phaseReachability(parsed.tasks, plan, phaseOf);
  // A gate between two phases that wait for each other (cross-story dependencies) would close a
  // cycle; such phases keep their direct task edges.
  const gateBetween = (from: number, to: number) => from !== to && gates.byPhase.has(to) && !reaches(to, from);

  const edges = (own: number, direct: Task['id'][], open: Task['id'][]): GateAwareEdges => {
    const out: GateAwareEdges = { tasks: [], gates: new Map() };
    const viaGate = (to: number, id: string) => out.gates.set(to, [...new Set([...(out.gates.get(to) ?? []), id])]);
    for (const id of direct) if (gateBetween(own, phaseOf.get(id)!)) viaGate(phaseOf.get(id)!, id);
    for (const id of open) {
      if (gateBetween(own, phaseOf.get(id)!)) viaGate(phaseOf.get(id)!, id);
      else if (!out.tasks.includes(id)) out.tasks.push(id);
    }
    return out;
  };

  const task: GatedGraph['task'] = {};
  for (const t of parsed.tasks) {
    const own = phaseOf.get(t.id)!;
    task[t.id] = t.done
      ? { tasks: [], gates: new Map() }
      : edges(
          own,
          (plan.dependsOn[t.id] ?? []).map((d) => d.id),
          remaining[t.id].map((d) => d.id),
        );
  }

  const before = openPrerequisites(parsed.tasks, plan);
  const gate: GatedGraph['gate'] = new Map();
  const openGates: number[] = [];
  for (const phase of parsed.phases) {
    if (!gates.byPhase.has(phase.number)) continue;
    const members = phase.taskIds.map((id) => byId.get(id)!);
    const open = members.filter((t) => !t.done).map((t) => t.id);
    const upstream = members
      .filter((t) => t.done)
      .flatMap((t) => before(t.id).map((d) => d.id))
      .filter((id) => phaseOf.get(id) !== phase.number);
    gate.set(phase.number, edges(phase.number, [], [...open, ...upstream]));
    if (open.length) openGates.push(phase.number);
  }
  return { task, gate, openGates };
}

/** `reaches(a, b)`: phase a waits for phase b, directly or through other phases (some task of one waits for a task of the next). */
function phaseReachability(
  tasks: Task[],
  plan: FeatureAnalysis['plan'],
  phaseOf: Map<string, number>,
): (a: number, b: number) => boolean {
  const direct = new Map<number, Set<number>>();
  for (const t of tasks) {
    for (const d of plan.dependsOn[t.id] ?? []) {
      const from = phaseOf.get(t.id)!;
      const to = phaseOf.get(d.id)!;
      if (from !== to) direct.set(from, (direct.get(from) ?? new Set()).add(to));
    }
  }
  const next = (phase: number) => direct.get(phase) ?? [];
  return (a, b) => reachable(next(a), next).has(b);
}
