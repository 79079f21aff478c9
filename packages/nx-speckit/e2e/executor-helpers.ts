/** Shared by the executor e2e specs. */

/** The only difference between the two versions is `[ ]` → `[X]` on the line of `id`. */
export function expectTickedOnly(before: Buffer, after: Buffer, id: string) {
  expect(after.length).toBe(before.length);
  const diffs = [...before.keys()].filter((i) => before[i] !== after[i]);
  expect(diffs).toHaveLength(1);
  const [at] = diffs;
  expect(String.fromCharCode(before[at], after[at])).toBe(' X');
  const lineStart = before.lastIndexOf(0x0a, at) + 1;
  const line = before.subarray(lineStart, before.indexOf(0x0a, at)).toString('utf8');
  expect(line).toMatch(new RegExp(`^- \\[ \\] ${id} `));
}
