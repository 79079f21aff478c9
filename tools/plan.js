#!/usr/bin/env node
// `npm run plan -- specs/001-x`: loads tools/plan.ts through swc, so no build is needed.
require('@swc-node/register');
process.exitCode = require('./plan.ts').main(process.argv.slice(2));
