#!/usr/bin/env node
process.exitCode = require('../dist/cli/plan').main(process.argv.slice(2));
