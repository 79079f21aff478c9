/**
 * Runs the engine over every tasks.md under a folder (files named `tasks.md` or `*.tasks.md`)
 * and prints, per file and in total, what a new user would otherwise find out after a run:
 * checkbox ids a plain line scan sees but the engine does not, errors, empty features, open
 * items that are not tasks, and stated story/phase dependencies: enforced (an edge), warned,
 * read as "no dependency", or missed.
 *
 *   npm run corpus -- <folder> [--json]
 *
 * Exit code 1 when any file loses an id, has an error or misses a stated dependency; 2 on bad usage.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { analyzeFeature, parseTasks, type Diagnostic } from '../packages/tasks-md/src/index';

const USAGE = 'usage: npm run corpus -- <folder> [--json]';

export interface FileReport {
  file: string;
  /** Ids the line scan finds as the first word of a checkbox item. */
  scanned: number;
  found: number;
  /** Scanned ids the engine did not read as tasks. */
  missing: string[];
  errors: Diagnostic[];
  warnings: number;
  /** Ids appear but no task was read. */
  empty: boolean;
  stated: { edges: number[]; warned: number[]; none: number[]; missed: number[] };
}

export function main(
  argv: string[],
  cwd = process.cwd(),
  out: (s: string) => void = (s) => process.stdout.write(s),
): number {
  const json = argv.includes('--json');
  const folders = argv.filter((a) => a !== '--json');
  if (folders.length !== 1 || folders[0].startsWith('-')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const root = resolve(cwd, folders[0]);
  const reports = findTaskFiles(root).map((path) => checkFile(relative(cwd, path) || path, readFileSync(path, 'utf8')));
  out(json ? `${JSON.stringify(reports, null, 2)}\n` : format(reports));
  return reports.some(failed) ? 1 : 0;
}

/** Every `tasks.md` / `*.tasks.md` below `root`, sorted, outside node_modules and dot folders. */
export function findTaskFiles(root: string): string[] {
  if (statSync(root).isFile()) return [root];
  const found: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(root, entry.name);
    if (entry.isDirectory()) found.push(...findTaskFiles(path));
    else if (/(^|\.)tasks\.md$/.test(entry.name)) found.push(path);
  }
  return found.sort();
}

/** Parses and plans one file and compares the result with the line scans. */
export function checkFile(file: string, source: string): FileReport {
  // The feature's other documents are not part of the corpus: empty stand-ins keep them quiet.
  const { parsed, plan, diagnostics } = analyzeFeature(
    { dir: '', documents: { 'tasks.md': source, 'plan.md': '', 'spec.md': '' } },
    { parse: (text) => parseTasks(text, file) },
  );
  const ids = new Set(parsed.tasks.map((t) => t.id));
  const scanned = scanCheckboxIds(source);
  const edgeLines = new Set<number>();
  for (const deps of Object.values(plan.dependsOn)) {
    for (const d of deps)
      for (const r of d.reasons) for (const m of r.cause.matchAll(/tasks\.md:(\d+)/g)) edgeLines.add(Number(m[1]));
  }
  const warnedLines = new Set(diagnostics.filter((d) => d.code === 'unread-dependency').map((d) => d.line));
  const noneLines = new Set(parsed.statements.filter((s) => s.kind === 'none').map((s) => s.line));
  const stated: FileReport['stated'] = { edges: [], warned: [], none: [], missed: [] };
  // A feature without tasks has an error of its own; its statements have nothing to order.
  for (const line of parsed.tasks.length ? scanStatedDependencies(source) : []) {
    if (edgeLines.has(line) || parsed.statements.some((s) => s.kind === 'edge' && s.line === line))
      stated.edges.push(line);
    else if (warnedLines.has(line)) stated.warned.push(line);
    else if (noneLines.has(line)) stated.none.push(line);
    else stated.missed.push(line);
  }
  return {
    file,
    scanned: scanned.length,
    found: parsed.tasks.length,
    missing: scanned.filter((id) => !ids.has(id)),
    errors: diagnostics.filter((d) => d.severity === 'error'),
    warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    empty: parsed.tasks.length === 0 && /\bT\d{3}/.test(source),
    stated,
  };
}

