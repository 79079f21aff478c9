/**
 * The HTML packages the report is built with, in one module so the build can bundle it
 * (tools/build.js), as the engine does with its markdown packages: they are ESM-only, and the
 * plugin is CommonJS loaded by Nx processes started with `--conditions development`. From source
 * (the tests) this is a plain re-export.
 */
export { h, s } from 'hastscript';
export { toHtml } from 'hast-util-to-html';
import type { Result } from 'hastscript';

export type { Child } from 'hastscript';
/** One HTML or SVG element of the tree. */
export type Element = Extract<Result, { type: 'element' }>;
