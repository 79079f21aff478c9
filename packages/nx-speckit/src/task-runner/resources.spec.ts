import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireResources, locksDir, readHolder } from './resources';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
const workspace = () => {
  const r = mkdtempSync(join(tmpdir(), 'speckit-locks-'));
  roots.push(r);
  return r;
};
const fast = { pollMs: 10 };

describe('exclusive resources', () => {
  it('a second task waits until the first releases, and records whom it waited for', async () => {
    const root = workspace();
    const first = await acquireResources(root, ['simulator'], { project: 'spec-001-a', taskId: 'T001' }, fast);
    expect(readHolder(join(locksDir(root), 'simulator'))).toMatchObject({
      project: 'spec-001-a',
      taskId: 'T001',
      pid: process.pid,
    });
    const waits: string[] = [];
    let secondHeld = false;
    const second = acquireResources(
      root,
      ['simulator'],
      { project: 'spec-002-b', taskId: 'T005' },
      { ...fast, onWait: (name, by) => waits.push(`${name} ${by}`) },
    ).then((held) => {
      secondHeld = true;
      return held;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(secondHeld).toBe(false);
    expect(waits).toEqual(['simulator spec-001-a T001']);
    expect(readdirSync(join(locksDir(root), 'simulator.waiting'))).toEqual(['spec-002-b--T005']);
    await first.release();
    const held = await second;
    expect(readdirSync(join(locksDir(root), 'simulator.waiting'))).toEqual([]);
    expect(held.uses).toEqual([{ name: 'simulator', waitedMs: expect.any(Number), heldBy: ['spec-001-a T001'] }]);
    expect(held.uses[0].waitedMs).toBeGreaterThan(0);
    await held.release();
    expect(existsSync(join(locksDir(root), 'simulator'))).toBe(false);
  });

  it('a holder that has locked but not yet written holder.json: the waiter says it waits only once it knows for whom', async () => {
    const root = workspace();
    const first = await acquireResources(root, ['simulator'], { project: 'spec-001-a', taskId: 'T001' }, fast);
    const holderFile = join(locksDir(root), 'simulator', 'holder.json');
    const written = readFileSync(holderFile, 'utf8');
    rmSync(holderFile);
    const waits: string[] = [];
    const second = acquireResources(
      root,
      ['simulator'],
      { project: 'spec-001-a', taskId: 'T002' },
      { ...fast, onWait: (name, by) => waits.push(`${name} ${by}`) },
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(locksDir(root), 'simulator.waiting', 'spec-001-a--T002'))).toBe(false);
    expect(waits).toEqual([]);
    writeFileSync(holderFile, written);
    await new Promise((r) => setTimeout(r, 100));
    expect(waits).toEqual(['simulator T001']);
    expect(readdirSync(join(locksDir(root), 'simulator.waiting'))).toEqual(['spec-001-a--T002']);
    await first.release();
    const held = await second;
    expect(held.uses).toEqual([{ name: 'simulator', waitedMs: expect.any(Number), heldBy: ['T001'] }]);
    await held.release();
  });

  it('takes names in sorted order and releases them all; other names are free meanwhile', async () => {
    const root = workspace();
    const held = await acquireResources(root, ['sim', 'db', 'sim'], { project: 'p', taskId: 'T001' }, fast);
    expect(held.uses.map((u) => u.name)).toEqual(['db', 'sim']);
    expect(held.uses.every((u) => u.heldBy === undefined)).toBe(true);
    const other = await acquireResources(root, ['printer'], { project: 'p', taskId: 'T002' }, fast);
    await other.release();
    await held.release();
    const again = await acquireResources(root, ['db', 'sim'], { project: 'p', taskId: 'T003' }, fast);
    expect(again.uses.map((u) => u.heldBy)).toEqual([undefined, undefined]);
    await again.release();
  });

  it('takes over at once from a holder whose process is gone, even when its lock looks fresh', async () => {
    const root = workspace();
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    const dir = join(locksDir(root), 'simulator');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'holder.json'),
      JSON.stringify({ project: 'p', taskId: 'T001', pid: Number(dead), host: hostname() }),
    );
    const held = await acquireResources(root, ['simulator'], { project: 'p', taskId: 'T002' }, fast);
    expect(readHolder(dir)).toMatchObject({ taskId: 'T002', pid: process.pid });
    await held.release();
  });

  it('never takes an old-looking lock from a live holder (a long synchronous step kept it from refreshing)', async () => {
    const root = workspace();
    const first = await acquireResources(root, ['simulator'], { project: 'p', taskId: 'T001' }, fast);
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(join(locksDir(root), 'simulator'), past, past);
    const controller = new AbortController();
    const second = acquireResources(
      root,
      ['simulator'],
      { project: 'p', taskId: 'T002' },
      { ...fast, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 150);
    await expect(second).rejects.toThrow('interrupted while waiting for resource simulator');
    expect(readHolder(join(locksDir(root), 'simulator'))).toMatchObject({ taskId: 'T001' });
    await first.release();
  });

  it('an interrupted wait releases what it had already taken', async () => {
    const root = workspace();
    const sim = await acquireResources(root, ['sim'], { project: 'p', taskId: 'T001' }, fast);
    const controller = new AbortController();
    const both = acquireResources(
      root,
      ['db', 'sim'],
      { project: 'p', taskId: 'T002' },
      { ...fast, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 100);
    await expect(both).rejects.toThrow('interrupted while waiting for resource sim');
    expect(existsSync(join(locksDir(root), 'db'))).toBe(false);
    await sim.release();
  });
});
