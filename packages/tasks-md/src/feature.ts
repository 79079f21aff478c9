/** A whole feature folder (`specs/NNN-name/`): its documents, checked together. */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Diagnostic, ParsedTasks, ParseFn } from './model';
import { codeLines } from './outline';
import { parseTasks } from './parse';
import { planTasks, type Plan, type PlanOptions } from './plan';
import { isUnsafePath } from './task-text';

/** Documents `/implement` refuses to start without. */
export const REQUIRED_DOCUMENTS = ['tasks.md', 'plan.md', 'spec.md'] as const;

/** A feature folder's required documents, as read by `readFeature` (or given directly). */
export interface FeatureDocuments {
  /** Workspace-relative folder, posix (`specs/001-albums`). Diagnostics name files under it. */
  dir: string;
  /** Text of each required document that exists. */
  documents: Partial<Record<(typeof REQUIRED_DOCUMENTS)[number], string>>;
  /** Why a document that exists could not be read (a folder by that name, no permission). */
  unreadable?: Partial<Record<(typeof REQUIRED_DOCUMENTS)[number], string>>;
}

/** Everything known about a feature before it runs: its tasks, its plan and what stands in the way. */
export interface FeatureAnalysis {
  parsed: ParsedTasks;
  plan: Plan;
  /** Everything found, errors first, then by file and line. */
  diagnostics: Diagnostic[];
  /** No errors: the feature can run. */
  ok: boolean;
}

/**
 * Reads a feature folder's required documents (`tasks.md`, `plan.md`, `spec.md`) relative to the
 * workspace root. A missing or unreadable document is recorded, never thrown, so one broken feature
 * cannot take down a whole workspace's graph.
 */
export function readFeature(workspaceRoot: string, dir: string): FeatureDocuments {
  const documents: FeatureDocuments['documents'] = {};
  const unreadable: NonNullable<FeatureDocuments['unreadable']> = {};
  for (const name of REQUIRED_DOCUMENTS) {
    const path = join(workspaceRoot, dir, name);
    if (!existsSync(path)) continue;
    // A diagnostic, not a throw: one unreadable feature must not take the workspace's graph down.
    try {
      documents[name] = readFileSync(path, 'utf8');
    } catch (error) {
      unreadable[name] = (error as Error).message;
    }
  }
  return { dir, documents, ...(Object.keys(unreadable).length ? { unreadable } : {}) };
}

/**
 * Parses, plans and validates a feature: missing documents, unresolved `[NEEDS CLARIFICATION]`
 * markers, unsafe declared paths and every parse and plan diagnostic, errors first. `ok` is true
 * when the feature can run.
 *
 * @example
 * const analysis = analyzeFeature(readFeature(process.cwd(), 'specs/001-x'));
 * if (!analysis.ok) console.error(analysis.diagnostics.map(formatDiagnostic).join('\n'));
 */
export function analyzeFeature(
  feature: FeatureDocuments,
  options: PlanOptions & { parse?: ParseFn } = {},
): FeatureAnalysis {
  const tasksFile = posix.join(feature.dir, 'tasks.md');
  const parsed = (options.parse ?? parseTasks)(feature.documents['tasks.md'] ?? '', tasksFile);
  const plan = planTasks(parsed, options, tasksFile);
  const diagnostics = [
    ...missingDocuments(feature),
    ...parsed.diagnostics,
    ...plan.diagnostics,
    ...unsafePaths(parsed, tasksFile),
    ...REQUIRED_DOCUMENTS.flatMap((name) => clarifications(feature.documents[name], posix.join(feature.dir, name))),
  ].sort(byImportance);
  return { parsed, plan, diagnostics, ok: !diagnostics.some((d) => d.severity === 'error') };
}

/** `specs/x/tasks.md:12: error: T005: message` — the form every tool prints. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}` : ''}: ` : '';
  return `${where}${d.severity}: ${d.taskId ? `${d.taskId}: ` : ''}${d.message}`;
}

function missingDocuments(feature: FeatureDocuments): Diagnostic[] {
  return REQUIRED_DOCUMENTS.filter((name) => feature.documents[name] === undefined).map((name): Diagnostic => {
    const file = posix.join(feature.dir, name);
    const reason = feature.unreadable?.[name];
    return reason
      ? { severity: 'error', code: 'unreadable-document', file, message: `${name} cannot be read: ${reason}` }
      : {
          severity: 'error',
          code: 'missing-document',
          file,
          message: `${name} is required to implement this feature but does not exist`,
        };
  });
}

function unsafePaths(parsed: ParsedTasks, file: string): Diagnostic[] {
  return parsed.tasks.flatMap((task) =>
    task.files.filter(isUnsafePath).map((path): Diagnostic => ({
      severity: 'error',
      code: 'unsafe-path',
      file,
      line: task.line,
      taskId: task.id,
      message: `declared path ${path} is ${path.startsWith('..') ? 'outside the workspace' : 'absolute'}; use a workspace-relative path`,
    })),
  );
}

function clarifications(text: string | undefined, file: string): Diagnostic[] {
  if (!text) return [];
  const found: Diagnostic[] = [];
  const code = codeLines(text); // a marker quoted in a code example is not a question
  text.split(/\r?\n/).forEach((line, i) => {
    const m = code.has(i + 1) ? null : /\[NEEDS CLARIFICATION[^\]]*\]?/i.exec(line);
    if (m)
      found.push({
        severity: 'error',
        code: 'needs-clarification',
        file,
        line: i + 1,
        message: `unresolved ${m[0].slice(0, 120)}: run /clarify first`,
      });
  });
  return found;
}

function byImportance(a: Diagnostic, b: Diagnostic): number {
  return (
    (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0)
  );
}
