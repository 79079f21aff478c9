/** Writes the report files: latest + a timestamped copy of the JSON and the HTML, and the summary text. */
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { writeAtomically } from '@nx-speckit/tasks-md';
import type { RunReport } from './types';

export const REPORTS_DIR = '.speckit/reports';
/** Timestamped copies kept per kind (json, html); older ones are removed. */
export const KEEP_REPORTS = 50;

/** `2026-11-22T20:15:03.123Z` → `2026-11-22T20-15-03.123Z` (no colons: valid on every file system). */
export function reportStamp(iso: string): string {
  return iso.replace(/:/g, '-');
}

/** Returns the workspace-relative paths written: latest.json, latest.html, the two copies, latest.txt. */
export function writeReport(workspaceRoot: string, report: RunReport, html: string, summary: string): string[] {
  const dir = join(workspaceRoot, REPORTS_DIR);
  mkdirSync(dir, { recursive: true });
  const stamp = reportStamp(report.endedAt);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const files: Array<[string, string]> = [
    ['latest.json', json],
    ['latest.html', html],
    [`${stamp}.json`, json],
    [`${stamp}.html`, html],
    ['latest.txt', summary],
  ];
  // A reader never sees half a report.
  for (const [name, content] of files) writeAtomically(join(dir, name), content);
  prune(dir);
  return files.map(([name]) => posix.join(REPORTS_DIR, name));
}

function prune(dir: string) {
  for (const ext of ['.json', '.html']) {
    const stamped = readdirSync(dir)
      .filter((f) => /^\d{4}-\d\d-\d\dT/.test(f) && f.endsWith(ext))
      .sort();
    for (const old of stamped.slice(0, Math.max(0, stamped.length - KEEP_REPORTS))) {
      try {
        unlinkSync(join(dir, old));
      } catch {
        /* another run pruned it */
      }
    }
  }
}
