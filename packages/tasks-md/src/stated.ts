/**
 * Dependencies between stories and phases stated in prose or tables:
 * "User Story 2 depends on User Story 1", "**US3**: Requires US1 and US2", "Phase 3 must wait for
 * Phase 1", `| US5 | … | Depends on US1, US2 |`. Each line with a dependency word is read as
 * *subject* (the stories/phases before the word, or a table row's first cell) waits for
 * *prerequisites* (those right after it). "Can start after Foundational - no dependencies on other
 * stories" restates the barrier and adds nothing. A line that looks like a statement but cannot be
 * read becomes a warning saying how to write it.
 */
import type { Diagnostic, Phase, StatedDependency } from './model';

/** One line of prose: a paragraph line, a heading, or a table row (`cells` set). */
export interface ProseLine {
  line: number;
  text: string;
  cells?: string[];
  /** Line of the nearest heading above (its own line for a heading). */
  heading?: number;
}

// Words whose object is what the subject waits for; "not" right before one negates it.
const WAITS_FOR = /\b(not\s+)?(depends?\s+(?:up)?on|requires?|needs?|waits?\s+for|blocked\s+by|builds?\s+on|after)\b/gi;
const UNIT = /\b(?:user\s+stor(?:y|ies)|stor(?:y|ies)|us|phases?)\s*\d|\bfoundation(?:al)?\b|\bsetup\b|\bpolish\b/i;
const ALL_STORIES = /\b(?:all\s+(?:user\s+)?stories|user\s+stories)\b(?!\s*\d)/i;
const CLAUSE_END = /\s[-–—]\s|[;|→←]|\.(?:\s|$)|\b(?:but|except|because|while|since|whereas)\b/i;

