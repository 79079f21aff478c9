import type { Processor } from 'unified';
import type { Heading, ListItem, Nodes, Paragraph, Root, TableRow } from 'mdast';
import type { CheckboxState, Diagnostic, NonTaskItem, Phase, ParsedTasks, Task } from './model';
import { readStatements, type ProseLine } from './stated';
import {
  DEPENDENCY_BULLET,
  TASK_ID,
  extractDeclaredPaths,
  extractDependencyRefs,
  extractFilesBullet,
  expandDependencyRefs,
  withoutDependencyClauses,
} from './task-text';

const BOM = '\uFEFF';
// A task line: optional leading tags, the id (optionally bold), an optional `:`/`.` after it.
const TASK_LINE = new RegExp(
  String.raw`^((?:\[[^\]\s]+\]\s*)*)(?:\*\*|__)?(${TASK_ID})(?:\*\*|__)?(?:\s*[:.)]|\s|$)\s*([\s\S]*)$`,
);
// `[P]`, `[US1]`, `[P2]`, `[ALL]`: uppercase bracket tags that are not markdown links.
const TAG = /\[([A-Z][A-Z0-9_-]*)\](?!\()/g;

// CommonMark settles block structure (headings, lists, code) before inline syntax, and we read a
// task's text from the source by position. So inline constructs are switched off: same tree
// shape, less parsing work.
// GFM's inline constructs too: `gfmPotentialFootnoteCall` walks back over every earlier event at
// each `]`, quadratic in the `[P]` tags of one line (found by src/fuzz.spec.ts).
const INLINE_CONSTRUCTS = [
  'attention',
  'autolink',
  'characterEscape',
  'characterReference',
  'codeText',
  'hardBreakEscape',
  'htmlText',
  'labelEnd',
  'labelStartImage',
  'labelStartLink',
  'gfmFootnoteCall',
  'gfmPotentialFootnoteCall',
  'wwwAutolink',
  'protocolAutolink',
  'emailAutolink',
  'strikethrough',
];
/**
 * GitHub's markdown as far as it shapes blocks: task list items (`- [ ]`), tables and footnote
 * definitions, with the inline constructs above off. This is remark-gfm without its
 * autolink-literal tree transform, which rewrote every text node into links we never read
 * (a large share of remark's time in a CPU profile).
 */
function gfmBlocks(this: Processor, stack: typeof import('./markdown-stack')) {
  const data = this.data();
  (data.micromarkExtensions ??= []).push(stack.gfm(), { disable: { null: INLINE_CONSTRUCTS } });
  (data.fromMarkdownExtensions ??= []).push([
    stack.gfmFootnoteFromMarkdown(),
    stack.gfmTableFromMarkdown(),
    stack.gfmTaskListItemFromMarkdown(),
  ]);
}
// Loaded on the first parse, not with the package: a process whose parses are all reused
// (./reuse.ts) never loads the markdown stack.
let processor: Processor | undefined;
function markdownStack(): typeof import('./markdown-stack') {
  return require('./markdown-stack') as typeof import('./markdown-stack');
}
function markdown(): Processor {
  if (!processor) {
    const stack = markdownStack();
    processor = stack.unified().use(stack.remarkParse).use(gfmBlocks, stack) as unknown as Processor;
  }
  return processor;
}

/**
 * The markdown tree of any document of a feature (BOM and CRLF allowed; a BOM does not shift
 * lines), or undefined when it nests too deeply to parse safely.
 */
export function markdownTree(source: string): Root | undefined {
  const body = source.startsWith(BOM) ? source.slice(1) : source;
  return tooDeep(body) ? undefined : (markdown().parse(body) as Root);
}

/** Parses a tasks.md text (as read from disk, BOM and CRLF allowed) into phases and tasks. */
export function parseTasks(source: string, file = 'tasks.md'): ParsedTasks {
  const bom = source.startsWith(BOM);
  // micromark skips a BOM without counting it: parse without it and add it back to offsets.
  const body = bom ? source.slice(1) : source;
  const base = bom ? 1 : 0;
  const deep = tooDeep(body);
  if (deep) return unreadable(file, bom, deep);
  const tree = markdown().parse(body) as Root;

  const { items, diagnostics, unread, nonTasks, prose } = collect(tree, body, file);

  const phaseDepth = choosePhaseDepth(items);
  const { phases, phaseOf, ownerOf } = assignPhases(items, phaseDepth);

  const tasks: Task[] = [];
  const seen = new Map<string, Task>();
  const bytes = new ByteOffsets(source);
  const copies = restatedSections(items);
  for (const item of items) {
    const phaseIndex = phaseOf.get(item)!;
    const phase = phases[phaseIndex];
    const task = buildTask(item, phaseIndex, phase, ownerOf.get(item), base, bytes);
    const first = seen.get(task.id);
    if (first) {
      diagnostics.push(secondDefinition(task, first, copies.has(item), file));
      continue;
    }
    seen.set(task.id, task);
    phase.taskIds.push(task.id);
    tasks.push(task);
  }

  const ids = tasks.map((t) => t.id);
  for (const task of tasks) task.dependsOn = expandDependencyRefs(task.dependsOn, ids);
  const used = phases.filter((p) => p.taskIds.length > 0);
  finishPhases(used, tasks);
  // Beside tasks written as headings with a box, a heading with an id and no box is surely a task too.
  const headingTasks = items.some((item) => item.heading);
  diagnostics.push(...unreadTasks(unread, tasks.length > 0 && !headingTasks, file));
  const stated = readStatements(prose, used, file);
  diagnostics.push(...stated.diagnostics);
  return {
    phases: used,
    tasks,
    diagnostics,
    statements: stated.statements,
    nonTasks: nonTasks.map((n) => (n.checkboxOffset < 0 ? n : { ...n, checkboxOffset: n.checkboxOffset + base })),
    bom,
  };
}

/** A file nested too deeply to parse safely: no tasks, and an error saying why. */
function unreadable(file: string, bom: boolean, deep: { line: number; depth: number }): ParsedTasks {
  return {
    phases: [],
    tasks: [],
    statements: [],
    nonTasks: [],
    bom,
    diagnostics: [
      {
        severity: 'error',
        code: 'too-deeply-nested',
        file,
        line: deep.line,
        message: `lists or blockquotes nest about ${deep.depth} levels deep here (at most ${MAX_NESTING} are read); tasks.md is not read: flatten it`,
      },
    ],
  };
}

/**
 * A task id seen again: in a section that restates the task list (a summary, a checklist), a
 * warning, for only the first is run and marked; anywhere else, an error.
 */
function secondDefinition(task: Task, first: Task, restated: boolean, file: string): Diagnostic {
  if (restated)
    return {
      severity: 'warning',
      code: 'repeated-task',
      file,
      line: task.line,
      taskId: task.id,
      message: `${task.id} restates line ${first.line} in a repeated task list${first.text === task.text ? '' : ' (in other words)'}: it is not run, and only line ${first.line} is marked done`,
    };
  return {
    severity: 'error',
    code: 'duplicate-id',
    file,
    line: task.line,
    taskId: task.id,
    message: `${task.id} is defined twice (first on line ${first.line})`,
  };
}

/**
 * Ids where a task's id goes (headings, table rows) but no checkbox: nothing can mark them done,
 * so they are not tasks. A feature with only such tasks would run nothing and report success: an
 * error naming the lines and the shape to write; beside real tasks, a warning.
 */
function unreadTasks(unread: UnreadTask[], besideTasks: boolean, file: string): Diagnostic[] {
  if (!unread.length) return [];
  const shapes = [...new Set(unread.map((u) => u.shape))].join(' and ');
  const lines =
    unread
      .slice(0, 10)
      .map((u) => u.line)
      .join(', ') + (unread.length > 10 ? ` and ${unread.length - 10} more` : '');
  const howTo =
    'write each task as a checkbox item, `- [ ] T001 Description`, or put the box in the heading, `### T001: [ ] Title`';
  return [
    besideTasks
      ? {
          severity: 'warning',
          code: 'ids-not-tasks',
          file,
          line: unread[0].line,
          message: `task ids appear as ${shapes} without a checkbox (lines ${lines}): they are not tasks; if they are, ${howTo}`,
        }
      : {
          severity: 'error',
          code: 'no-tasks-read',
          file,
          line: unread[0].line,
          message: `tasks without a checkbox are not read: task ids appear as ${shapes} without one (lines ${lines}); ${howTo}`,
        },
  ];
}

/**
 * Items under a heading whose every task repeats an earlier id, most of them word for word or
 * under a checklist/summary heading: a task list copied as a "quality checklist". Such a copy
 * restates tasks; reused ids with new text elsewhere are real duplicates.
 */
const CHECKLIST_HEADING = /checklist|summary|overview|progress|status|validation|verification|tracking/i;

function restatedSections(items: ItemInfo[]): Set<ItemInfo> {
  const defined = new Map<string, string>();
  const bySection = new Map<HeadingInfo | undefined, { items: ItemInfo[]; allRepeat: boolean; same: number }>();
  for (const item of items) {
    const heading = item.ancestry[item.ancestry.length - 1];
    const section = bySection.get(heading) ?? { items: [], allRepeat: true, same: 0 };
    bySection.set(heading, section);
    section.items.push(item);
    const text = `${item.tags.join(' ')} ${item.rest}`;
    const earlier = defined.get(item.id);
    if (earlier === undefined) {
      section.allRepeat = false;
      defined.set(item.id, text);
    } else if (earlier === text) section.same++;
  }
  const underChecklist = (item: ItemInfo) => item.ancestry.some((h) => CHECKLIST_HEADING.test(h.title));
  const copies = [...bySection.values()].filter(
    (s) => s.allRepeat && (s.same * 2 > s.items.length || underChecklist(s.items[0])),
  );
  return new Set(copies.flatMap((s) => s.items));
}

/**
 * Nesting past this is refused before parsing: the markdown parser's work grows with depth × size
 * (mdast's list preparation rescans every enclosing list), so hundreds of nested list levels
 * hang a parse (found by src/fuzz.spec.ts). Real task lists nest a handful of levels.
 */
export const MAX_NESTING = 32;

/**
 * A cheap upper bound of each line's container depth: `>` and list markers at its start, plus
 * two columns of indentation per level (a nested list needs at least that). Only lines that
 * start with a container marker count, so deeply indented code is never taken for nesting.
 */
function tooDeep(body: string): { line: number; depth: number } | undefined {
  let line = 1;
  for (let i = 0; i < body.length;) {
    const { columns, markers, end: prefixEnd } = containerPrefix(body, i);
    const depth = markers + Math.floor(columns / 2);
    if (markers && depth > MAX_NESTING) return { line, depth };
    // Next line: micromark ends lines at \n, \r\n and a lone \r.
    let end = prefixEnd;
    while (end < body.length && body.charCodeAt(end) !== 0x0a && body.charCodeAt(end) !== 0x0d) end++;
    i = end + (body.charCodeAt(end) === 0x0d && body.charCodeAt(end + 1) === 0x0a ? 2 : 1);
    line++;
  }
  return undefined;
}

/** The blanks (`columns`, a tab counting 4), `>` and list markers (`markers`) a line starts with, and where they end. */
function containerPrefix(body: string, start: number): { columns: number; markers: number; end: number } {
  let columns = 0;
  let markers = 0;
  let j = start;
  for (;;) {
    const c = body.charCodeAt(j);
    if (c === 0x20 || c === 0x09) {
      columns += c === 0x09 ? 4 : 1;
      j++;
      continue;
    }
    const markerEnd = c === 0x3e ? j + 1 : listMarkerEnd(body, j); // 0x3e: `>`
    if (markerEnd === undefined) return { columns, markers, end: j };
    markers++;
    j = markerEnd;
  }
}

/** Where a list marker at `j` ends (`-`, `*`, `+`, or up to 9 digits and `.` or `)`, then a blank), or undefined. */
function listMarkerEnd(body: string, j: number): number | undefined {
  const isBlank = (code: number) => code === 0x20 || code === 0x09;
  const c = body.charCodeAt(j);
  if ((c === 0x2d || c === 0x2a || c === 0x2b) && isBlank(body.charCodeAt(j + 1))) return j + 1;
  let k = j;
  while (k - j < 9 && body.charCodeAt(k) >= 0x30 && body.charCodeAt(k) <= 0x39) k++;
  const delimiter = body.charCodeAt(k);
  if (k > j && (delimiter === 0x2e || delimiter === 0x29) && isBlank(body.charCodeAt(k + 1))) return k + 1;
  return undefined;
}

interface HeadingInfo {
  depth: number;
  title: string;
  line: number;
  order: number;
}
interface ItemInfo {
  /** 1-based line where the task starts. */
  line: number;
  order: number;
  id: string;
  tags: string[];
  rest: string;
  subBullets: string[];
  checkboxIndex: number;
  /** Headings enclosing the item, outermost first. */
  ancestry: HeadingInfo[];
  /** Written as a heading with its box (`### T001: [ ] Title`). */
  heading?: boolean;
  /** Start and end (exclusive) of the whole item in the body. */
  range: [number, number];
}

/** What one walk of the tree gathers, in document order. */
interface Collected {
  items: ItemInfo[];
  diagnostics: Diagnostic[];
  unread: UnreadTask[];
  nonTasks: NonTaskItem[];
  prose: ProseLine[];
}

/** One walk's inputs, findings and position. */
interface Walk {
  body: string;
  file: string;
  found: Collected;
  order: number;
  /** The headings enclosing the current node, outermost first. */
  stack: HeadingInfo[];
  /** A task written as a heading (`### T001: [X] Title`) owns what follows it up to the next heading. */
  headingTask?: Omit<ItemInfo, 'order' | 'ancestry'>;
}

const isCheckboxItem = (node: Nodes | undefined): node is ListItem =>
  node?.type === 'listItem' && typeof node.checked === 'boolean';

/** Walks the tree in document order: headings, and list items that are tasks. Code is never entered. */
function collect(tree: Root, body: string, file: string): Collected {
  const found: Collected = { items: [], diagnostics: [], unread: [], nonTasks: [], prose: [] };
  const walk: Walk = { body, file, found, order: 0, stack: [] };
  const { visit, SKIP } = markdownStack();
  visit(tree, (node: Nodes, index, parent) => {
    // A checkbox item's first paragraph is its own text, read with the item: never again as task lines.
    if (index === 0 && isCheckboxItem(parent as Nodes)) return SKIP;
    if (node.type === 'heading') return (collectHeading(walk, node), SKIP);
    if (node.type === 'tableRow') return (collectTableRow(walk, node), SKIP);
    if (node.type === 'paragraph') return (collectParagraph(walk, node), SKIP);
    if (isCheckboxItem(node) && !walk.headingTask) collectCheckboxItem(walk, node);
    return undefined;
  });
  if (walk.headingTask) walk.headingTask.range[1] = body.length;
  return found;
}

function collectHeading(walk: Walk, node: Heading) {
  // A heading task ends where the next heading starts.
  if (walk.headingTask) walk.headingTask.range[1] = node.position!.start.offset!;
  const info: HeadingInfo = {
    depth: node.depth,
    title: headingTitle(plainText(node)),
    line: node.position!.start.line,
    order: walk.order++,
  };
  const { stack, found } = walk;
  while (stack.length && stack[stack.length - 1].depth >= info.depth) stack.pop();
  walk.headingTask = readHeadingTask(node, walk.body);
  found.prose.push({ line: info.line, text: info.title, heading: info.line });
  // The item shares its range array with `headingTask`, so the end set later reaches it.
  if (walk.headingTask)
    found.items.push({ ...walk.headingTask, heading: true, order: info.order, ancestry: [...stack] });
  else if (startsWithId(info.title)) found.unread.push({ line: info.line, shape: 'a heading' });
  stack.push(info);
}

function collectTableRow(walk: Walk, node: TableRow) {
  const cells = node.children.map(plainText);
  const line = node.position!.start.line;
  walk.found.prose.push({ line, text: cells.join(' | '), cells, heading: currentHeading(walk) });
  if (startsWithId(cells[0] ?? '')) walk.found.unread.push({ line, shape: 'a table row' });
}

function collectParagraph(walk: Walk, node: Paragraph) {
  const { body, found, headingTask } = walk;
  const lines = slice(body, node).split(/\r?\n|\r/);
  const heading = currentHeading(walk);
  lines.forEach((text, i) => found.prose.push({ line: node.position!.start.line + i, text, heading }));
  // Under a heading task each line is a detail of its own (`**Depends On**: T001` / `**Files**: …`).
  if (headingTask) headingTask.subBullets.push(...lines.map(collapse).filter(Boolean));
  // `[X] T001 - …` lines written without a list marker: each such line is a task.
  else
    for (const item of readTaskLines(node, body, found.diagnostics, walk.file, found.nonTasks))
      found.items.push({ ...item, order: walk.order++, ancestry: [...walk.stack] });
}

function collectCheckboxItem(walk: Walk, node: ListItem) {
  const { found } = walk;
  const item = readTaskItem(node, walk.body);
  const line = node.position!.start.line;
  if (item) {
    found.items.push({
      ...item,
      line,
      range: [node.position!.start.offset!, node.position!.end.offset!],
      order: walk.order++,
      ancestry: [...walk.stack],
    });
    return;
  }
  found.nonTasks.push({
    line,
    checkboxOffset: findCheckbox(walk.body, node.position!.start.offset!),
    open: !node.checked,
  });
  // One message whatever the mark: a reused parse (./reuse.ts) only refreshes the marks.
  found.diagnostics.push({
    severity: 'warning',
    code: 'checkbox-without-id',
    file: walk.file,
    line,
    message: 'checkbox item has no task id (T###): it is not a task and is not run',
  });
}

const currentHeading = (walk: Walk) => walk.stack[walk.stack.length - 1]?.line;

const LINE_CHECKBOX = /^[ \t]*\[([^\]\s]| )\][ \t]+/;
const STARTS_WITH_ID = new RegExp(String.raw`^[\s*_]*${TASK_ID}`);
const HEADING_BOX_FIRST = /^#{1,6}[ \t]+\[([ xX])\][ \t]+/;
const HEADING_ID_FIRST = new RegExp(
  String.raw`^#{1,6}[ \t]+((?:\*\*|__)?${TASK_ID}(?:\*\*|__)?)[ \t]*[:.\-–—]?[ \t]*\[([ xX])\][ \t]*`,
);

