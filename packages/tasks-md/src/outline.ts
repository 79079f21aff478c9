/**
 * What other feature documents hold, read with the engine's markdown parser rather than by lines,
 * so a checkbox or a marker shown inside a code block is an example, never a real one.
 */
import type { Nodes, Root } from 'mdast';
import { markdownTree } from './parse';

/** A checkbox list item of a markdown document. */
export interface CheckboxItem {
  /** 1-based line of the item. */
  line: number;
  checked: boolean;
}

/** Every checkbox list item (`- [ ]`, `* [x]`, `1. [X]`, nested or quoted), outside code blocks. Throws on a document nested too deeply to read. */
export function checkboxItems(source: string): CheckboxItem[] {
  const tree = markdownTree(source);
  if (!tree) throw new Error('lists or blockquotes nest too deeply to read the checkboxes');
  const items: CheckboxItem[] = [];
  eachNode(tree, (node) => {
    if (node.type === 'listItem' && typeof node.checked === 'boolean')
      items.push({ line: node.position!.start.line, checked: node.checked });
  });
  return items;
}

/** The 1-based lines inside fenced or indented code blocks; none when the document cannot be parsed. */
export function codeLines(source: string): Set<number> {
  const lines = new Set<number>();
  const tree = markdownTree(source);
  if (tree) {
    eachNode(tree, (node) => {
      if (node.type !== 'code') return;
      for (let line = node.position!.start.line; line <= node.position!.end.line; line++) lines.add(line);
    });
  }
  return lines;
}

/** Every node of `tree`, with unist-util-visit from the bundled markdown stack (loaded with the parser). */
function eachNode(tree: Root, visit: (node: Nodes) => void): void {
  const stack = require('./markdown-stack') as typeof import('./markdown-stack');
  stack.visit(tree, (node) => visit(node as Nodes));
}
