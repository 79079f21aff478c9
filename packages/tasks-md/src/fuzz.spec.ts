/**
 * Reliability: the engine on hostile tasks.md inputs. Every case is built from a seeded PRNG, so a
 * failure names a case that `FUZZ_SEED=<seed> FUZZ_CASE=<n> npx jest packages/tasks-md/src/fuzz.spec.ts`
 * rebuilds exactly (the failing input is also written to a temp file).
 *
 * For each case: parse + analyze return a plan or diagnostics and never throw; then markDone on
 * every task (a sample in the very large cases) either flips exactly one byte (` ` → `X`, and
 * the re-parsed file shows that task done and every other task as it was) or refuses with a
 * CheckpointError leaving the file untouched.
 * Time per case is measured and the slowest are printed; the test asserts completion, not speed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, markDone } from './checkpoint';
import { analyzeFeature, formatDiagnostic } from './feature';
import type { ParsedTasks } from './model';
import { parseTasks } from './parse';
import { reusingParser } from './reuse';
import { buildCase, type Case } from '../test/fuzz-cases';

jest.setTimeout(600_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const ONLY = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE);
/**
 * markDone parses the whole file under a lock and fsyncs (about 50 ms each here), so every task
 * is marked, one by one, in every FULL_EVERY-th case up to FULL_MAX_BYTES and in small ones; the
 * others mark one task. `FUZZ_CASES=20000` runs a longer campaign.
 */
const FULL_EVERY = 8;
const FULL_MAX_BYTES = 16_000;
const SMALL = { tasks: 3, bytes: 4_000 };

const CASES = 1000;

// ---------------------------------------------------------------------------------------------

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tasks-md-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function describeFailure(c: Case, what: string): string {
  const saved = join(tmpdir(), `tasks-md-fuzz-${SEED}-${c.index}.md`);
  writeFileSync(saved, c.bytes);
  return `case ${c.index} (${c.how}, ${c.bytes.length} bytes; FUZZ_SEED=${SEED} FUZZ_CASE=${c.index}; input saved to ${saved}): ${what}`;
}

/** The checked-in view of one parse: each task's id and checkbox, in file order. */
const view = (parsed: ParsedTasks) => parsed.tasks.map((t) => `${t.id}=${t.checkbox}`);

async function checkMarking(
  c: Case,
  parsedStates: string[],
  file: string,
  failures: string[],
  stats: { marks: number; refusals: number; already: number; allMarked: number; sampled: number },
) {
  writeFileSync(file, c.bytes);
  const ids = parsedStates.map((s) => s.slice(0, s.lastIndexOf('=')));
  const all =
    (c.index % FULL_EVERY === 0 && c.bytes.length <= FULL_MAX_BYTES) ||
    (ids.length <= SMALL.tasks && c.bytes.length <= SMALL.bytes);
  const chosen = all ? ids : ids.slice(c.index % Math.max(ids.length, 1)).slice(0, 1);
  if (all) stats.allMarked++;
  else stats.sampled++;
  // Each mark's "after" is the next mark's "before": one parse per mark besides markDone's own.
  // markDone reuses its parses as the executor does (only marks change between them), and each
  // reused parse must equal a fresh one.
  const parse = reusingParser();
  let current = parsedStates;
  for (const id of chosen) {
    const before = readFileSync(file);
    let result;
    try {
      result = await markDone(file, id, { parse });
    } catch (error) {
      const after = readFileSync(file);
      if (!(error instanceof CheckpointError))
        failures.push(describeFailure(c, `markDone(${id}) threw ${(error as Error)?.stack ?? error}`));
      else if (!after.equals(before))
        failures.push(describeFailure(c, `markDone(${id}) refused (${error.message}) but changed the file`));
      else stats.refusals++;
      continue;
    }
    const after = readFileSync(file);
    const diff: number[] = [];
    if (after.length === before.length) for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) diff.push(i);
    if (!result.changed) {
      stats.already++;
      if (!after.equals(before))
        failures.push(describeFailure(c, `markDone(${id}) reported no change but changed the file`));
      continue;
    }
    if (after.length !== before.length || diff.length !== 1 || before[diff[0]] !== 0x20 || after[diff[0]] !== 0x58) {
      failures.push(
        describeFailure(
          c,
          `markDone(${id}) changed ${after.length === before.length ? `${diff.length} byte(s) at ${diff.slice(0, 5)}` : 'the length'} instead of one ' ' → 'X'`,
        ),
      );
      return;
    }
    const expected = current.map((s) => (s === `${id}= ` ? `${id}=X` : s));
    const fresh = parseTasks(after.toString('utf8'), file);
    if (JSON.stringify(parse(after.toString('utf8'), file)) !== JSON.stringify(fresh)) {
      failures.push(describeFailure(c, `after markDone(${id}) a reused parse differs from a fresh one`));
      return;
    }
    const got = view(fresh);
    if (expected.join() !== got.join()) {
      failures.push(
        describeFailure(
          c,
          `after markDone(${id}) the parse changed beyond that task: ${got.filter((s, i) => s !== expected[i]).slice(0, 5)}`,
        ),
      );
      return;
    }
    current = got;
    stats.marks++;
  }
}

