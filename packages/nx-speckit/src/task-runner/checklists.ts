/**
 * spec-kit's checklist gate: count the checkbox items of `checklists/*.md` (read as markdown, so an
 * example in a code block does not count) and stop while any are unchecked.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkboxItems } from '@nx-speckit/tasks-md';

export interface ChecklistRow {
  file: string;
  total: number;
  checked: number;
  unchecked: number;
}

/**
 * Checkbox counts of each `checklists/*.md` of the feature, in file-name order (none without the folder): a task
 * does not start while any has unchecked items, unless allowIncompleteChecklists is set.
 */
export function readChecklists(featureDirAbs: string): ChecklistRow[] {
  const dir = join(featureDirAbs, 'checklists');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((file) => {
      const items = checkboxItems(readFileSync(join(dir, file), 'utf8'));
      const checked = items.filter((item) => item.checked).length;
      return { file, total: items.length, checked, unchecked: items.length - checked };
    });
}

/** The table spec-kit prints: Checklist | Total | Checked | Unchecked | Status. */
export function checklistTable(rows: ChecklistRow[]): string {
  const lines = [
    '| Checklist | Total | Checked | Unchecked | Status |',
    '|-----------|-------|---------|-----------|--------|',
  ];
  for (const r of rows)
    lines.push(`| ${r.file} | ${r.total} | ${r.checked} | ${r.unchecked} | ${r.unchecked ? '✗ FAIL' : '✓ PASS'} |`);
  return lines.join('\n');
}
