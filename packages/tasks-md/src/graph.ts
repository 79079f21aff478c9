/** Small, generic DAG algorithms over nodes 0..n-1. Pure and allocation-conscious: features can hold thousands of tasks. */

export type Adjacency = number[][];

/** Kahn's algorithm. Returns the order, or the nodes left over when there is a cycle. */
export function topologicalOrder(n: number, succ: Adjacency): { order: number[]; cyclic: number[] } {
  const indegree = new Int32Array(n);
  for (const list of succ) for (const w of list) indegree[w]++;
  const order: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) order.push(v);
  for (let i = 0; i < order.length; i++) {
    for (const w of succ[order[i]]) if (--indegree[w] === 0) order.push(w);
  }
  const cyclic: number[] = [];
  if (order.length < n) for (let v = 0; v < n; v++) if (indegree[v] > 0) cyclic.push(v);
  return { order, cyclic };
}

/** One concrete cycle among `candidates` (nodes that Kahn's algorithm could not order), as a node list. */
export function findCycle(succ: Adjacency, candidates: number[]): number[] {
  const inSet = new Set(candidates);
  const state = new Map<number, 1 | 2>(); // 1 = on the current path, 2 = finished
  const path: number[] = [];
  const dfs = (v: number): number[] | undefined => {
    state.set(v, 1);
    path.push(v);
    for (const w of succ[v]) {
      if (!inSet.has(w)) continue;
      if (state.get(w) === 1) return path.slice(path.indexOf(w));
      if (!state.has(w)) {
        const found = dfs(w);
        if (found) return found;
      }
    }
    state.set(v, 2);
    path.pop();
    return undefined;
  };
  for (const v of candidates) {
    if (state.has(v)) continue;
    const found = dfs(v);
    if (found) return found;
  }
  return [];
}

/**
 * Transitive reduction of a DAG: keeps edge v→w only when no other successor of v reaches w.
 * Reachability is a bit set per node, built in reverse topological order.
 */
export function transitiveReduction(n: number, succ: Adjacency, order: number[]): Adjacency {
  const words = (n + 31) >>> 5;
  const reach = new Array<Uint32Array>(n);
  const reduced: Adjacency = Array.from({ length: n }, () => []);
  const pos = new Int32Array(n);
  order.forEach((node, i) => (pos[node] = i));
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i];
    const bits = new Uint32Array(words);
    // Successors in topological order: a later one can be reached through an earlier one, never the reverse.
    const targets = [...new Set(succ[v])].sort((a, b) => pos[a] - pos[b]);
    for (const w of targets) {
      if (bits[w >>> 5] & (1 << (w & 31))) continue; // already reachable through another successor
      reduced[v].push(w);
      bits[w >>> 5] |= 1 << (w & 31);
      const rw = reach[w];
      for (let k = 0; k < words; k++) bits[k] |= rw[k];
    }
    reach[v] = bits;
  }
  return reduced;
}

/** Wave of each node: 0 for nodes without predecessors, else 1 + the latest predecessor's wave. */
export function waves(n: number, succ: Adjacency, order: number[]): number[] {
  const wave = new Array<number>(n).fill(0);
  for (const v of order) for (const w of succ[v]) wave[w] = Math.max(wave[w], wave[v] + 1);
  return wave;
}

/** The heaviest path through the DAG, with node weights (1 each by default). */
export function criticalPath(n: number, succ: Adjacency, order: number[], weight: (v: number) => number = () => 1) {
  const best = new Float64Array(n);
  const prev = new Int32Array(n).fill(-1);
  for (const v of order) best[v] = Math.max(best[v], 0);
  for (const v of order) {
    const total = best[v] + weight(v);
    for (const w of succ[v]) {
      if (total > best[w]) {
        best[w] = total;
        prev[w] = v;
      }
    }
  }
  let end = -1;
  let length = 0;
  for (const v of order) {
    const total = best[v] + weight(v);
    if (total > length) {
      length = total;
      end = v;
    }
  }
  const nodes: number[] = [];
  for (let v = end; v >= 0; v = prev[v]) nodes.unshift(v);
  return { nodes, length };
}
