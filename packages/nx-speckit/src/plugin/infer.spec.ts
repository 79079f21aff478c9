/**
 * The opt-in worker threads (SPECKIT_GRAPH_WORKERS) must infer exactly what the default single
 * thread infers, broken features included. Runs the compiled dist/: the worker loads infer-worker.js.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackages } from '../../testing/workspace';
import type * as Infer from './infer';
import { normalizeOptions } from './options';

let root: string;
beforeAll(() => {
  buildPackages();
  root = mkdtempSync(join(tmpdir(), 'infer-'));
  for (let n = 1; n <= 5; n++) {
    const dir = join(root, `specs/00${n}-f`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'spec.md'), '# Spec\n');
    writeFileSync(join(dir, 'plan.md'), '# Plan\n');
    const tasks =
      n === 3
        ? '## Phase 1: Setup\n\n- [ ] T001 A in src/a.ts\n- [ ] T001 Again in src/b.ts\n' // duplicate id: a broken feature
        : `## Phase 1: Setup\n\n- [ ] T001 Setup in src/f${n}/index.ts\n- [ ] T002 [P] Model in src/f${n}/model.ts\n- [X] T003 [P] Service in src/f${n}/service.ts\n`;
    writeFileSync(join(dir, 'tasks.md'), tasks);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('worker threads infer the same projects and the same errors as one thread', async () => {
  const { inferProjects } = require('../../dist/plugin/infer') as typeof Infer;
  const roots = [1, 2, 3, 4, 5].map((n) => `specs/00${n}-f`);
  const plain = (m: Map<string, unknown>) =>
    [...m].map(([k, v]) => [k, v instanceof Error ? `Error: ${v.message}` : v]);
  const infer = async (workers: string) => {
    process.env.SPECKIT_GRAPH_WORKERS = workers;
    try {
      return plain(await inferProjects(root, roots, normalizeOptions({})));
    } finally {
      delete process.env.SPECKIT_GRAPH_WORKERS;
    }
  };
  const single = await infer('0');
  expect(single.map(([k]) => k)).toEqual(roots);
  expect(JSON.stringify(single)).toContain('T001 is defined twice');
  // The threads really ran: the pool got every feature (else this would compare one thread with itself).
  const { Tinypool } = require('tinypool') as typeof import('tinypool');
  const run = jest.spyOn(Tinypool.prototype, 'run');
  try {
    expect(await infer('2')).toEqual(single);
    expect(run.mock.calls.flatMap(([task]) => (task as { roots: string[] }).roots).sort()).toEqual(roots);
  } finally {
    run.mockRestore();
  }
});
