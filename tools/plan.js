#!/usr/bin/env node
// `npm run plan -- specs/001-x`: the package's plan command from source through swc (the engine from its build, which npm ci makes).
require('@swc-node/register');
process.exitCode = require('../packages/nx-speckit/src/cli/plan.ts').main(process.argv.slice(2));
