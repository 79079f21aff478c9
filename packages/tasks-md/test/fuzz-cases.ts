/**
 * Seeded hostile tasks.md inputs for the engine's fuzz spec (src/fuzz.spec.ts). `buildCase(seed, n)`
 * always rebuilds the same bytes, so a failing case can be replayed alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** mulberry32: small, fast, good enough to spread mutations; deterministic per seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] };
}
type Rng = ReturnType<typeof prng>;

const FIXTURE_DIR = join(__dirname, 'fixtures');
const BASES: { name: string; bytes: Buffer }[] = readdirSync(FIXTURE_DIR)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => ({ name: f, bytes: readFileSync(join(FIXTURE_DIR, f)) }));

// ---------------------------------------------------------------------------------------------
// Building blocks

const PIECES = [
  '- [ ] ',
  '- [x] ',
  '- [X] ',
  '* [ ] ',
  '+ [ ] ',
  '1. [ ] ',
  '12) [x] ',
  '- [] ',
  '- [  ] ',
  '-[ ] ',
  '- [ ]',
  'T001',
  'T002',
  'T0001',
  'T999999999999',
  'T1',
  '**T003**',
  '__T004__',
  'T005:',
  'T006.',
  '[P]',
  '[US1]',
  '[US2]',
  '[P1]',
  '[ALL]',
  '(depends on T001, T002)',
  'Depends on: T001-T009',
  '(depends on T0001-T9999)',
  'depends on T1 and T2 & T3;',
  '(depends on T002-T001)',
  'in src/a.ts',
  'in `src/b.ts`',
  'in ../outside.ts',
  'in /etc/passwd',
  'in C:/x.ts',
  'src/',
  'Files: a.ts, b/',
  '`',
  '```',
  '~~~',
  '## Phase 1: Setup',
  '## Phase 3: User Story 2 (Priority: P1)',
  '### Tests for User Story 1',
  '# Tasks: X',
  '####### not a heading',
  '> ',
  '>> ',
  '  ',
  '    ',
  '\t',
  '\n',
  '\r\n',
  '\r',
  '\uFEFF',
  '\0',
  '\u2028',
  'é',
  '🎯',
  '\uD83C',
  '<!--',
  '-->',
  '<div>',
  '| a | b |\n|---|---|',
  '[link](T001)',
  '\\[ ]',
  '[ ]',
  'NEEDS CLARIFICATION',
  '[NEEDS CLARIFICATION: what?]',
  '---',
  '***',
  'text',
];

function randomDoc(r: Rng): string {
  const n = 1 + r.int(200);
  let out = '';
  for (let i = 0; i < n; i++) {
    if (r.next() < 0.35) {
      const indent = ' '.repeat(r.pick([0, 0, 0, 2, 4, 1, 3, 8]));
      out += `${indent}${r.pick(['- [ ] ', '- [x] ', '- [X] ', '* [ ] ', '1. [ ] '])}T${String(1 + r.int(60)).padStart(3, '0')} ${r.pick(PIECES)} ${r.pick(PIECES)}${r.pick(['\n', '\r\n', '\n', '\r'])}`;
    } else {
      out += r.pick(PIECES);
    }
  }
  return out;
}

function lines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < b.length; i++)
    if (b[i] === 0x0a) {
      out.push(b.subarray(start, i + 1));
      start = i + 1;
    }
  if (start < b.length) out.push(b.subarray(start));
  return out;
}

const INVALID_UTF8 = [
  [0xff],
  [0xfe],
  [0xc3],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0x80],
  [0xef, 0xbb, 0xbf],
  [0x00],
  [0x0d],
  [0x0a],
];

type Mutation = (b: Buffer, r: Rng) => Buffer;
const MUTATIONS: Record<string, Mutation> = {
  truncate: (b, r) => b.subarray(0, r.int(b.length + 1)),
  duplicateLines: (b, r) => {
    const ls = lines(b);
    for (let k = 1 + r.int(5); k > 0 && ls.length; k--) {
      const i = r.int(ls.length);
      ls.splice(i, 0, ls[i]);
    }
    return Buffer.concat(ls);
  },
  swapLines: (b, r) => {
    const ls = lines(b);
    for (let k = 1 + r.int(5); k > 0 && ls.length > 1; k--) {
      const i = r.int(ls.length),
        j = r.int(ls.length);
      [ls[i], ls[j]] = [ls[j], ls[i]];
    }
    return Buffer.concat(ls);
  },
  deleteLines: (b, r) => {
    const ls = lines(b);
    for (let k = 1 + r.int(8); k > 0 && ls.length; k--) ls.splice(r.int(ls.length), 1);
    return Buffer.concat(ls);
  },
  randomBytes: (b, r) => {
    const parts: Buffer[] = [];
    let at = 0;
    for (let k = 1 + r.int(12); k > 0; k--) {
      const i = at + r.int(Math.max(1, b.length - at));
      parts.push(b.subarray(at, i));
      parts.push(
        r.next() < 0.5
          ? Buffer.from(r.pick(INVALID_UTF8))
          : Buffer.from(Array.from({ length: 1 + r.int(8) }, () => r.int(256))),
      );
      at = i;
    }
    parts.push(b.subarray(at));
    return Buffer.concat(parts);
  },
  flipBytes: (b, r) => {
    const c = Buffer.from(b);
    for (let k = 1 + r.int(10); k > 0 && c.length; k--) c[r.int(c.length)] = r.int(256);
    return c;
  },
  insertPieces: (b, r) => {
    const ls = lines(b);
    for (let k = 1 + r.int(10); k > 0; k--)
      ls.splice(r.int(ls.length + 1), 0, Buffer.from(`${r.pick(PIECES)}${r.pick(PIECES)}${r.pick(PIECES)}\n`));
    return Buffer.concat(ls);
  },
  lineEndings: (b, r) => {
    const style = r.pick(['\r\n', '\n', '\r', 'mix']);
    const text = b
      .toString('latin1')
      .replace(/\r?\n|\r/g, () => (style === 'mix' ? r.pick(['\r\n', '\n', '\r', '\n\r']) : style));
    return Buffer.from(text, 'latin1');
  },
  bom: (b, r) => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const where = r.pick(['start', 'double', 'middle']);
    if (where === 'start') return Buffer.concat([bom, b]);
    if (where === 'double') return Buffer.concat([bom, bom, b]);
    const ls = lines(b);
    ls.splice(r.int(ls.length + 1), 0, bom);
    return Buffer.concat(ls);
  },
  indent: (b, r) => {
    const ls = lines(b);
    for (let k = 1 + r.int(10); k > 0 && ls.length; k--) {
      const i = r.int(ls.length);
      ls[i] = Buffer.concat([Buffer.from(r.pick(['  ', '    ', '\t', '> ', '- ', '1. ', '   > - '])), ls[i]]);
    }
    return Buffer.concat(ls);
  },
  splice: (b, r) => {
    const other = r.pick(BASES).bytes;
    const i = r.int(b.length + 1),
      j = r.int(other.length + 1);
    return Buffer.concat([b.subarray(0, i), other.subarray(j)]);
  },
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

// Pathological shapes, built fresh per case from the PRNG.
const SHAPES: Record<string, (r: Rng) => Buffer> = {
  manyTasks: (r) => {
    const n = 1000 + r.int(2000);
    let s = '# Tasks\n\n';
    for (let i = 1; i <= n; i++) {
      if (i % 250 === 1) s += `\n## Phase ${i}: ${r.pick(['Setup', 'User Story 1', 'US2', 'Polish'])}\n\n`;
      s += `- [${r.pick([' ', ' ', 'x', 'X'])}] T${String(i).padStart(4, '0')} ${r.pick(['[P] ', '', '[US1] ', '[P] [US2] '])}Task ${i} in src/f${i % 300}.ts${r.next() < 0.05 ? ` (depends on T${String(1 + r.int(i)).padStart(4, '0')})` : ''}\n`;
    }
    return Buffer.from(s);
  },
  pathologicalRanges: (r) => {
    const n = 300 + r.int(700);
    let s = '## Phase 1\n\n';
    for (let i = 1; i <= n; i++)
      s += `- [ ] T${String(i).padStart(4, '0')} [P] t (depends on T0001-T9999, T1-T999999999)\n`;
    return Buffer.from(s);
  },
  rangeEveryTask: (r) => {
    const n = 200 + r.int(300);
    let s = '';
    for (let i = 1; i <= n; i++) s += `- [ ] T${i} x\n  - Depends on: T1-T${n}, T${n}-T1\n`;
    return Buffer.from(s);
  },
  deepLists: (r) => {
    const depth = 500 + r.int(1500);
    let s = '';
    for (let i = 0; i < depth; i++) s += `${'  '.repeat(i)}- [ ] T${i + 1} level ${i}\n`;
    return Buffer.from(s);
  },
  deepBlockquotes: (r) => {
    const depth = 1000 + r.int(9000);
    return Buffer.from(`${'>'.repeat(depth)} - [ ] T001 quoted deep\n${'> '.repeat(depth / 10)}- [ ] T002 b\n`);
  },
  deepMixed: (r) => {
    const depth = 300 + r.int(700);
    let s = '';
    for (let i = 0; i < depth; i++) s += `${'> - '.repeat(i)}[ ] T${i + 1} m\n`;
    return Buffer.from(s);
  },
  hugeLine: (r) =>
    Buffer.from(
      `- [ ] T001 ${r.pick(['a', '[', '`', '*', '(', 'T1-', ' '])!.repeat(100_000 + r.int(200_000))}\n- [ ] T002 b\n`,
    ),
  hugeFile: (r) => {
    const base = r.pick(BASES).bytes;
    return Buffer.concat(Array.from({ length: Math.ceil(400_000 / Math.max(base.length, 1)) }, () => base));
  },
  manyBrackets: (r) => Buffer.from(`- [ ] T001 ${'[P] '.repeat(50_000 + r.int(50_000))}\n`),
  nulsAndGarbage: (r) =>
    Buffer.from(
      Array.from({ length: 100_000 + r.int(200_000) }, () =>
        r.pick([0, 0x0a, 0x5b, 0x20, 0x5d, 0x2d, 0x54, 0x31, 0xff, r.int(256)]),
      ),
    ),
  randomDoc: (r) => Buffer.from(randomDoc(r)),
};

export interface Case {
  index: number;
  how: string;
  bytes: Buffer;
}

export function buildCase(seed: number, index: number): Case {
  const r = prng(seed ^ Math.imul(index + 1, 0x9e3779b1));
  // 4% pathological shapes, 26% random documents, the rest chains of mutations on the seeds.
  const roll = r.next();
  if (roll < 0.04) {
    const shape = r.pick(Object.keys(SHAPES).filter((k) => k !== 'randomDoc'));
    return { index, how: shape, bytes: SHAPES[shape](r) };
  }
  if (roll < 0.3) return { index, how: 'randomDoc', bytes: SHAPES.randomDoc(r) };
  const base = r.pick(BASES);
  let bytes = base.bytes;
  const steps: string[] = [];
  for (let k = 1 + r.int(4); k > 0; k--) {
    const m = r.pick(MUTATION_NAMES);
    steps.push(m);
    bytes = MUTATIONS[m](bytes, r);
  }
  return { index, how: `${base.name} ${steps.join('+')}`, bytes };
}
