/**
 * Runs a dependency graph of tasks with at most `limit` at once, yielding each outcome as it
 * settles. Used by the executor's batch implementation: Nx hands a whole batch to one process, so
 * the ordering and the parallelism Nx's scheduler gives forked tasks are kept here. Pure of Nx.
 */
import { memoisedFold } from '../graph-walk';

export interface TaskGraphShape {
  /** Task ids, in the order to prefer among equally urgent ready tasks. */
  ids: string[];
  /** Task id → the ids (within the graph) that must succeed first. */
  dependencies: Record<string, string[]>;
}

export type GraphOutcome<R> = { id: string; ran: true; result: R } | { id: string; ran: false; blockedBy: string };

/**
 * Starts every task whose prerequisites all succeeded, longest remaining chain first (what bounds
 * the makespan), never more than `limit` at once. A task whose prerequisite failed or was itself
 * blocked is not run: it is yielded as blocked by that prerequisite.
 */
export async function* runGraph<R>(
  graph: TaskGraphShape,
  limit: number,
  run: (id: string) => Promise<R>,
  succeeded: (result: R) => boolean,
): AsyncGenerator<GraphOutcome<R>> {
  const urgency = chainLengths(graph);
  const order = new Map(graph.ids.map((id, i) => [id, i]));
  const waiting = new Set(graph.ids);
  const ok = new Set<string>();
  const notOk = new Set<string>();
  const running = new Map<string, Promise<{ id: string; result: R }>>();

  while (waiting.size || running.size) {
    // Blocked tasks settle at once, in dependency order (a blocked task blocks its dependents).
    for (let changed = true; changed;) {
      changed = false;
      for (const id of waiting) {
        const failed = graph.dependencies[id]?.find((d) => notOk.has(d));
        if (failed === undefined) continue;
        waiting.delete(id);
        notOk.add(id);
        changed = true;
        yield { id, ran: false, blockedBy: failed };
      }
    }
    if (!waiting.size && !running.size) break;
    const ready = [...waiting]
      .filter((id) => (graph.dependencies[id] ?? []).every((d) => ok.has(d)))
      .sort((a, b) => urgency.get(b)! - urgency.get(a)! || order.get(a)! - order.get(b)!);
    for (const id of ready.slice(0, Math.max(1, limit) - running.size)) {
      waiting.delete(id);
      running.set(
        id,
        run(id).then((result) => ({ id, result })),
      );
    }
    if (!running.size) {
      // Only a cycle (or a dependency outside the graph) can leave tasks that are neither ready nor blocked.
      throw new Error(
        `cannot order tasks ${[...waiting].join(', ')}: their prerequisites are not in the batch or form a cycle`,
      );
    }
    const { id, result } = await Promise.race(running.values());
    running.delete(id);
    (succeeded(result) ? ok : notOk).add(id);
    yield { id, ran: true, result };
  }
}

/** Task id → tasks on the longest chain from it to the end of the graph, itself included. */
function chainLengths(graph: TaskGraphShape): Map<string, number> {
  const dependents = new Map<string, string[]>(graph.ids.map((id) => [id, []]));
  for (const id of graph.ids) for (const d of graph.dependencies[id] ?? []) dependents.get(d)?.push(id);
  // A cycle counts 0: runGraph reports it when nothing can start.
  const length = memoisedFold<string, number>(
    (id) => dependents.get(id)!,
    (_id, after) => 1 + Math.max(0, ...after),
    0,
  );
  return new Map(graph.ids.map((id) => [id, length(id)]));
}
