import { memoisedFold, reachable } from './graph-walk';

const edges: Record<string, string[]> = { a: ['b', 'c'], b: ['d'], c: ['d'], d: [], x: ['y'], y: ['x'] };
const next = (n: string) => edges[n] ?? [];

test('reachable: the starts and all they reach, stopping where told, through cycles', () => {
  expect([...reachable(['a'], next)].sort()).toEqual(['a', 'b', 'c', 'd']);
  expect([...reachable(['a'], next, (n) => n !== 'b')].sort()).toEqual(['a', 'b', 'c', 'd']); // d still reached through c
  expect([...reachable(['a'], next, (n) => n === 'a')].sort()).toEqual(['a', 'b', 'c']);
  expect([...reachable(['x'], next)].sort()).toEqual(['x', 'y']);
});

test('memoisedFold: each node combined once from its neighbours; a cycle counts as told', () => {
  const calls: string[] = [];
  const depth = memoisedFold<string, number>(
    next,
    (n, after) => {
      calls.push(n);
      return 1 + Math.max(0, ...after);
    },
    0,
  );
  expect(depth('a')).toBe(3);
  expect(calls.sort()).toEqual(['a', 'b', 'c', 'd']);
  expect(depth('x')).toBe(2);
});
