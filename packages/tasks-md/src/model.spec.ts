import { phaseLabel } from './model';

test('phaseLabel keeps a heading that already says "Phase …" and numbers any other', () => {
  expect(phaseLabel({ number: 3, title: 'Phase 3: User Story 1 - Save a recipe' })).toBe(
    'Phase 3: User Story 1 - Save a recipe',
  );
  expect(phaseLabel({ number: 2, title: 'phase two, lower case' })).toBe('phase two, lower case');
  expect(phaseLabel({ number: 2, title: 'Core Phase' })).toBe('Phase 2: Core Phase');
  expect(phaseLabel({ number: 1, title: 'Phases of the moon' })).toBe('Phase 1: Phases of the moon');
});
