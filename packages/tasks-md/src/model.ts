/** The engine's model of a spec-kit feature's tasks.md. Pure data: no Nx, no file system. */

/** An error stops the feature from running; a warning is reported and the run goes on. */
export type Severity = 'error' | 'warning';

/** A finding about a feature, printed as `file:line: severity: T###: message` by `formatDiagnostic`. */
export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable code, e.g. `duplicate-id`, `unknown-dependency`, `cycle`. */
  code: string;
  message: string;
  /** File the diagnostic is about, as given to the engine (usually workspace-relative). */
  file?: string;
  line?: number;
  taskId?: string;
}

/** A barrier phase waits for everything before it; consecutive story phases run side by side. */
export type PhaseKind = 'barrier' | 'story';

/** A heading that holds tasks, numbered from 1 by position. */
export interface Phase {
  /** 1-based position among the phases that hold tasks (`implement--phase1`, …). */
  number: number;
  /** Heading text without `#`; `(tasks before the first phase heading)` for a preamble. */
  title: string;
  /** Line of the heading (0 for a preamble). */
  line: number;
  kind: PhaseKind;
  /** `US2` for a story phase. */
  story?: string;
  /** `P1` when the heading says `(Priority: P1)` or `(P1)`. */
  priority?: string;
  taskIds: string[];
}

/** How a phase is named to people: its heading when that already says `Phase …`, else `Phase 2: <heading>`. */
export function phaseLabel(phase: Pick<Phase, 'number' | 'title'>): string {
  return /^phase\b/i.test(phase.title) ? phase.title : `Phase ${phase.number}: ${phase.title}`;
}

/** The character between a task's brackets: open, or done in either case. */
export type CheckboxState = ' ' | 'x' | 'X';

/** One task of tasks.md: its id, box, exact position, tags, text, declared files and dependencies. */
export interface Task {
  id: string;
  checkbox: CheckboxState;
  done: boolean;
  /** 1-based line of the task's list item. */
  line: number;
  /** Index of the checkbox character in the decoded text (BOM included). */
  checkboxOffset: number;
  /** Byte offset of the checkbox character in the UTF-8 file. */
  checkboxByte: number;
  parallel: boolean;
  /** `US1` from an `[US1]` tag. */
  story?: string;
  /** Effective priority: the task's `[P1]` tag, else its phase's priority. */
  priority?: string;
  /** Other bracket labels such as `ALL`. */
  labels: string[];
  /** Task text without id, tags and dependency clauses. */
  description: string;
  /** The task's own text as written (first paragraph, whitespace collapsed, after the checkbox). */
  text: string;
  /**
   * Where the whole task item lies in the decoded text (BOM included, end exclusive): its list item
   * with all nested content, its line, or its heading and what follows up to the next heading.
   */
  itemRange: [number, number];
  /** Declared paths, normalised (posix, no `./`); folders end with `/`. */
  files: string[];
  /** Explicit dependencies, ranges expanded, in the order written. */
  dependsOn: string[];
  /** Index into `ParsedTasks.phases`. */
  phase: number;
  /** Nearest sub-heading inside the phase, if any. */
  section?: string;
  /** Increases at every sub-heading inside a phase: a `[P]` run never crosses it. */
  sectionIndex: number;
}

/** The result of `parseTasks`: phases, tasks, checkbox items that are not tasks, stated dependencies and diagnostics. */
export interface ParsedTasks {
  phases: Phase[];
  tasks: Task[];
  /** Problems found while reading the file (duplicate ids, checkboxes without ids, …). */
  diagnostics: Diagnostic[];
  /** Dependencies between stories or phases stated in prose or tables. */
  statements: StatedDependency[];
  /**
   * Checkbox items that are not tasks (no `T###` id, or a box that is neither open nor done). The
   * open ones are never run, so a run over them is not complete.
   */
  nonTasks: NonTaskItem[];
  bom: boolean;
}

/** How tasks.md is parsed: `parseTasks`, or a `reusingParser` that shares parses between processes. */
export type ParseFn = (source: string, file?: string) => ParsedTasks;

/** A checkbox item without a task id (`- [ ] R001 …`): never run, but an open one makes a run partial. */
export interface NonTaskItem {
  line: number;
  /** Index of the box's mark in the decoded text, -1 when the mark is not a checkbox state (`[~]`). */
  checkboxOffset: number;
  /** `[ ]`, or a mark that is neither open nor done. */
  open: boolean;
}

/** Lines of the open checkbox items that are not tasks. */
export function openNonTasks(parsed: Pick<ParsedTasks, 'nonTasks'>): number[] {
  return parsed.nonTasks.filter((item) => item.open).map((item) => item.line);
}

/**
 * A sentence or table row of tasks.md about the order of stories or phases. `edge`: the dependent
 * stories/phases wait for the prerequisites; `none`: it says they depend on nothing else.
 * Unclear sentences become `unread-dependency` warnings instead.
 */
export interface StatedDependency {
  line: number;
  kind: 'edge' | 'none';
  /** Numbers of the phases that wait (1-based, as in `implement--phase3`); empty for `none`. */
  dependents: number[];
  /** Numbers of the phases they wait for. */
  prerequisites: number[];
}
