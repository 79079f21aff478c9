#!/usr/bin/env node
// `npm run corpus -- <folder>`: loads tools/corpus.ts through swc, so no build is needed.
require('@swc-node/register');
process.exitCode = require('./corpus.ts').main(process.argv.slice(2));
