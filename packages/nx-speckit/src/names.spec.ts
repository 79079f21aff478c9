import {
  baseOfSubTarget,
  gatePhase,
  gateTargetName,
  isPluginTarget,
  phaseTargetName,
  projectName,
  subTarget,
  subTargetSuffix,
} from './names';

test('target names are made and read back by one set of rules', () => {
  expect(projectName('specs/003-real-time-chat')).toBe('spec-003-real-time-chat');
  expect([
    subTarget('implement', 'T001'),
    phaseTargetName('implement', 2),
    gateTargetName('implement'),
    gateTargetName('implement', 2),
  ]).toEqual(['implement--T001', 'implement--phase2', 'implement--gate', 'implement--phase2-gate']);
  expect(
    ['implement', 'implement--US1', 'implementation', 'build', 'speckit-implement--T001'].map((t) =>
      isPluginTarget('implement', t),
    ),
  ).toEqual([true, true, false, false, false]);
  expect(subTargetSuffix('implement', 'implement--T013a')).toBe('T013a');
  expect(subTargetSuffix('implement', 'implement')).toBeUndefined();
  expect(gatePhase('implement', gateTargetName('implement', 12))).toBe(12);
  expect(['implement--gate', 'implement--phase2', 'other--phase2-gate'].map((t) => gatePhase('implement', t))).toEqual([
    undefined,
    undefined,
    undefined,
  ]);
});

test('the base a sub-target sits under, whatever the target name; nothing for a target without the suffix', () => {
  expect(baseOfSubTarget(subTarget('implement', 'T001'), 'T001')).toBe('implement');
  expect(baseOfSubTarget(subTarget('build-with-agents', 'T012'), 'T012')).toBe('build-with-agents');
  expect([baseOfSubTarget('implement', 'T001'), baseOfSubTarget('--T001', 'T001')]).toEqual([undefined, undefined]);
});
