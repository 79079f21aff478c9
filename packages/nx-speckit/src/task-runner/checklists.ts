/** spec-kit's checklist gate: count items in `checklists/*.md` and stop while any are unchecked. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ChecklistRow {
  file: string;
  total: number;
  checked: number;
  unchecked: number;
}

export function readChecklists(featureDirAbs: string): ChecklistRow[] {
  const dir = join(featureDirAbs, 'checklists');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const checked = (text.match(/^\s*[-*+] \[[xX]\]/gm) ?? []).length;
      const unchecked = (text.match(/^\s*[-*+] \[ \]/gm) ?? []).length;
      return { file, total: checked + unchecked, checked, unchecked };
    });
}

/** The table spec-kit prints: Checklist | Total | Checked | Unchecked | Status. */
export function checklistTable(rows: ChecklistRow[]): string {
  const lines = ['| Checklist | Total | Checked | Unchecked | Status |', '|-----------|-------|---------|-----------|--------|'];
  for (const r of rows) lines.push(`| ${r.file} | ${r.total} | ${r.checked} | ${r.unchecked} | ${r.unchecked ? '✗ FAIL' : '✓ PASS'} |`);
  return lines.join('\n');
}
