import { criticalPath, findCycle, topologicalOrder, transitiveReduction, waves, type Adjacency } from './graph';

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random DAG whose edges go from lower to higher node numbers, listed in shuffled order. */
function randomDag(n: number, density: number, seed: number): Adjacency {
  const rnd = random(seed);
  const succ: Adjacency = Array.from({ length: n }, () => []);
  for (let v = 0; v < n; v++) for (let w = v + 1; w < n; w++) if (rnd() < density) succ[v].push(w);
  for (const list of succ) list.sort(() => rnd() - 0.5);
  return succ;
}

function closure(n: number, succ: Adjacency): boolean[][] {
  const reach = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (let v = n - 1; v >= 0; v--)
    for (const w of succ[v]) {
      reach[v][w] = true;
      for (let k = 0; k < n; k++) if (reach[w][k]) reach[v][k] = true;
    }
  return reach;
}

/** Brute force: keep v→w unless some other successor of v reaches w. */
function bruteReduction(n: number, succ: Adjacency): string[] {
  const reach = closure(n, succ);
  const kept: string[] = [];
  for (let v = 0; v < n; v++)
    for (const w of new Set(succ[v])) if (!succ[v].some((u) => u !== w && reach[u][w])) kept.push(`${v}>${w}`);
  return kept.sort();
}

const edgeList = (succ: Adjacency) => succ.flatMap((list, v) => list.map((w) => `${v}>${w}`)).sort();

describe('graph', () => {
  test('topological order, and the nodes left over by a cycle', () => {
    expect(topologicalOrder(4, [[1, 2], [3], [3], []])).toEqual({ order: [0, 1, 2, 3], cyclic: [] });
    // 0 → 1 → 2 → 1, and 3 hangs below the cycle: 1, 2 and 3 cannot be ordered.
    expect(topologicalOrder(4, [[1], [2], [1, 3], []])).toEqual({ order: [0], cyclic: [1, 2, 3] });
  });

  test('findCycle returns a real cycle even when it starts from a node below the cycle', () => {
    const succ: Adjacency = [[1], [2], [3], [1], []];
    expect(findCycle(succ, [4, 3, 2, 1])).toEqual([3, 1, 2]);
    expect(findCycle([[0]], [0])).toEqual([0]);
  });

  test('transitive reduction matches brute force on random DAGs, across bit-set word boundaries', () => {
    for (const [n, density, seed] of [
      [10, 0.5, 1],
      [40, 0.2, 2],
      [70, 0.1, 3],
      [100, 0.05, 4],
      [65, 0.9, 5],
    ] as const) {
      const succ = randomDag(n, density, seed);
      const { order } = topologicalOrder(n, succ);
      expect(edgeList(transitiveReduction(n, succ, order))).toEqual(bruteReduction(n, succ));
    }
  });

  test('transitive reduction keeps reachability and drops duplicates', () => {
    const succ: Adjacency = [[1, 2, 3, 3], [3], [3], []];
    expect(edgeList(transitiveReduction(4, succ, topologicalOrder(4, succ).order))).toEqual([
      '0>1',
      '0>2',
      '1>3',
      '2>3',
    ]);
  });

  test('waves: the longest distance from a source', () => {
    const succ: Adjacency = [[1, 3], [2], [], [2], []];
    expect(waves(5, succ, topologicalOrder(5, succ).order)).toEqual([0, 1, 2, 1, 0]);
  });

  test('critical path by count and by weight', () => {
    // 0 → 1 → 2 → 3 (4 nodes) versus 0 → 4 → 3 with a heavy node 4.
    const succ: Adjacency = [[1, 4], [2], [3], [], [3]];
    const { order } = topologicalOrder(5, succ);
    expect(criticalPath(5, succ, order)).toEqual({ nodes: [0, 1, 2, 3], length: 4 });
    expect(criticalPath(5, succ, order, (v) => (v === 4 ? 10 : 1))).toEqual({ nodes: [0, 4, 3], length: 12 });
    expect(criticalPath(0, [], [])).toEqual({ nodes: [], length: 0 });
  });
});
