import { runGraph, type GraphOutcome } from './run-graph';

/** Runs a graph of tasks that each take a few milliseconds; records starts, ends and the peak concurrency. */
function harness(dependencies: Record<string, string[]>, limit: number, failing: string[] = []) {
  const events: string[] = [];
  let running = 0;
  let peak = 0;
  const run = async (id: string) => {
    events.push(`start ${id}`);
    peak = Math.max(peak, ++running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    events.push(`end ${id}`);
    return !failing.includes(id);
  };
  const settleAll = async (outcomes: Array<GraphOutcome<boolean>>) => {
    for await (const o of runGraph({ ids: Object.keys(dependencies), dependencies }, limit, run, (ok) => ok))
      outcomes.push(o);
  };
  return { events, settleAll, peak: () => peak };
}

describe('runGraph', () => {
  it('starts a task only after every prerequisite succeeded, and never more than the limit at once', async () => {
    // a → (b, c, d, e) → f
    const h = harness({ a: [], b: ['a'], c: ['a'], d: ['a'], e: ['a'], f: ['b', 'c', 'd', 'e'] }, 2);
    const outcomes: Array<GraphOutcome<boolean>> = [];
    await h.settleAll(outcomes);
    const at = (e: string) => h.events.indexOf(e);
    for (const x of ['b', 'c', 'd', 'e']) expect(at(`start ${x}`)).toBeGreaterThan(at('end a'));
    for (const x of ['b', 'c', 'd', 'e']) expect(at('start f')).toBeGreaterThan(at(`end ${x}`));
    expect(h.peak()).toBe(2);
    expect(outcomes.map((o) => o.id).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(outcomes.every((o) => o.ran)).toBe(true);
  });

  it('a failed task blocks its dependents (transitively), not the independent ones', async () => {
    const h = harness({ a: [], b: ['a'], c: ['b'], x: [] }, 4, ['a']);
    const outcomes: Array<GraphOutcome<boolean>> = [];
    await h.settleAll(outcomes);
    expect(
      Object.fromEntries(outcomes.map((o) => [o.id, o.ran ? String(o.result) : `blocked by ${o.blockedBy}`])),
    ).toEqual({ a: 'false', b: 'blocked by a', c: 'blocked by b', x: 'true' });
    expect(h.events.filter((e) => e.startsWith('start')).sort()).toEqual(['start a', 'start x']);
  });

  it('starts the task with the longest chain behind it first', async () => {
    // short has nothing after it; long heads a chain of three.
    const h = harness({ short: [], long: [], l2: ['long'], l3: ['l2'] }, 1);
    await h.settleAll([]);
    expect(h.events[0]).toBe('start long');
  });

  it('reports a cycle instead of hanging', async () => {
    const it = runGraph(
      { ids: ['a', 'b'], dependencies: { a: ['b'], b: ['a'] } },
      2,
      async () => true,
      (ok) => ok,
    );
    await expect(it.next()).rejects.toThrow('cannot order tasks a, b');
  });
});
