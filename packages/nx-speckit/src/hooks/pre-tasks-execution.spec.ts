import type { PreTasksExecutionContext } from '@nx/devkit';
import { preTasksExecution } from './pre-tasks-execution';

// Nx's private files must not be reached, let alone fail, for a run of another project's targets.
jest.mock('../nx-internals', () => ({
  findMatchingProjects: jest.fn(() => {
    throw new Error('reached nx-internals');
  }),
  readParallelFromArgsAndEnv: jest.fn(() => {
    throw new Error('reached nx-internals');
  }),
}));

const context = (...args: string[]) =>
  ({
    argv: ['/usr/bin/node', '/x/node_modules/nx/dist/bin/nx.js', ...args],
    workspaceRoot: '/nonexistent-workspace',
    nxJsonConfiguration: {},
  }) as unknown as PreTasksExecutionContext;

describe("preTasksExecution for targets that are not the plugin's", () => {
  const internals = jest.requireMock('../nx-internals') as Record<string, jest.Mock>;
  const saved = process.env.SPECKIT_BATCH_PARALLEL;
  beforeEach(() => {
    delete process.env.SPECKIT_BATCH_PARALLEL;
  });
  afterAll(() => {
    if (saved !== undefined) process.env.SPECKIT_BATCH_PARALLEL = saved;
  });

  it.each([[['build', 'web']], [['run', 'web:build']], [['run-many', '-t', 'lint,test']]])(
    'nx %j: resolves without touching Nx internals or the environment',
    async (args) => {
      await expect(preTasksExecution({ targetName: 'implement' }, context(...args))).resolves.toBeUndefined();
      expect(internals.readParallelFromArgsAndEnv).not.toHaveBeenCalled();
      expect(internals.findMatchingProjects).not.toHaveBeenCalled();
      expect(process.env.SPECKIT_BATCH_PARALLEL).toBeUndefined();
    },
  );

  it('nx run-many -t implement does reach them (so the cases above can fail)', async () => {
    await expect(
      preTasksExecution({ targetName: 'implement' }, context('run-many', '-t', 'implement')),
    ).rejects.toThrow('reached nx-internals');
  });
});
