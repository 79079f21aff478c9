import { analyzeFeature } from '@nx-speckit/tasks-md';
import { buildFeatureProject } from './feature-project';
import { normalizeOptions } from './options';
import { readDescription, readGateCommands, readProjectLanes, readTaskMetadata } from './target-metadata';

const TASKS = `## Phase 1: Setup
- [X] T001 Create the manifest in package.json
- [ ] T002 [P] Lint config in lint.json
`;
const analysis = analyzeFeature({
  dir: 'specs/001-x',
  documents: { 'tasks.md': TASKS, 'spec.md': '# Spec\n', 'plan.md': '# Plan\n' },
});
// Through JSON, as Nx hands metadata from the plugin worker and the graph cache to the readers.
const project = JSON.parse(
  JSON.stringify(
    buildFeatureProject(
      'specs/001-x',
      analysis,
      normalizeOptions({
        lanes: 'story',
        gates: [{ name: 'tests', command: ['node', '--test'] }],
      }),
    ),
  ),
);
const metadataOf = (target: string) => project.targets[target].metadata;

describe('reading the metadata the plugin writes', () => {
  it('a task target: its task, done or not, its files and prerequisites', () => {
    expect(readTaskMetadata(metadataOf('implement--T001'))).toMatchObject({
      taskId: 'T001',
      done: true,
      checkbox: 'X',
      files: ['package.json'],
      dependsOn: [],
      phaseNumber: 1,
    });
    expect(readTaskMetadata(metadataOf('implement--T002'))).toMatchObject({
      taskId: 'T002',
      done: false,
      parallel: true,
      files: ['lint.json'],
    });
    expect(readDescription(metadataOf('implement--T002'))).toBe('T002: Lint config in lint.json');
  });

  it('a gate target: its commands; no task', () => {
    expect(readGateCommands(metadataOf('implement--gate'))).toEqual([{ name: 'tests', command: ['node', '--test'] }]);
    expect(readTaskMetadata(metadataOf('implement--gate'))).toBeUndefined();
  });

  it('an aggregate target: neither a task nor gate commands', () => {
    expect(readTaskMetadata(metadataOf('implement'))).toBeUndefined();
    expect(readGateCommands(metadataOf('implement'))).toBeUndefined();
  });

  it('the project: the lanes it was planned with', () => {
    expect(readProjectLanes(project.metadata)).toBe('story');
  });
});

describe('metadata of another shape reads as not ours', () => {
  it.each([
    ['nothing', undefined],
    ["another plugin's", { description: 'build', technologies: ['vite'] }],
    ['a task id that is not a string', { speckit: { taskId: 1, done: false, files: [], dependsOn: [] } }],
    ['files that are not a list of paths', { speckit: { taskId: 'T001', done: false, files: 'a.ts', dependsOn: [] } }],
    ['done missing', { speckit: { taskId: 'T001', files: [], dependsOn: [] } }],
  ])('%s', (_what, metadata) => {
    expect(readTaskMetadata(metadata)).toBeUndefined();
  });

  it('gate commands that are not argv lists, and unknown lanes', () => {
    expect(readGateCommands({ speckit: { gates: [{ command: 'npm test' }] } })).toBeUndefined();
    expect(readGateCommands({ speckit: { gates: [{ command: [] }] } })).toBeUndefined();
    expect(readProjectLanes({ speckit: { lanes: 'phase' } })).toBeUndefined();
    expect(readDescription({ description: 3 })).toBeUndefined();
  });
});
