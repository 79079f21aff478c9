import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from './types';
import { KEEP_REPORTS, reportStamp, writeReport } from './write';

describe('writeReport', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-speckit-write-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps the newest timestamped copies of each kind, never latest.* or other files', () => {
    const dir = join(root, '.speckit/reports');
    mkdirSync(dir, { recursive: true });
    const stamp = (i: number) => reportStamp(new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString());
    for (let i = 0; i < KEEP_REPORTS + 2; i++)
      for (const ext of ['json', 'html']) writeFileSync(join(dir, `${stamp(i)}.${ext}`), '{}');
    writeFileSync(join(dir, 'notes.md'), 'mine');
    const endedAt = new Date(Date.UTC(2026, 0, 2)).toISOString();
    writeReport(root, { endedAt } as RunReport, '<html></html>', 'summary\n');
    const files = readdirSync(dir).sort();
    const kept = (ext: string) => files.filter((f) => f.startsWith('2026-') && f.endsWith(ext));
    expect(kept('.json')).toHaveLength(KEEP_REPORTS);
    expect(kept('.json')[0]).toBe(`${stamp(3)}.json`); // 0, 1, 2 went: the new report is the 53rd
    expect(kept('.json').at(-1)).toBe('2026-01-02T00-00-00.000Z.json');
    expect(kept('.html')).toHaveLength(KEEP_REPORTS);
    expect(files.filter((f) => !f.startsWith('2026-'))).toEqual([
      'latest.html',
      'latest.json',
      'latest.txt',
      'notes.md',
    ]);
  });

  it('stamps without colons', () => {
    expect(reportStamp('2026-11-22T20:15:03.123Z')).toBe('2026-11-22T20-15-03.123Z');
  });
});
