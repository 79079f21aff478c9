/**
 * Every markdown package the parser uses, in one module so the build can bundle it
 * (tools/build.js). Nx 24 starts plugin workers and the daemon with
 * `--conditions development`, and unified's packages answer that condition with their debug
 * builds, which parse markedly slower. The bundle is resolved without that condition, so graph
 * construction parses with the same code as every other process; and one file loads faster than
 * the many modules it holds (README, Measured). From source (the tests) this is a plain
 * re-export.
 *
 * remark's parser without its serialiser: tasks.md is edited by position, never re-serialised.
 */
export { unified } from 'unified';
export { default as remarkParse } from 'remark-parse';
export { gfm } from 'micromark-extension-gfm';
export { gfmFootnoteFromMarkdown } from 'mdast-util-gfm-footnote';
export { gfmTableFromMarkdown } from 'mdast-util-gfm-table';
export { gfmTaskListItemFromMarkdown } from 'mdast-util-gfm-task-list-item';
export { toString } from 'mdast-util-to-string';
export { SKIP, visit } from 'unist-util-visit';
