/**
 * Reading the free text of one task: declared paths and explicit dependencies.
 * spec-kit has no formal syntax for either, so these are the shapes seen in real files.
 */
import { posix } from 'node:path';

const EXTENSIONS = new Set(
  (
    'md mdx txt json jsonc json5 yaml yml toml ini cfg conf env lock xml csv sql graphql gql proto prisma ' +
    'ts tsx mts cts js jsx mjs cjs vue svelte astro css scss sass less html htm ' +
    'py pyi rb php go rs java kt kts scala swift m mm c h cc cpp hpp cs csproj fsproj sln fs ex exs erl clj dart lua r jl ' +
    'sh bash zsh ps1 bat gradle properties tf hcl nix dockerfile snap ipynb'
  ).split(' '),
);
// The feature's own documents, named bare in task text ("Run quickstart.md validation"), are read, not written.
const FEATURE_DOCS = new Set(['spec.md', 'plan.md', 'tasks.md', 'data-model.md', 'research.md', 'quickstart.md']);
const KNOWN_FILES = new Set([
  'Dockerfile',
  'Makefile',
  'Procfile',
  'Gemfile',
  'Rakefile',
  'Jenkinsfile',
  'Containerfile',
]);
// Capitalised framework names (`Node.js`, `Socket.io`) look like files but are not.
const FRAMEWORK_NAME = /^[A-Z][A-Za-z0-9]*\.(js|ts|io)$/;
const SEGMENT = /^[\w@+~\-.[\]()$]+$/;
/** A task id: `T012`, with a letter (`T013a`, `T046B`) or dotted (`T008.1`) suffix for one inserted later. */
export const TASK_ID = String.raw`T\d+(?:[A-Za-z]|(?:\.\d+)+)?(?!\w)`;
const ID_OR_RANGE = new RegExp(String.raw`\b${TASK_ID}(?:\s*[-–—]\s*${TASK_ID})?`, 'g');
// The words that introduce a task's prerequisites. `after` is common in prose ("passes after
// T006"), so it counts only where it opens a clause: `(after T003)`, a sub-bullet `After: T003`.
const DEPENDENCY_WORDS = String.raw`(?:depends\s+on|dependencies|depends|requires|blocked\s+by|(?<=(?:^|\()\W*)after)`;
/** A sub-bullet that lists prerequisites: `Depends on: T004`, `**Requires**: T002`. */
export const DEPENDENCY_BULLET = new RegExp(String.raw`^\W*${DEPENDENCY_WORDS}\b`, 'i');
// Ids and ranges joined by `,` `;` `&` `+` `/` `and` or spaces: `T033 + T034 & T035, T036-T038 and T040`.
const ID_LIST = String.raw`(?:\b${TASK_ID}(?:\s*[-–—]\s*${TASK_ID})?(?:\s*(?:,|;|&|\+|\/|\band\b)\s*|\s+)?)+`;
const DEPENDENCY_CLAUSE = new RegExp(String.raw`\(?\s*\b${DEPENDENCY_WORDS}\b[\s:*_]*(${ID_LIST})\)?`, 'gi');

// Words after which a path is one the task writes: `in src/a.ts`, `Create \`b.ts\``, `Files: c.ts`,
// and "in" in a few other languages tasks.md is written in (`Servicio en src/a.ts`).
const DECLARING = new Set(
  (
    'in into at to under inside within en dans em im create creates add adds write writes update updates modify modifies edit edits ' +
    'implement implements generate generates scaffold scaffolds configure configures touch new file files path paths'
  ).split(' '),
);
// Words that continue a list of declared paths: `in a.ts, b.ts and c.ts`.
const LIST_JOINERS = new Set(['and', 'or', 'plus', '&', '+', '/']);

/**
 * Paths a task says it writes, in the order written: a path-shaped word (bare or in backticks)
 * that opens the text, follows its opening verb or a declaring word (`in`, `to`, `Update`, `:`),
 * or continues a list of declared paths. Other paths are context (`extend ../../tsconfig.base.json`, `stories from
 * ../shared-ui/`) and are not declared. The same rules hold with or without backticks, except that
 * backticks make extensionless names (`bin/cli`, `.env`) paths.
 */