/**
 * Ids written as the first word of a checkbox item (`- [ ] T001`, `1. [X] **T002**`, `[x] T003 -`),
 * outside fenced code. Deliberately a plain line scan, independent of the engine's reading.
 */
export function scanCheckboxIds(source: string): string[] {
  const ids: string[] = [];
  let fence: string | undefined;
  for (const line of source.split(/\r?\n|\r/)) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (!fence || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence ? undefined : marker;
      continue;
    }
    if (fence) continue;
    const item = /^\s*(?:>\s*)*(?:(?:[-*+]|\d{1,9}[.)])\s+)?\[[ xX]\]\s+(.*)$/.exec(line);
    if (!item) continue;
    const rest = item[1].replace(/^(?:\*\*|__|\[[^\]\s]+\]\s*)+/, '');
    const id = /^(T\d+(?:[A-Za-z]|(?:\.\d+)+)?)(?![\w.-]*\w)/.exec(rest);
    if (id) ids.push(id[1]);
  }
  return ids;
}

const UNIT = String.raw`(?:user\s+stor(?:y|ies)\s*\d+|US\s?\d+|phase\s+\d+(?:\.\d+)?|foundational|setup)`;
const LINKS = [
  String.raw`depends?\s+on`,
  String.raw`requires?`,
  String.raw`must\s+(?:wait|follow|come\s+after)`,
  String.raw`blocked\s+by`,
  String.raw`builds?\s+on`,
  String.raw`after`,
  String.raw`needs?`,
  String.raw`waits?\s+for`,
  String.raw`prerequisites?`,
].join('|');
const STATEMENT = new RegExp(String.raw`${UNIT}[^.;\n]*?\b(?:${LINKS})\b[^.;\n]*?${UNIT}`, 'i');

/** Lines that state a dependency between two stories or phases, by a plain scan (tables included, code fences not). */
export function scanStatedDependencies(source: string): number[] {
  const lines: number[] = [];
  let fence: string | undefined;
  source.split(/\r?\n|\r/).forEach((text, i) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (marker && (!fence || (marker[0] === fence[0] && marker.length >= fence.length)))
      fence = fence ? undefined : marker;
    if (fence || marker) return;
    if (/^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]/.test(text)) return; // a task's own text
    if (STATEMENT.test(text.replace(/\*\*|__|`/g, ''))) lines.push(i + 1);
  });
  return lines;
}

function failed(r: FileReport): boolean {
  return r.missing.length > 0 || r.errors.length > 0 || r.empty || r.stated.missed.length > 0;
}

function format(reports: FileReport[]): string {
  const lines: string[] = [];
  const sum = (f: (r: FileReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  for (const r of reports) {
    const s = r.stated;
    lines.push(
      `${failed(r) ? 'FAIL' : 'ok  '} ${r.file}: ${r.found} tasks, ${r.scanned} checkbox ids scanned, ${r.missing.length} missing, ` +
        `${r.errors.length} errors, ${r.warnings} warnings, stated deps ${s.edges.length} edges / ${s.warned.length} warned / ${s.none.length} none / ${s.missed.length} missed${r.empty ? ', EMPTY' : ''}`,
    );
    if (r.missing.length)
      lines.push(`       missing: ${r.missing.slice(0, 20).join(' ')}${r.missing.length > 20 ? ' …' : ''}`);
    for (const e of r.errors.slice(0, 5))
      lines.push(`       ${e.line ? `line ${e.line}: ` : ''}${e.code}: ${e.message}`);
    if (s.missed.length) lines.push(`       stated dependency not read, lines ${s.missed.join(', ')}`);
  }
  lines.push(
    '',
    `Total: ${reports.length} files, ${sum((r) => r.found)} tasks, ${sum((r) => r.scanned)} checkbox ids scanned, ` +
      `${sum((r) => r.missing.length)} missing in ${reports.filter((r) => r.missing.length).length} files, ` +
      `${sum((r) => r.errors.length)} errors in ${reports.filter((r) => r.errors.length).length} files, ` +
      `${reports.filter((r) => r.empty).length} empty features, stated dependencies: ${sum((r) => r.stated.edges.length)} edges, ` +
      `${sum((r) => r.stated.warned.length)} warned, ${sum((r) => r.stated.none.length)} none, ${sum((r) => r.stated.missed.length)} missed`,
  );
  return `${lines.join('\n')}\n`;
}
