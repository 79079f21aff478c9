/**
 * The two ways this code walks a dependency graph, written once: what a set of nodes reaches, and
 * a value per node folded from its neighbours' values with each node visited once.
 */

/** Every node `starts` reach through `next`, the starts included; `expand(node)` false stops there. */
export function reachable<T>(
  starts: Iterable<T>,
  next: (node: T) => Iterable<T>,
  expand: (node: T) => boolean = () => true,
): Set<T> {
  const reached = new Set<T>();
  const stack = [...starts];
  while (stack.length) {
    const node = stack.pop()!;
    if (reached.has(node)) continue;
    reached.add(node);
    if (expand(node)) stack.push(...next(node));
  }
  return reached;
}

/**
 * `value(node)` = `combine(node, values of next(node))`, memoised, so shared prerequisites are
 * folded once. A node met again on its own path (a cycle) counts as `onCycle` there.
 */
export function memoisedFold<T, V>(
  next: (node: T) => Iterable<T>,
  combine: (node: T, neighbours: V[]) => V,
  onCycle: V,
): (node: T) => V {
  const memo = new Map<T, V>();
  const onPath = new Set<T>();
  const value = (node: T): V => {
    if (memo.has(node)) return memo.get(node)!;
    if (onPath.has(node)) return onCycle;
    onPath.add(node);
    const result = combine(node, [...next(node)].map(value));
    onPath.delete(node);
    memo.set(node, result);
    return result;
  };
  return value;
}
