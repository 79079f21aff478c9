import { parseTasks } from './parse';
import { planTasks } from './plan';
import { remainingDependsOn } from './remaining';
import { fixture, md } from '../test/helpers';

const remaining = (source: string) => {
  const parsed = parseTasks(source);
  const deps = remainingDependsOn(parsed.tasks, planTasks(parsed));
  return Object.fromEntries(Object.entries(deps).map(([id, list]) => [id, list.map((d) => d.id)]));
};

describe('remainingDependsOn', () => {
  test('finished tasks drop out; what waited on them inherits their unfinished prerequisites', () => {
    const source = md('- [ ] T001 a', '- [x] T002 b', '- [ ] T003 [P] c', '- [X] T004 [P] d', '- [ ] T005 e');
    expect(remaining(source)).toEqual({ T001: [], T002: [], T003: ['T001'], T004: [], T005: ['T003'] });
  });

  test('the inherited edge says which finished task it came through', () => {
    const parsed = parseTasks(md('- [ ] T001 a', '- [x] T002 b', '- [ ] T003 c'));
    expect(remainingDependsOn(parsed.tasks, planTasks(parsed)).T003).toEqual([
      { id: 'T001', reasons: [{ rule: 'sequence', cause: 'listed after T001 (through finished T002)' }] },
    ]);
  });

  test('shapes-resume.md: six done, the failed T007 is ready to run', () => {
    expect(remaining(fixture('shapes-resume.md'))).toEqual({
      T001: [],
      T002: [],
      T003: [],
      T004: [],
      T005: [],
      T006: [],
      T007: [],
    });
  });

  test('shapes-template.md with T001 done: the rest of the plan is unchanged, T002 is ready', () => {
    const parsed = parseTasks(fixture('shapes-template.md'));
    const full = planTasks(parsed);
    const left = remainingDependsOn(parsed.tasks, full);
    expect(left.T002).toEqual([]);
    for (const id of Object.keys(full.dependsOn).filter((i) => i !== 'T002'))
      expect(left[id]).toEqual(full.dependsOn[id]);
  });

  test('stays reduced: inherited edges implied by other remaining edges are dropped', () => {
    // T003 waits for T001 and T002 ([P] run); T004 after them; with T003 done, T004 inherits T001 and T002 only.
    const source = md('- [ ] T001 [P] a', '- [ ] T002 [P] b', '- [x] T003 c', '- [ ] T004 d (depends on T001)');
    expect(remaining(source)).toEqual({ T001: [], T002: [], T003: [], T004: ['T001', 'T002'] });
  });
});
