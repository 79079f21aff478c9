/** Checkbox marks as plain text, for comparing two versions of tasks.md without a parse. */

/**
 * tasks.md with every checkbox blanked: equal for two versions that differ only in marks.
 * A BOM may precede the first line: without `\uFEFF?` a task there kept its mark, and another
 * task's legitimate mark on it looked like an agent's edit.
 */
export function withoutMarks(text: string): string {
  return text.replace(/^(\uFEFF?[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[)[xX](\])/gm, '$1 $2');
}