export function extractDeclaredPaths(text: string): string[] {
  const found: string[] = [];
  // Backticked spans become one token each so that both kinds come out in written order.
  const spans: string[] = [];
  const tokens = text
    .replace(/`([^`]*)`/g, (_, code: string) => ` \u0000${spans.push(code.trim()) - 1}\u0000 `)
    .split(/\s+/)
    .filter(Boolean);
  let declaring = true; // the text's first word
  let listOpen = false; // the last token was a declared path, so `, b.ts` / `and b.ts` continue the list
  let words = 0;
  for (const [i, word] of tokens.entries()) {
    if (/^\[[^\]]*\]$/.test(word)) continue; // `[P]`, `[US1]`
    const opening = words++ === 0;
    const span = /^\u0000(\d+)\u0000([,;:.)]*)$/.exec(word);
    const candidate = span
      ? spans[Number(span[1])].replace(/\\/g, '/')
      : trimPunctuation(word.replace(/\u0000\d+\u0000/g, '')).replace(/\\/g, '/');
    if (isPathToken(candidate, !!span)) {
      // Japanese puts the particle after the path: `src/a.ts` に作成 / を更新 ("create in", "update").
      const declared: boolean = declaring || listOpen || /^[にへを]/.test(tokens[i + 1] ?? '');
      if (declared) found.push(candidate);
      declaring = false;
      listOpen = declared && !/[.;:)]$/.test(word);
      continue;
    }
    // A backticked name in a declared list (`App.sln`, `xunit`) keeps the list going.
    if (span && (declaring || listOpen)) {
      declaring = false;
      listOpen = !/[.;:)]$/.test(word);
      continue;
    }
    const bare = word.replace(/[^\w&+/]/g, '').toLowerCase();
    // `a.ts, b.ts and c.ts` (a backticked span leaves its `,` as a token of its own): the list goes on.
    if (listOpen && (LIST_JOINERS.has(bare) || /^,+$/.test(word))) continue;
    // The object of the task's opening verb is written: `Wire \`src/cli\``, `Refactor src/a.ts`.
    declaring = DECLARING.has(bare) || /:$/.test(word) || opening;
    listOpen = false;
  }
  return found.map(normalizeDeclaredPath);
}

/**
 * A path-shaped token. `/albums` is an HTTP route in backticks or not: an absolute *file* has an
 * extension or a trailing `/`. The feature's own documents named bare are read, not written.
 */
function isPathToken(candidate: string, quoted: boolean): boolean {
  if (!candidate || /\s/.test(candidate)) return false;
  const route =
    candidate.startsWith('/') &&
    !candidate.endsWith('/') &&
    !hasExtension(candidate.slice(candidate.lastIndexOf('/') + 1));
  if (route || (!quoted && FEATURE_DOCS.has(candidate))) return false;
  return looksLikePath(candidate, quoted);
}

/** `Files: a.ts, \`b/\`` sub-bullets. Every listed entry counts, with or without an extension. */
export function extractFilesBullet(bullet: string): string[] {
  const m = /^\W*(?:files?|paths?)\W*?:\**\s*(.*)$/i.exec(bullet);
  if (!m) return [];
  return (
    m[1]
      .split(/[,;]|\s+and\s+/)
      // Drop notes first (`src/a.py (modify)`): trimming punctuation before would eat the `)` and
      // leave `src/a.py (modify` behind, which has a space and would be thrown away.
      .map((entry) => entry.replace(/\s*\([^)]*\)\s*$/, '').trim())
      .map((entry) => trimPunctuation(entry.replace(/^`|`$/g, '').trim()))
      .filter((entry) => entry && !/\s/.test(entry) && !/^(?:none|n\/a|tbd|-+)$/i.test(entry))
      .map(normalizeDeclaredPath)
  );
}

