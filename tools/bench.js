#!/usr/bin/env node
// Loads the TypeScript benchmarks through swc, the way Nx loads TypeScript plugins.
require('@swc-node/register');
require('./bench/run.ts');
