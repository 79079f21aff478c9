/**
 * Parses of tasks.md reused within a process and, given a folder, between processes. Nx runs every
 * task in a process of its own, and each one parsed the same file several times (analysis, the
 * guard, the checkpoint) after loading remark: most of nx-speckit's own cost per task.
 *
 * Two versions of tasks.md that differ only in checkbox marks parse to the same structure: GFM
 * reads ` `, `x` and `X` alike and no offset moves. So a parse is stored under the hash of the
 * text with its marks blanked, and read back with the marks of the text at hand. Anything else
 * (a stored file that is missing, stale, unreadable, or whose boxes are not where it says) means
 * a fresh parse: reuse can make a parse cheaper, never different.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CheckboxState, ParsedTasks, ParseFn } from './model';
import { withoutMarks } from './marks';
import { parseTasks } from './parse';
import { writeAtomically } from './tasks-file';

// A stored parse is only valid for the parser that made it. Computed on first use: importing the
// engine (graph construction does) reads no files for it.
let parser: string | undefined;

/** A `parseTasks` that remembers its parses, in memory and (with `folder`) in one file per `file` argument. */
export function reusingParser(folder?: string): ParseFn {
  const memory = new Map<string, ParsedTasks>();
  return (source, file = 'tasks.md') => {
    const key = hash(`${(parser ??= fingerprint())}\0${file}\0${withoutMarks(source)}`);
    const known = memory.get(key) ?? (folder ? readStored(join(folder, storeName(file)), key) : undefined);
    const reused = known && withMarksOf(known, source);
    if (reused) {
      memory.set(key, known);
      return reused;
    }
    const parsed = parseTasks(source, file);
    memory.set(key, parsed);
    if (folder) store(join(folder, storeName(file)), key, parsed);
    return parsed;
  };
}

/** The parse with each task's checkbox as `source` has it; undefined if a box is not where the parse says. */
function withMarksOf(parsed: ParsedTasks, source: string): ParsedTasks | undefined {
  const tasks = [];
  for (const task of parsed.tasks) {
    const checkbox = source[task.checkboxOffset];
    if (checkbox !== ' ' && checkbox !== 'x' && checkbox !== 'X') return undefined;
    tasks.push(
      checkbox === task.checkbox ? task : { ...task, checkbox: checkbox as CheckboxState, done: checkbox !== ' ' },
    );
  }
  const nonTasks = parsed.nonTasks.map((item) =>
    item.checkboxOffset < 0 ? item : { ...item, open: source[item.checkboxOffset] === ' ' },
  );
  return { ...parsed, tasks, nonTasks };
}

function readStored(path: string, key: string): ParsedTasks | undefined {
  try {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { key?: string; parsed?: ParsedTasks };
    return stored.key === key && Array.isArray(stored.parsed?.tasks) ? stored.parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort and atomic: parallel tasks of one feature may store at once. No fsync: a lost store costs a parse. */
function store(path: string, key: string, parsed: ParsedTasks): void {
  try {
    writeAtomically(path, JSON.stringify({ key, parsed }), { durable: false });
  } catch {
    // a read-only folder only costs the next process a parse
  }
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');
const storeName = (file: string) => `tasks-md-parse.${hash(file).slice(0, 12)}.json`;

/**
 * The parser's code and the markdown packages' versions: a change to either (even unreleased, or
 * an upgrade in the lock file) invalidates stored parses. Built, the packages' code is in the
 * bundled ./markdown-stack.js; from source, their installed manifests stand for it.
 */
function fingerprint(): string {
  const h = createHash('sha256');
  const sources = ['parse', 'task-text', 'markdown-stack'].flatMap((name) => [
    join(__dirname, `${name}.js`),
    join(__dirname, `${name}.ts`),
  ]);
  // The markdown packages, as package.json lists them: development-only, since the build bundles them.
  const bundled = Object.keys(
    (require('../package.json') as { devDependencies: Record<string, string> }).devDependencies,
  );
  const manifests = bundled.flatMap((name) => {
    try {
      return [join(dirname(require.resolve(name)), 'package.json')];
    } catch {
      return []; // a user's install has no development dependencies: the bundle holds their code
    }
  });
  for (const path of [...sources, ...manifests]) {
    try {
      h.update(readFileSync(path));
    } catch {
      // compiled (.js) or run from source (.ts): one of each pair exists
    }
  }
  return h.digest('hex').slice(0, 16);
}