/**
 * `(depends on T012, T013)`, `Depends on: T006`, `requires T004 + T005`, `blocked by T007`,
 * `after T003`, ranges `T004-T010`: ids and ranges in the order written. The list stops at the
 * first word that is neither an id, a range, a separator nor "and"; `**Depends on**: T001`
 * leaves `**:` between the words and the list.
 */
export function extractDependencyRefs(text: string): string[] {
  const refs: string[] = [];
  for (const clause of text.matchAll(DEPENDENCY_CLAUSE)) {
    refs.push(...(clause[1].match(ID_OR_RANGE) ?? []).map((r) => r.replace(/\s+/g, '')));
  }
  return refs;
}

/** The text without its dependency clauses: what is left describes the work. */
export function withoutDependencyClauses(text: string): string {
  return text.replace(DEPENDENCY_CLAUSE, ' ');
}

/**
 * Turns refs into ids. A range `T004-T010` covers every known id numbered within it; its ends
 * are kept even when unknown so validation can name them.
 */
export function expandDependencyRefs(refs: string[], knownIds: string[]): string[] {
  const out: string[] = [];
  let keys: Array<[string, number, string]> | undefined; // computed once, and only when a range appears
  for (const ref of refs) {
    const range = RANGE.exec(ref);
    if (!range) {
      out.push(ref);
      continue;
    }
    keys ??= knownIds.map((id) => [id, ...idKey(id)]);
    const [lo, hi] = [idKey(range[1]), idKey(range[2])].sort(compareKeys);
    out.push(
      range[1],
      ...keys.filter(([, n, s]) => compareKeys([n, s], lo) > 0 && compareKeys([n, s], hi) < 0).map(([id]) => id),
      range[2],
    );
  }
  return [...new Set(out)];
}

const RANGE = new RegExp(String.raw`^(${TASK_ID})[-–—](${TASK_ID})$`);
const ONLY_ID = new RegExp(`^${TASK_ID}$`);

/** Id order: by number, then suffix (`T013` < `T013a` < `T013b` < `T014`; `T008` < `T008.1` < `T008.2`). */
export function compareIds(a: string, b: string): number {
  return compareKeys(idKey(a), idKey(b));
}

function idKey(id: string): [number, string] {
  const m = /^T(\d+)(.*)$/.exec(id);
  return m ? [Number(m[1]), m[2]] : [0, id];
}

function compareKeys([na, sa]: [number, string], [nb, sb]: [number, string]): number {
  return na - nb || (sa === sb ? 0 : sa.localeCompare(sb, 'en', { numeric: true }));
}

/** posix form without `./`; folders keep their trailing `/`. `..` and absolute paths are kept for validation. */
export function normalizeDeclaredPath(raw: string): string {
  const folder = raw.endsWith('/');
  let p = posix.normalize(raw.replace(/\\/g, '/'));
  if (p === './' || p === '.') return './';
  p = p.replace(/^\.\//, '');
  return folder && !p.endsWith('/') ? `${p}/` : p;
}

/** True when a declared path is absolute or climbs out of the workspace. */
export function isUnsafePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path === '..' || path.startsWith('../');
}

function looksLikePath(word: string, quoted: boolean): boolean {
  if (!/[A-Za-z0-9]/.test(word) || word.includes('://') || ONLY_ID.test(word)) return false;
  const segments = word.replace(/\/$/, '').split('/');
  if (!segments.every((s) => s === '' || SEGMENT.test(s))) return false;
  const last = segments[segments.length - 1];
  if (word.includes('/')) return word.endsWith('/') || hasExtension(last) || quoted;
  if (KNOWN_FILES.has(word) || (/^\.[\w-]+$/.test(word) && quoted)) return true;
  return hasExtension(word) && !FRAMEWORK_NAME.test(word);
}

function hasExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && dot < name.length - 1 && EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

function trimPunctuation(word: string): string {
  // One class for the tail: `(src/app.py).` must lose both the `.` and the `)`.
  return word.replace(/^[("'[]+/, '').replace(/[)"',;:!?.]+$/, '');
}