/** Reads the statements of a file and warns about the ones it cannot read. */
export function readStatements(
  lines: ProseLine[],
  phases: Phase[],
  file: string,
): { statements: StatedDependency[]; diagnostics: Diagnostic[] } {
  const statements: StatedDependency[] = [];
  const diagnostics: Diagnostic[] = [];
  const storyPhases = phases.filter((p) => p.kind === 'story');
  if (!storyPhases.length && phases.length < 2) return { statements, diagnostics };
  for (const prose of lines) {
    const text = plain(prose.cells ? prose.cells.join(' | ') : prose.text);
    if (!UNIT.test(text)) continue;
    const words = [...text.matchAll(WAITS_FOR)].filter((m) => !m[1]);
    if (!words.length) continue;
    const subjectText = prose.cells ? plain(prose.cells[0]) : text.slice(0, words[0].index);
    // "These depend on Phases 3-6" in a phase's intro: the phase itself is the subject.
    const own = phases.find((p) => p.line === prose.heading);
    const named = units(subjectText, true);
    const dependents = named.length || !own ? resolve(named, phases) : { phases: [own.number], unknown: [] };
    const prerequisites = words.flatMap((m) =>
      resolve(units(clauseAfter(text, m.index! + m[0].length), false), phases),
    );
    const unknown = [...dependents.unknown, ...prerequisites.flatMap((p) => p.unknown)];
    const after = unique(prerequisites.flatMap((p) => p.phases));
    if (!dependents.phases.length || !after.length || unknown.length) {
      // Only lines that name a story or phase on both sides are statements at all.
      if ((!UNIT.test(subjectText) && !own) || (!after.length && !unknown.length)) continue;
      diagnostics.push({
        severity: 'warning',
        code: 'unread-dependency',
        file,
        line: prose.line,
        message: `this line looks like a dependency between stories or phases but is not read${unknown.length ? ` (${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a phase of this file)` : ''}: write "User Story 2 depends on User Story 1", or put (depends on T012) on the first task that waits`,
      });
      continue;
    }
    const pairs = dependents.phases.flatMap((d) => after.filter((p) => p !== d).map((p) => [d, p] as const));
    const added = pairs.filter(([d, p]) => !implied(phases[d - 1], phases[p - 1], phases));
    statements.push({
      line: prose.line,
      kind: added.length ? 'edge' : 'none',
      dependents: unique(added.map(([d]) => d)),
      prerequisites: unique(added.map(([, p]) => p)),
    });
  }
  return { statements, diagnostics };
}

/** Markup and parenthetical asides removed, whitespace collapsed. */
function plain(text: string): string {
  return text
    .replace(/\*\*|__|`/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The text after a dependency word up to the end of its clause, asides in parentheses removed. */
function clauseAfter(text: string, from: number): string {
  const rest = text.slice(from).replace(/\([^)]*\)/g, ' ');
  const end = CLAUSE_END.exec(rest);
  return end ? rest.slice(0, end.index) : rest;
}

type Unit = { kind: 'story' | 'phase'; number: string } | { kind: 'named'; name: string } | { kind: 'all-stories' };

/**
 * The stories and phases a text names: `US1`, `US1-4`, `US1-US3`, `User Stories 1, 2, and 3`,
 * `Phase 3.1`, `Phase 1-4`, `Phases 7, 8, 9`, `Foundational`. In a subject, asides in parentheses
 * are read only when nothing outside them names a unit (`**CLI (Phase 8)**`).
 */
export function units(text: string, subject: boolean): Unit[] {
  let source = text.replace(/\([^)]*\)/g, ' ');
  if (subject && !UNIT.test(source) && !ALL_STORIES.test(source)) source = text;
  const found: Unit[] = [];
  let kind: 'story' | 'phase' | undefined;
  if (ALL_STORIES.test(source)) found.push({ kind: 'all-stories' });
  // Task ids (`T016`) are one word, so their digits never read as a story or phase number.
  const tokens =
    source.match(
      /user\s+stor(?:y|ies)|stor(?:y|ies)|phases?|us(?=\s*\d)|\bT\d+\w*|\d+(?:\.\d+)?|[-–—]|\bto\b|\bthrough\b|[a-z]+|\S/gi,
    ) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i].toLowerCase();
    if (/^(user\s+stor|stor)/.test(t)) kind = 'story';
    else if (/^phases?$/.test(t) || t === 'us') kind = t === 'us' ? 'story' : 'phase';
    else if (/^\d/.test(t) && kind) {
      const range = /^([-–—]|to|through)$/i.test(tokens[i + 1] ?? '') ? rangeEnd(tokens, i + 2) : undefined;
      if (range !== undefined && !t.includes('.')) {
        for (let n = Number(t); n <= range; n++) found.push({ kind, number: String(n) });
        i += tokens[i + 2]?.toLowerCase() === 'us' || /^phase/i.test(tokens[i + 2] ?? '') ? 3 : 2;
      } else found.push({ kind, number: t });
    } else if (/^foundation(al)?$|^setup$|^polish$/.test(t))
      found.push({ kind: 'named', name: t.startsWith('foundation') ? 'foundation' : t });
    else if (!/^(and|or|&|\+|\/|,|then)$/.test(t)) kind = undefined;
  }
  return found;
}

function rangeEnd(tokens: string[], i: number): number | undefined {
  const skip = /^(us|phases?)$/i.test(tokens[i] ?? '') ? 1 : 0;
  const n = tokens[i + skip];
  return n && /^\d+$/.test(n) ? Number(n) : undefined;
}

/** Phase numbers (1-based, as in `implement--phaseN`) for units, and the units no phase holds. */
function resolve(found: Unit[], phases: Phase[]): { phases: number[]; unknown: string[] } {
  const out: number[] = [];
  const unknown: string[] = [];
  for (const u of found) {
    const matches = phases.filter((p) => {
      if (u.kind === 'all-stories') return p.kind === 'story';
      if (u.kind === 'story') return p.story === `US${u.number}`;
      if (u.kind === 'phase')
        return new RegExp(`^phase\\s*${u.number.replace('.', '\\.')}(?![.\\d])`, 'i').test(p.title);
      return u.kind === 'named' && new RegExp(`\\b${u.name}`, 'i').test(p.title);
    });
    if (matches.length) out.push(...matches.map((p) => p.number));
    else if (u.kind === 'story' || u.kind === 'phase')
      unknown.push(u.kind === 'story' ? `US${u.number}` : `Phase ${u.number}`);
  }
  return { phases: unique(out), unknown };
}

/** True when the phase order already makes `dependent` wait for `prerequisite`: a barrier before it, or anything before a barrier. */
function implied(dependent: Phase, prerequisite: Phase, phases: Phase[]): boolean {
  if (prerequisite.number >= dependent.number) return false;
  if (prerequisite.kind === 'barrier' || dependent.kind === 'barrier') return true;
  return phases.slice(prerequisite.number, dependent.number - 1).some((p) => p.kind === 'barrier');
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