/** An id in the place a task's id goes: a heading or table row that looks like a task but has no checkbox. */
interface UnreadTask {
  line: number;
  shape: string;
}

function startsWithId(text: string): boolean {
  return STARTS_WITH_ID.test(text);
}

/** `### T001: [X] Title` or `### [ ] T001 Title`: a task whose checkbox sits in its heading. */
function readHeadingTask(node: Heading, body: string): Omit<ItemInfo, 'order' | 'ancestry'> | undefined {
  const start = node.position!.start.offset!;
  const raw = slice(body, node);
  const boxFirst = HEADING_BOX_FIRST.exec(raw);
  const idFirst = boxFirst ? undefined : HEADING_ID_FIRST.exec(raw);
  if (!boxFirst && !idFirst) return undefined;
  const checkboxIndex = start + (boxFirst ? boxFirst[0].indexOf('[') : idFirst![0].lastIndexOf('[')) + 1;
  const text = boxFirst ? raw.slice(boxFirst[0].length) : `${idFirst![1]} ${raw.slice(idFirst![0].length)}`;
  const match = TASK_LINE.exec(withoutLeadingBold(collapse(text.replace(/[ \t]#+[ \t]*$/, ''))));
  if (!match) return undefined;
  const tags = [...match[1].matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
  return {
    line: node.position!.start.line,
    id: match[2],
    tags,
    rest: match[3],
    subBullets: [],
    checkboxIndex,
    range: [start, node.position!.end.offset!],
  };
}

/**
 * Task lines of a paragraph: lines that open with `[ ]`/`[X]` and an id, without a list marker.
 * Another mark in the box (`[~] T020`, also `- [-] T020`, which is no GFM task item) cannot be
 * checkpointed: a warning and an open item (the run is not complete), never a silent skip.
 */
function readTaskLines(
  node: Paragraph,
  body: string,
  diagnostics: Diagnostic[],
  file: string,
  nonTasks: NonTaskItem[],
) {
  const found: Array<Omit<ItemInfo, 'order' | 'ancestry'>> = [];
  let offset = node.position!.start.offset!;
  let line = node.position!.start.line;
  const end = node.position!.end.offset!;
  while (offset < end) {
    let stop = body.indexOf('\n', offset);
    if (stop < 0 || stop > end) stop = end;
    const text = body.slice(offset, stop);
    const box = LINE_CHECKBOX.exec(text);
    const match = box && TASK_LINE.exec(withoutLeadingBold(collapse(text.slice(box[0].length))));
    if (box && match && !/[ xX]/.test(box[1])) {
      nonTasks.push({ line, checkboxOffset: -1, open: true });
      diagnostics.push({
        severity: 'warning',
        code: 'unknown-checkbox',
        file,
        line,
        taskId: match[2],
        message: `${match[2]} has the box [${box[1]}], neither open nor done: it is not run; write [ ] to run it or [X] if it is done`,
      });
    } else if (box && match) {
      const tags = [...match[1].matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
      found.push({
        line,
        id: match[2],
        tags,
        rest: match[3],
        subBullets: [],
        checkboxIndex: offset + box[0].indexOf('[') + 1,
        range: [offset, stop],
      });
    }
    offset = stop + 1;
    line++;
  }
  return found;
}

function readTaskItem(node: ListItem, body: string) {
  const first = node.children[0];
  if (!first || first.type !== 'paragraph') return undefined;
  const checkboxIndex = findCheckbox(body, node.position!.start.offset!);
  if (checkboxIndex < 0) return undefined;
  // The text after `[ ]`. Not simply the paragraph: mdast moves the paragraph's start past the
  // checkbox only when plain text follows it, so `- [ ] **T001** …` would keep the `[ ]`.
  const text = withoutLeadingBold(taskText(body, first, checkboxIndex));
  const match = TASK_LINE.exec(text);
  if (!match) return undefined;
  const subBullets: string[] = [];
  for (const child of node.children.slice(1)) {
    if (child.type !== 'list') continue;
    for (const sub of child.children) {
      const para = sub.children[0];
      if (para?.type !== 'paragraph') continue;
      // A nested checkbox item with its own id is a task of its own, not a detail of this one.
      if (typeof sub.checked === 'boolean' && isTaskItem(sub, body)) continue;
      const bullet = collapse(slice(body, para));
      subBullets.push(bullet);
      // `- Files:` followed by a nested list: each nested item is one more entry of the bullet.
      if (/:\**$/.test(bullet)) {
        for (const list of sub.children.slice(1)) {
          if (list.type !== 'list') continue;
          for (const entry of list.children) {
            if (entry.children[0]?.type === 'paragraph')
              subBullets.push(`${bullet} ${collapse(slice(body, entry.children[0]))}`);
          }
        }
      }
    }
  }
  const tags = [...match[1].matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
  return { id: match[2], tags, rest: match[3], subBullets, checkboxIndex };
}

function isTaskItem(node: ListItem, body: string): boolean {
  const first = node.children[0];
  const checkbox = findCheckbox(body, node.position!.start.offset!);
  return (
    first?.type === 'paragraph' && checkbox >= 0 && TASK_LINE.test(withoutLeadingBold(taskText(body, first, checkbox)))
  );
}

/**
 * Bold that opens a task line is markup around its id, its tags or the whole line
 * (`**T003 [P]** Add x`, `**T001 Add x**`): drop that pair, keep any later bold.
 */
function withoutLeadingBold(text: string): string {
  const open = /^(?:\*\*|__)/.exec(text)?.[0];
  const close = open ? text.indexOf(open, 2) : -1;
  return close < 0 ? text : text.slice(2, close) + text.slice(close + 2);
}

function taskText(body: string, first: Paragraph, checkboxIndex: number): string {
  const start = Math.max(first.position!.start.offset!, checkboxIndex + 2);
  return collapse(body.slice(start, first.position!.end.offset!));
}

/** Index of the checkbox character (` `, `x` or `X`) of a list item starting at `start`. */
function findCheckbox(body: string, start: number): number {
  const m = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX])\]/.exec(body.slice(start, start + 64));
  return m ? start + m[0].length - 2 : -1;
}

function buildTask(
  item: ItemInfo,
  phaseIndex: number,
  phase: Phase,
  owner: HeadingInfo | undefined,
  base: number,
  bytes: ByteOffsets,
): Task {
  const checkboxOffset = base + item.checkboxIndex;
  const checkbox = bytes.source[checkboxOffset] as CheckboxState;
  const tags = [...item.tags, ...[...item.rest.matchAll(TAG)].map((m) => m[1])];
  const story = tags.find((t) => /^US\d+$/.test(t));
  const priorityTag = tags.find((t) => /^P\d+$/.test(t));
  const dependsOn = [
    ...extractDependencyRefs(item.rest),
    ...item.subBullets.flatMap((b) => (DEPENDENCY_BULLET.test(b) ? extractDependencyRefs(b) : [])),
  ];
  const withoutClauses = withoutDependencyClauses(item.rest);
  const files = unique([
    ...extractDeclaredPaths(withoutClauses),
    ...item.subBullets.flatMap((b) => extractFilesBullet(b)),
  ]);
  // The nearest sub-heading inside the phase; each distinct one ends a [P] run.
  const subs = item.ancestry.filter((h) => h.depth > (owner?.depth ?? 0));
  const section = subs[subs.length - 1];
  return {
    id: item.id,
    checkbox,
    done: checkbox !== ' ',
    line: item.line,
    checkboxOffset,
    checkboxByte: bytes.at(checkboxOffset),
    parallel: tags.includes('P'),
    story,
    priority: priorityTag ?? phase.priority,
    labels: unique(tags.filter((t) => t !== 'P' && t !== story && t !== priorityTag)),
    // `T001 - Add x`, `**T002 [P]**: Add y`: the separator after the id and tags is not the work.
    description: collapse(withoutClauses.replace(TAG, ' ')).replace(/^[-:–—]\s*/, ''),
    text: collapse(`${item.tags.map((t) => `[${t}]`).join(' ')} ${item.id} ${item.rest}`),
    itemRange: [base + item.range[0], base + item.range[1]],
    files,
    dependsOn,
    phase: phaseIndex,
    section: section?.title,
    sectionIndex: section ? section.order + 1 : 0,
  };
}

/**
 * The heading level that forms phases: the shallowest level holding tasks, skipping a lone
 * `#` title (`# Tasks: Chat`) that merely wraps deeper phase headings. Only `#` is a title: a lone
 * `## Phase 3: User Story 1` over `### Tests for…` / `### Implementation for…` is one phase whose
 * sub-headings split [P] runs; making them phases would let tests and code run together.
 */
function choosePhaseDepth(items: ItemInfo[]): number | undefined {
  const withTasks = new Map<HeadingInfo, number>();
  for (const item of items) for (const h of item.ancestry) withTasks.set(h, (withTasks.get(h) ?? 0) + 1);
  const depths = [...new Set([...withTasks.keys()].map((h) => h.depth))].sort((a, b) => a - b);
  for (let i = 0; i < depths.length; i++) {
    const atDepth = [...withTasks.keys()].filter((h) => h.depth === depths[i]);
    const isTitle =
      depths[i] === 1 && atDepth.length === 1 && withTasks.get(atDepth[0]) === items.length && i < depths.length - 1;
    if (!isTitle) return depths[i];
  }
  return undefined;
}

function assignPhases(items: ItemInfo[], depth: number | undefined) {
  const phases: Phase[] = [];
  const byHeading = new Map<HeadingInfo | undefined, number>();
  const phaseOf = new Map<ItemInfo, number>();
  const ownerOf = new Map<ItemInfo, HeadingInfo | undefined>();
  for (const item of items) {
    // The phase heading is the item's enclosing heading at the phase level, else the nearest
    // shallower heading (tasks after a `# Appendix`), else none: the preamble phase.
    const owner =
      depth === undefined
        ? undefined
        : (item.ancestry.find((h) => h.depth === depth) ?? [...item.ancestry].reverse().find((h) => h.depth < depth));
    let index = byHeading.get(owner);
    if (index === undefined) {
      index = phases.length;
      byHeading.set(owner, index);
      phases.push({
        number: 0,
        title: owner?.title ?? '(tasks before the first phase heading)',
        line: owner?.line ?? 0,
        kind: 'barrier',
        taskIds: [],
        ...phaseLabels(owner?.title ?? ''),
      });
    }
    phaseOf.set(item, index);
    ownerOf.set(item, owner);
  }
  return { phases, phaseOf, ownerOf };
}

function phaseLabels(title: string): Pick<Phase, 'story' | 'priority'> {
  const story = /\bUser\s+Story\s*(\d+)\b/i.exec(title) ?? /\bUS\s?(\d+)\b/.exec(title);
  const priority = /\bPriority:?\s*(P\d+)\b/i.exec(title) ?? /\((P\d+)\)/.exec(title);
  return { story: story ? `US${story[1]}` : undefined, priority: priority?.[1] };
}

/** Numbers the phases that hold tasks and decides story vs barrier. */
function finishPhases(phases: Phase[], tasks: Task[]) {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  phases.forEach((phase, i) => {
    phase.number = i + 1;
    const stories = new Set(phase.taskIds.map((id) => byId.get(id)!.story));
    if (!phase.story && stories.size === 1 && !stories.has(undefined)) phase.story = [...stories][0];
    phase.kind = phase.story ? 'story' : 'barrier';
    for (const id of phase.taskIds) byId.get(id)!.phase = i;
  });
}

/** Maps string indices to UTF-8 byte offsets, walking forward once (tasks come in file order). */
class ByteOffsets {
  private index = 0;
  private byte = 0;
  constructor(readonly source: string) {}
  at(offset: number): number {
    if (offset < this.index) {
      this.index = 0;
      this.byte = 0;
    }
    this.byte += Buffer.byteLength(this.source.slice(this.index, offset), 'utf8');
    this.index = offset;
    return this.byte;
  }
}

function slice(body: string, node: Paragraph | Heading): string {
  return body.slice(node.position!.start.offset!, node.position!.end.offset!);
}

/** Heading text without inline markup (`**Phase 1**: \`Setup\`` → `Phase 1: Setup`). */
function headingTitle(raw: string): string {
  return collapse(raw.replace(/\*\*|__|`/g, '').replace(/\\([\\`*_[\]#])/g, '$1'));
}

/** A node's text, raw HTML left out. */
function plainText(node: Nodes): string {
  return markdownStack().toString(node, { includeHtml: false, includeImageAlt: false });
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
