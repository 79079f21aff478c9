import type { Config } from 'jest';

// remark, unified and the micromark family are ESM-only; Jest on Node 20 cannot `require` them,
// so swc transpiles them (and our TypeScript) to CommonJS. Nx and TypeScript itself are plain
// CommonJS and large: leave them alone.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
] as const;

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/tools'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': swc as unknown as [string, Record<string, unknown>] },
  transformIgnorePatterns: ['/node_modules/(nx|@nx|typescript|@swc|jest[^/]*|@jest|@types|puppeteer-core|@puppeteer|chromium-bidi|devtools-protocol|@sparticuz)/'],
  moduleNameMapper: { '^@nx-speckit/tasks-md$': '<rootDir>/packages/tasks-md/src/index.ts' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/packages/.*/dist/'],
};

export default config;
