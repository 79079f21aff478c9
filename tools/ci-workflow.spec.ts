/**
 * docs/github-actions/speckit-implement.yml runs real commands: the nx command line is accepted
 * by the real nx binary and selects the plugin's implement targets, the agent install command is
 * the preset's, and the remote-cache variables are the ones nx reads. The workflow is read with
 * the `yaml` package (the plugin's own dependency).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildPackages, REPO_ROOT, TempWorkspace } from '../packages/nx-speckit/testing/workspace';
import { normalizeOptions } from '../packages/nx-speckit/src/plugin/options';
import { resolveAgents } from '../packages/nx-speckit/src/agents';

jest.setTimeout(180_000);

const WORKFLOW = readFileSync(join(REPO_ROOT, 'docs/github-actions/speckit-implement.yml'), 'utf8');

interface Step {
  run?: string;
  env?: Record<string, unknown>;
}
interface Job {
  env?: Record<string, unknown>;
  steps?: Step[];
}
const workflow = parse(WORKFLOW) as { env?: Record<string, unknown>; jobs: Record<string, Job> };
const jobs = Object.values(workflow.jobs);
const steps = jobs.flatMap((job) => job.steps ?? []);

/** Every `run:` command, in order, a block's lines trimmed and without blank ones. */
function runCommands(): string[] {
  return steps.flatMap((step) =>
    step.run === undefined
      ? []
      : [
          step.run
            .split('\n')
            .map((line) => line.trim())
            .filter(Boolean)
            .join('\n'),
        ],
  );
}

/** Keys of every `env:` mapping: the workflow's, each job's and each step's. */
function envKeys(): string[] {
  return [workflow, ...jobs, ...steps].flatMap((scope) => Object.keys(scope.env ?? {}));
}

const commands = runCommands();
const nxLine = commands.find((c) => /\bnx affected\b/.test(c))!;

it('reads the workflow: its commands and env', () => {
  expect(commands).toEqual([
    'npm ci',
    'npm install -g @anthropic-ai/claude-code',
    expect.stringMatching(/^npx nx affected -t implement /),
    expect.stringMatching(/^npx nx run-many -t implement /),
    expect.stringContaining('git diff --cached --quiet'),
  ]);
  expect(envKeys()).toEqual(
    expect.arrayContaining([
      'NX_SELF_HOSTED_REMOTE_CACHE_SERVER',
      'NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN',
      'ANTHROPIC_API_KEY',
    ]),
  );
});

it("runs the plugin's default target and installs the CLI the default agent preset needs", () => {
  const argv = nxLine.split(/\s+/);
  expect(argv[argv.indexOf('-t') + 1]).toBe(normalizeOptions({}).targetName);
  const [agent] = resolveAgents(normalizeOptions({}).agent, {});
  expect(commands).toContain(agent.install);
});

it('only the default branch writes the shared cache (CVE-2025-36852): other branches get the read-only token and a branch-scoped cache', () => {
  const token = /^\s*NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: (.*)$/m.exec(WORKFLOW)![1];
  expect(token).toBe(
    '${{ github.ref_name == github.event.repository.default_branch && secrets.NX_CACHE_WRITE_TOKEN || secrets.NX_CACHE_READ_TOKEN }}',
  );
  expect(WORKFLOW).not.toMatch(/pull_request_target|NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN }}/);
  // Each nx step runs on one side only: the branch step never on the default branch, and back.
  expect(WORKFLOW).toMatch(
    /if: github\.ref_name != github\.event\.repository\.default_branch\n\s+run: npx nx affected /,
  );
  expect(WORKFLOW).toMatch(
    /if: github\.ref_name == github\.event\.repository\.default_branch\n\s+run: npx nx run-many /,
  );
  // The branch's own cache holds both folders Nx 24 needs, keyed by the branch.
  expect(envKeys()).toEqual(expect.arrayContaining(['NX_CACHE_DIRECTORY', 'NX_WORKSPACE_DATA_DIRECTORY']));
  expect(WORKFLOW).toMatch(
    /uses: actions\/cache@v4\n\s+with:\n\s+path: \.nx-ci\n\s+key: nx-speckit-\$\{\{ github\.ref_name \}\}-/,
  );
});

it('names the remote-cache variables nx reads', () => {
  const cacheJs = readFileSync(join(REPO_ROOT, 'node_modules/nx/dist/src/tasks-runner/cache.js'), 'utf8');
  const native = readFileSync(join(REPO_ROOT, 'node_modules/@nx', readNativePackage(), readNativeFile()));
  expect(cacheJs).toContain('NX_SELF_HOSTED_REMOTE_CACHE_SERVER');
  expect(native.includes('NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN')).toBe(true);
});

it("the nx command line is accepted by the real nx binary and selects the changed feature's implement tasks", () => {
  buildPackages();
  const ws = new TempWorkspace({
    features: {
      'specs/001-a': {
        tasks: '## Phase 1\n- [ ] T001 A in src/a.ts\n- [X] T002 B in src/b.ts\n- [ ] T003 C in src/c.ts\n',
      },
      'specs/002-b': { tasks: '- [ ] T001 B in src/b1.ts\n' },
    },
    git: true,
  });
  try {
    ws.git('branch', '-q', 'base-branch'); // stands in for origin/<default branch>
    ws.write('specs/001-a/spec.md', '# Feature Specification\n\nChanged on this branch.\n');
    ws.commitAll('change feature a');
    const argv = nxLine
      .replace('${{ github.event.repository.default_branch }}', 'base-branch')
      .replace('origin/base-branch', 'base-branch')
      .split(/\s+/)
      .slice(2); // drop `npx nx`
    expect(argv.slice(0, 3)).toEqual(['affected', '-t', 'implement']);
    const r = ws.nx([...argv, '--graph=affected.json']); // --graph: print the task graph instead of running it
    if (r.code !== 0) throw new Error(r.output);
    expect(Object.keys(ws.readJson('affected.json').tasks.tasks).sort()).toEqual([
      'spec-001-a:implement',
      'spec-001-a:implement--T001',
      'spec-001-a:implement--T003',
    ]);
  } finally {
    ws.cleanup();
  }
});

function readNativePackage(): string {
  const dir = join(REPO_ROOT, 'node_modules/@nx');
  return require('node:fs')
    .readdirSync(dir)
    .find((d: string) => d.startsWith(`nx-${process.platform}-${process.arch}`));
}
function readNativeFile(): string {
  return require('node:fs')
    .readdirSync(join(REPO_ROOT, 'node_modules/@nx', readNativePackage()))
    .find((f: string) => f.endsWith('.node'));
}