test(`fuzz: ${ONLY === undefined ? CASES : 1} seeded hostile tasks.md inputs through parse, analyze and markDone`, async () => {
  const failures: string[] = [];
  const timings: { ms: number; c: Case }[] = [];
  const stats = { marks: 0, refusals: 0, already: 0, allMarked: 0, sampled: 0, tasks: 0, diagnostics: 0, bytes: 0 };
  const file = join(dir, 'tasks.md');
  const indices =
    ONLY === undefined ? Array.from({ length: Number(process.env.FUZZ_CASES ?? CASES) }, (_, i) => i) : [ONLY];
  const started = Date.now();

  for (const index of indices) {
    const c = buildCase(SEED, index);
    stats.bytes += c.bytes.length;
    const t0 = performance.now();
    let parsedStates: string[];
    try {
      const text = c.bytes.toString('utf8');
      const encoded = Buffer.from(text, 'utf8');
      const analysis = analyzeFeature({
        dir: 'specs/001-fuzz',
        documents: { 'tasks.md': text, 'plan.md': '# Plan\n', 'spec.md': '# Spec\n' },
      });
      analysis.diagnostics.forEach(formatDiagnostic);
      stats.tasks += analysis.parsed.tasks.length;
      parsedStates = analysis.parsed.tasks.map((t) => `${t.id}=${t.checkbox}`);
      stats.diagnostics += analysis.diagnostics.length;
      for (const t of analysis.parsed.tasks) {
        if (!Array.isArray(analysis.plan.dependsOn[t.id]))
          failures.push(describeFailure(c, `plan has no dependsOn list for ${t.id}`));
        // checkboxByte counts UTF-8 bytes of the decoded text (markDone refuses files that are not UTF-8).
        const box = String.fromCharCode(encoded[t.checkboxByte]);
        if (box !== t.checkbox)
          failures.push(
            describeFailure(
              c,
              `${t.id}: checkboxByte ${t.checkboxByte} holds ${JSON.stringify(box)}, parser says ${JSON.stringify(t.checkbox)}`,
            ),
          );
      }
    } catch (error) {
      failures.push(describeFailure(c, `parse/analyze threw ${(error as Error)?.stack ?? error}`));
      continue;
    }
    timings.push({ ms: performance.now() - t0, c });
    const t1 = performance.now();
    if (!process.env.FUZZ_NO_MARK) await checkMarking(c, parsedStates, file, failures, stats);
    if (process.env.FUZZ_TRACE)
      writeFileSync(
        process.env.FUZZ_TRACE,
        `${index} ${c.how} ${c.bytes.length} analyze=${(t1 - t0).toFixed(0)} mark=${(performance.now() - t1).toFixed(0)}\n`,
        { flag: 'a' },
      );
  }

  const slowest = [...timings].sort((a, b) => b.ms - a.ms).slice(0, 5);
  console.log(
    [
      `fuzz seed ${SEED}: ${indices.length} cases (${(stats.bytes / 1e6).toFixed(1)} MB), ${stats.tasks} tasks parsed, ${stats.diagnostics} diagnostics,`,
      `markDone on every task of ${stats.allMarked} cases, on one task of ${stats.sampled} others: ${stats.marks} single-byte marks, ${stats.already} already done, ${stats.refusals} clean refusals;`,
      `${failures.length} failures; ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `slowest parse+analyze: ${slowest.map((s) => `#${s.c.index} ${s.c.how} ${(s.c.bytes.length / 1e3).toFixed(0)} kB ${s.ms.toFixed(0)} ms`).join('; ')}`,
    ].join('\n'),
  );
  expect(failures.slice(0, 20)).toEqual([]);
});

describe('regressions the fuzzer found', () => {
  test('30,000 [P] tags on one task line parse (GFM footnote-call scanning was quadratic: 36 s)', () => {
    const parsed = parseTasks(`- [ ] T001 ${'[P] '.repeat(30_000)}in src/a.ts\n`);
    expect(parsed.tasks.map((t) => [t.id, t.parallel, t.files])).toEqual([['T001', true, ['src/a.ts']]]);
  });

  test('nesting past MAX_NESTING is refused with a diagnostic instead of parsed (800 list levels took 20 s)', () => {
    const deep = Array.from({ length: 800 }, (_, i) => `${'  '.repeat(i)}- [ ] T${i + 1} level ${i}\n`).join('');
    expect(parseTasks(deep, 'specs/x/tasks.md')).toEqual({
      phases: [],
      tasks: [],
      statements: [],
      nonTasks: [],
      bom: false,
      diagnostics: [
        {
          severity: 'error',
          code: 'too-deeply-nested',
          file: 'specs/x/tasks.md',
          line: 33,
          message:
            'lists or blockquotes nest about 33 levels deep here (at most 32 are read); tasks.md is not read: flatten it',
        },
      ],
    });
    const quoted = `${'>'.repeat(5000)} - [ ] T001 q\n`;
    expect(parseTasks(quoted).diagnostics.map((d) => d.code)).toEqual(['too-deeply-nested']);
    // Ordinary nesting and deeply indented code are still read.
    const ok = '- [ ] T001 a\n  - [ ] T002 b\n    - [ ] T003 c\n\n```\n' + ' '.repeat(200) + 'code\n```\n';
    expect(parseTasks(ok).tasks.map((t) => t.id)).toEqual(['T001', 'T002', 'T003']);
  });
});
