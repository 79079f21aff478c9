// A small rule set that keeps the architecture honest: imports point one way between layers, no
// module cycles, and Nx's private files are reached from one adapter only. Formatting is not
// linted here.
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';

const src = 'packages/nx-speckit/src';

// Bottom to top: a layer imports only from the layers before it (and the engine, tasks-md).
// Folders in one layer do not import each other either.
const layers = [
  [`${src}/process`, `${src}/names.ts`, `${src}/graph-walk.ts`],
  [`${src}/agents`],
  [`${src}/isolation`, `${src}/gates`],
  [`${src}/task-runner`],
  [`${src}/plugin`],
  [`${src}/report`],
  [`${src}/nx-internals.ts`],
  [`${src}/hooks`, `${src}/executors`, `${src}/generators`, `${src}/cli`],
  [`${src}/index.ts`],
];

const layerZones = layers
  .flatMap((layer, i) =>
    layer.map((target) => ({
      target,
      from: [...layers.slice(i + 1).flat(), ...layer.filter((sibling) => sibling !== target)],
      message: 'Imports point down the layers listed in eslint.config.mjs (README "Layout").',
    })),
  )
  .filter((zone) => zone.from.length > 0);

const nxPrivateFiles = {
  group: ['nx/src/*', 'nx/src/**'],
  message: "Nx's private files are reached only through src/nx-internals.ts, which survives their moving.",
};
const anyNx = {
  group: ['nx', 'nx/*', '@nx/*'],
  message: 'This layer runs without Nx: keep Nx in the plugin, executors and hooks.',
};
// `require('…')` is how this code loads modules lazily; no-restricted-imports does not see it.
const noRequire = (pattern, message) => ({
  selector: `CallExpression[callee.name='require'] > Literal.arguments[value=${pattern}]`,
  message,
});

export default defineConfig(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.d.ts', 'specs/**', 'examples/**'] },
  {
    files: ['packages/*/src/**/*.ts', 'packages/*/e2e/**/*.ts', 'packages/*/testing/**/*.ts', 'tools/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      'import-x/no-cycle': ['error', { commonjs: true }],
      'no-restricted-imports': ['error', { patterns: [nxPrivateFiles] }],
      'no-restricted-syntax': ['error', noRequire('/^nx\\u002Fsrc\\u002F/', nxPrivateFiles.message)],
      // This code loads modules lazily with `require(…) as typeof import(…)` to keep graph construction light.
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The parsers and output readers match control bytes (NUL, ESC) on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Specs may test across layers (a transaction through the task runner); the code may not.
    files: [`${src}/**/*.ts`],
    ignores: ['**/*.spec.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones }] },
  },
  {
    files: [`${src}/nx-internals.ts`],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
  },
  {
    files: [
      'packages/tasks-md/src/**/*.ts',
      `${src}/process/**/*.ts`,
      `${src}/names.ts`,
      `${src}/graph-walk.ts`,
      `${src}/agents/**/*.ts`,
      `${src}/isolation/**/*.ts`,
      `${src}/gates/**/*.ts`,
      `${src}/task-runner/**/*.ts`,
      `${src}/report/**/*.ts`,
    ],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            anyNx,
            { group: ['nx-speckit', 'nx-speckit/*'], message: 'The engine does not depend on the plugin.' },
          ],
        },
      ],
      'no-restricted-syntax': ['error', noRequire('/^(nx|@nx)(\\u002F|$)/', anyNx.message)],
    },
  },
);
